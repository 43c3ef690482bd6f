// The browser mode's door: it listens on 127.0.0.1 only; requests and WebSocket upgrades without the per-run
// token, from another Host or Origin, are refused; and every engine method, called through dispatch (and the
// WebSocket) with wrong types, extra keys, huge strings and junk, answers with a typed INVALID_REQUEST.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { dispatch, PARAMS } from '../service/dispatch.ts';
import { Engine } from '../service/engine.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startStrataUi } from '../testing/cli.ts';
import { tempDir } from '../testing/temp.ts';
import { startWebServer, type WebServer } from '../web/server.ts';
import { countHostile } from './tally.ts';

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(url: string, headers: Record<string, string> = {}, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin ? { origin } : {}), maxPayload: 64 << 20 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Valid-looking arguments per method: the base the malformed variants are made from (never sent as is). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  inspectImage: { ref: 'busybox' },
  compareImages: { refs: ['a', 'b'] },
  tagImage: { source: 'a', target: 'b' },
  untagImage: { ref: 'a' },
  removeImage: { ref: 'a', force: false },
  checkReference: { input: 'a' },
  build: { contextDir: '/nonexistent', dockerfile: 'Dockerfile', tags: ['a'], buildArgs: { A: 'b' }, target: 't', noCache: true, noCacheFilter: ['s'], secrets: [{ id: 'i', src: '/x' }], network: 'none' },
  cancelBuild: { buildId: 'b' },
  openContext: { contextDir: '/nonexistent', dockerfile: 'Dockerfile' },
  saveDockerfile: { contextDir: '/nonexistent', dockerfile: 'Dockerfile', text: 'FROM a' },
  analyzeDockerfile: { text: 'FROM a' },
  pushImage: { ref: 'a', tags: ['b'], chunkSize: 4096 },
  planPush: { ref: 'a', tags: ['b'] },
  pullImage: { ref: 'a', platform: 'linux/amd64' },
  cancelTransfer: { transferId: 't' },
  remoteTag: { source: 'a', tags: ['b'] },
  login: { registry: 'r', username: 'u', password: 'p' },
  logout: { registry: 'r' },
  testCredential: { registry: 'r' },
};

const HUGE = 'x'.repeat(5_000_000);

/** wrongTypeFor is a value of another JSON type than v. */
function wrongTypesFor(v: unknown): unknown[] {
  if (typeof v === 'string') return [12345, true, ['x'], { s: 'x' }, null, HUGE];
  if (typeof v === 'number') return ['12', -1.5, null, 1e308, Number.NaN];
  if (typeof v === 'boolean') return ['true', 1, null];
  if (Array.isArray(v)) return ['x', { 0: 'x' }, null, [12345], Array(10_000).fill('x'), [HUGE]];
  return ['x', 7, [], null, { [HUGE.slice(0, 300)]: 'x' }];
}

/** malformedCalls lists bad argument objects for a method: wrong shapes, each field wrong, extra keys. */
export function malformedCalls(method: string): { what: string; params: unknown }[] {
  const sample = SAMPLES[method] ?? {};
  const out: { what: string; params: unknown }[] = [
    { what: 'params is a number', params: 42 },
    { what: 'params is a string', params: 'listImages' },
    { what: 'params is an array', params: [sample] },
    { what: 'params is true', params: true },
    { what: 'an extra key', params: { ...sample, extra: 1 } },
    { what: 'a __proto__ key', params: JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(sample).slice(1, -1) || '"x": 1'}}`) },
    { what: 'a huge extra key', params: { ...sample, [HUGE.slice(0, 100_000)]: 1 } },
  ];
  for (const [k, v] of Object.entries(sample)) {
    wrongTypesFor(v).forEach((bad, i) => out.push({ what: `${k} wrong #${i}`, params: { ...sample, [k]: bad } }));
  }
  return out;
}

