import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineEvents, StrataBridge } from '../../../preload/contract.ts';
import { createStrataStore } from '../store/store.ts';
import { BASE, USAGE } from '../testing/sample-images.ts';
import { bindEvents, coalesce } from './bind-events.ts';
import type { Caller } from './call.ts';
import type { ConnectionState } from './ws-bridge.ts';

/** fakeBridge lets a test fire engine events and connection changes. */
function fakeBridge(initial?: ConnectionState) {
  const events = new Set<(p: EngineEvents['images/changed']) => void>();
  const conn = new Set<(s: ConnectionState) => void>();
  const bridge: StrataBridge & { connection?: ConnectionState; onConnection?: (l: (s: ConnectionState) => void) => () => void } = {
    invoke: (async () => ({ ok: true, result: null })) as StrataBridge['invoke'],
    on: ((_e: 'images/changed', l: (p: EngineEvents['images/changed']) => void) => {
      events.add(l);
      return () => events.delete(l);
    }) as StrataBridge['on'],
  };
  if (initial) {
    bridge.connection = initial;
    bridge.onConnection = (l) => {
      conn.add(l);
      return () => conn.delete(l);
    };
  }
  return {
    bridge,
    fire: () => events.forEach((l) => l({ reason: 'tagged' })),
    setState: (s: ConnectionState) => conn.forEach((l) => l(s)),
    listeners: () => events.size + conn.size,
  };
}

function countingStore() {
  let lists = 0;
  const call = (async (method: string) => {
    if (method === 'listImages') {
      lists++;
      await new Promise((r) => setTimeout(r, 5));
      return [BASE];
    }
    return USAGE;
  }) as Caller;
  return { store: createStrataStore(call), lists: () => lists };
}

const settle = () => new Promise((r) => setTimeout(r, 40));

describe('coalesce', () => {
  test('calls during a run queue one more run, not one each', async () => {
    let runs = 0;
    const run = coalesce(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
    });
    await Promise.all([run(), run(), run(), run()]);
    assert.equal(runs, 2);
  });
});

describe('bindEvents', () => {
  test('loads once at start and once more for a burst of images/changed', async () => {
    const { store, lists } = countingStore();
    const b = fakeBridge();
    bindEvents(b.bridge, store);
    b.fire();
    b.fire();
    b.fire();
    await settle();
    assert.equal(lists(), 2);
    assert.deepEqual(store.getState().images, [BASE]);
  });

  test('mirrors the connection and refreshes after a reconnect', async () => {
    const { store, lists } = countingStore();
    const b = fakeBridge('connecting');
    bindEvents(b.bridge, store);
    assert.equal(store.getState().connection, 'connecting');
    b.setState('open');
    await settle();
    assert.equal(lists(), 1, 'the first open only sends the queued start-up load');
    b.setState('reconnecting');
    assert.equal(store.getState().connection, 'reconnecting');
    b.setState('open');
    await settle();
    assert.equal(lists(), 2);
  });

  test('asks where builds stand at start and again after each reconnect, not on the first open', async () => {
    const asked: string[] = [];
    const call = (async (method: string) => {
      asked.push(method);
      return method === 'listImages' || method === 'listBuilds' ? [] : USAGE;
    }) as Caller;
    const store = createStrataStore(call);
    const b = fakeBridge('connecting');
    bindEvents(b.bridge, store);
    await settle();
    b.setState('open');
    await settle();
    assert.equal(asked.filter((m) => m === 'listBuilds').length, 1);
    b.setState('reconnecting');
    b.setState('open');
    await settle();
    assert.equal(asked.filter((m) => m === 'listBuilds').length, 2);
  });

  test('unbind removes every listener', () => {
    const { store } = countingStore();
    const b = fakeBridge('open');
    const off = bindEvents(b.bridge, store);
    assert.equal(b.listeners(), 7, 'images/changed, build/status, transfer/progress, run/output, run/exit, app/command, connection');
    off();
    assert.equal(b.listeners(), 0);
  });
});
