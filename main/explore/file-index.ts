import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, type Digest } from '../oci/digest.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX, cleanEntryPath, splitRel, joinRel } from '../layer/paths.ts';
import type { Store } from '../store/store.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { ExploreError } from './errors.ts';
import { layerEntries } from './layer-tar.ts';

/** Entry kinds as stored (one byte each). WHITEOUT and OPAQUE are deletions of what lower layers hold. */
export const Kind = { FILE: 0, DIR: 1, SYMLINK: 2, HARDLINK: 3, CHAR: 4, BLOCK: 5, FIFO: 6, WHITEOUT: 7, OPAQUE: 8 } as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'whiteout' | 'opaque';
export const KIND_NAMES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'whiteout', 'opaque'];

/** LayerIndex is every entry of one layer, column by column so 100k entries load in a few milliseconds.
 * Paths are root-relative without a leading '/'; a whiteout's path is the path it deletes, an opaque
 * marker's path is the directory whose lower contents it hides. */
export interface LayerIndex {
  digest: Digest;
  count: number;
  paths: string[];
  kinds: Uint8Array;
  modes: Uint32Array;
  uids: Uint32Array;
  gids: Uint32Array;
  sizes: Float64Array;
  mtimes: Float64Array;
  /** Link targets ('' when none): symlink text as written, hardlink targets as root-relative paths. */
  links: string[];
  /** 32 bytes of sha256 per entry; all zero for entries without content. */
  hashes: Uint8Array;
  /** Bytes of regular-file content in the layer, and the uncompressed tar size. */
  fileBytes: number;
  tarSize: number;
}

/** INDEX_VERSION changes whenever the encoding does; an older file is rebuilt. */
const INDEX_VERSION = 1;
const MAGIC = 'STRATAIX';
const EMPTY_HASH = new Uint8Array(32);
const AUFS_META = WHITEOUT_PREFIX + WHITEOUT_PREFIX;

/** hashHex is the sha256 of entry i as hex, or null for entries without content. */
export function hashHex(ix: LayerIndex, i: number): string | null {
  const off = i * 32;
  for (let b = 0; b < 32; b++) if (ix.hashes[off + b] !== 0) return Buffer.from(ix.hashes.buffer, ix.hashes.byteOffset + off, 32).toString('hex');
  return null;
}

/** sameContent compares the sha256 of two entries of (possibly different) indexes. */
export function sameContent(a: LayerIndex, i: number, b: LayerIndex, j: number): boolean {
  return Buffer.compare(Buffer.from(a.hashes.buffer, a.hashes.byteOffset + i * 32, 32), Buffer.from(b.hashes.buffer, b.hashes.byteOffset + j * 32, 32)) === 0;
}

/** indexLayerBlob reads a layer blob once, streaming, hashing every file while it passes. Entries that
 * repeat a path keep the last one (what extraction leaves). */
