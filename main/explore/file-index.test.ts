import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import { Store } from '../store/store.ts';
import { tempDir } from '../testing/temp.ts';
import { decodeIndex, encodeIndex, forgetLoadedIndexes, hashHex, indexPath, KIND_NAMES, layerIndex, pruneLayerIndexes } from './file-index.ts';
import { makeLayeredImage, t } from './testing/images.ts';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('per-layer file index', () => {
  const tmp = tempDir();
  let store: Store;
  let digest: Digest;
  const big = Buffer.alloc(300_000, 7);
  before(async () => {
    store = await Store.open(join(tmp.path, 'home'));
    const img = await makeLayeredImage(store, ['ix:1'], [
      {
        entries: [
          t.dir('./'),
          t.dir('etc'),
          t.file('etc/hosts', '127.0.0.1 localhost\n', 0o644, 0, 0),
          t.file('./srv/data.bin', big, 0o600, 1000, 1001),
          t.symlink('etc/link', '../srv/data.bin'),
          t.hardlink('srv/same.bin', 'srv/data.bin'),
          t.whiteout('var/old.log'),
          t.opaque('opt/app'),
          t.file('etc/hosts', 'replaced\n'), // a repeated path: the last entry wins, as extraction does
          t.file('.wh..wh.plnk/123', 'aufs'), // aufs bookkeeping: not a file of the image
          { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, uid: 0, gid: 0, mtime: new Date(0) } },
          { header: { name: 'émoji/✓ name', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(5000) }, body: 'x' },
        ],
      },
    ]);
    digest = (await store.resolve('ix:1')).manifest.layers[0]!.digest;
    assert.ok(img);
  });
  after(() => tmp.cleanup());

  test('records every entry: path, type, mode, owner, size, link, sha256, whiteouts and opaque dirs', async () => {
    const ix = await layerIndex(store, digest);
    const rows = Array.from({ length: ix.count }, (_, i) => ({
      path: ix.paths[i],
      type: KIND_NAMES[ix.kinds[i]!],
      mode: ix.modes[i]!.toString(8),
      owner: `${ix.uids[i]}:${ix.gids[i]}`,
      size: ix.sizes[i],
      link: ix.links[i],
      sha: hashHex(ix, i),
    }));
    assert.deepEqual(rows, [
      { path: 'etc', type: 'dir', mode: '755', owner: '0:0', size: 0, link: '', sha: null },
      { path: 'etc/hosts', type: 'file', mode: '644', owner: '0:0', size: 9, link: '', sha: sha('replaced\n') },
      { path: 'srv/data.bin', type: 'file', mode: '600', owner: '1000:1001', size: 300_000, link: '', sha: sha(big) },
      { path: 'etc/link', type: 'symlink', mode: '777', owner: '0:0', size: 0, link: '../srv/data.bin', sha: null },
      { path: 'srv/same.bin', type: 'hardlink', mode: '644', owner: '0:0', size: 0, link: 'srv/data.bin', sha: sha(big) },
      { path: 'var/old.log', type: 'whiteout', mode: '0', owner: '0:0', size: 0, link: '', sha: null },
      { path: 'opt/app', type: 'opaque', mode: '0', owner: '0:0', size: 0, link: '', sha: null },
      { path: 'dev/null', type: 'char', mode: '666', owner: '0:0', size: 0, link: '1,3', sha: null },
      { path: 'émoji/✓ name', type: 'file', mode: '644', owner: '0:0', size: 1, link: '', sha: sha('x') },
    ]);
    assert.equal(ix.fileBytes, 9 + 300_000 + 1);
    assert.equal(ix.mtimes[8], 5);
  });

  test('is stored once under meta/index, compact, and decodes to the same columns', async () => {
    const file = indexPath(store, digest);
    assert.ok(file.startsWith(join(store.home, 'meta', 'index')));
    assert.ok(existsSync(file));
    const ix = await layerIndex(store, digest);
    const again = decodeIndex(readFileSync(file), digest);
    assert.deepEqual({ ...again, hashes: Buffer.from(again.hashes) }, { ...ix, hashes: Buffer.from(ix.hashes) });
    assert.ok(statSync(file).size < 1000, `index of 9 entries is ${statSync(file).size} bytes`);
    assert.deepEqual(encodeIndex(again), readFileSync(file));
  });

  test('a corrupt or foreign index file is rebuilt from the layer', async () => {
    const file = indexPath(store, digest);
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 100));
    forgetLoadedIndexes();
    const ix = await layerIndex(store, digest);
    assert.equal(ix.count, 9);
    assert.deepEqual(readFileSync(file), good);
  });

  test('callers asking at the same time share one indexing', async () => {
    forgetLoadedIndexes();
    const [a, b] = await Promise.all([layerIndex(store, digest), layerIndex(store, digest)]);
    assert.equal(a, b);
  });

  test('indexes of layers the store no longer holds are pruned', async () => {
    await makeLayeredImage(store, ['ix:gone'], [{ entries: [t.file('gone.txt', 'bye')] }]);
    const gone = (await store.resolve('ix:gone')).manifest.layers[0]!.digest;
    await layerIndex(store, gone);
    assert.ok(existsSync(indexPath(store, gone)));
    await store.removeImage('ix:gone');
    assert.equal(await pruneLayerIndexes(store), 1);
    assert.ok(!existsSync(indexPath(store, gone)));
    assert.ok(existsSync(indexPath(store, digest)), 'a layer still stored keeps its index');
  });

  test('uncompressed layers index the same way', async () => {
    await makeLayeredImage(store, ['ix:plain'], [{ entries: [t.file('a', 'A'), t.whiteout('b')] }], undefined, { compression: 'none' });
    const d = (await store.resolve('ix:plain')).manifest.layers[0]!.digest;
    const ix = await layerIndex(store, d);
    assert.deepEqual(ix.paths, ['a', 'b']);
    assert.equal(hashHex(ix, 0), sha('A'));
  });
});
