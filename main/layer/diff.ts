import { closeSync, constants as fsc, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createPauser } from './cooperate.ts';
import { LayerError } from './errors.ts';
import { readMeta, type FileMeta } from './file-meta.ts';
import { compareNames, joinRel } from './paths.ts';

/** One entry of a layer changeset, in layer order. Paths are root-relative with '/' ('d1/f1').
 * `linkTo` makes the entry a hard link to an earlier entry of the same changeset; `opaque` marks a
 * directory whose lower contents are all hidden (overlayfs opaque dirs). */
export type Change =
  | { kind: 'delete'; path: string }
  | { kind: 'add' | 'modify'; path: string; meta: FileMeta; linkTo?: string; opaque?: boolean };

/** A walk event: a change, or an unchanged file that shares its inode with others (it may have to be
 * re-linked when one of its siblings changes). */
export type WalkEvent = Change | { kind: 'unmodified'; path: string; meta: FileMeta };

export interface DiffOptions {
  /** Files in `upper` whose ctime (ns) is below this are known untouched since the upper snapshot was
   * populated, so equal metadata is trusted without reading content. Take it from the ctime of a
   * marker file written after copying lower to upper and before the step ran. */
  unchangedBefore?: bigint;
}

interface Frame {
  lower: string | null;
  upper: string;
  rel: string;
  lowerNames: string[];
  upperNames: string[];
  i: number;
  j: number;
}

/** sortedNames lists a directory in layer order (byte order of UTF-8 names). */
export function sortedNames(abs: string): string[] {
  try {
    return readdirSync(abs).sort(compareNames);
  } catch (err) {
    throw new LayerError('LAYER_IO', `cannot list ${abs}: ${(err as Error).message}`, { path: abs }, { cause: err });
  }
}

/** walkTreeChanges yields the changes that turn `lower` into `upper` (both real directories) in
 * containerd's double-walk order: depth-first, siblings in byte order, a directory before its contents,
 * a deletion where the deleted path would sort. Directory mtimes are ignored (they change whenever an
 * entry does); a deleted directory yields one deletion, not one per descendant. Sockets count as absent. */
export async function* walkTreeChanges(lower: string, upper: string, opts: DiffOptions = {}): AsyncGenerator<WalkEvent> {
  const pause = createPauser();
  const stack: Frame[] = [frame(lower, upper, '')];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const l = f.lowerNames[f.i];
    const u = f.upperNames[f.j];
    if (l === undefined && u === undefined) {
      stack.pop();
      continue;
    }
    const p = pause();
    if (p) await p;
    const c = l === undefined ? 1 : u === undefined ? -1 : compareNames(l, u);
    if (c < 0) {
      f.i++;
      yield { kind: 'delete', path: joinRel(f.rel, l!) };
      continue;
    }
    f.j++;
    if (c === 0) f.i++;
    const name = u!;
    const path = joinRel(f.rel, name);
    const upperAbs = join(f.upper, name);
    const um = readMeta(upperAbs);
    const lowerAbs = c === 0 && f.lower !== null ? join(f.lower, name) : null;
    const lm = lowerAbs === null ? undefined : readMeta(lowerAbs);
    const lowerPresent = lm !== undefined && lm.type !== 'socket';
    if (um === undefined || um.type === 'socket') {
      if (lowerPresent) yield { kind: 'delete', path };
      continue;
    }
    if (!lowerPresent) {
      yield { kind: 'add', path, meta: um };
      if (um.type === 'dir') stack.push(frame(null, upperAbs, path));
      continue;
    }
    if (lm.type === 'dir' && um.type === 'dir') {
      if (!sameMeta(lm, um)) yield { kind: 'modify', path, meta: um };
      stack.push(frame(lowerAbs, upperAbs, path));
      continue;
    }
    if (sameFile(lm, um, lowerAbs!, upperAbs, opts)) {
      if (um.nlink > 1) yield { kind: 'unmodified', path, meta: um };
      continue;
    }
    yield { kind: 'modify', path, meta: um };
    if (um.type === 'dir') stack.push(frame(null, upperAbs, path));
  }
}

