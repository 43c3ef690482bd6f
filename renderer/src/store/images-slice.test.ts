import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineMethod } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { APP, APP_DETAIL, BASE, USAGE } from '../testing/sample-images.ts';
import { createStrataStore } from './store.ts';

type Handler = (params: unknown) => Promise<unknown>;

/** fakeCaller answers from a table of handlers and records every call. */
function fakeCaller(handlers: Partial<Record<EngineMethod, Handler>>) {
  const calls: [EngineMethod, unknown][] = [];
  const call = (async (method: EngineMethod, params: unknown) => {
    calls.push([method, params]);
    const h = handlers[method];
    if (!h) throw new EngineError('NOT_STUBBED', method);
    return h(params);
  }) as Caller;
  return { call, calls };
}

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('images slice', () => {
  test('refreshImages loads the list and the usage', async () => {
    const { call } = fakeCaller({ listImages: async () => [APP, BASE], storeUsage: async () => USAGE });
    const store = createStrataStore(call);
    assert.equal(store.getState().imagesLoaded, false);
    await store.getState().refreshImages();
    const s = store.getState();
    assert.deepEqual(s.images, [APP, BASE]);
    assert.deepEqual(s.usage, USAGE);
    assert.equal(s.imagesLoaded, true);
    assert.equal(s.imagesLoading, false);
    assert.equal(s.imagesError, null);
  });

  test('a failed refresh keeps the error and the last list', async () => {
    let fail = false;
    const { call } = fakeCaller({
      listImages: async () => {
        if (fail) throw new EngineError('STORE_CORRUPT', 'index.json is not JSON');
        return [BASE];
      },
      storeUsage: async () => USAGE,
    });
    const store = createStrataStore(call);
    await store.getState().refreshImages();
    fail = true;
    await store.getState().refreshImages();
    const s = store.getState();
    assert.equal(s.imagesError?.code, 'STORE_CORRUPT');
    assert.deepEqual(s.images, [BASE]);
  });

  test('selectImage loads the detail by digest', async () => {
    const { call, calls } = fakeCaller({ inspectImage: async () => APP_DETAIL });
    const store = createStrataStore(call);
    await store.getState().selectImage(APP.digest);
    assert.deepEqual(calls, [['inspectImage', { ref: APP.digest }]]);
    assert.equal(store.getState().detail, APP_DETAIL);
    assert.equal(store.getState().selectedDigest, APP.digest);
  });

  test('a slow detail of a previous selection never replaces the current one', async () => {
    const slow = deferred<unknown>();
    const { call } = fakeCaller({ inspectImage: async (p) => ((p as { ref: string }).ref === APP.digest ? slow.promise : { ...APP_DETAIL, digest: BASE.digest }) });
    const store = createStrataStore(call);
    const first = store.getState().selectImage(APP.digest);
    await store.getState().selectImage(BASE.digest);
    slow.resolve(APP_DETAIL);
    await first;
    assert.equal(store.getState().selectedDigest, BASE.digest);
    assert.equal(store.getState().detail?.digest, BASE.digest);
  });

  test('a detail error is kept and shown, not swallowed', async () => {
    const { call } = fakeCaller({ inspectImage: async () => Promise.reject(new EngineError('IMAGE_NOT_FOUND', 'no image')) });
    const store = createStrataStore(call);
    await store.getState().selectImage(APP.digest);
    assert.equal(store.getState().detailError?.code, 'IMAGE_NOT_FOUND');
    assert.equal(store.getState().detailLoading, false);
  });

  test('a refresh closes the detail of an image that is gone', async () => {
    let list = [APP, BASE];
    const { call } = fakeCaller({ listImages: async () => list, storeUsage: async () => USAGE, inspectImage: async () => APP_DETAIL });
    const store = createStrataStore(call);
    await store.getState().selectImage(APP.digest);
    list = [BASE];
    await store.getState().refreshImages();
    assert.equal(store.getState().selectedDigest, null);
    assert.equal(store.getState().detail, null);
  });

  test('a refresh reloads the open detail in place', async () => {
    let usedBy = 2;
    const { call, calls } = fakeCaller({
      listImages: async () => [APP, BASE],
      storeUsage: async () => USAGE,
      inspectImage: async () => ({ ...APP_DETAIL, layers: APP_DETAIL.layers.map((l) => ({ ...l, usedBy })) }),
    });
    const store = createStrataStore(call);
    await store.getState().selectImage(APP.digest);
    usedBy = 3;
    await store.getState().refreshImages();
    assert.equal(store.getState().detail?.layers[0]?.usedBy, 3);
    assert.equal(calls.filter(([m]) => m === 'inspectImage').length, 2);
  });

  test('selectImage(null) closes the detail', async () => {
    const { call } = fakeCaller({ inspectImage: async () => APP_DETAIL });
    const store = createStrataStore(call);
    await store.getState().selectImage(APP.digest);
    await store.getState().selectImage(null);
    assert.equal(store.getState().detail, null);
    assert.equal(store.getState().selectedDigest, null);
  });
});
