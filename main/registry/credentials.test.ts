// docker's config.json and credential helpers, with a fake `docker-credential-strata-fake` on PATH.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { DockerConfigCredentials, configKey, dockerConfigPath, helperFor } from './credentials.ts';
import { RegistryError } from './errors.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A credential helper speaking docker-credential-helpers' protocol, keeping its secrets in a JSON file. */
const HELPER = `#!${process.execPath}
const fs = require('fs');
const path = require('path');
const dir = process.env.FAKE_HELPER_DIR;
const action = process.argv[2];
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const db = path.join(dir, 'db.json');
  let data = {};
  try { data = JSON.parse(fs.readFileSync(db, 'utf8')); } catch {}
  fs.appendFileSync(path.join(dir, 'calls.log'), action + ' ' + (action === 'store' ? JSON.parse(input).ServerURL : input.trim()) + '\\n');
  const key = input.trim();
  if (action === 'get') {
    if (key === 'broken.example.com') { process.stdout.write('keychain is locked'); process.exit(1); }
    if (!data[key]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: key, Username: data[key].Username, Secret: data[key].Secret }));
  } else if (action === 'store') {
    const j = JSON.parse(input);
    data[j.ServerURL] = { Username: j.Username, Secret: j.Secret };
    fs.writeFileSync(db, JSON.stringify(data));
  } else if (action === 'erase') {
    if (!data[key]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
    delete data[key];
    fs.writeFileSync(db, JSON.stringify(data));
  } else if (action === 'list') {
    const out = {};
    for (const k of Object.keys(data)) out[k] = data[k].Username;
    process.stdout.write(JSON.stringify(out));
  }
});
`;