function frame(lower: string | null, upper: string, rel: string): Frame {
  return { lower, upper, rel, lowerNames: lower === null ? [] : sortedNames(lower), upperNames: sortedNames(upper), i: 0, j: 0 };
}

/** sameMeta compares what every kind of entry carries: type, permission bits, owner, device numbers. */
export function sameMeta(a: FileMeta, b: FileMeta): boolean {
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.devMajor === b.devMajor &&
    a.devMinor === b.devMinor
  );
}

/** sameFile decides whether a non-directory is unchanged (continuity's sameFile): metadata first; the
 * content is read only when size and mtime are equal and both mtimes lack nanoseconds (a tar round trip
 * truncates them, so a same-second rewrite could hide behind them). */
export function sameFile(lm: FileMeta, um: FileMeta, lowerAbs: string, upperAbs: string, opts: DiffOptions = {}): boolean {
  if (lm.dev === um.dev && lm.ino === um.ino) return true;
  if (!sameMeta(lm, um)) return false;
  if (lm.type === 'dir') return true;
  if (lm.size !== um.size || lm.mtimeSec !== um.mtimeSec || lm.mtimeNsec !== um.mtimeNsec) return false;
  if (um.mtimeNsec !== 0) return true;
  if (opts.unchangedBefore !== undefined && um.ctimeNs < opts.unchangedBefore) return true;
  if (um.type === 'symlink') return readlinkSync(lowerAbs) === readlinkSync(upperAbs);
  if (um.type !== 'file' || um.size === 0) return true;
  return sameContent(lowerAbs, upperAbs);
}

const COMPARE_CHUNK = 256 * 1024;

/** sameContent compares two files byte by byte, stopping at the first difference (no hashing). */
export function sameContent(a: string, b: string): boolean {
  const fa = openSync(a, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    const fb = openSync(b, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      const ba = Buffer.allocUnsafe(COMPARE_CHUNK);
      const bb = Buffer.allocUnsafe(COMPARE_CHUNK);
      for (;;) {
        const na = readFull(fa, ba);
        const nb = readFull(fb, bb);
        if (na !== nb) return false;
        if (na === 0) return true;
        if (ba.compare(bb, 0, nb, 0, na) !== 0) return false;
        if (na < COMPARE_CHUNK) return true;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

function readFull(fd: number, buf: Buffer): number {
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/** linkHardlinks turns walk events into changes and groups hard links by inode the way containerd's
 * ChangeWriter does: the first changed member of an inode group is written as content, every later
 * member becomes a link to it, and unchanged members seen earlier are linked right after it. */
export async function* linkHardlinks(events: AsyncIterable<WalkEvent> | Iterable<WalkEvent>): AsyncGenerator<Change> {
  const firstPath = new Map<string, string>();
  const waiting = new Map<string, { path: string; meta: FileMeta }[]>();
  for await (const ev of events) {
    if (ev.kind === 'delete') {
      yield ev;
      continue;
    }
    const m = ev.meta;
    if (m.type === 'dir' || m.nlink < 2) {
      if (ev.kind !== 'unmodified') yield ev;
      continue;
    }
    const key = `${m.dev}:${m.ino}`;
    const first = firstPath.get(key);
    if (first !== undefined) {
      yield { kind: ev.kind === 'add' ? 'add' : 'modify', path: ev.path, meta: m, linkTo: first };
      continue;
    }
    if (ev.kind === 'unmodified') {
      const list = waiting.get(key);
      if (list) list.push({ path: ev.path, meta: m });
      else waiting.set(key, [{ path: ev.path, meta: m }]);
      continue;
    }
    firstPath.set(key, ev.path);
    yield ev;
    const earlier = waiting.get(key);
    if (earlier) {
      waiting.delete(key);
      for (const w of earlier) yield { kind: 'modify', path: w.path, meta: w.meta, linkTo: ev.path };
    }
  }
}

/** diffTrees lists the layer changeset from `lower` to `upper` (metadata only; contents stay on disk). */
export async function diffTrees(lower: string, upper: string, opts: DiffOptions = {}): Promise<Change[]> {
  const out: Change[] = [];
  for await (const c of linkHardlinks(walkTreeChanges(lower, upper, opts))) out.push(c);
  return out;
}
