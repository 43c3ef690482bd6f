import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { createPauser } from './cooperate.ts';
import { LayerError } from './errors.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX, cleanEntryPath, splitRel } from './paths.ts';

export interface ApplyOptions {
  /** chown entries to the uid/gid in the tar (default: when this process runs as root). */
  preserveOwnership?: boolean;
  /** Maps tar ids to host ids before chown (e.g. into a user-namespace range). */
  mapIds?: (uid: number, gid: number) => { uid: number; gid: number };
  /** Create character and block devices; honoured only as root (default false: skipped and reported). */
  allowDevices?: boolean;
  /** Keep setuid/setgid bits on non-directories (default false: they are dropped). */
  keepSetid?: boolean;
  /** 'auto' (default) gunzips a stream that starts with the gzip magic; 'none' expects a plain tar. */
  compression?: 'auto' | 'none';
}

export interface ApplyResult {
  /** Tar entries read, whiteouts included. */
  entries: number;
  whiteouts: number;
  /** Entries (or parts of them) not reproduced, with why: device nodes, xattrs. */
  skipped: { path: string; reason: string }[];
}

type Body = AsyncIterable<Buffer>;

/** applyLayer unpacks a layer tar stream onto `target` (a rootfs snapshot), following image-spec layer.md:
 * `.wh.NAME` deletes NAME from lower layers, `DIR/.wh..wh..opq` hides everything below DIR that this
 * layer did not write (wherever the marker sits in the layer), an entry replaces whatever was at its
 * path unless both are directories. Nothing is written outside `target`: `..` is refused, absolute
 * names are re-rooted, and symlinks met while resolving parents are followed as if `target` were `/`;
 * the final component is never followed. */
export async function applyLayer(target: string, layer: AsyncIterable<Uint8Array>, opts: ApplyOptions = {}): Promise<ApplyResult> {
  let root: string;
  try {
    root = realpathSync(target);
  } catch (err) {
    throw new LayerError('LAYER_IO', `cannot apply a layer onto ${target}: ${(err as Error).message}`, { path: target }, { cause: err });
  }
  const applier = new Applier(root, opts);
  // allowUnknownFormat: accept pre-POSIX (v7) headers too; tar-stream's typings omit the option.
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const { source, format } = await sniff(layer);
  if (format === 'zstd') {
    throw new LayerError('LAYER_CORRUPT', 'zstd-compressed layer: decompress it before applying (Node 20 has no zstd)');
  }
  const feeding = opts.compression !== 'none' && format === 'gzip' ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
  feeding.catch(() => {}); // awaited below
  try {
    for await (const entry of extract) await applier.entry(entry.header, entry as AsyncIterable<unknown> as Body);
    await feeding;
    applier.finish();
  } catch (err) {
    extract.destroy();
    await feeding.catch(() => {});
    throw asLayerError(err, applier.current);
  }
  return applier.result;
}

class Applier {
  readonly result: ApplyResult = { entries: 0, whiteouts: 0, skipped: [] };
  /** The entry being applied, for error messages. */
  current = '';
  /** Entry-relative directory → real absolute directory; cleared whenever a directory or symlink goes. */
  private readonly dirs = new Map<string, string>();
  /** Absolute paths this layer wrote, with their ancestors: what an opaque marker must keep. */
  private readonly unpacked = new Set<string>();
  /** Directory modes and mtimes, applied last: children would bump the mtime, and a read-only mode
   * would stop a non-root extraction from writing the children. */
  private readonly dirMeta = new Map<string, { ino: bigint; mode: number; mtime: number }>();
  private readonly isRoot = process.getuid?.() === 0;
  private readonly chown: boolean;
  private readonly pause = createPauser();

  constructor(
    private readonly root: string,
    private readonly opts: ApplyOptions,
  ) {
    this.chown = opts.preserveOwnership ?? this.isRoot;
  }

