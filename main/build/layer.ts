import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Change } from '../layer/diff.ts';
import { readMeta } from '../layer/file-meta.ts';
import { parallelGzip } from '../layer/parallel-gzip.ts';
import { compareNames } from '../layer/paths.ts';
import { writeLayerTar, type LayerTarOptions, type LayerTarResult } from '../layer/tar-writer.ts';
import { MediaType } from '../oci/media-types.ts';
import { GZIP_LEVEL, recordLayerInfo } from '../store/layer-writer.ts';
import type { BlobInfo } from '../store/blobs.ts';
import type { Store } from '../store/store.ts';
import type { CachedLayer } from './cache.ts';

/** Without root, the sandbox maps the caller to root (a single-id user namespace): files the caller owns
 * on disk are root's in the image. */
const ROOTLESS = typeof process.getuid === 'function' && process.getuid() !== 0;
const rootlessIds = (uid: number, gid: number) => ({ uid: uid === process.getuid!() ? 0 : uid, gid: gid === process.getgid!() ? 0 : gid });

/** comparePaths orders root-relative paths as layers list them: segment by segment, parents first. */
export function comparePaths(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const c = compareNames(as[i] as string, bs[i] as string);
    if (c !== 0) return c;
  }
  return as.length - bs.length;
}

/** changesFromPaths turns the paths a step wrote (COPY, WORKDIR) into a layer changeset, in layer order. */
export function changesFromPaths(rootfs: string, paths: string[]): Change[] {
  const out: Change[] = [];
  for (const p of [...new Set(paths)].sort(comparePaths)) {
    const meta = readMeta(join(rootfs, p));
    if (meta) out.push({ kind: 'add', path: p, meta });
  }
  return out;
}

/** storeLayer writes a changeset read from root as a layer blob: the tar is hashed (diffID) and, when
 * compress is set, gzipped and hashed again, in one streaming pass. Intermediate layers nobody exports
 * stay uncompressed. Returns null for an empty changeset (the step adds no layer). */
export async function storeLayer(store: Store, root: string, changes: Change[], opts: { compress: boolean; sourceDateEpoch: number }): Promise<CachedLayer | null> {
  if (changes.length === 0) return null;
  const tarOpts: LayerTarOptions = { sourceDateEpoch: opts.sourceDateEpoch, timestamps: 'clamp', ...(ROOTLESS ? { mapIds: rootlessIds } : {}) };
  const { tar, blob } = opts.compress ? await writeGzipTar(store, root, changes, tarOpts) : await writePlainTar(store, root, changes, tarOpts);
  await recordLayerInfo(store, blob.digest, { diffID: tar.diffID, uncompressedSize: tar.size });
  return {
    descriptor: { mediaType: opts.compress ? MediaType.ociLayerGzip : MediaType.ociLayer, digest: blob.digest, size: blob.size },
    diffID: tar.diffID,
    uncompressedSize: tar.size,
  };
}

/** writePlainTar stores the tar as it is: its digest is the diffID the tar writer hashes anyway, so the tar
 * goes straight into the store's file, hashed once. */
async function writePlainTar(store: Store, root: string, changes: Change[], opts: LayerTarOptions): Promise<{ tar: LayerTarResult; blob: BlobInfo }> {
  let tar: LayerTarResult | undefined;
  const blob = await store.blobs.writeHashed(async (sink) => {
    tar = await writeLayerTar(root, changes, sink, opts);
    return tar.diffID;
  });
  return { tar: tar as LayerTarResult, blob };
}

/** writeGzipTar stores the gzipped tar (parallelGzip, as compressLayer makes it), hashing the tar (diffID)
 * and the gzip stream in one pass. */
async function writeGzipTar(store: Store, root: string, changes: Change[], opts: LayerTarOptions): Promise<{ tar: LayerTarResult; blob: BlobInfo }> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const writing = store.blobs.write(Readable.from(parallelGzip(out, { level: GZIP_LEVEL, memLevel: 9 }), { objectMode: false }));
  // Both settle before either error counts: a full disk fails the store write, and the tar writer then only
  // sees a closed stream; the store's error says what happened (issue 7).
  const [tarDone, blobDone] = await Promise.allSettled([writeLayerTar(root, changes, out, opts), writing]);
  if (blobDone.status === 'rejected') throw blobDone.reason;
  if (tarDone.status === 'rejected') throw tarDone.reason;
  return { tar: tarDone.value, blob: blobDone.value };
}

/** compressLayer makes the gzip twin of an uncompressed layer blob (when an export needs one): blocks of
 * the tar deflate side by side on every core (parallelGzip), deterministically, in one gzip member. */
export async function compressLayer(store: Store, layer: CachedLayer): Promise<CachedLayer> {
  const gz = Readable.from(parallelGzip(store.blobs.open(layer.descriptor.digest), { level: GZIP_LEVEL, memLevel: 9 }), { objectMode: false });
  const blob = await store.blobs.write(gz);
  await recordLayerInfo(store, blob.digest, { diffID: layer.diffID, uncompressedSize: layer.uncompressedSize });
  return { descriptor: { mediaType: MediaType.ociLayerGzip, digest: blob.digest, size: blob.size }, diffID: layer.diffID, uncompressedSize: layer.uncompressedSize };
}
