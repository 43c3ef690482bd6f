import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Descriptor } from '../oci/descriptor.ts';
import type { Digest } from '../oci/digest.ts';
import { hostPlatform } from '../oci/platform.ts';
import { applyLayer } from '../layer/apply.ts';
import type { Store } from '../store/store.ts';
import { tempName } from '../util/fs-atomic.ts';
import { mountOverlay, overlayPathsOk, unmountOverlay, type OverlayDirs } from './overlay-root.ts';
import { overlayLowerDirs } from '../util/mountinfo.ts';
import { diesWithUs } from '../util/parent-death.ts';
import { ROOT_ONLY_MEDIA_TYPE } from './cache.ts';
import { BuildError } from './errors.ts';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** chainKey names the filesystem that a list of layers builds, in order. */
export function chainKey(layers: Pick<Descriptor, 'digest'>[]): string {
  const h = createHash('sha256');
  for (const l of layers) h.update(l.digest + '\n');
  return h.digest('hex');
}

/** applyLayers unpacks layer blobs from the store onto dir, in order (image-spec layer.md). Layers from
 * our own store keep setuid bits and owners: they are the image's, and RUN steps run them contained. */
export async function applyLayers(store: Store, layers: Descriptor[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const l of layers) {
    if (l.mediaType === ROOT_ONLY_MEDIA_TYPE) throw new BuildError('BUILD_CACHE', `an intermediate stage's root filesystem (${l.digest.slice(7, 19)}) left the snapshot cache while the build needed it: build again`);
    await applyLayer(dir, store.blobs.open(l.digest), { keepSetid: true, preserveOwnership: isRoot, allowDevices: isRoot });
  }
}

/** copyTree copies a root filesystem with everything in it (owners, modes, links, xattrs): cp -a, reflinks where possible. */
export function copyTree(src: string, dst: string): Promise<void> {
  return cp(['-a', '--reflink=auto', src + '/.', dst], src);
}

/** linkTree clones a root filesystem by hard links (cp -al): new directories, every other entry a second
 * name of the same inode, so a clone costs a link per entry instead of a copy (busybox: ~20 ms against
 * ~85 ms on this VM). Only for a root whose writers never write into an existing file: COPY/ADD, layer
 * application and root preparation remove a path before they create it, and a RUN writes through an
 * overlay (copy-up) or into a cp -a copy; a step that would write in place (a writable bind mount, a
 * container run) is given a copyTree copy instead. Falls back to copyTree where links are refused. */
export async function linkTree(src: string, dst: string): Promise<void> {
  try {
    await cp(['-al', src + '/.', dst], src);
  } catch {
    await rm(dst, { recursive: true, force: true });
    await mkdir(dst, { recursive: true });
    await copyTree(src, dst);
  }
}

function cp(argv: string[], src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // cp dies with Strata: a kill -9 must not leave it writing into the store's tmp/ (issue 7's kill tests).
    const child = spawn(...diesWithUs('cp', argv), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`copying ${src} failed: ${err.trim()}`))));
  });
}

/** SnapshotCache keeps unpacked base filesystems (one per layer chain) to clone from, so a base image is
 * unpacked once, not on every build. Snapshots are read-only templates; builds work on copies. */
export class SnapshotCache {
  readonly dir: string;
  constructor(readonly store: Store) {
    this.dir = join(store.home, 'snapshots');
  }

