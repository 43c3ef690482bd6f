// strata fsck: check a store the way a crash, a kill -9 or a full disk could have left it, and repair what is
// safe to repair. Blobs are checked against their names (digest and size), every tag against what it reaches
// (manifest → config and layers, present and valid), and the leftovers of dead processes (temp files, build
// and unpack directories, leases, locks, mounts) are found by the pid their names carry.
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { lstat, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseConfig } from '../oci/config.ts';
import { createDigester, isDigest, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { parseManifestDocument, type ManifestDocument } from '../oci/manifest.ts';
import type { IndexEntry } from './index-file.ts';
import { twinsOf } from './layer-twins.ts';
import type { Store } from './store.ts';
import { mountsBelow } from '../util/mountinfo.ts';

export type FsckProblemKind =
  | 'LAYOUT_INVALID' // oci-layout missing or unreadable
  | 'INDEX_UNREADABLE' // index.json is not a valid index: no tag can be checked
  | 'BLOB_CORRUPT' // a blob's bytes do not hash to its name
  | 'BLOB_STRAY' // a file under blobs/ that is not named by a digest
  | 'TAG_MANIFEST_MISSING' // an index.json entry whose manifest blob is gone
  | 'IMAGE_INCOMPLETE' // a tagged image lacks its config, a layer or an index child
  | 'IMAGE_INVALID' // a tagged image's manifest or config is unreadable, or sizes disagree
  | 'TEMP_LEFTOVER' // a temp file or directory of a process that is no longer running
  | 'BUILD_LEFTOVER' // the work directory of a build whose process is gone
  | 'GC_LEFTOVER' // a blob garbage collection had moved aside when its process died
  | 'STALE_LEASE' // a lease of a dead process (it protects nothing any more)
  | 'STALE_LOCK' // a lock file whose owner died
  | 'MOUNT_LEFTOVER'; // a mount point inside the store

export interface FsckProblem {
  kind: FsckProblemKind;
  /** error: the store is inconsistent; warning: a leftover that costs space or time but breaks nothing. */
  severity: 'error' | 'warning';
  message: string;
  /** Store-relative path, when the problem is a file. */
  path?: string;
  digest?: Digest;
  reference?: string | null;
  /** What --repair does (or did) about it; absent when nothing is safe to do. */
  repair?: string;
  repaired: boolean;
}

export interface FsckReport {
  /** No error is left (after repairs, when asked): every tag reaches a complete, valid image. */
  consistent: boolean;
  repaired: number;
  blobs: { count: number; bytes: number; unreachable: number; unreachableBytes: number };
  tags: number;
  images: number;
  problems: FsckProblem[];
}

export interface FsckOptions {
  /** repair removes leftovers of dead processes, stale leases and locks, unreachable corrupt blobs, and drops
   * index entries whose manifest is missing. A blob a tag reaches is never deleted. */
  repair?: boolean;
  /** verifyContent hashes every blob (default true); false checks presence and sizes only. */
  verifyContent?: boolean;
}

/** Temp names carry the writer's pid: `blob-PID-…`, `write-PID-…`, `build-PID-…`, `unpack-PID-…`, `gc-PID-…`. */
const TEMP_NAME = /^([a-z]+)-(\d+)(?:-|$)/;
/** A temp entry that names no pid is left alone until it is this old. */
const UNNAMED_TEMP_AGE_MS = 60 * 60 * 1000;
/** A lock file without a pid (its owner died while creating it) is stale after this long. */
const EMPTY_LOCK_AGE_MS = 5_000;
const MAX_INDEX_DEPTH = 8;

/** fsck checks the store at store.home and, with repair, fixes what is safe; see FsckOptions. */
export async function fsck(store: Store, opts: FsckOptions = {}): Promise<FsckReport> {
  const repair = opts.repair === true;
  const home = store.home;
  const rel = (p: string) => relative(home, p).split(sep).join('/');
  const problems: FsckProblem[] = [];
  const add = (p: Omit<FsckProblem, 'repaired'>): FsckProblem => {
    const full = { ...p, repaired: false };
    problems.push(full);
    return full;
  };

  // 1. The layout marker.
  const layoutPath = join(home, 'oci-layout');
  let layoutOk = false;
  try {
    const j = JSON.parse(await readFile(layoutPath, 'utf8')) as { imageLayoutVersion?: unknown };
    layoutOk = typeof j?.imageLayoutVersion === 'string';
  } catch {
    layoutOk = false;
  }
  if (!layoutOk) {
    const p = add({ kind: 'LAYOUT_INVALID', severity: 'error', path: 'oci-layout', message: 'oci-layout is missing or unreadable', repair: 'rewrite it' });
    if (repair) {
      await writeFile(layoutPath, JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n');
      p.repaired = true;
    }
  }

  // 2. Mounts inside the store (a sandbox that died with its mounts on the host). They come first: a leftover
  // directory is never removed while something is mounted below it.
  const mounts = mountsBelow(home);
  const deadDirs: string[] = [];

  // 3. Locks and leases of dead processes.
  for (const lockPath of [store.index.lock.path, store.gcLock.path]) {
    const st = await stat(lockPath).catch(() => null);
    if (!st) continue;
    const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    const hasPid = Number.isInteger(pid) && pid > 0;
    const stale = hasPid ? !alive(pid) : Date.now() - st.mtimeMs > EMPTY_LOCK_AGE_MS;
    if (!stale) continue;
    const p = add({ kind: 'STALE_LOCK', severity: 'warning', path: rel(lockPath), message: hasPid ? `lock held by process ${pid}, which is not running` : 'lock file without an owner', repair: 'remove it' });
    if (repair) {
      await rm(lockPath, { force: true });
      p.repaired = true;
    }
  }
  const leaseDir = join(home, 'leases');
  for (const f of await readdir(leaseDir).catch(() => [] as string[])) {
    const pid = Number(f.split('-')[0]);
    if (alive(pid)) continue;
    const p = add({ kind: 'STALE_LEASE', severity: 'warning', path: `leases/${f}`, message: `lease of process ${Number.isInteger(pid) ? pid : '?'}, which is not running`, repair: 'remove it' });
    if (repair) {
      await rm(join(leaseDir, f), { force: true });
      p.repaired = true;
    }
  }

  // 4. Leftovers of dead processes: tmp/, unpacking snapshots, atomic-write temps beside metadata.
  const leftovers: { path: string; pid: number | null; prefix: string; mtimeMs: number }[] = [];
  const collect = async (dir: string, recurse: boolean) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await lstat(p).catch(() => null);
      if (!st) continue;
      const m = TEMP_NAME.exec(name);
      if (m) leftovers.push({ path: p, pid: Number(m[2]), prefix: m[1] as string, mtimeMs: st.mtimeMs });
      else if (dir === store.tmpDir) leftovers.push({ path: p, pid: null, prefix: '', mtimeMs: st.mtimeMs });
      else if (recurse && st.isDirectory()) await collect(p, true);
    }
  };
  await collect(store.tmpDir, false);
  await collect(join(home, 'snapshots'), false);
  await collect(join(home, 'meta'), true);
  for (const sub of ['context', 'steps', 'history']) await collect(join(home, 'cache', sub), false);
  await collect(home, false);
  const gcLeftovers: { path: string; digest: Digest }[] = [];
  const liveDirs: string[] = [];
  for (const l of leftovers) {
    if (l.pid !== null && alive(l.pid)) {
      liveDirs.push(l.path); // in use (a build's roots, mounts included, until its process removes them)
      continue;
    }
    const mounted = mounts.filter((mp) => mp === l.path || mp.startsWith(l.path + sep));
    if (l.pid === null && Date.now() - l.mtimeMs < UNNAMED_TEMP_AGE_MS) continue; // maybe in use; names no owner
    const gc = /^gc-\d+-(sha256|sha512)-([a-f0-9]+)$/.exec(l.path.slice(l.path.lastIndexOf(sep) + 1));
    const kind: FsckProblemKind = gc ? 'GC_LEFTOVER' : l.prefix === 'build' ? 'BUILD_LEFTOVER' : 'TEMP_LEFTOVER';
    const owner = l.pid === null ? 'a temp entry older than an hour' : `left by process ${l.pid}, which is not running`;
    if (mounted.length) {
      const p = add({ kind: 'MOUNT_LEFTOVER', severity: 'warning', path: rel(l.path), message: `${rel(l.path)}: ${owner}, still has ${mounted.length} mount(s) below it`, repair: 'unmount them (lazily), then remove it' });
      if (repair) {
        for (const mp of [...mounted].sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
        if (mountsBelow(home).some((mp) => mp === l.path || mp.startsWith(l.path + sep))) continue; // still mounted: never rm through it
        p.repaired = true;
      } else continue;
    }
    if (gc) {
      gcLeftovers.push({ path: l.path, digest: `${gc[1]}:${gc[2]}` as Digest });
      continue;
    }
    const what = kind === 'BUILD_LEFTOVER' ? 'build directory' : 'temp entry';
    const p = add({ kind, severity: 'warning', path: rel(l.path), message: `${what} ${rel(l.path)}: ${owner}`, repair: 'remove it' });
    deadDirs.push(l.path);
    if (repair) {
      // A child the dead process started (cp, tar) may still be writing there for a moment: retry, and if it
      // will not go, say so rather than fail.
      try {
        await rm(l.path, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
        p.repaired = true;
      } catch (e) {
        p.message += ` (could not remove it: ${(e as Error).message})`;
      }
    }
  }
  for (const g of gcLeftovers) {
    // gc moves a victim aside before deleting it; a gc killed in between leaves it here. Put it back when the
    // store lacks it (it may be needed); prune decides again later.
    const missing = !(await exists(store.blobs.path(g.digest)));
    const p = add({ kind: 'GC_LEFTOVER', severity: 'warning', path: rel(g.path), digest: g.digest, message: `blob ${g.digest} moved aside by a garbage collection that did not finish`, repair: missing ? 'verify it and put it back' : 'remove the copy' });
    if (!repair) continue;
    if (missing && (await hashFile(g.path, g.digest)) === g.digest) {
      await rename(g.path, store.blobs.path(g.digest)).catch(() => {});
    }
    await rm(g.path, { force: true });
    p.repaired = true;
  }
  // Mounts not under a leftover: reported (something else, maybe running, owns them).
  for (const mp of mounts) {
    if ([...deadDirs, ...liveDirs].some((d) => mp === d || mp.startsWith(d + sep))) continue;
    if (problems.some((x) => x.kind === 'MOUNT_LEFTOVER' && mp.startsWith(join(home, x.path ?? '')))) continue;
    add({ kind: 'MOUNT_LEFTOVER', severity: 'warning', path: rel(mp), message: `${rel(mp)} is a mount point inside the store` });
  }

  // 5. Blobs: every file under blobs/ is named by its digest and hashes to it.
  const sizes = new Map<Digest, number>();
  const corrupt = new Map<Digest, Digest>();
  let bytes = 0;
  const blobRoot = store.blobs.root;
  for (const alg of await readdir(blobRoot).catch(() => [] as string[])) {
    const dir = join(blobRoot, alg);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) {
      add({ kind: 'BLOB_STRAY', severity: 'warning', path: rel(dir), message: `blobs/${alg} is not a digest algorithm directory` });
      continue;
    }
    for (const hex of await readdir(dir)) {
      const d = `${alg}:${hex}`;
      const file = join(dir, hex);
      const fst = await lstat(file).catch(() => null);
      if (!fst) continue;
      if (!isDigest(d) || !fst.isFile()) {
        add({ kind: 'BLOB_STRAY', severity: 'warning', path: rel(file), message: `blobs/${alg}/${hex} is not a blob (not a file named by a digest)` });
        continue;
      }
      sizes.set(d, fst.size);
      bytes += fst.size;
      if (opts.verifyContent !== false) {
        const actual = await hashFile(file, d);
        if (actual !== d) corrupt.set(d, actual ?? ('unreadable' as Digest));
      }
    }
  }

  // 6. Tags: every index entry reaches a complete, valid image.
  let entries: IndexEntry[] | null = null;
  try {
    entries = await store.index.read();
  } catch (e) {
    add({ kind: 'INDEX_UNREADABLE', severity: 'error', path: 'index.json', message: (e as Error).message });
  }
  const reachable = new Set<Digest>();
  /** Every reachable manifest's layers: their gzip twins (what pushes sent) are reachable with them. */
  const layers: Descriptor[] = [];
  const missingManifests = new Set<Digest>();
  const badImages = new Set<Digest>();
  if (entries) {
    const checked = new Map<Digest, string[]>();
    const check = (digest: Digest, size: number | null, trail: Digest[]): string[] => {
      const done = checked.get(digest);
      if (done) return done;
      const out: string[] = [];
      reachable.add(digest);
      const have = sizes.get(digest);
      if (have === undefined) return [`manifest ${digest} is missing`];
      if (corrupt.has(digest)) out.push(`manifest ${digest} is corrupt (its bytes hash to ${corrupt.get(digest)})`);
      if (size !== null && have !== size) out.push(`manifest ${digest} has ${have} bytes, its descriptor says ${size}`);
      let doc: ManifestDocument | null = null;
      if (!corrupt.has(digest)) {
        try {
          doc = parseManifestDocument(readBlobSync(store, digest));
        } catch (e) {
          out.push(`manifest ${digest} is unreadable: ${(e as Error).message}`);
        }
      }
      if (doc?.kind === 'manifest') {
        const m = doc.manifest;
        layers.push(...m.layers);
        for (const [role, desc] of [['config', m.config] as const, ...m.layers.map((l, i) => [`layer ${i + 1}`, l] as const)]) {
          reachable.add(desc.digest);
          const s = sizes.get(desc.digest);
          if (s === undefined) out.push(`${role} ${desc.digest} is missing`);
          else if (s !== desc.size) out.push(`${role} ${desc.digest} has ${s} bytes, the manifest says ${desc.size}`);
          else if (corrupt.has(desc.digest)) out.push(`${role} ${desc.digest} is corrupt (its bytes hash to ${corrupt.get(desc.digest)})`);
        }
        if (sizes.has(m.config.digest) && !corrupt.has(m.config.digest)) {
          try {
            const cfg = parseConfig(readBlobSync(store, m.config.digest)).config;
            if (cfg.rootfs.diff_ids.length !== m.layers.length) out.push(`config lists ${cfg.rootfs.diff_ids.length} layers, the manifest ${m.layers.length}`);
          } catch (e) {
            out.push(`config ${m.config.digest} is unreadable: ${(e as Error).message}`);
          }
        }
      } else if (doc?.kind === 'index') {
        if (trail.length >= MAX_INDEX_DEPTH) out.push(`index ${digest} nests deeper than ${MAX_INDEX_DEPTH} levels`);
        else {
          for (const child of doc.index.manifests) {
            if (trail.includes(child.digest) || child.digest === digest) {
              out.push(`index ${digest} refers to itself through ${child.digest}`);
              continue;
            }
            for (const why of check(child.digest, child.size, [...trail, digest])) out.push(why);
          }
        }
      }
      checked.set(digest, out);
      return out;
    };
    const byDigest = new Map<Digest, IndexEntry[]>();
    for (const e of entries) byDigest.set(e.descriptor.digest, [...(byDigest.get(e.descriptor.digest) ?? []), e]);
    for (const [digest, list] of byDigest) {
      const names = list.map((e) => e.reference ?? '<untagged>').join(', ');
      if (!sizes.has(digest)) {
        missingManifests.add(digest);
        add({ kind: 'TAG_MANIFEST_MISSING', severity: 'error', digest, reference: list[0]?.reference ?? null, message: `${names}: manifest ${digest} is missing`, repair: `drop ${list.length === 1 ? 'the index entry' : `the ${list.length} index entries`}` });
        continue;
      }
      const why = check(digest, list[0]?.descriptor.size ?? null, []);
      if (why.length) {
        badImages.add(digest);
        const incomplete = why.every((w) => w.endsWith('is missing'));
        add({ kind: incomplete ? 'IMAGE_INCOMPLETE' : 'IMAGE_INVALID', severity: 'error', digest, reference: list[0]?.reference ?? null, message: `${names}: ${why.join('; ')}` });
      }
    }
    for (const t of await twinsOf(store, layers)) reachable.add(t);
  }
  if (repair && missingManifests.size) {
    // Under the index lock, and only entries whose manifest is still missing at that moment.
    const dropped = await store.index.update(async (current) => {
      const gone = new Set<Digest>();
      for (const d of missingManifests) if (!(await exists(store.blobs.path(d)))) gone.add(d);
      return { entries: current.filter((e) => !gone.has(e.descriptor.digest)), result: gone };
    });
    for (const p of problems) if (p.kind === 'TAG_MANIFEST_MISSING' && p.digest && dropped.has(p.digest)) p.repaired = true;
  }

  // 7. Corrupt blobs: one a tag reaches is an error (re-pull or rebuild that image); an unreachable one is garbage.
  let unreachable = 0;
  let unreachableBytes = 0;
  for (const [d, size] of sizes) {
    if (!reachable.has(d)) {
      unreachable++;
      unreachableBytes += size;
    }
  }
  for (const [d, actual] of corrupt) {
    const reached = reachable.has(d);
    const p = add({
      kind: 'BLOB_CORRUPT',
      severity: reached ? 'error' : 'warning',
      path: rel(store.blobs.path(d)),
      digest: d,
      message: `blob ${d} hashes to ${actual}${reached ? ' (an image uses it: pull or build that image again)' : ''}`,
      ...(reached ? {} : { repair: 'delete it (no tag reaches it)' }),
    });
    if (repair && !reached && (await removeIfStillCorrupt(store, d))) p.repaired = true;
  }

  const tags = entries ? entries.filter((e) => e.reference).length : 0;
  const images = entries ? new Set(entries.map((e) => e.descriptor.digest)).size : 0;
  return {
    consistent: !problems.some((p) => p.severity === 'error' && !p.repaired),
    repaired: problems.filter((p) => p.repaired).length,
    blobs: { count: sizes.size, bytes, unreachable, unreachableBytes },
    tags,
    images,
    problems,
  };
}

/** removeIfStillCorrupt moves the blob aside, hashes it again and deletes it only if it is still wrong (a writer
 * may have just renamed the right bytes over it). */
async function removeIfStillCorrupt(store: Store, d: Digest): Promise<boolean> {
  const path = store.blobs.path(d);
  const aside = join(store.tmpDir, `fsck-${process.pid}-${d.replace(':', '-')}`);
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  if ((await hashFile(aside, d)) === d) {
    await rename(aside, path).catch(() => rm(aside, { force: true }));
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

async function hashFile(file: string, d: Digest): Promise<Digest | null> {
  const h = createDigester(d.slice(0, d.indexOf(':')));
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } catch {
    return null;
  }
  return h.digest();
}

/** readBlobSync reads a manifest or config (bounded: a huge blob named as one is reported, not loaded). */
function readBlobSync(store: Store, d: Digest): Uint8Array {
  const p = store.blobs.path(d);
  const size = statSync(p).size;
  if (size > 64 * 1024 * 1024) throw new Error(`${size} bytes: too large for a manifest or config`);
  return readFileSync(p);
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null)) !== null;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

