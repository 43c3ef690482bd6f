import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageDiffView } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { DIFF_PAGE } from './diff-slice.ts';
import { createStrataStore } from './store.ts';

const side = { digest: 'sha256:x', references: [], layers: 1, fileBytes: 0 };
const file = (i: number) => ({ path: `/f${i}`, change: 'added' as const, typeA: null, typeB: 'file', sizeA: null, sizeB: 1 });
const diffOf = (files: number[], total: number): ImageDiffView => ({
  a: side,
  b: side,
  commonLayers: [],
  sharedPrefix: 0,
  files: files.map(file),
  filesTotal: total,
  truncated: files.length < total,
  summary: { added: total, removed: 0, changed: 0, addedBytes: total, removedBytes: 0, changedBytes: 0 },
  config: [],
});

describe('diff slice', () => {
  test('runDiff asks once per pair, a page at a time', async () => {
    const f = fakeCaller({ diffImages: async () => diffOf([0, 1], 2) });
    const store = createStrataStore(f.call);
    await store.getState().runDiff('A', 'B');
    await store.getState().runDiff('A', 'B');
    assert.deepEqual(f.calls, [['diffImages', { a: 'A', b: 'B', limit: DIFF_PAGE }]]);
    assert.deepEqual(store.getState().diffPair, ['A', 'B']);
    await store.getState().runDiff('B', 'A');
    assert.equal(f.calls.length, 2, 'swapped is another question');
  });

  test('loadMoreDiff appends the next page', async () => {
    const f = fakeCaller({ diffImages: async (p: { offset?: number }) => (p.offset ? diffOf([2], 3) : diffOf([0, 1], 3)) });
    const store = createStrataStore(f.call);
    await store.getState().runDiff('A', 'B');
    await store.getState().loadMoreDiff();
    assert.deepEqual(f.calls.at(-1), ['diffImages', { a: 'A', b: 'B', offset: 2, limit: DIFF_PAGE }]);
    assert.deepEqual(store.getState().diff?.files.map((x) => x.path), ['/f0', '/f1', '/f2']);
    assert.equal(store.getState().diff?.truncated, false);
    await store.getState().loadMoreDiff();
    assert.equal(f.calls.length, 2, 'nothing more to load');
  });

  test('an answer for an older pair is dropped; an error is kept and a retry runs', async () => {
    const slow = deferred<ImageDiffView>();
    let fail = false;
    const f = fakeCaller({
      diffImages: async (p: { a: string }) => {
        if (fail) throw new EngineError('IMAGE_NOT_FOUND', 'gone');
        return p.a === 'OLD' ? slow.promise : diffOf([5], 1);
      },
    });
    const store = createStrataStore(f.call);
    const old = store.getState().runDiff('OLD', 'B');
    await store.getState().runDiff('A', 'B');
    slow.resolve(diffOf([9], 1));
    await old;
    assert.deepEqual(store.getState().diff?.files.map((x) => x.path), ['/f5']);
    fail = true;
    await store.getState().runDiff('C', 'D');
    assert.equal(store.getState().diffError?.code, 'IMAGE_NOT_FOUND');
    fail = false;
    await store.getState().runDiff('C', 'D');
    assert.equal(store.getState().diffError, null);
  });

  test('setDiffFilter keeps the list filter', () => {
    const store = createStrataStore(fakeCaller({}).call);
    store.getState().setDiffFilter('removed');
    assert.equal(store.getState().diffFilter, 'removed');
  });
});
