import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sha256Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { tempDir } from '../testing/temp.ts';
import { GZIP_LEVEL, layerInfo, writeLayer } from './layer-writer.ts';
import { Store } from './store.ts';

/** sample is ~3 MB of half poorly-, half well-compressible bytes, the mix a package layer has. */
function sample(): Buffer {
  const parts: Buffer[] = [];
  let x = 12345;
  for (let i = 0; i < 15; i++) {
    const noise = Buffer.allocUnsafe(100_000);
    for (let j = 0; j < noise.length; j++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      noise[j] = x & 0xff;
    }
    parts.push(noise, Buffer.from(Array.from({ length: 14_000 }, (_, k) => String(i * 10_000 + k)).join('\n')));
  }
  return Buffer.concat(parts);
}

function cut(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < data.length; o += size) out.push(data.subarray(o, o + size));
  return out;
}

describe('writeLayer', () => {
  const t = tempDir();
  let store: Store;
  const data = sample();
  const gz = gzipSync(data, { level: GZIP_LEVEL, memLevel: 9 });
  before(async () => {
    store = await Store.open(t.path);
  });
  after(() => t.cleanup());

  // However the tar arrives, the gzip blob is what one-shot zlib makes of it: digests never depend on chunking.
  const feeds: { name: string; source: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Readable }[] = [
    { name: 'one buffer', source: () => [data] },
    { name: '512-byte chunks (tar headers)', source: () => cut(data, 512) },
    { name: '16 KB readable', source: () => Readable.from(cut(data, 16 * 1024)) },
    { name: '3 MB chunks', source: () => cut(data, 3 << 20) },
  ];
  for (const f of feeds) {
    test(`gzip of ${f.name} equals zlib.gzipSync`, async () => {
      const w = await writeLayer(store, f.source());
      assert.equal(w.descriptor.mediaType, MediaType.ociLayerGzip);
      assert.equal(w.descriptor.digest, sha256Digest(gz));
      assert.equal(w.descriptor.size, gz.length);
      assert.equal(w.diffID, sha256Digest(data));
      assert.equal(w.uncompressedSize, data.length);
      assert.deepEqual(await layerInfo(store, w.descriptor.digest), { diffID: w.diffID, uncompressedSize: data.length });
    });
  }

  test('compression none stores the tar as it is', async () => {
    const w = await writeLayer(store, cut(data, 4096), { compression: 'none' });
    assert.equal(w.descriptor.mediaType, MediaType.ociLayer);
    assert.equal(w.descriptor.digest, sha256Digest(data));
    assert.equal(w.diffID, w.descriptor.digest);
    assert.deepEqual(Buffer.from(await store.blobs.read(w.descriptor.digest)), data);
  });
});