export async function indexLayerBlob(store: Store, digest: Digest): Promise<LayerIndex> {
  const pos = new Map<string, number>();
  const paths: string[] = [];
  const kinds: number[] = [];
  const modes: number[] = [];
  const uids: number[] = [];
  const gids: number[] = [];
  const sizes: number[] = [];
  const mtimes: number[] = [];
  const links: string[] = [];
  const hashes: Buffer[] = [];
  let tarSize = 0;
  const put = (path: string, kind: KindCode, mode: number, uid: number, gid: number, size: number, mtime: number, link: string, hash: Buffer) => {
    // A whiteout and an entry for the same path are different things (delete below, then add): key them apart.
    const key = kind === Kind.WHITEOUT || kind === Kind.OPAQUE ? `\0${kind}${path}` : path;
    let i = pos.get(key);
    if (i === undefined) {
      i = paths.length;
      pos.set(key, i);
      paths.push(path);
      kinds.push(kind);
      modes.push(mode);
      uids.push(uid);
      gids.push(gid);
      sizes.push(size);
      mtimes.push(mtime);
      links.push(link);
      hashes.push(hash);
    } else {
      kinds[i] = kind;
      modes[i] = mode;
      uids[i] = uid;
      gids[i] = gid;
      sizes[i] = size;
      mtimes[i] = mtime;
      links[i] = link;
      hashes[i] = hash;
    }
  };
  const emptyHash = Buffer.from(EMPTY_HASH);
  for await (const { header: h, body } of layerEntries(store, digest)) {
    let rel: string;
    try {
      rel = cleanEntryPath(h.name);
    } catch (e) {
      for await (const _ of body);
      throw new ExploreError('EXPLORE_LAYER_UNREADABLE', `layer ${digest}: ${(e as Error).message}`, { digest, name: h.name }, { cause: e });
    }
    const pax = (h.pax ?? {}) as Record<string, string>;
    const uid = pax.uid !== undefined ? Number(pax.uid) : (h.uid ?? 0);
    const gid = pax.gid !== undefined ? Number(pax.gid) : (h.gid ?? 0);
    const mtime = pax.mtime !== undefined ? Number(pax.mtime) : (h.mtime?.getTime() ?? 0) / 1000;
    const mode = (h.mode ?? 0) & 0o7777;
    const type = h.type ?? 'file';
    const isFile = type === 'file' || type === 'contiguous-file';
    let size = 0;
    let hash = emptyHash;
    if (isFile) {
      const sha = createHash('sha256');
      for await (const chunk of body) {
        sha.update(chunk);
        size += chunk.byteLength;
      }
      hash = sha.digest();
    } else for await (const _ of body);
    tarSize += 512 + Math.ceil(size / 512) * 512;
    if (rel === '') continue; // the root directory itself: nothing to show or diff
    const [parent, name] = splitRel(rel);
    // .wh..wh.* names other than the opaque marker are aufs bookkeeping (hard-link pools), not image files.
    if (parent.split('/').some((c) => c.startsWith(AUFS_META))) continue;
    if (name.startsWith(WHITEOUT_PREFIX)) {
      if (name === OPAQUE_WHITEOUT) put(parent, Kind.OPAQUE, 0, 0, 0, 0, mtime, '', emptyHash);
      else if (!name.startsWith(AUFS_META)) put(joinRel(parent, name.slice(WHITEOUT_PREFIX.length)), Kind.WHITEOUT, 0, 0, 0, 0, mtime, '', emptyHash);
      continue;
    }
    switch (type) {
      case 'file':
      case 'contiguous-file':
        put(rel, Kind.FILE, mode, uid, gid, size, mtime, '', hash);
        break;
      case 'directory':
        put(rel, Kind.DIR, mode, uid, gid, 0, mtime, '', emptyHash);
        break;
      case 'symlink':
        put(rel, Kind.SYMLINK, mode, uid, gid, 0, mtime, h.linkname ?? '', emptyHash);
        break;
      case 'link': {
        let target = '';
        try {
          target = cleanEntryPath(h.linkname ?? '', 'hard link target');
        } catch {
          target = h.linkname ?? '';
        }
        const t = pos.get(target);
        put(rel, Kind.HARDLINK, mode, uid, gid, 0, mtime, target, t !== undefined ? (hashes[t] as Buffer) : emptyHash);
        break;
      }
      case 'character-device':
        put(rel, Kind.CHAR, mode, uid, gid, 0, mtime, `${h.devmajor ?? 0},${h.devminor ?? 0}`, emptyHash);
        break;
      case 'block-device':
        put(rel, Kind.BLOCK, mode, uid, gid, 0, mtime, `${h.devmajor ?? 0},${h.devminor ?? 0}`, emptyHash);
        break;
      case 'fifo':
        put(rel, Kind.FIFO, mode, uid, gid, 0, mtime, '', emptyHash);
        break;
      default:
        break; // GNU volume labels and the like carry no file
    }
  }
  const count = paths.length;
  let fileBytes = 0;
  for (let i = 0; i < count; i++) if (kinds[i] === Kind.FILE) fileBytes += sizes[i] as number;
  return {
    digest,
    count,
    paths,
    kinds: Uint8Array.from(kinds),
    modes: Uint32Array.from(modes),
    uids: Uint32Array.from(uids),
    gids: Uint32Array.from(gids),
    sizes: Float64Array.from(sizes),
    mtimes: Float64Array.from(mtimes),
    links,
    hashes: new Uint8Array(Buffer.concat(hashes, count * 32)),
    fileBytes,
    tarSize: tarSize + 1024,
  };
}

const pad8 = (n: number) => (n + 7) & ~7;

/** encodeIndex lays an index out as: magic, a fixed header, then NUL-joined paths and links, then the
 * columns, each 8-byte aligned (so decoding is a few copies, no per-entry parsing but one string split). */
export function encodeIndex(ix: LayerIndex): Buffer {
  const paths = Buffer.from(ix.paths.join('\0'), 'utf8');
  const links = Buffer.from(ix.links.join('\0'), 'utf8');
  const n = ix.count;
  const header = 8 + 4 * 4 + 8 * 2;
  const size = pad8(header) + pad8(paths.length) + pad8(links.length) + pad8(n) + pad8(n * 4) * 3 + n * 8 * 2 + n * 32;
  const buf = Buffer.alloc(size);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(INDEX_VERSION, 8);
  buf.writeUInt32LE(n, 12);
  buf.writeUInt32LE(paths.length, 16);
  buf.writeUInt32LE(links.length, 20);
  buf.writeDoubleLE(ix.fileBytes, 24);
  buf.writeDoubleLE(ix.tarSize, 32);
  let off = pad8(header);
  const put = (b: Uint8Array) => {
    buf.set(b, off);
    off += pad8(b.byteLength);
  };
  put(paths);
  put(links);
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (const col of [ix.kinds, ix.modes, ix.uids, ix.gids, ix.sizes, ix.mtimes, ix.hashes]) put(bytes(col));
  return buf;
}