  async entry(h: tar.Header, body: Body): Promise<void> {
    const p = this.pause();
    if (p) await p;
    this.result.entries++;
    this.current = h.name;
    const isFile = h.type === 'file' || h.type === 'contiguous-file';
    if (!isFile) for await (const _ of body); // links and directories carry no data worth keeping
    const rel = cleanEntryPath(h.name);
    const [parentRel, name] = splitRel(rel);
    if (name.startsWith(WHITEOUT_PREFIX)) {
      if (isFile) for await (const _ of body);
      this.whiteout(parentRel, name);
      return;
    }
    const pax = (h.pax ?? {}) as Record<string, string>;
    for (const key of Object.keys(pax)) {
      if (key.startsWith('SCHILY.xattr.') || key.startsWith('LIBARCHIVE.xattr.')) {
        this.result.skipped.push({ path: rel, reason: `xattr ${key.slice(key.indexOf('xattr.') + 6)} not applied (Node has no setxattr)` });
      }
    }
    let uid = pax.uid !== undefined ? Number(pax.uid) : h.uid;
    let gid = pax.gid !== undefined ? Number(pax.gid) : h.gid;
    if (this.opts.mapIds) ({ uid, gid } = this.opts.mapIds(uid, gid));
    const mtime = pax.mtime !== undefined ? Number(pax.mtime) : h.mtime.getTime() / 1000;
    let mode = h.mode & 0o7777;
    if (h.type !== 'directory' && !this.opts.keepSetid) mode &= ~0o6000;

    if (rel === '') {
      if (h.type !== 'directory') throw new LayerError('LAYER_CORRUPT', `entry "${h.name}": the layer root must be a directory`, { name: h.name });
      this.directory(this.root, uid, gid, mode, mtime);
      return;
    }
    const parent = this.resolveDir(parentRel, true)!;
    const abs = join(parent, name);
    switch (h.type) {
      case 'directory':
        this.directory(abs, uid, gid, mode, mtime);
        this.dirs.set(rel, abs);
        break;
      case 'file':
      case 'contiguous-file':
        await this.file(abs, body, h.size, uid, gid, mode, mtime);
        break;
      case 'symlink':
        this.removeExisting(abs);
        symlinkSync(h.linkname ?? '', abs);
        if (this.chown) lchownSync(abs, uid, gid);
        lutimesSync(abs, mtime, mtime);
        break;
      case 'link':
        if (!this.hardlink(abs, h.linkname ?? '')) return;
        break;
      case 'character-device':
      case 'block-device':
      case 'fifo':
        if (!this.special(rel, abs, h, mode)) return;
        if (this.chown) lchownSync(abs, uid, gid);
        lutimesSync(abs, mtime, mtime);
        break;
      default:
        throw new LayerError('LAYER_UNSUPPORTED_ENTRY', `entry "${h.name}": unsupported tar entry type ${String(h.type)}`, { name: h.name });
    }
    this.markUnpacked(abs);
  }

  /** finish applies the deferred directory modes and mtimes, deepest first. */
  finish(): void {
    for (const [abs, d] of [...this.dirMeta].reverse()) {
      const st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
      if (!st || !st.isDirectory() || st.ino !== d.ino) continue; // replaced or removed later in the layer
      chmodSync(abs, d.mode);
      lutimesSync(abs, d.mtime, d.mtime);
    }
  }

  private directory(abs: string, uid: number, gid: number, mode: number, mtime: number): void {
    if (this.removeExisting(abs, true) === undefined) mkdirSync(abs, 0o700);
    if (this.chown) chownSync(abs, uid, gid);
    const ino = lstatSync(abs, { bigint: true }).ino;
    this.dirMeta.delete(abs); // re-insert: a later entry for the same directory wins
    this.dirMeta.set(abs, { ino, mode, mtime });
    this.markUnpacked(abs);
  }

