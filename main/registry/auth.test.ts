// Auth against the real registry: htpasswd Basic, and Bearer tokens from a token server of our own (RS256
// JWTs the registry checks against our certificate), plus realm and redirect refusals and TLS rules.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { makeCert } from '../testing/registry/certs.ts';
import { startFaultProxy } from '../testing/registry/fault-proxy.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { startTokenServer, type TokenServer } from '../testing/registry/token-server.ts';
import { tempDir } from '../testing/temp.ts';
import { RegistryAuth } from './auth.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import { DockerConfigCredentials, staticCredentials } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { registryEndpoint } from './hosts.ts';
import type { HttpRequest, HttpResponse } from './http.ts';
import { listCredentials, login, logout } from './login.ts';
import type { ProgressEvent } from './progress.ts';
import { pull } from './pull.ts';
import { planPush, push } from './push.ts';
import { remoteTag } from './remote-tag.ts';

const fast = { retry: { baseDelayMs: 20, maxDelayMs: 100 } };
const PASSWORD = 'S3cret-P@ss-word';

/** assertNoSecret checks that neither a secret nor any Authorization value leaks into what users or IPC see. */
function assertNoSecret(what: unknown, secrets: string[]): void {
  const text = JSON.stringify(what, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack, ...(v as object) } : v));
  for (const s of secrets) assert.ok(!text.includes(s), `a secret leaked: ${text.slice(0, 300)}`);
  assert.ok(!/Bearer ey|Basic [A-Za-z0-9+/]{8}/.test(text), `an Authorization value leaked: ${text.slice(0, 300)}`);
}

describe('htpasswd Basic auth', () => {
  const t = tempDir('strata-basic-');
  let reg: TestRegistry;
  let store: Store;
  const configPath = () => join(t.path, 'docker', 'config.json');
  before(async () => {
    reg = await startRegistry(join(t.path, 'registry'), { kind: 'htpasswd', users: { alice: PASSWORD } });
    store = await Store.open(join(t.path, 'store'));
    await makeBusyboxImage(store, ['local/app:1']);
  });
  after(async () => {
    await reg.stop();
    t.cleanup();
  });

  test('without a login, a push is refused with a message that says to log in', async () => {
    await assert.rejects(push(store, `${reg.host}/team/app:1`, { ...fast, source: 'local/app:1', dockerConfig: { configPath: configPath() } }), (e: RegistryError) => {
      assert.equal(e.code, 'UNAUTHORIZED');
      assert.equal(e.status, 401);
      assert.match(e.message, new RegExp(`strata login ${reg.host.replace(/\./g, '\\.')}`));
      return true;
    });
  });

  test('login with a wrong password fails, saves nothing, and never shows the password', async () => {
    const wrong = 'wrong-' + PASSWORD;
    await assert.rejects(login(reg.host, 'alice', wrong, { ...fast, dockerConfig: { configPath: configPath() } }), (e: RegistryError) => {
      assert.equal(e.code, 'UNAUTHORIZED');
      assert.match(e.message, /username or password is wrong/);
      assertNoSecret({ message: e.message, json: e.toJSON(), stack: e.stack, cause: e.cause }, [wrong, Buffer.from(`alice:${wrong}`).toString('base64')]);
      return true;
    });
    assert.deepEqual(await listCredentials({ dockerConfig: { configPath: configPath() } }), []);
  });

  test('login checks the password against the registry and saves it in docker config.json (0600)', async () => {
    const res = await login(reg.host, 'alice', PASSWORD, { ...fast, dockerConfig: { configPath: configPath() } });
    assert.deepEqual(res, { registry: reg.host, username: 'alice', source: { kind: 'docker-config', path: configPath() } });
    const config = JSON.parse(await readFile(configPath(), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(config.auths[reg.host]!.auth, 'base64').toString(), `alice:${PASSWORD}`);
    assert.equal(statSync(configPath()).mode & 0o777, 0o600);
    assert.deepEqual(await listCredentials({ dockerConfig: { configPath: configPath() } }), [{ registry: reg.host, username: 'alice', source: { kind: 'docker-config', path: configPath() } }]);
  });

  test('push, pull and remote tag use the saved login', async () => {
    const o: RegistryOptions = { ...fast, dockerConfig: { configPath: configPath() } };
    const events: ProgressEvent[] = [];
    const pushed = await push(store, `${reg.host}/team/app:1`, { ...o, source: 'local/app:1', onProgress: (b) => events.push(...b) });
    assertNoSecret(events, [PASSWORD]);
    const dst = await Store.open(join(t.path, 'dst'));
    assert.equal((await pull(dst, `${reg.host}/team/app:1`, o)).digest, pushed.digest);
    assert.equal((await remoteTag(`${reg.host}/team/app:1`, 'v1', o)).digest, pushed.digest);
  });

  test('a logged-in push learns the scheme from one 401, however many requests start at once', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const o: RegistryOptions = { ...fast, credentials: staticCredentials(proxy.host, 'alice', PASSWORD) };
      await push(store, `${proxy.host}/team/once:1`, { ...o, source: 'local/app:1' });
      assert.ok(proxy.log.filter((e) => e.method === 'HEAD').length >= 3, 'the blobs and the manifest are checked in parallel');
      assert.equal(proxy.log.filter((e) => e.status === 401).length, 1, proxy.log.map((e) => `${e.method} ${e.path} ${e.status}`).join('\n'));
    } finally {
      await proxy.stop();
    }
  });

  test('logout removes the login; the registry then wants one again', async () => {
    const res = await logout(reg.host, { dockerConfig: { configPath: configPath() } });
    assert.equal(res.removed, true);
    assert.deepEqual(await listCredentials({ dockerConfig: { configPath: configPath() } }), []);
    assert.equal((await logout(reg.host, { dockerConfig: { configPath: configPath() } })).removed, false);
    const dst = await Store.open(join(t.path, 'dst2'));
    await assert.rejects(pull(dst, `${reg.host}/team/app:1`, { ...fast, dockerConfig: { configPath: configPath() } }), (e: RegistryError) => e.code === 'UNAUTHORIZED');
  });
});