describe('docker config.json credentials', () => {
  const t = tempDir('strata-creds-');
  const bin = join(t.path, 'bin');
  const helperDir = join(t.path, 'helper');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_HELPER_DIR: helperDir };
  const write = (name: string, config: unknown) => {
    const p = join(t.path, name);
    writeFileSync(p, JSON.stringify(config));
    return p;
  };
  before(() => {
    mkdirSync(bin, { recursive: true });
    mkdirSync(helperDir, { recursive: true });
    writeFileSync(join(bin, 'docker-credential-strata-fake'), HELPER);
    chmodSync(join(bin, 'docker-credential-strata-fake'), 0o755);
    writeFileSync(join(helperDir, 'db.json'), JSON.stringify({ 'helped.example.com': { Username: 'helper-user', Secret: 'helper-secret' }, 'https://index.docker.io/v1/': { Username: '<token>', Secret: 'refresh-token' } }));
  });
  after(() => t.cleanup());

  const auths = {
    'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
    'http://localhost:5000': { auth: b64('local:pw:with:colons') },
    'https://registry.example.com/v2/': { auth: b64('ex:expw') },
    'legacy.example.com': { username: 'old', password: 'oldpw' },
    'idtoken.example.com': { auth: b64('someone:'), identitytoken: 'id-token-1' },
  };
  const lookups: { name: string; registry: string; want: { username: string; password?: string; identityToken?: string } | null }[] = [
    { name: 'Docker Hub under its v1 URL', registry: 'docker.io', want: { username: 'hubuser', password: 'hubpass' } },
    { name: 'a key with scheme, for host:port', registry: 'localhost:5000', want: { username: 'local', password: 'pw:with:colons' } },
    { name: 'a key with a path', registry: 'registry.example.com', want: { username: 'ex', password: 'expw' } },
    { name: 'username/password fields', registry: 'legacy.example.com', want: { username: 'old', password: 'oldpw' } },
    { name: 'an identity token', registry: 'idtoken.example.com', want: { username: 'someone', identityToken: 'id-token-1' } },
    { name: 'an unknown registry', registry: 'nowhere.example.com', want: null },
  ];
  for (const c of lookups) {
    test(`auths: ${c.name}`, async () => {
      const path = write('auths.json', { auths });
      const got = await new DockerConfigCredentials({ configPath: path, env }).get(c.registry);
      if (!c.want) return assert.equal(got, null);
      const { source, ...rest } = got!;
      assert.deepEqual(rest, c.want);
      assert.deepEqual(source, { kind: 'docker-config', path });
    });
  }

  test('credHelpers wins for its registry; others still come from auths', async () => {
    const path = write('helpers.json', { auths, credHelpers: { 'helped.example.com': 'strata-fake' } });
    const store = new DockerConfigCredentials({ configPath: path, env });
    assert.deepEqual(await store.get('helped.example.com'), { username: 'helper-user', password: 'helper-secret', source: { kind: 'credential-helper', helper: 'strata-fake', path } });
    assert.equal((await store.get('docker.io'))?.password, 'hubpass');
    assert.equal(helperFor({ credHelpers: { 'helped.example.com': 'strata-fake' } }, 'docker.io'), null);
  });

  test('credsStore serves every registry; `<token>` means an identity token', async () => {
    const path = write('store.json', { credsStore: 'strata-fake' });
    const store = new DockerConfigCredentials({ configPath: path, env });
    assert.deepEqual(await store.get('docker.io'), { username: '', identityToken: 'refresh-token', source: { kind: 'credential-helper', helper: 'strata-fake', path } });
    assert.equal(await store.get('nothing.example.com'), null);
    assert.match(readFileSync(join(helperDir, 'calls.log'), 'utf8'), /get https:\/\/index\.docker\.io\/v1\//);
  });

  test('save, list and erase go through credsStore, leaving docker\'s empty auths entry', async () => {
    const path = write('store-save.json', { credsStore: 'strata-fake', currentContext: 'keep-me' });
    const store = new DockerConfigCredentials({ configPath: path, env });
    assert.deepEqual(await store.save('new.example.com', 'neo', 'n30-secret'), { kind: 'credential-helper', helper: 'strata-fake', path });
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(config.auths, { 'new.example.com': {} });
    assert.equal(config.currentContext, 'keep-me');
    assert.ok(!readFileSync(path, 'utf8').includes('n30-secret'));
    assert.equal((await store.get('new.example.com'))?.password, 'n30-secret');
    const list = await store.list();
    assert.deepEqual(list.find((e) => e.registry === 'new.example.com'), { registry: 'new.example.com', username: 'neo', source: { kind: 'credential-helper', helper: 'strata-fake', path } });
    assert.deepEqual(await store.erase('new.example.com'), { removed: true, source: { kind: 'credential-helper', helper: 'strata-fake', path } });
    assert.equal(await store.get('new.example.com'), null);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).auths, {});
  });

  test('save without a helper writes base64 auths, 0600, replacing other spellings of the same registry', async () => {
    const path = join(t.path, 'fresh', 'config.json');
    const store = new DockerConfigCredentials({ configPath: path, env });
    await store.save('docker.io', 'a', 'b');
    await store.save('https://index.docker.io/v1/', 'hub', 'pw');
    await store.save('localhost:5000', 'l', 'p');
    const config = JSON.parse(readFileSync(path, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.deepEqual(Object.keys(config.auths).sort(), ['https://index.docker.io/v1/', 'localhost:5000']);
    assert.equal(Buffer.from(config.auths['https://index.docker.io/v1/']!.auth, 'base64').toString(), 'hub:pw');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual((await store.list()).map((e) => `${e.registry}=${e.username}`), ['docker.io=hub', 'localhost:5000=l']);
    assert.deepEqual(await store.erase('localhost:5000'), { removed: true, source: { kind: 'docker-config', path } });
    assert.deepEqual(await store.erase('localhost:5000'), { removed: false, source: null });
  });

  test('a missing helper is named, with what to do', async () => {
    const path = write('missing.json', { credHelpers: { 'x.example.com': 'not-installed-anywhere' } });
    await assert.rejects(new DockerConfigCredentials({ configPath: path, env }).get('x.example.com'), (e: RegistryError) => {
      assert.equal(e.code, 'CREDENTIAL_HELPER');
      assert.match(e.message, /docker-credential-not-installed-anywhere is not installed/);
      return true;
    });
  });

  test('a failing helper reports its first line', async () => {
    const path = write('broken.json', { credsStore: 'strata-fake' });
    await assert.rejects(new DockerConfigCredentials({ configPath: path, env }).get('broken.example.com'), (e: RegistryError) => e.code === 'CREDENTIAL_HELPER' && /keychain is locked/.test(e.message));
  });

  test('a broken config.json says where and what', async () => {
    const path = join(t.path, 'broken-config.json');
    writeFileSync(path, '{ not json');
    await assert.rejects(new DockerConfigCredentials({ configPath: path, env }).get('docker.io'), (e: RegistryError) => e.code === 'DOCKER_CONFIG_INVALID' && e.message.includes(path));
  });

  test('where config.json lives', () => {
    assert.equal(dockerConfigPath({ env: { DOCKER_CONFIG: '/x/y', HOME: '/home/u' } }), '/x/y/config.json');
    assert.equal(dockerConfigPath({ env: { HOME: '/home/u' } }), '/home/u/.docker/config.json');
    assert.equal(dockerConfigPath({ configPath: '/c.json' }), '/c.json');
    assert.equal(configKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(configKey('http://localhost:5000/'), 'localhost:5000');
  });
});
