import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { WebSocketBridge, webSocketUrl, type ConnectionState, type SocketLike } from './ws-bridge.ts';

/** FakeSocket records what the bridge sends and lets a test open, answer and drop it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  reply(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const reports: string[] = [];
  const bridge = new WebSocketBridge('ws://127.0.0.1:1/tok/ws', {
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    initialDelayMs: 1,
    maxDelayMs: 4,
    report: (m) => reports.push(m),
  });
  const last = () => sockets[sockets.length - 1] as FakeSocket;
  return { bridge, sockets, reports, last };
}

describe('webSocketUrl', () => {
  const cases: [string, string][] = [
    ['http://127.0.0.1:4000/abc/', 'ws://127.0.0.1:4000/abc/ws'],
    ['http://127.0.0.1:4000/abc/index.html?x=1#top', 'ws://127.0.0.1:4000/abc/ws'],
    ['https://example.test/t/', 'wss://example.test/t/ws'],
  ];
  for (const [page, want] of cases) test(page, () => assert.equal(webSocketUrl(page), want));
});

describe('WebSocketBridge', () => {
  test('queues calls until the socket opens, then answers by id', async () => {
    const { bridge, last } = harness();
    const p = bridge.invoke('listImages', {});
    assert.equal(last().sent.length, 0);
    last().open();
    const sent = JSON.parse(last().sent[0] as string);
    assert.deepEqual(sent, { id: sent.id, method: 'listImages', params: {} });
    last().reply({ id: sent.id, ok: true, result: [] });
    assert.deepEqual(await p, { ok: true, result: [] });
    bridge.close();
  });

  test('passes an error envelope through', async () => {
    const { bridge, last } = harness();
    last().open();
    const p = bridge.invoke('inspectImage', { ref: 'nope' });
    const { id } = JSON.parse(last().sent[0] as string);
    last().reply({ id, ok: false, error: { code: 'IMAGE_NOT_FOUND', message: 'no image "nope"' } });
    assert.deepEqual(await p, { ok: false, error: { code: 'IMAGE_NOT_FOUND', message: 'no image "nope"' } });
    bridge.close();
  });

  test('delivers events to listeners until they unsubscribe', () => {
    const { bridge, last } = harness();
    last().open();
    const got: unknown[] = [];
    const off = bridge.on('images/changed', (p) => got.push(p));
    last().reply({ event: 'images/changed', payload: { reason: 'tagged a' } });
    off();
    last().reply({ event: 'images/changed', payload: { reason: 'tagged b' } });
    assert.deepEqual(got, [{ reason: 'tagged a' }]);
    bridge.close();
  });

  test('a drop answers in-flight calls BRIDGE_DISCONNECTED, reconnects, and sends queued calls', async () => {
    const { bridge, sockets, last } = harness();
    const states: ConnectionState[] = [];
    bridge.onConnection((s) => states.push(s));
    last().open();
    const inflight = bridge.invoke('listImages', {});
    last().drop();
    const r = await inflight;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'BRIDGE_DISCONNECTED');
    const queued = bridge.invoke('storeUsage', {});
    await new Promise((res) => setTimeout(res, 10));
    assert.equal(sockets.length, 2, 'reconnected');
    last().open();
    const { id, method } = JSON.parse(last().sent[0] as string);
    assert.equal(method, 'storeUsage');
    last().reply({ id, ok: true, result: { onDisk: 1 } });
    assert.deepEqual(await queued, { ok: true, result: { onDisk: 1 } });
    assert.deepEqual(states, ['open', 'reconnecting', 'open']);
    bridge.close();
  });

  test('reports malformed and unsolicited messages instead of dropping them silently', async () => {
    const { bridge, last, reports } = harness();
    last().open();
    last().onmessage?.({ data: 'not json' });
    last().reply({ id: 999, ok: false, error: { code: 'X', message: 'y' } });
    last().reply({ hello: 1 });
    await tick();
    assert.equal(reports.length, 3);
    assert.match(reports[1] as string, /unknown call 999: X y/);
    bridge.close();
  });

  test('close answers waiting calls and stops reconnecting', async () => {
    const { bridge, sockets } = harness();
    const p = bridge.invoke('listImages', {});
    bridge.close();
    const r = await p;
    assert.equal(!r.ok && r.error.code, 'BRIDGE_DISCONNECTED');
    const after = await bridge.invoke('listImages', {});
    assert.equal(after.ok, false);
    await new Promise((res) => setTimeout(res, 10));
    assert.equal(sockets.length, 1);
  });
});