describe('Bearer token auth', () => {
  const t = tempDir('strata-token-');
  let tokens: TokenServer;
  let reg: TestRegistry;
  let store: Store;
  const users = { alice: PASSWORD, bob: 'bob-' + PASSWORD };
  before(async () => {
    tokens = await startTokenServer(t.path, {
      users,
      // alice may do anything; bob may only pull; anonymous may pull public/*.
      grant: (user, _type, name, actions) => (user === 'alice' ? actions : user === 'bob' ? actions.filter((a) => a === 'pull') : name.startsWith('public/') ? actions.filter((a) => a === 'pull') : []),
    });
    reg = await startRegistry(join(t.path, 'registry'), { kind: 'token', server: tokens });
    store = await Store.open(join(t.path, 'store'));
    await makeBusyboxImage(store, ['local/app:1'], { extraLayer: { 'a.txt': 'a' } });
  });
  after(async () => {
    await reg.stop();
    await tokens.stop();
    t.cleanup();
  });
  const as = (user: keyof typeof users): RegistryOptions => ({ ...fast, credentials: staticCredentials(reg.host, user, users[user]) });

  test('a push fetches one token for its scope and reuses it for every request', async () => {
    tokens.requests.splice(0);
    const res = await push(store, `${reg.host}/private/app:1`, { ...as('alice'), source: 'local/app:1', tags: ['latest'] });
    assert.equal(res.blobs.length, 3);
    assert.deepEqual(tokens.requests, [{ user: 'alice', scopes: ['repository:private/app:pull,push'], service: tokens.service, hadCredentials: true }]);
  });

  test('the token may come as access_token (OAuth2 style)', async () => {
    tokens.field = 'access_token';
    try {
      const dst = await Store.open(join(t.path, 'dst-access-token'));
      const res = await pull(dst, `${reg.host}/private/app:1`, as('bob'));
      assert.ok(res.digest);
    } finally {
      tokens.field = 'token';
    }
  });

  test('a cross-repository mount widens the token scope to read the source repository', async () => {
    tokens.requests.splice(0);
    const res = await push(store, `${reg.host}/private/copy:1`, { ...as('alice'), source: 'local/app:1' });
    assert.ok(res.blobs.every((b) => b.action === 'mounted'), JSON.stringify(res.blobs));
    assert.ok(
      tokens.requests.some((r) => r.scopes.includes('repository:private/copy:pull,push') && r.scopes.includes('repository:private/app:pull')),
      JSON.stringify(tokens.requests),
    );
  });

  test('the dry run sees mountable blobs through a pull token of the source repository', async () => {
    const plan = await planPush(store, `${reg.host}/private/third:1`, { ...as('alice'), source: 'local/app:1' });
    assert.ok(plan.blobs.every((b) => b.action === 'mount'), JSON.stringify(plan.blobs));
  });

  test('a user without push rights is told so (DENIED), and no secret shows', async () => {
    const events: ProgressEvent[] = [];
    await assert.rejects(push(store, `${reg.host}/private/bob:1`, { ...as('bob'), source: 'local/app:1', onProgress: (b) => events.push(...b) }), (e: RegistryError) => {
      assert.equal(e.code, 'DENIED');
      assert.match(e.message, /bob.*no right to push/);
      assertNoSecret({ m: e.message, j: e.toJSON(), s: e.stack, events }, [users.bob]);
      return true;
    });
    assert.ok(events.some((e) => e.kind === 'blob' && e.state === 'failed'));
  });

  test('anonymous pull: public repositories work, private ones say to log in', async () => {
    await push(store, `${reg.host}/public/app:1`, { ...as('alice'), source: 'local/app:1' });
    const dst = await Store.open(join(t.path, 'dst-anon'));
    const anon: RegistryOptions = { ...fast, credentials: null };
    assert.ok((await pull(dst, `${reg.host}/public/app:1`, anon)).digest);
    await assert.rejects(pull(dst, `${reg.host}/private/app:1`, anon), (e: RegistryError) => {
      assert.equal(e.code, 'UNAUTHORIZED');
      assert.match(e.message, /strata login/);
      return true;
    });
  });

  test('login through the token server: a wrong password fails, the right one is saved', async () => {
    const configPath = join(t.path, 'docker', 'config.json');
    await assert.rejects(login(reg.host, 'alice', 'nope', { ...fast, dockerConfig: { configPath } }), (e: RegistryError) => {
      assert.equal(e.code, 'UNAUTHORIZED');
      assertNoSecret({ m: e.message, j: e.toJSON() }, ['nope:']);
      return true;
    });
    await login(reg.host, 'alice', PASSWORD, { ...fast, dockerConfig: { configPath } });
    const dst = await Store.open(join(t.path, 'dst-login'));
    assert.ok((await pull(dst, `${reg.host}/private/app:1`, { ...fast, dockerConfig: { configPath } })).digest);
  });
});

