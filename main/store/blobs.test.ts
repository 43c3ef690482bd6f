import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import { tempDir } from '../testing/temp.ts';
import { StoreError } from './errors.ts';
import { Store } from './store.ts';

/** produceAll pipes chunks into the sink and returns their digest, as a tar writer does. */
function produceAll(chunks: Buffer[]): (sink: Writable) => Promise<Digest> {
  return async (sink) => {
    await pipeline(Readable.from(chunks), sink);
    return sha256Digest(Buffer.concat(chunks));
  };
}

describe('BlobStore.writeHashed', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(t.path);
  });
  after(() => t.cleanup());

  const cases: { name: string; chunks: Buffer[] }[] = [
    { name: 'empty blob', chunks: [] },
    { name: 'many 512-byte chunks', chunks: Array.from({ length: 3000 }, (_, i) => Buffer.alloc(512, i % 251)) },
    { name: 'chunks larger than the write buffer', chunks: [Buffer.alloc(3 << 20, 7), Buffer.from('tail')] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const data = Buffer.concat(c.chunks);
      const info = await store.blobs.writeHashed(produceAll(c.chunks));
      assert.deepEqual(info, { digest: sha256Digest(data), size: data.length });
      assert.deepEqual(Buffer.from(await store.blobs.read(info.digest)), data);
      // Written again: the stored blob stays, the temp file goes.
      assert.deepEqual(await store.blobs.writeHashed(produceAll(c.chunks)), info);
      assert.deepEqual(readdirSync(store.tmpDir), []);
    });
  }

  test('a failing producer leaves nothing behind and its error passes', async () => {
    const boom = new StoreError('BLOB_UNKNOWN', 'producer failed');
    await assert.rejects(
      store.blobs.writeHashed(async (sink) => {
        sink.write(Buffer.alloc(1000));
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.deepEqual(readdirSync(store.tmpDir), []);
  });

  test('a producer that returns before ending the sink is refused', async () => {
    await assert.rejects(
      store.blobs.writeHashed(async (sink) => {
        sink.write(Buffer.from('half'));
        return sha256Digest('half');
      }),
      (e: Error & { code?: string }) => e.code === 'BLOB_SIZE_MISMATCH',
    );
    assert.deepEqual(readdirSync(store.tmpDir), []);
    assert.equal(await store.blobs.has(sha256Digest('half')), false);
  });
});
