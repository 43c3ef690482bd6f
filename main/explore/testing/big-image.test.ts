import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../store/store.ts';
import { tempDir } from '../../testing/temp.ts';
import { fileTree, listFiles } from '../explorer.ts';
import { forgetLoadedIndexes } from '../file-index.ts';
import { forgetImageModels, openImageModel } from '../image-model.ts';
import { analyzeWaste } from '../waste.ts';
import { makeBigImage, type BigImageStats } from './big-image.ts';

// The benchmark (big-image.bench.ts) runs this generator at 1 GB / 100,000 files; here a small one checks
// that the generator and the explorer agree on what it made.
describe('big image generator (small scale)', () => {
  const tmp = tempDir();
  let store: Store;
  let stats: BigImageStats;
  before(async () => {
    store = await Store.open(join(tmp.path, 'home'));
    stats = await makeBigImage(store, 'big:small', { files: 3000, bytes: 6_000_000, layers: 4, compression: 'gzip' });
  });
  after(() => tmp.cleanup());

  test('the explorer sees every file, the totals and the waste the generator planned', async () => {
    forgetLoadedIndexes();
    forgetImageModels();
    const model = await openImageModel(store, 'big:small');
    assert.deepEqual(model.indexes.map((ix) => ix.count), stats.entries);
    const tree = fileTree(model, { view: 'image', depth: 2 });
    assert.equal(tree.totalFiles, stats.finalFiles);
    const waste = analyzeWaste(model);
    assert.equal(waste.totalBytes, stats.totalBytes);
    assert.equal(waste.wastedBytes, stats.wastedBytes);
    assert.equal(listFiles(model, { layer: 3, changes: ['deleted'], limit: 0 }).total, 100);
    assert.equal(listFiles(model, { layer: 3, changes: ['modified'], limit: 0 }).total, 100);
  });
});
