import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zc } from 'node:zlib';
import { createDigester, digestHex, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { MediaType } from '../oci/media-types.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import type { Store } from './store.ts';

/** LayerInfo is what the store remembers about a layer blob beyond its descriptor. */
export interface LayerInfo {
  diffID: Digest;
  uncompressedSize: number;
}

export interface WrittenLayer {
  descriptor: Descriptor;
  diffID: Digest;
  uncompressedSize: number;
}

/** GZIP_LEVEL trades size for speed; fixed so the same tar always gives the same compressed digest. */
export const GZIP_LEVEL = 6;

/** GZIP_CHUNK is zlib's output chunk: each chunk is a thread-pool round trip, so 16 KB (the default) costs
 * twice the deflate time; the compressed bytes do not depend on it. */
export const GZIP_CHUNK = 256 * 1024;

/** writeLayer stores an uncompressed layer tar: it hashes the tar (diffID) and the gzip stream (blob digest)
 * in one streaming pass, so a layer is read once. compression 'none' stores the tar as it is. */
export async function writeLayer(store: Store, tar: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable, opts: { compression?: 'gzip' | 'none'; level?: number } = {}): Promise<WrittenLayer> {
  const compression = opts.compression ?? 'gzip';
  const diff = createDigester();
  let uncompressedSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      diff.update(chunk);
      uncompressedSize += chunk.byteLength;
      cb(null, chunk);
    },
  });
  const out = compression === 'gzip' ? createGzip({ level: opts.level ?? GZIP_LEVEL, memLevel: 9, strategy: zc.Z_DEFAULT_STRATEGY, chunkSize: GZIP_CHUNK }) : new PassThrough({ highWaterMark: 1 << 20 });
  const source = tar instanceof Readable ? tar : Readable.from(tar, { objectMode: false });
  const piping = pipeline(source, tap, out);
  // When the store fails (a full disk) the pipeline fails too, as a mere abort that would hide the cause
  // (issue 7): wait for both and report the store's error first.
  const [written, piped] = await Promise.allSettled([store.blobs.write(out), piping]);
  if (written.status === 'rejected') throw written.reason;
  if (piped.status === 'rejected') throw piped.reason;
  const info = written.value;
  const diffID = diff.digest();
  const mediaType = compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer;
  await recordLayerInfo(store, info.digest, { diffID, uncompressedSize });
  return { descriptor: { mediaType, digest: info.digest, size: info.size }, diffID, uncompressedSize };
}

function infoPath(store: Store, digest: Digest): string {
  return join(store.home, 'meta', 'layers', `${digestHex(digest)}.json`);
}

/** recordLayerInfo remembers a layer blob's diffID and uncompressed size. */
export async function recordLayerInfo(store: Store, digest: Digest, info: LayerInfo): Promise<void> {
  await mkdir(join(store.home, 'meta', 'layers'), { recursive: true });
  await writeFileAtomic(infoPath(store, digest), JSON.stringify(info), store.tmpDir);
}

/** layerInfo returns what the store knows of a layer blob, or null. */
export async function layerInfo(store: Store, digest: Digest): Promise<LayerInfo | null> {
  try {
    return JSON.parse(await readFile(infoPath(store, digest), 'utf8')) as LayerInfo;
  } catch {
    return null;
  }
}