/** browserSuite registers the web server and dispatch tests. */
export function browserSuite(): void {
  describe('browser mode: 127.0.0.1 only, the token and the origin guard every door, malformed calls get INVALID_REQUEST', () => {
    const t = tempDir('strata-web-');
    let web: WebServer;
    let engine: Engine;
    let base: string;
    before(async () => {
      const store = await Store.open(join(t.path, 'home'));
      await makeBusyboxImage(store, ['strata-test/web:1']);
      const dir = join(t.path, 'renderer');
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Strata</title>');
      engine = new Engine(store, 'browser');
      web = await startWebServer(engine, { rendererDir: dir });
      base = `127.0.0.1:${web.port}`;
    });
    after(async () => {
      await web?.close();
      t.cleanup();
    });

    test('listens on 127.0.0.1 only: other interfaces of this machine refuse the connection', async (ctx) => {
      const addr = web.server.address();
      assert.equal(typeof addr === 'object' && addr?.address, '127.0.0.1');
      const others = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address);
      for (const host of others) {
        const refused = await new Promise<boolean>((resolve) => {
          const s = netConnect({ host, port: web.port, timeout: 2000 });
          s.once('connect', () => {
            s.destroy();
            resolve(false);
          });
          s.once('error', () => resolve(true));
          s.once('timeout', () => {
            s.destroy();
            resolve(true);
          });
        });
        countHostile('browser');
        assert.ok(refused, `the UI answered on ${host}:${web.port}`);
      }
      ctx.diagnostic(`checked ${others.length} non-loopback address(es): ${others.join(', ') || 'none on this machine'}`);
    });

    test('HTTP without the token, with a foreign Host, or another method: refused, no data', async () => {
      const tok = web.token;
      const cases: [string, Record<string, string>, string, number][] = [
        ['/', {}, 'GET', 401],
        ['/index.html', {}, 'GET', 401],
        [`/${'0'.repeat(tok.length)}/`, {}, 'GET', 401],
        [`/${tok.slice(0, -1)}/`, {}, 'GET', 401],
        [`/${tok}x/`, {}, 'GET', 401],
        [`/${tok}`, {}, 'GET', 401],
        [`/${tok.toUpperCase()}/`, {}, 'GET', 401],
        [`//${tok}/`, {}, 'GET', 401],
        [`/${encodeURIComponent(tok)}%2F`, {}, 'GET', 401],
        [`/${tok}/`, { host: 'evil.example' }, 'GET', 421],
        [`/${tok}/`, { host: `evil.example:${web.port}` }, 'GET', 421],
        [`/${tok}/`, {}, 'POST', 405],
        [`/${tok}/`, {}, 'DELETE', 405],
        [`/${tok}/%E0%A4%A`, {}, 'GET', 400],
        [`/${tok}/%`, {}, 'GET', 400],
      ];
      for (const [path, headers, method, status] of cases) {
        const r = await get(web.port, path, headers, method);
        countHostile('browser');
        assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.doesNotMatch(r.body, /<title>Strata/, `${method} ${path}: no app data`);
      }
      // Traversal out of the renderer directory never reaches the host's files.
      for (const path of [`/${tok}/../../../../etc/passwd`, `/${tok}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`, `/${tok}/..%2f..%2f..%2fetc%2fpasswd`, `/${tok}/%2fetc%2fpasswd`]) {
        const r = await get(web.port, path);
        countHostile('browser');
        assert.doesNotMatch(r.body, /root:x:0:0/, path);
      }
      // A cross-origin page may send a GET (the browser does not ask), but may not read it: no CORS grant.
      const x = await get(web.port, `/${tok}/`, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
      countHostile('browser');
      assert.equal(x.headers['access-control-allow-origin'], undefined);
    });

    test('WebSocket upgrades without the token, from another origin or Host: refused', async () => {
      const ok = `http://${base}`;
      const cases: [string, string | undefined, Record<string, string>][] = [
        [`ws://${base}/ws`, ok, {}],
        [`ws://${base}/${'f'.repeat(web.token.length)}/ws`, ok, {}],
        [`ws://${base}/${web.token}/`, ok, {}],
        [`ws://${base}/${web.token}/wss`, ok, {}],
        [`ws://${base}/${web.token}/ws`, 'http://evil.example', {}],
        [`ws://${base}/${web.token}/ws`, `http://evil.example:${web.port}`, {}],
        [`ws://${base}/${web.token}/ws`, 'null', {}],
        [`ws://${base}/${web.token}/ws`, undefined, {}],
        [`ws://${base}/${web.token}/ws`, `https://127.0.0.1:${web.port}`, {}],
        [`ws://${base}/${web.token}/ws`, ok, { host: `evil.example:${web.port}` }],
      ];
      for (const [url, origin, headers] of cases) {
        countHostile('browser');
        await assert.rejects(openWs(url, headers, origin), /HTTP 401/, `${url} origin=${origin} ${JSON.stringify(headers)}`);
      }
      const good = await openWs(`ws://${base}/${web.token}/ws`, {}, ok);
      good.close();
    });

    test('every method through dispatch: wrong shapes, wrong types, extra keys and huge strings are INVALID_REQUEST', async (ctx) => {
      const methods = Object.keys(PARAMS);
      let calls = 0;
      let longest = { m: '', what: '', length: 0 };
      for (const m of methods) {
        for (const c of malformedCalls(m)) {
          const r = await dispatch(engine, m, c.params);
          calls++;
          assert.equal(r.ok, false, `${m} with ${c.what} was accepted`);
          assert.equal(!r.ok && r.error.code, 'INVALID_REQUEST', `${m} with ${c.what}: ${JSON.stringify(!r.ok && r.error).slice(0, 300)}`);
          if (!r.ok && r.error.message.length > longest.length) longest = { m, what: c.what, length: r.error.message.length };
        }
      }
      for (const m of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' listImages', 'listImages\0', 42, null, undefined, ['listImages'], { m: 1 }]) {
        const r = await dispatch(engine, m, {});
        calls++;
        assert.equal(!r.ok && r.error.code, 'INVALID_REQUEST', `method ${String(m)}`);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
      countHostile('browser', calls);
      ctx.diagnostic(`${calls} malformed calls; the longest error message (${longest.m}, ${longest.what}) has ${longest.length} characters`);
      assert.ok(longest.length <= 600, `validation messages are bounded: ${longest.m} with ${longest.what} answered ${longest.length} characters`);
    });

    test('junk over the WebSocket: typed errors', async () => {
      const ws = await openWs(`ws://${base}/${web.token}/ws`, {}, `http://${base}`);
      const replies: Record<string, unknown>[] = [];
      ws.on('message', (d) => replies.push(JSON.parse(String(d))));
      const junk = ['not json', '[]', 'null', '"listImages"', '{"id":2,"method":1}', '{"id":3}', '{"id":4,"method":"tagImage","params":{"__proto__":{"polluted":true},"source":"a","target":"b"}}', '{"id":5,"method":"inspectImage","params":"busybox"}', '\u0000\u0001', '{"id":6,"method":"listImages","params":' + '['.repeat(5000) + ']'.repeat(5000) + '}'];
      for (const j of junk) ws.send(j);
      await new Promise((r) => setTimeout(r, 500));
      countHostile('browser', junk.length);
      for (const r of replies.filter((x) => x.id !== undefined && !('event' in x))) {
        assert.equal(r.ok, false, JSON.stringify(r).slice(0, 200));
        assert.equal((r.error as { code: string }).code, 'INVALID_REQUEST', JSON.stringify(r).slice(0, 200));
      }
      assert.ok(replies.length >= junk.length - 1, `${replies.length} replies to ${junk.length} junk messages`);
      ws.close();
      const again = await openWs(`ws://${base}/${web.token}/ws`, {}, `http://${base}`);
      const answer = await new Promise<Record<string, unknown>>((resolve) => {
        again.on('message', (d) => {
          const m = JSON.parse(String(d));
          if (m.id === 9) resolve(m);
        });
        again.send(JSON.stringify({ id: 9, method: 'version', params: {} }));
      });
      assert.equal(answer.ok, true, 'the server still serves');
      again.close();
    });

    test('an oversized WebSocket frame closes that socket only (strata ui keeps serving)', async () => {
      const home = join(t.path, 'ui-home');
      const ui = await startStrataUi(home);
      try {
        const u = new URL(ui.url);
        const ws = await openWs(`ws://${u.host}${u.pathname}ws`, {}, `http://${u.host}`);
        const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
        ws.send('x'.repeat(2 << 20));
        countHostile('browser');
        assert.equal(await closed, 1009, 'a frame over the limit closes the socket (1009 message too big)');
        const again = await openWs(`ws://${u.host}${u.pathname}ws`, {}, `http://${u.host}`);
        again.close();
      } finally {
        await ui.stop();
      }
    });
  });
}
