import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageComparison } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { APP, BASE, BASE_LAYER, UNTAGGED } from '../testing/sample-images.ts';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { COMPARISON } from '../testing/sample-transfers.ts';
import { createStrataStore } from './store.ts';

describe('compare slice', () => {
  test('toggleCompare adds and removes in the order picked', () => {
    const store = createStrataStore(fakeCaller({}).call);
    const s = () => store.getState();
    s().toggleCompare(APP.digest);
    s().toggleCompare(BASE.digest);
    s().toggleCompare(UNTAGGED.digest);
    s().toggleCompare(BASE.digest);
    assert.deepEqual(s().compareSelection, [APP.digest, UNTAGGED.digest]);
  });

  test('fewer than two images: no engine call, no result', async () => {
    const f = fakeCaller({});
    const store = createStrataStore(f.call);
    store.getState().setCompareSelection([APP.digest]);
    await store.getState().runCompare();
    assert.deepEqual(f.calls, []);
    assert.equal(store.getState().comparison, null);
  });

  test('runCompare asks the engine with the selection, once per selection', async () => {
    const f = fakeCaller({ compareImages: async () => COMPARISON });
    const store = createStrataStore(f.call);
    store.getState().setCompareSelection([APP.digest, BASE.digest, APP.digest]);
    await store.getState().runCompare();
    await store.getState().runCompare();
    assert.deepEqual(f.calls, [['compareImages', { refs: [APP.digest, BASE.digest] }]]);
    assert.deepEqual(store.getState().comparisonOf, [APP.digest, BASE.digest]);
    assert.equal(store.getState().comparison, COMPARISON);
  });

  test('an answer for an older selection is dropped', async () => {
    const slow = deferred<ImageComparison>();
    let n = 0;
    const store = createStrataStore(fakeCaller({ compareImages: async () => (n++ === 0 ? slow.promise : { ...COMPARISON, sharedBytes: 7 }) }).call);
    store.getState().setCompareSelection([APP.digest, BASE.digest]);
    const first = store.getState().runCompare();
    store.getState().setCompareSelection([BASE.digest, APP.digest]);
    await store.getState().runCompare();
    slow.resolve(COMPARISON);
    await first;
    assert.equal(store.getState().comparison?.sharedBytes, 7);
  });

  test('an engine error is kept for the view, and a retry runs again', async () => {
    let fail = true;
    const store = createStrataStore(fakeCaller({ compareImages: async () => { if (fail) throw new EngineError('IMAGE_NOT_FOUND', 'gone'); return COMPARISON; } }).call);
    store.getState().setCompareSelection([APP.digest, BASE.digest]);
    await store.getState().runCompare();
    assert.equal(store.getState().comparisonError?.code, 'IMAGE_NOT_FOUND');
    fail = false;
    await store.getState().runCompare();
    assert.equal(store.getState().comparisonError, null);
    assert.equal(store.getState().comparison, COMPARISON);
  });

  test('selectBand toggles, and survives a new comparison that still has the layer', async () => {
    const store = createStrataStore(fakeCaller({ compareImages: async () => COMPARISON }).call);
    store.getState().selectBand(BASE_LAYER);
    assert.equal(store.getState().selectedBand, BASE_LAYER);
    store.getState().selectBand(BASE_LAYER);
    assert.equal(store.getState().selectedBand, null);
    store.getState().selectBand(BASE_LAYER);
    store.getState().setCompareSelection([APP.digest, BASE.digest]);
    await store.getState().runCompare();
    assert.equal(store.getState().selectedBand, BASE_LAYER);
    store.getState().selectBand('sha256:gone');
    await store.getState().runCompare();
    assert.equal(store.getState().selectedBand, 'sha256:gone', 'no new comparison ran (same selection)');
  });
});