  /** ensure unpacks a chain of layers (a base image) into a snapshot once; later checkouts clone it. */
  async ensure(layers: Descriptor[]): Promise<void> {
    if (layers.length === 0) return;
    const snap = join(this.dir, chainKey(layers));
    if (await exists(snap)) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = tempName(this.dir, 'unpack');
    try {
      await applyLayers(this.store, layers, tmp);
      await rename(tmp, snap).catch(async (e) => {
        // Another build unpacked the same chain first: theirs is as good as ours.
        if (!(await exists(snap))) throw e;
        await rm(tmp, { recursive: true, force: true });
      });
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  /** has says whether the chain of layers has a snapshot, and marks it used (prune() spares it for a while). */
  async has(layers: Pick<Descriptor, 'digest'>[]): Promise<boolean> {
    return layers.length > 0 && touch(join(this.dir, chainKey(layers)));
  }

  /** readOnly returns the snapshot of a chain of layers itself (unpacked once), for a step that only reads
   * it (COPY --from=image, a read-only RUN bind mount): no clone. Its mtime is refreshed so that prune()
   * spares it while the step reads. Callers must never write below the returned path. */
  async readOnly(layers: Descriptor[]): Promise<string | null> {
    if (layers.length === 0) return null;
    await this.ensure(layers);
    const snap = join(this.dir, chainKey(layers));
    await touch(snap);
    return snap;
  }

  /** checkout fills dst with the filesystem of the given layers: a clone of the longest snapshotted
   * prefix of the chain, then the remaining layers unpacked on top. The first `base` layers (the base
   * image's) are snapshotted first when they are not yet: a base image is unpacked once, and every later
   * checkout of it (another stage of the same build, the next build) clones or mounts it. clone 'link'
   * clones by hard links (linkTree: a stage root, whose writers never write into an existing file);
   * 'copy' gives a root that may be written in place. */
  async checkout(layers: Descriptor[], dst: string, base = 0, clone: 'copy' | 'link' = 'copy'): Promise<{ cloned: number; applied: number }> {
    await this.ensure(layers.slice(0, base));
    await mkdir(dst, { recursive: true });
    for (let n = layers.length; n > 0; n--) {
      const snap = join(this.dir, chainKey(layers.slice(0, n)));
      if (await exists(snap)) {
        await touch(snap);
        await (clone === 'link' ? linkTree(snap, dst) : copyTree(snap, dst));
        await applyLayers(this.store, layers.slice(n), dst);
        return { cloned: n, applied: layers.length - n };
      }
    }
    await applyLayers(this.store, layers, dst);
    return { cloned: 0, applied: layers.length };
  }

  /** mountCheckout makes dst the filesystem of the given layers as an overlay mount over the longest
   * snapshotted prefix (the snapshot is its read-only lower; what later steps write lands in an upper
   * directory beside dst), the remaining layers applied through it. For a root that no RUN step will
   * consume (RUN steps move lower entries by rename, which a mount cannot give). The first `base` layers are
   * snapshotted first, as checkout does. Null when there is no snapshot to mount or the mount fails: the caller clones instead. unmountCheckout undoes it. */
  async mountCheckout(layers: Descriptor[], dst: string, base = 0): Promise<OverlayDirs | null> {
    await this.ensure(layers.slice(0, base));
    for (let n = layers.length; n > 0; n--) {
      const snap = join(this.dir, chainKey(layers.slice(0, n)));
      if (!(await exists(snap))) continue;
      const dirs: OverlayDirs = { lower: snap, upper: `${dst}.upper`, work: `${dst}.work`, merged: dst };
      if (!overlayPathsOk(dirs)) return null;
      await touch(snap);
      try {
        await mountOverlay(dirs);
      } catch {
        for (const p of [dirs.upper, dirs.work, dirs.merged]) await rm(p, { recursive: true, force: true }).catch(() => {});
        return null;
      }
      try {
        await applyLayers(this.store, layers.slice(n), dst);
      } catch (e) {
        await unmountCheckout(dirs);
        throw e;
      }
      return dirs;
    }
    return null;
  }

  /** tempDir names a fresh directory beside the snapshots (same filesystem: adopt() renames it in). */
  async tempDir(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return tempName(this.dir, 'unpack');
  }

  /** adopt makes dir (a root filesystem equal to the chain of layers, no longer needed by its owner) the
   * chain's snapshot by renaming it, free of any copy; when the chain already has one, dir is removed. */
  async adopt(layers: Pick<Descriptor, 'digest'>[], dir: string): Promise<void> {
    if (layers.length === 0) {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const snap = join(this.dir, chainKey(layers));
    await mkdir(this.dir, { recursive: true });
    if (!(await exists(snap))) {
      try {
        await rename(dir, snap);
        return;
      } catch {
        /* another build adopted the same chain first (or dir is on another filesystem): drop ours */
      }
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** prune removes the least recently used snapshots beyond keep, sparing any used in the last minAgeMs
   * (a build may be cloning it). Snapshots are only a cache: a missing one is unpacked again. */
  async prune(keep = SNAPSHOTS_KEPT, minAgeMs = 10 * 60_000): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
    } catch {
      return 0;
    }
    if (names.length <= keep) return 0;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(this.dir, n)).catch(() => null))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => b.t - a.t);
    let removed = 0;
    const mounted = overlayLowerDirs();
    for (const { n, t } of dated.slice(keep)) {
      if (Date.now() - t < minAgeMs || mounted.has(join(this.dir, n))) continue;
      // Renamed away first, so no checkout starts cloning a half-deleted tree.
      const gone = tempName(this.dir, 'prune');
      try {
        await rename(join(this.dir, n), gone);
      } catch {
        continue;
      }
      await rm(gone, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

/** unpackForBuilds unpacks loaded images (this machine's platform) into the snapshot cache, as docker load
 * extracts an archive's layers into its graph driver: the first build FROM one of them clones its root
 * instead of unpacking it (~0.1 s for busybox's 270 symlinks on this VM's ext4). Only a cache: failures are
 * ignored, a missing snapshot is unpacked by the build that needs it. */
export async function unpackForBuilds(store: Store, digests: Digest[]): Promise<number> {
  const snapshots = new SnapshotCache(store);
  const host = hostPlatform();
  let unpacked = 0;
  for (const digest of new Set(digests)) {
    try {
      const img = await store.loadImage(digest);
      const c = img.configDoc.config;
      if (c.os !== host.os || c.architecture !== host.architecture || img.manifest.layers.length === 0) continue;
      await snapshots.ensure(img.manifest.layers);
      unpacked++;
    } catch {
      /* only a cache */
    }
  }
  // Bounded as builds bound it (the ones just unpacked are recent: kept).
  if (unpacked) await snapshots.prune().catch(() => 0);
  return unpacked;
}

/** SNAPSHOTS_KEPT bounds the unpacked root filesystems a store keeps for builds (least recently used go). */
export const SNAPSHOTS_KEPT = 12;

/** unmountCheckout unmounts a mountCheckout root and removes it with its upper and work directories. */
export async function unmountCheckout(dirs: OverlayDirs): Promise<void> {
  await unmountOverlay(dirs);
  await rm(dirs.upper, { recursive: true, force: true });
}

/** touch marks a snapshot used now (its mtime is its last use: prune() keeps the recently used ones); false
 * when it is not there. */
async function touch(snap: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(snap, now, now);
    return true;
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
