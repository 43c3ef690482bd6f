import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parallelGzip, PGZIP_BLOCK } from '../layer/parallel-gzip.ts';
import { tempDir } from '../layer/fstest.ts';
import { GZIP_LEVEL } from '../store/layer-writer.ts';
import { Store } from '../store/store.ts';
import { changesFromPaths, compressLayer, storeLayer } from './layer.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** pseudo makes n deterministic bytes that deflate poorly (xorshift32), like a binary in a package. */
function pseudo(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

function text(from: number, count: number): string {
  const lines: string[] = [];
  for (let k = from; k < from + count; k++) lines.push(String(k));
  return `${lines.join('\n')}\n`;
}

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// Trees whose tar spans many zlib and read chunks (several MB), tiny ones, and files larger than the 1 MB
// read buffer: the gzip twin must be byte for byte what parallelGzip of the stored tar gives (and one-shot gzip for one block).
const cases: { name: string; files: Record<string, Buffer | string> }[] = [
  { name: 'one small file', files: { 'etc/hello': 'hello\n' } },
  { name: 'empty file and dirs', files: { 'a/b/c/empty': '', 'a/d': 'x' } },
  {
    name: 'seed-like packages (mixed binary and text, ~4 MB)',
    files: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [[`opt/deps/pkg${i}/lib.so`, pseudo(100_000, i + 1)], [`opt/deps/pkg${i}/index.txt`, text(i * 10_000, 14_000)]]).flat()),
  },
  { name: 'file larger than the read buffer', files: { 'big/blob.bin': pseudo(3 * 1024 * 1024 + 123, 7), 'big/notes.txt': text(0, 300_000) } },
];

describe('compressLayer', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const t = tempDir('strata-build-layer-');
      temps.push(t);
      const root = join(t, 'root');
      const paths = new Set<string>();
      for (const [rel, body] of Object.entries(c.files)) {
        mkdirSync(join(root, rel, '..'), { recursive: true });
        writeFileSync(join(root, rel), body);
        const parts = rel.split('/');
        for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
      }
      const store = await Store.open(join(t, 'home'));
      const layer = await storeLayer(store, root, changesFromPaths(root, [...paths]), { compress: false, sourceDateEpoch: 1_700_000_000 });
      assert.ok(layer);
      const tar = readFileSync(store.blobs.path(layer.descriptor.digest));
      assert.equal(layer.diffID, sha256(tar));
      assert.equal(layer.descriptor.digest, layer.diffID, 'an uncompressed layer is its own diffID');
      assert.equal(layer.uncompressedSize, tar.length);

      const gz = await compressLayer(store, layer);
      const pieces: Buffer[] = [];
      for await (const b of parallelGzip([tar], { level: GZIP_LEVEL, memLevel: 9 })) pieces.push(b);
      const expected = Buffer.concat(pieces);
      assert.equal(gz.descriptor.digest, sha256(expected), 'gzip twin digest equals parallelGzip of the same tar');
      assert.ok(gunzipSync(expected).equals(tar), 'and gunzips to the tar');
      if (tar.length <= PGZIP_BLOCK) assert.ok(expected.equals(gzipSync(tar, { level: GZIP_LEVEL, memLevel: 9 })), 'a tar of one block is plain zlib gzip');
      assert.equal(gz.descriptor.size, expected.length);
      assert.equal(gz.diffID, layer.diffID);
      assert.deepEqual(readFileSync(store.blobs.path(gz.descriptor.digest)), expected);

      // The compressed form from storeLayer's own gzip path is the same blob.
      const direct = await storeLayer(store, root, changesFromPaths(root, [...paths]), { compress: true, sourceDateEpoch: 1_700_000_000 });
      assert.equal(direct?.descriptor.digest, gz.descriptor.digest);
      assert.equal(direct?.diffID, layer.diffID);
    });
  }
});
