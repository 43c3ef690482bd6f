import { join } from 'node:path';
import type { Change } from '../layer/diff.ts';
import { readMeta } from '../layer/file-meta.ts';
import { compareNames } from '../layer/paths.ts';
import { writeLayerTar, type LayerTarOptions, type LayerTarResult } from '../layer/tar-writer.ts';
import { MediaType } from '../oci/media-types.ts';
import { recordLayerInfo } from '../store/layer-writer.ts';
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

/** storeLayer writes a changeset read from root as an uncompressed layer blob: the tar is hashed once, and
 * that sha256 is both its digest and its diffID. Images carry it so; a push sends its gzip twin
 * (store/layer-twins.ts). Returns null for an empty changeset (the step adds no layer). */
export async function storeLayer(store: Store, root: string, changes: Change[], opts: { sourceDateEpoch: number }): Promise<CachedLayer | null> {
  if (changes.length === 0) return null;
  // The store's sink is a file stream, done with each chunk once written: file bodies reuse their buffers.
  const tarOpts: LayerTarOptions = { sourceDateEpoch: opts.sourceDateEpoch, timestamps: 'clamp', reuseBuffers: true, ...(ROOTLESS ? { mapIds: rootlessIds } : {}) };
  let tar: LayerTarResult | undefined;
  const blob = await store.blobs.writeHashed(async (sink) => {
    tar = await writeLayerTar(root, changes, sink, tarOpts);
    return tar.diffID;
  });
  await recordLayerInfo(store, blob.digest, { diffID: tar!.diffID, uncompressedSize: tar!.size });
  return {
    descriptor: { mediaType: MediaType.ociLayer, digest: blob.digest, size: blob.size },
    diffID: tar!.diffID,
    uncompressedSize: tar!.size,
  };
}
