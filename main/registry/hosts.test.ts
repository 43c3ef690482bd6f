import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from './errors.ts';
import { checkOutboundUrl, forbiddenAddressReason, normalizeRegistry, registryEndpoint } from './hosts.ts';

describe('registryEndpoint', () => {
  const cases: { name: string; registry: string; insecure?: string[]; https?: string[]; base?: string; error?: string }[] = [
    { name: 'docker.io is served from registry-1.docker.io over HTTPS', registry: 'docker.io', base: 'https://registry-1.docker.io' },
    { name: 'index.docker.io is docker.io', registry: 'index.docker.io', base: 'https://registry-1.docker.io' },
    { name: 'a remote registry is HTTPS', registry: 'registry.example.com', base: 'https://registry.example.com' },
    { name: 'a remote registry with a port', registry: 'registry.example.com:5443', base: 'https://registry.example.com:5443' },
    { name: 'localhost is plain HTTP', registry: 'localhost:5000', base: 'http://localhost:5000' },
    { name: '127.0.0.1 is plain HTTP', registry: '127.0.0.1:5000', base: 'http://127.0.0.1:5000' },
    { name: 'all of 127.0.0.0/8 is loopback', registry: '127.8.9.10:5000', base: 'http://127.8.9.10:5000' },
    { name: '::1 is plain HTTP', registry: '[::1]:5000', base: 'http://[::1]:5000' },
    { name: 'a registry marked insecure is plain HTTP', registry: 'registry.lan:5000', insecure: ['registry.lan:5000'], base: 'http://registry.lan:5000' },
    { name: 'marking another registry insecure changes nothing', registry: 'registry.lan:5000', insecure: ['other.lan:5000'], base: 'https://registry.lan:5000' },
    { name: 'a loopback registry listed as HTTPS', registry: '127.0.0.1:5443', https: ['127.0.0.1:5443'], base: 'https://127.0.0.1:5443' },
    { name: 'a metadata address is refused', registry: '169.254.169.254', error: 'INVALID_REGISTRY' },
    { name: 'a link-local address is refused', registry: '169.254.3.4:5000', error: 'INVALID_REGISTRY' },
    { name: 'not a host', registry: 'not a host', error: 'INVALID_REGISTRY' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      if (c.error) {
        assert.throws(() => registryEndpoint(c.registry, c.insecure, c.https), (e: RegistryError) => e.code === c.error);
        return;
      }
      assert.equal(registryEndpoint(c.registry, c.insecure, c.https).base.origin, c.base);
    });
  }
});

describe('normalizeRegistry', () => {
  const cases: [string, string][] = [
    ['docker.io', 'docker.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['http://localhost:5000/', 'localhost:5000'],
    ['Registry.Example.com', 'registry.example.com'],
    ['ghcr.io/owner/repo', 'ghcr.io'],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => assert.equal(normalizeRegistry(input), want));
});

describe('forbiddenAddressReason', () => {
  const cases: [string, boolean][] = [
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['100.100.100.200', true],
    ['0.0.0.0', true],
    ['fe80::1', true],
    ['fd00:ec2::254', true],
    ['::ffff:169.254.169.254', true],
    ['127.0.0.1', false],
    ['10.0.0.5', false],
    ['93.184.216.34', false],
    ['::1', false],
    ['2001:db8::1', false],
  ];
  for (const [a, bad] of cases) test(`${a} ${bad ? 'refused' : 'allowed'}`, () => assert.equal(forbiddenAddressReason(a) !== null, bad));
});

describe('checkOutboundUrl', () => {
  const remote = registryEndpoint('registry.example.com');
  const local = registryEndpoint('127.0.0.1:5000');
  const cases: { name: string; endpoint: typeof remote; url: string; ok: boolean }[] = [
    { name: 'an HTTPS realm elsewhere is fine', endpoint: remote, url: 'https://auth.example.com/token', ok: true },
    { name: 'an HTTPS redirect to a CDN is fine', endpoint: remote, url: 'https://cdn.example.net/blob?sig=1', ok: true },
    { name: 'a downgrade to HTTP is refused', endpoint: remote, url: 'http://auth.example.com/token', ok: false },
    { name: 'the metadata address is refused', endpoint: remote, url: 'https://169.254.169.254/', ok: false },
    { name: 'a metadata host name is refused', endpoint: remote, url: 'https://metadata.google.internal/', ok: false },
    { name: 'a remote registry may not point at this machine', endpoint: remote, url: 'https://127.0.0.1:8080/token', ok: false },
    { name: 'localhost from a remote registry is refused', endpoint: remote, url: 'https://localhost/token', ok: false },
    { name: 'credentials in the URL are refused', endpoint: remote, url: 'https://user:pw@auth.example.com/token', ok: false },
    { name: 'another scheme is refused', endpoint: remote, url: 'ftp://auth.example.com/token', ok: false },
    { name: 'a local registry may use a local HTTP realm', endpoint: local, url: 'http://127.0.0.1:5001/token', ok: true },
    { name: 'a local registry may not send HTTP to a remote host', endpoint: local, url: 'http://auth.example.com/token', ok: false },
    { name: 'a local registry may use a remote HTTPS realm', endpoint: local, url: 'https://auth.example.com/token', ok: true },
    { name: 'a local registry may not point at link-local', endpoint: local, url: 'http://169.254.169.254/', ok: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const run = () => checkOutboundUrl(new URL(c.url), c.endpoint, 'realm');
      if (c.ok) run();
      else assert.throws(run, (e: RegistryError) => e.code === 'UNSAFE_AUTH_REALM' && !e.message.includes('pw@'));
    });
  }
});