/** decodeIndex reads what encodeIndex wrote; anything else is EXPLORE_INDEX_CORRUPT. */
export function decodeIndex(buf: Buffer, digest: Digest): LayerIndex {
  const corrupt = (why: string) => new ExploreError('EXPLORE_INDEX_CORRUPT', `file index of layer ${digest} is unusable: ${why}`, { digest });
  if (buf.length < 40 || buf.toString('latin1', 0, 8) !== MAGIC) throw corrupt('bad magic');
  if (buf.readUInt32LE(8) !== INDEX_VERSION) throw corrupt(`version ${buf.readUInt32LE(8)}`);
  const n = buf.readUInt32LE(12);
  const pathLen = buf.readUInt32LE(16);
  const linkLen = buf.readUInt32LE(20);
  const fileBytes = buf.readDoubleLE(24);
  const tarSize = buf.readDoubleLE(32);
  let off = pad8(40);
  const expected = off + pad8(pathLen) + pad8(linkLen) + pad8(n) + pad8(n * 4) * 3 + n * 8 * 2 + n * 32;
  if (buf.length !== expected) throw corrupt(`size ${buf.length}, expected ${expected}`);
  const take = (len: number) => {
    // Copy into a fresh aligned buffer: the read buffer may sit at any offset of a pooled ArrayBuffer.
    const ab = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + len);
    off += pad8(len);
    return ab;
  };
  const pathText = buf.toString('utf8', off, off + pathLen);
  off += pad8(pathLen);
  const linkText = buf.toString('utf8', off, off + linkLen);
  off += pad8(linkLen);
  const paths = n === 0 ? [] : pathText.split('\0');
  const links = n === 0 ? [] : linkText.split('\0');
  if (paths.length !== n || links.length !== n) throw corrupt('path table does not match the entry count');
  const kinds = new Uint8Array(take(n));
  const modes = new Uint32Array(take(n * 4));
  const uids = new Uint32Array(take(n * 4));
  const gids = new Uint32Array(take(n * 4));
  const sizes = new Float64Array(take(n * 8));
  const mtimes = new Float64Array(take(n * 8));
  const hashes = new Uint8Array(take(n * 32));
  return { digest, count: n, paths, kinds, modes, uids, gids, sizes, mtimes, links, hashes, fileBytes, tarSize };
}

/** indexPath is where the store keeps a layer's file index. */
export function indexPath(store: Store, digest: Digest): string {
  return join(store.home, 'meta', 'index', `${digestHex(digest)}.idx`);
}

/** Loaded indexes, most recently used last, bounded by their total entries (a 100k-file layer is ~10 MB). */
const loaded = new Map<string, LayerIndex>();
const building = new Map<string, Promise<LayerIndex>>();
const CACHE_ENTRIES = 1_500_000;
let cachedEntries = 0;

function remember(key: string, ix: LayerIndex): void {
  if (loaded.has(key)) return;
  loaded.set(key, ix);
  cachedEntries += ix.count;
  for (const [k, v] of loaded) {
    if (cachedEntries <= CACHE_ENTRIES || k === key) break;
    loaded.delete(k);
    cachedEntries -= v.count;
  }
}

/** layerIndex returns a layer's file index: from memory, else from the store, else built from the blob
 * (once, even when several callers ask at the same time) and written to the store atomically. */
export async function layerIndex(store: Store, digest: Digest): Promise<LayerIndex> {
  const key = `${store.home}\n${digest}`;
  const hit = loaded.get(key);
  if (hit) {
    loaded.delete(key);
    loaded.set(key, hit);
    return hit;
  }
  let p = building.get(key);
  if (!p) {
    p = (async () => {
      const file = indexPath(store, digest);
      try {
        return decodeIndex(await readFile(file), digest);
      } catch {
        // Missing, or written by another version: rebuild it.
      }
      const ix = await indexLayerBlob(store, digest);
      await mkdir(join(store.home, 'meta', 'index'), { recursive: true });
      await writeFileAtomic(file, encodeIndex(ix), store.tmpDir);
      return ix;
    })();
    building.set(key, p);
  }
  try {
    const ix = await p;
    remember(key, ix);
    return ix;
  } finally {
    building.delete(key);
  }
}

/** hasLayerIndex says whether the store already holds a layer's index (no indexing needed to open it). */
export async function hasLayerIndex(store: Store, digest: Digest): Promise<boolean> {
  if (loaded.has(`${store.home}\n${digest}`)) return true;
  try {
    await access(indexPath(store, digest));
    return true;
  } catch {
    return false;
  }
}

/** forgetLoadedIndexes drops the in-memory cache (tests and benchmarks measure cold loads with it). */
export function forgetLoadedIndexes(): void {
  loaded.clear();
  cachedEntries = 0;
}

/** pruneLayerIndexes removes stored indexes whose layer blob is gone (for the store's garbage collection
 * to call after it deleted blobs). Returns how many it removed. */
export async function pruneLayerIndexes(store: Store): Promise<number> {
  const dir = join(store.home, 'meta', 'index');
  let removed = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const m = /^([a-f0-9]{64})\.idx$/.exec(f);
    if (!m) continue;
    const digest = `sha256:${m[1]}` as Digest;
    if (await store.blobs.has(digest)) continue;
    await rm(join(dir, f), { force: true });
    loaded.delete(`${store.home}\n${digest}`);
    removed++;
  }
  return removed;
}
