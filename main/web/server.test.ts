import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as netConnect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { Engine } from '../service/engine.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { MAX_WS_MESSAGE, startWebServer, type WebServer } from './server.ts';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(url: string, origin: string | undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 64 << 20, ...(origin ? { origin } : {}) });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function call(ws: WebSocket, id: number, method: unknown, params: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: unknown) => {
      const m = JSON.parse(String(data));
      if (m.id === id) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

describe('browser mode server', () => {
  const t = tempDir();
  let web: WebServer;
  let origin: string;
  before(async () => {
    const store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, ['strata-test/web:1']);
    const dir = join(t.path, 'renderer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Strata</title>');
    web = await startWebServer(new Engine(store, 'browser'), { rendererDir: dir });
    origin = `http://127.0.0.1:${web.port}`;
  });
  after(async () => {
    await web.close();
    t.cleanup();
  });

  test('binds 127.0.0.1 only, the URL carries the token', () => {
    const addr = web.server.address();
    assert.equal(typeof addr === 'object' && addr?.address, '127.0.0.1');
    assert.match(web.url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${web.token}/$`));
    assert.equal(web.token.length, 48);
  });

  test('a request without the token gets 401 and no data', async () => {
    for (const path of ['/', '/index.html', '/ws', `/${'0'.repeat(48)}/`, `/${web.token}`, `/x${web.token}/`]) {
      const r = await get(origin + path);
      assert.equal(r.status, 401, path);
      assert.doesNotMatch(r.body, /Strata<\/title>/);
    }
  });

  test('with the token: the app shell, with a strict CSP', async () => {
    const r = await get(web.url);
    assert.equal(r.status, 200);
    assert.match(r.body, /<title>Strata<\/title>/);
    assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
  });

  test('a foreign Host header (DNS rebinding) is refused', async () => {
    const r = await get(web.url, { host: 'evil.example:80' });
    assert.equal(r.status, 421);
  });

  test('WebSocket upgrades without the token, or from another origin, are refused', async () => {
    const wsBase = `ws://127.0.0.1:${web.port}`;
    await assert.rejects(connect(`${wsBase}/ws`, origin), /401/);
    await assert.rejects(connect(`${wsBase}/${'f'.repeat(48)}/ws`, origin), /401/);
    await assert.rejects(connect(`${wsBase}/${web.token}/ws`, 'http://evil.example'), /401/);
    await assert.rejects(connect(`${wsBase}/${web.token}/ws`, undefined), /401/);
  });

  test('a malformed percent-encoding in the path is a 400, not a crash', async () => {
    for (const path of ['%E0%A4%A', '%', '%zz', 'a%c3']) {
      const r = await get(web.url + path);
      assert.equal(r.status, 400, path);
    }
    assert.equal((await get(web.url)).status, 200, 'still serving');
  });

  test('a frame over the limit closes that socket with 1009; the server keeps serving', async () => {
    const ws = await connect(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => {});
    ws.send('x'.repeat(MAX_WS_MESSAGE + 1));
    assert.equal(await closed, 1009);
    const again = await connect(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin);
    try {
      assert.equal((await call(again, 1, 'version', {})).ok, true);
    } finally {
      again.close();
    }
  });

  test('protocol junk and resets on an upgraded socket close that socket only', async () => {
    const ws = await connect(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin);
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    ws.on('error', () => {});
    // An unmasked client frame with a reserved opcode: a protocol error on the server side.
    (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0x83, 0x00]));
    await closed;
    // A raw upgrade that is refused, then reset by the client before the answer is read.
    for (let i = 0; i < 5; i++) {
      const s = netConnect(web.port, '127.0.0.1');
      s.on('error', () => {});
      s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'A'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      s.resetAndDestroy();
    }
    // Garbage instead of HTTP.
    await new Promise<void>((r) => {
      const s = netConnect(web.port, '127.0.0.1', () => s.end('\x00\x01 garbage\r\n\r\n'));
      s.on('error', () => r());
      s.on('close', () => r());
    });
    await new Promise((r) => setTimeout(r, 100));
    const again = await connect(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin);
    try {
      assert.equal((await call(again, 2, 'version', {})).ok, true);
    } finally {
      again.close();
    }
  });

  test('the contract over the WebSocket: calls, typed errors, events', async () => {
    const ws = await connect(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin);
    try {
      const list = await call(ws, 1, 'listImages', {});
      assert.equal(list.ok, true);
      assert.deepEqual((list.result as { references: string[] }[]).map((i) => i.references), [['docker.io/strata-test/web:1']]);
      const unknown = await call(ws, 2, 'deleteEverything', {});
      assert.deepEqual(unknown, { id: 2, ok: false, error: { code: 'INVALID_REQUEST', message: 'unknown method "deleteEverything"' } });
      const malformed = await call(ws, 3, 'tagImage', { source: 42 });
      assert.equal(malformed.ok, false);
      assert.equal((malformed.error as { code: string }).code, 'INVALID_REQUEST');
      const extra = await call(ws, 4, 'inspectImage', { ref: 'strata-test/web:1', __proto__x: 1 });
      assert.equal((extra.error as { code: string }).code, 'INVALID_REQUEST');
      const notFound = await call(ws, 5, 'inspectImage', { ref: 'no/such' });
      assert.equal((notFound.error as { code: string }).code, 'IMAGE_NOT_FOUND');
      const badRef = await call(ws, 6, 'tagImage', { source: 'strata-test/web:1', target: 'UPPER' });
      assert.equal((badRef.error as { code: string }).code, 'INVALID_REFERENCE');
      const event = new Promise((resolve) => ws.on('message', (d) => { const m = JSON.parse(String(d)); if (m.event) resolve(m); }));
      const tagged = await call(ws, 7, 'tagImage', { source: 'strata-test/web:1', target: 'strata-test/web:2' });
      assert.equal(tagged.ok, true);
      assert.deepEqual(await event, { event: 'images/changed', payload: { reason: 'tagged docker.io/strata-test/web:2' } });
      ws.send('not json');
    } finally {
      ws.close();
    }
  });
});
