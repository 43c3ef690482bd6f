import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Digest } from '../oci/digest.ts';
import type { Store } from '../store/store.ts';
import { ExploreError } from './errors.ts';

export interface TarItem {
  header: tar.Header;
  body: AsyncIterable<Buffer>;
}

/** layerEntries streams the tar entries of a stored layer blob (plain, gzip, or zstd where Node has it).
 * The caller must drain or skip each body before asking for the next entry; breaking out early closes
 * the file. Nothing is held in memory beyond one chunk. */
export async function* layerEntries(store: Store, digest: Digest): AsyncGenerator<TarItem> {
  const file = store.blobs.path(digest);
  const head = Buffer.alloc(4);
  try {
    const fh = await open(file, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new ExploreError('EXPLORE_LAYER_UNREADABLE', `layer ${digest} is not in the store`, { digest }, { cause: e });
  }
  const stages: (Readable | Transform)[] = [createReadStream(file, { highWaterMark: 1 << 20 })];
  if (head[0] === 0x1f && head[1] === 0x8b) stages.push(zlib.createGunzip({ chunkSize: 1 << 17 }));
  else if (head.readUInt32LE(0) === 0xfd2fb528) {
    // Node gained zstd in 22.15; on older Nodes a zstd layer cannot be read.
    const zstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
    if (!zstd) throw new ExploreError('EXPLORE_LAYER_UNREADABLE', `layer ${digest} is zstd-compressed and this Node (${process.version}) has no zstd`, { digest });
    stages.push(zstd());
  }
  // allowUnknownFormat: accept pre-POSIX (v7) headers too; tar-stream's typings omit the option.
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const feeding = pipeline([...stages, extract] as unknown as NodeJS.ReadWriteStream[]);
  let failure: unknown = null;
  feeding.catch((e) => (failure ??= e));
  let finished = false;
  try {
    for await (const entry of extract) yield { header: entry.header, body: entry as AsyncIterable<Buffer> };
    await feeding;
    finished = true;
  } catch (e) {
    throw new ExploreError('EXPLORE_LAYER_UNREADABLE', `layer ${digest} does not read as a tar: ${(failure as Error | null)?.message ?? (e as Error).message}`, { digest }, { cause: e });
  } finally {
    if (!finished) {
      extract.destroy();
      await feeding.catch(() => {});
    }
  }
}
