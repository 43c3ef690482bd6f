import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { indexPath } from '../explore/file-index.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { dispatch } from './dispatch.ts';
import { Engine } from './engine.ts';

const t = tempDir();
let store: Store;
let engine: Engine;

/** call goes through dispatch, as every door does, and unwraps the envelope. */
async function call(method: string, params: unknown): Promise<any> {
  const r = await dispatch(engine, method, params);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.result;
}

describe('engine: the layer explorer through dispatch', () => {
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, ['ex/base:1']);
    await makeBusyboxImage(store, ['ex/app:1'], { extraLayer: { 'app/a.txt': 'hello\n', 'app/b.bin': 'b'.repeat(3000) } });
    engine = new Engine(store);
  });
  after(() => t.cleanup());

  test('exploreImage lists the layers with their file counts', async () => {
    const img = await call('exploreImage', { ref: 'ex/app:1' });
    assert.equal(img.layers.length, 2);
    assert.deepEqual(img.layers.map((l: { files: number }) => l.files > 0), [true, true]);
    assert.equal(img.layers[1].fileBytes, 6 + 3000);
  });

  test('exploreTree filters by change and pattern, and says it is whole', async () => {
    const tree = await call('exploreTree', { ref: 'ex/app:1', layer: 1, view: 'layer', changes: ['added'], pattern: '**/*.txt', depth: 8 });
    const paths: string[] = [];
    const walk = (n: { path: string; type: string; children?: unknown[] }) => {
      if (n.type !== 'dir') paths.push(n.path);
      for (const c of (n.children ?? []) as (typeof n)[]) walk(c);
    };
    walk(tree.root);
    assert.deepEqual(paths, ['/app/a.txt']);
    assert.equal(tree.truncated, false);
    assert.equal(tree.totalSize, 6);
  });

  test('exploreFiles pages a flat list sorted by size', async () => {
    const list = await call('exploreFiles', { ref: 'ex/app:1', layer: 1, sort: 'size', limit: 1 });
    assert.equal(list.total, 2);
    assert.deepEqual(list.entries.map((e: { path: string }) => e.path), ['/app/b.bin']);
  });

  test('readImageFile reads a text file of the image', async () => {
    const f = await call('readImageFile', { ref: 'ex/app:1', path: '/app/a.txt' });
    assert.equal(f.text, 'hello\n');
    assert.equal(f.truncated, false);
  });

  test('analyzeImage and diffImages answer; the diff is paged', async () => {
    const w = await call('analyzeImage', { ref: 'ex/app:1' });
    assert.equal(w.wastedBytes, 0);
    assert.equal(w.efficiency, 1);
    const d = await call('diffImages', { a: 'ex/base:1', b: 'ex/app:1', limit: 1 });
    assert.equal(d.filesTotal, 3, '/app and its two files');
    assert.equal(d.files.length, 1);
    assert.equal(d.truncated, true);
    assert.equal(d.summary.added, 3);
    assert.equal(d.commonLayers.length, 1);
  });

  for (const [name, method, params] of [
    ['a view that does not exist', 'exploreTree', { ref: 'ex/app:1', view: 'all' }],
    ['an unknown change', 'exploreTree', { ref: 'ex/app:1', changes: ['renamed'] }],
    ['a negative layer', 'exploreFiles', { ref: 'ex/app:1', layer: -1 }],
    ['a page too big', 'exploreFiles', { ref: 'ex/app:1', limit: 100000 }],
    ['an unknown parameter', 'analyzeImage', { ref: 'ex/app:1', all: true }],
    ['a diff without b', 'diffImages', { a: 'ex/app:1' }],
  ] as const) {
    test(`rejects ${name}`, async () => {
      await assert.rejects(call(method, params), (e: { code?: string }) => e.code === 'INVALID_REQUEST');
    });
  }

  test('removing an image drops the file indexes of the layers gc deleted', async () => {
    const app = await store.resolve('ex/app:1');
    const own = app.manifest.layers[1]!.digest;
    const base = app.manifest.layers[0]!.digest;
    assert.equal(existsSync(indexPath(store, own)), true);
    await call('removeImage', { ref: 'ex/app:1' });
    assert.equal(existsSync(indexPath(store, own)), false, 'the app layer index went with its blob');
    assert.equal(existsSync(indexPath(store, base)), true, 'the base layer (still used) keeps its index');
  });
});