describe('token cache (unit, fake transport)', () => {
  function fakeAuth(now: { t: number }, expiresIn: number) {
    const requests: URL[] = [];
    const send = async (req: HttpRequest): Promise<HttpResponse> => {
      requests.push(req.url);
      const body = Readable.from([Buffer.from(JSON.stringify({ token: `tok${requests.length}`, expires_in: expiresIn }))]) as unknown as HttpResponse['body'];
      return { status: 200, headers: {}, url: req.url, body };
    };
    const auth = new RegistryAuth({
      endpoint: registryEndpoint('registry.example.com'),
      credential: async () => null,
      send,
      insecureRegistries: [],
      userAgent: 't',
      now: () => now.t,
    });
    return { auth, requests };
  }
  async function learn(auth: RegistryAuth): Promise<void> {
    const res = { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="reg"' }, url: new URL('https://registry.example.com/v2/'), body: Readable.from([]) } as unknown as HttpResponse;
    assert.deepEqual(await auth.onUnauthorized(res, ['repository:a:pull'], undefined), { retry: true, insufficientScope: false });
  }

  test('tokens are cached per scope set until they expire', async () => {
    const now = { t: 1_000_000 };
    const { auth, requests } = fakeAuth(now, 300);
    await learn(auth);
    assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer tok1');
    assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer tok1');
    assert.equal(requests.length, 1);
    // Another scope set, another token; the same set in another order or spelling hits the cache.
    assert.equal(await auth.authorization(['repository:a:push', 'repository:a:pull']), 'Bearer tok2');
    assert.equal(await auth.authorization(['repository:a:pull,push']), 'Bearer tok2');
    assert.deepEqual(requests[1]!.searchParams.getAll('scope'), ['repository:a:pull,push']);
    assert.equal(requests[1]!.searchParams.get('service'), 'reg');
    now.t += 296_000; // within 5 s of expiry: renewed early
    assert.equal(await auth.authorization(['repository:a:pull']), 'Bearer tok3');
    assert.equal(requests.length, 3);
  });

  test('a lifetime under 60 s counts as 60 s (token.md)', async () => {
    const now = { t: 5_000_000 };
    const { auth, requests } = fakeAuth(now, 3);
    await learn(auth);
    await auth.authorization(['repository:a:pull']);
    now.t += 30_000;
    await auth.authorization(['repository:a:pull']);
    assert.equal(requests.length, 1);
  });
});

describe('refused realms, redirects and TLS', () => {
  const t = tempDir('strata-ssrf-');
  let server: http.Server;
  let host: string;
  const hits: string[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, s) => s.end();
  before(async () => {
    server = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      answer(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    t.cleanup();
  });

  const realms: { name: string; realm: string; code: string }[] = [
    { name: 'the cloud metadata address', realm: 'http://169.254.169.254/latest/meta-data/iam', code: 'UNSAFE_AUTH_REALM' },
    { name: 'a link-local address', realm: 'http://169.254.10.20/token', code: 'UNSAFE_AUTH_REALM' },
    { name: 'a metadata host name', realm: 'http://metadata.google.internal/computeMetadata/v1/', code: 'UNSAFE_AUTH_REALM' },
    { name: 'IPv6 link-local', realm: 'http://[fe80::1]/token', code: 'UNSAFE_AUTH_REALM' },
    { name: 'a file URL', realm: 'file:///etc/passwd', code: 'UNSAFE_AUTH_REALM' },
  ];
  for (const c of realms) {
    test(`a token realm at ${c.name} is refused`, async () => {
      answer = (_q, s) => {
        s.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${c.realm}",service="x"` });
        s.end();
      };
      const client = new RegistryClient(host, { ...fast, credentials: staticCredentials(host, 'alice', PASSWORD) });
      await assert.rejects(client.getManifest('a/b', 'latest'), (e: RegistryError) => {
        assert.equal(e.code, c.code);
        assertNoSecret({ m: e.message, j: e.toJSON() }, [PASSWORD]);
        return true;
      });
    });
  }

  test('a redirect of a blob to the metadata address is refused', async () => {
    answer = (_q, s) => {
      s.writeHead(307, { Location: 'http://169.254.169.254/latest/meta-data/' });
      s.end();
    };
    const client = new RegistryClient(host, { ...fast, credentials: null });
    await assert.rejects(client.getBlob("a/b", `sha256:${"a".repeat(64)}` as Digest), (e: RegistryError) => e.code === 'UNSAFE_REDIRECT');
  });

  test('a redirect to another host does not carry the Authorization header', async () => {
    const other = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(req.headers.authorization ? 'had-auth' : 'no-auth');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherHost = `localhost:${(other.address() as AddressInfo).port}`;
    answer = (q, s) => {
      if (!q.headers.authorization) {
        s.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' });
        return s.end();
      }
      s.writeHead(307, { Location: `http://${otherHost}/blob` });
      s.end();
    };
    try {
      const client = new RegistryClient(host, { ...fast, credentials: staticCredentials(host, 'alice', PASSWORD) });
      const res = await client.getBlob("a/b", `sha256:${"b".repeat(64)}` as Digest);
      const chunks: Buffer[] = [];
      for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
      assert.equal(Buffer.concat(chunks).toString(), 'no-auth');
    } finally {
      other.closeAllConnections();
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  describe('an HTTPS registry', () => {
    let tls: https.Server;
    let tlsHost: string;
    let cert: ReturnType<typeof makeCert>;
    before(async () => {
      cert = makeCert(t.path, 'registry-tls', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
      tls = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        if (req.url === '/v2/') {
          res.writeHead(200, { 'Docker-Distribution-Api-Version': 'registry/2.0' });
          return res.end('{}');
        }
        // Its token realm is plain HTTP: a downgrade.
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="x"` });
        res.end();
      });
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      tlsHost = `127.0.0.1:${(tls.address() as AddressInfo).port}`;
    });
    after(async () => {
      tls.closeAllConnections();
      await new Promise<void>((r) => tls.close(() => r()));
    });

    test('an unknown certificate is refused, with advice', async () => {
      const client = new RegistryClient(tlsHost, { ...fast, credentials: null, httpsRegistries: [tlsHost] });
      await assert.rejects(client.ping(), (e: RegistryError) => {
        assert.equal(e.code, 'REGISTRY_TLS');
        assert.match(e.message, /private CA/);
        return true;
      });
    });

    test('with its CA trusted it works, and a plain-HTTP token realm is refused as a downgrade', async () => {
      const client = new RegistryClient(tlsHost, { ...fast, credentials: null, httpsRegistries: [tlsHost], ca: cert.cert });
      await client.ping();
      await assert.rejects(client.getManifest('a/b', 'latest'), (e: RegistryError) => {
        assert.equal(e.code, 'UNSAFE_AUTH_REALM');
        assert.match(e.message, /downgrades HTTPS/);
        return true;
      });
    });
  });

  test('credentials of another registry are never sent', async () => {
    const configPath = join(t.path, 'docker-other.json');
    await writeFile(configPath, JSON.stringify({ auths: { 'other.example.com': { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } } }));
    const seen: (string | undefined)[] = [];
    answer = (q, s) => {
      seen.push(q.headers.authorization);
      s.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' });
      s.end();
    };
    const client = new RegistryClient(host, { ...fast, credentials: new DockerConfigCredentials({ configPath }) });
    await assert.rejects(client.ping(), (e: RegistryError) => e.code === 'UNAUTHORIZED');
    assert.deepEqual(seen, [undefined]);
  });
});
