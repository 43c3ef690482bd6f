import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { Engine } from './engine.ts';

const t = tempDir();
after(() => t.cleanup());

test('compareImages: one band per shared layer across the images that have it, shared and saved bytes, matrix', async () => {
  const store = await Store.open(join(t.path, 'home'));
  await makeBusyboxImage(store, ['cmp/a:1'], { extraLayer: { 'a.txt': 'a'.repeat(1000) } });
  await makeBusyboxImage(store, ['cmp/b:1'], { extraLayer: { 'b.txt': 'b'.repeat(3000) } });
  await makeBusyboxImage(store, ['cmp/base:1']);
  const engine = new Engine(store);
  const c = await engine.compareImages({ refs: ['cmp/a:1', 'cmp/b:1', 'cmp/base:1'] });
  const a = await store.resolve('cmp/a:1');
  const b = await store.resolve('cmp/b:1');
  const base = a.manifest.layers[0]!;
  assert.deepEqual(c.bands.map((x) => [x.digest, x.columns]), [[base.digest, [0, 1, 2]], [a.manifest.layers[1]!.digest, [0]], [b.manifest.layers[1]!.digest, [1]]]);
  assert.equal(c.bands[0]!.createdBy, 'ADD busybox-static /bin/busybox # strata test base');
  assert.equal(c.sharedBytes, base.size);
  assert.equal(c.savedOnDisk, base.size * 2, 'three images, one copy of the base');
  assert.equal(c.matrix[0]![1], base.size);
  assert.equal(c.matrix[0]![0], base.size + a.manifest.layers[1]!.size);
  assert.deepEqual(c.images.map((i) => i.uniqueSize), [a.manifest.layers[1]!.size, b.manifest.layers[1]!.size, 0]);
  await assert.rejects(engine.compareImages({ refs: ['cmp/a:1', 'nope:1'] }), /no image "nope:1"/);
});