  private async file(abs: string, body: Body, size: number, uid: number, gid: number, mode: number, mtime: number): Promise<void> {
    this.removeExisting(abs);
    // O_EXCL|O_NOFOLLOW: the path was just cleared, so nothing (no planted symlink) can redirect the write.
    const fd = openSync(abs, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    try {
      let written = 0;
      for await (const chunk of body) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
        written += chunk.length;
      }
      if (written !== size) throw new LayerError('LAYER_CORRUPT', `entry "${this.current}": ${written} of ${size} bytes`, { name: this.current });
      if (this.chown) fchownSync(fd, uid, gid);
      fchmodSync(fd, mode); // after chown, which clears setuid/setgid
      futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** hardlink links abs to an earlier path of the tree; false when the entry names itself. */
  private hardlink(abs: string, linkname: string): boolean {
    const targetRel = cleanEntryPath(linkname, `hard link target of "${this.current}"`);
    const [tp, tn] = splitRel(targetRel);
    const tParent = targetRel === '' ? null : this.resolveDir(tp, false);
    const targetAbs = tParent === null ? null : join(tParent, tn);
    const st = targetAbs === null ? undefined : lstatSync(targetAbs, { throwIfNoEntry: false });
    if (targetAbs === null || !st || st.isDirectory()) {
      throw new LayerError('LAYER_CORRUPT', `entry "${this.current}": hard link target "${linkname}" is not an existing non-directory`, {
        name: this.current,
        linkname,
      });
    }
    if (targetAbs === abs) return false;
    this.removeExisting(abs);
    linkSync(targetAbs, abs); // link(2) does not follow a symlink target: it links the symlink itself
    return true;
  }

  /** special makes devices (root with allowDevices only) and FIFOs through mknod(1)/mkfifo(1): Node has no mknod. */
  private special(rel: string, abs: string, h: tar.Header, mode: number): boolean {
    const fifo = h.type === 'fifo';
    if (!fifo && !(this.isRoot && this.opts.allowDevices)) {
      this.result.skipped.push({ path: rel, reason: 'device node: created only as root with allowDevices' });
      return false;
    }
    this.removeExisting(abs);
    const perm = (mode & 0o7777).toString(8);
    const args = fifo ? ['-m', perm, abs] : ['-m', perm, abs, h.type === 'block-device' ? 'b' : 'c', String(h.devmajor), String(h.devminor)];
    const r = spawnSync(fifo ? 'mkfifo' : 'mknod', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      this.result.skipped.push({ path: rel, reason: `${fifo ? 'mkfifo' : 'mknod'} failed: ${(r.stderr || r.error?.message || '').trim()}` });
      return false;
    }
    return true;
  }

  private whiteout(parentRel: string, name: string): void {
    this.result.whiteouts++;
    const parent = this.resolveDir(parentRel, false);
    if (parent === null) return; // nothing below to hide
    if (name === OPAQUE_WHITEOUT) {
      this.clearLower(parent);
      return;
    }
    if (name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return; // other AUFS metadata (.wh..wh.plnk, …)
    const victim = name.slice(WHITEOUT_PREFIX.length);
    if (victim === '' || victim === '.' || victim === '..') {
      throw new LayerError('LAYER_PATH_ESCAPE', `whiteout "${this.current}" names no entry of its directory`, { name: this.current });
    }
    const abs = join(parent, victim);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    // A whiteout hides lower layers only: what this layer wrote at that path stays.
    if (this.unpacked.has(abs)) {
      if (st.isDirectory()) this.clearLower(abs);
      return;
    }
    rmSync(abs, { recursive: true, force: true });
    if (st.isDirectory() || st.isSymbolicLink()) this.dirs.clear();
  }

  /** clearLower removes everything under dir that this layer did not write. */
  private clearLower(dir: string): void {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      if (this.unpacked.has(abs)) {
        if (lstatSync(abs).isDirectory()) this.clearLower(abs);
        continue;
      }
      rmSync(abs, { recursive: true, force: true });
      this.dirs.clear();
    }
  }

  /** removeExisting clears abs for a new entry; with keepDir an existing directory is kept (merged). */
  private removeExisting(abs: string, keepDir = false): true | undefined {
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (st.isDirectory()) {
      if (keepDir) return true;
      rmSync(abs, { recursive: true, force: true });
      this.dirs.clear();
      return undefined;
    }
    unlinkSync(abs);
    if (st.isSymbolicLink()) this.dirs.clear();
    return undefined;
  }

  private markUnpacked(abs: string): void {
    for (let p = abs; p.length > this.root.length && !this.unpacked.has(p); p = dirname(p)) this.unpacked.add(p);
  }

  /** resolveDir returns the real directory an entry-relative directory path names inside the root,
   * creating missing directories (0755) when asked; null when absent and create is false. */
  private resolveDir(rel: string, create: boolean): string | null {
    if (rel === '') return this.root;
    const hit = this.dirs.get(rel);
    if (hit !== undefined) return hit;
    const [parentRel, name] = splitRel(rel);
    const parent = this.resolveDir(parentRel, create);
    if (parent === null) return null;
    const real = this.follow(parent, name, create, rel);
    if (real !== null) this.dirs.set(rel, real);
    return real;
  }

  /** follow resolves one name inside a real directory, following symlinks as a chroot at the root would:
   * absolute targets restart at the root and '..' stops there. */
  private follow(dir: string, name: string, create: boolean, rel: string): string | null {
    let cur = dir;
    const todo = [name];
    let links = 0;
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (cur !== this.root) cur = dirname(cur);
        continue;
      }
      const next = join(cur, c);
      const st = lstatSync(next, { throwIfNoEntry: false });
      if (!st) {
        if (!create) return null;
        mkdirSync(next);
        chmodSync(next, 0o755); // exact, whatever the umask
        cur = next;
        continue;
      }
      if (st.isSymbolicLink()) {
        if (++links > 40) throw new LayerError('LAYER_CORRUPT', `entry "${this.current}": too many symlinks resolving "${rel}"`, { name: this.current });
        const target = readlinkSync(next);
        if (target.startsWith('/')) cur = this.root;
        todo.push(...target.split('/').reverse());
        continue;
      }
      if (!st.isDirectory()) {
        throw new LayerError('LAYER_CORRUPT', `entry "${this.current}": "${rel}" is not a directory in the target`, { name: this.current, path: rel });
      }
      cur = next;
    }
    return cur;
  }
}

/** sniff reads the first bytes of a layer stream to tell gzip and zstd from plain tar, then replays them. */
async function sniff(layer: AsyncIterable<Uint8Array>): Promise<{ source: AsyncIterable<Uint8Array>; format: 'tar' | 'gzip' | 'zstd' }> {
  const it = layer[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let len = 0;
  let done = false;
  while (len < 4) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    len += r.value.length;
  }
  const first = Buffer.concat(head);
  const format = first[0] === 0x1f && first[1] === 0x8b ? 'gzip' : first.length >= 4 && first.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : 'tar';
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      if (first.length > 0) yield first;
      while (!done) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { source: replay(), format };
}

function asLayerError(err: unknown, entry: string): LayerError {
  if (err instanceof LayerError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.syscall === 'string') {
    return new LayerError('LAYER_IO', `entry "${entry}": ${e.message}`, { name: entry, code: e.code }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LayerError('LAYER_CORRUPT', `layer tar${entry ? ` near entry "${entry}"` : ''}: ${message}`, { name: entry }, { cause: err });
}
