import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parallelGzip, PGZIP_BLOCK } from '../layer/parallel-gzip.ts';
import { tempDir } from '../layer/fstest.ts';
import { changesFromPaths, storeLayer } from '../build/layer.ts';
import { MediaType } from '../oci/media-types.ts';
import { encodeJson } from '../oci/manifest.ts';
import { layerInfo } from './layer-writer.ts';
import { distributable, knownTwin, makeTwin, TWIN_GZIP_LEVEL } from './layer-twins.ts';
import { fsck } from './fsck.ts';
import { writeImage } from './image-writer.ts';
import { Store } from './store.ts';

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

/** storedLayer writes files into a fresh store as storeLayer does for a build step. */
async function storedLayer(files: Record<string, Buffer | string>) {
  const t = tempDir('strata-layer-twins-');
  temps.push(t);
  const root = join(t, 'root');
  const paths = new Set<string>();
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), body);
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  const store = await Store.open(join(t, 'home'));
  const layer = await storeLayer(store, root, changesFromPaths(root, [...paths]), { sourceDateEpoch: 1_700_000_000 });
  assert.ok(layer);
  return { store, layer };
}

describe('makeTwin', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { store, layer } = await storedLayer(c.files);
      const tar = readFileSync(store.blobs.path(layer.descriptor.digest));
      assert.equal(layer.descriptor.mediaType, MediaType.ociLayer);
      assert.equal(layer.diffID, sha256(tar));
      assert.equal(layer.descriptor.digest, layer.diffID, 'an uncompressed layer is its own diffID');
      assert.equal(layer.uncompressedSize, tar.length);

      let reported = 0;
      const twin = await makeTwin(store, layer.descriptor, (n) => (reported = n));
      assert.equal(reported, tar.length, 'progress reaches the whole tar');
      const pieces: Buffer[] = [];
      for await (const b of parallelGzip([tar], { level: TWIN_GZIP_LEVEL, memLevel: 9 })) pieces.push(b);
      const expected = Buffer.concat(pieces);
      assert.equal(twin.digest, sha256(expected), 'gzip twin digest equals parallelGzip of the same tar');
      assert.equal(twin.mediaType, MediaType.ociLayerGzip);
      assert.ok(gunzipSync(expected).equals(tar), 'and gunzips to the tar');
      if (tar.length <= PGZIP_BLOCK) assert.ok(expected.equals(gzipSync(tar, { level: TWIN_GZIP_LEVEL, memLevel: 9 })), 'a tar of one block is plain zlib gzip');
      assert.equal(twin.size, expected.length);
      assert.deepEqual(readFileSync(store.blobs.path(twin.digest)), expected);
      assert.deepEqual(await layerInfo(store, twin.digest), { diffID: layer.diffID, uncompressedSize: tar.length });

      // Made once: the second call reads the record and compresses nothing.
      let again = 0;
      assert.deepEqual(await makeTwin(store, layer.descriptor, () => again++), twin);
      assert.equal(again, 0);
      // A twin whose blob is gone is made again, to the same bytes.
      rmSync(store.blobs.path(twin.digest));
      assert.equal(await knownTwin(store, layer.descriptor), null);
      assert.deepEqual(await makeTwin(store, layer.descriptor), twin);
    });
  }
});

describe('distributable', () => {
  test('replaces uncompressed layers in place, keeps the rest, and gives the same bytes every time', async () => {
    const { store, layer } = await storedLayer({ 'etc/a': 'a\n', 'usr/b': pseudo(50_000, 3) });
    const gz = { mediaType: MediaType.ociLayerGzip, digest: sha256(Buffer.from('base')) as never, size: 4 };
    const manifest = {
      schemaVersion: 2 as const,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: sha256(Buffer.from('{}')) as never, size: 2 },
      layers: [gz, { ...layer.descriptor, annotations: { note: 'kept' } }],
      annotations: { 'org.example': 'x' },
    };
    const bytes = encodeJson(manifest);
    const first = await distributable(store, bytes, manifest);
    const twin = first.twins.get(layer.descriptor.digest);
    assert.ok(twin);
    const doc = JSON.parse(Buffer.from(first.bytes).toString('utf8'));
    assert.deepEqual(doc.layers, [gz, { mediaType: MediaType.ociLayerGzip, digest: twin.digest, size: twin.size, annotations: { note: 'kept' } }]);
    assert.deepEqual(Object.keys(doc), Object.keys(manifest), 'key order kept');
    assert.deepEqual(doc.config, manifest.config);
    assert.deepEqual(doc.annotations, manifest.annotations);
    assert.deepEqual(first.manifest.layers, doc.layers);
    const second = await distributable(store, bytes, manifest);
    assert.ok(Buffer.from(second.bytes).equals(Buffer.from(first.bytes)));

    // Nothing to replace: the stored bytes themselves.
    const plain = { ...manifest, layers: [gz] };
    const plainBytes = encodeJson(plain);
    const same = await distributable(store, plainBytes, plain);
    assert.equal(same.bytes, plainBytes);
    assert.equal(same.twins.size, 0);
  });
});

describe('gc and twins', () => {
  test("a twin lives as long as its layer's image", async () => {
    const { store, layer } = await storedLayer({ 'srv/data': pseudo(20_000, 9) });
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' as const, diff_ids: [layer.diffID] }, config: {} };
    await writeImage(store, config, [layer.descriptor], ['localhost/twins/app:1']);
    const twin = await makeTwin(store, layer.descriptor);
    await store.gc();
    assert.ok(await store.blobs.has(twin.digest), 'kept while the image is tagged');
    assert.ok((await store.reachable()).has(twin.digest));
    const report = await fsck(store);
    assert.equal(report.consistent, true);
    assert.equal(report.blobs.unreachable, 0, 'fsck counts the twin with its layer, as gc does');
    await store.removeImage('localhost/twins/app:1');
    // gc spares blobs touched since it began (a concurrent writer's): age both before collecting.
    const old = new Date(Date.now() - 60_000);
    for (const d of [twin.digest, layer.descriptor.digest]) if (await store.blobs.has(d)) utimesSync(store.blobs.path(d), old, old);
    await store.gc();
    assert.equal(await store.blobs.has(twin.digest), false, 'gone with its layer');
    assert.equal(await store.blobs.has(layer.descriptor.digest), false);
  });
});
