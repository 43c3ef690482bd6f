import { join } from 'node:path';
import { createPauser } from './cooperate.ts';
import { linkHardlinks, sameMeta, sortedNames, type Change, type WalkEvent } from './diff.ts';
import { readMeta, type FileMeta } from './file-meta.ts';
import { joinRel } from './paths.ts';

export interface OverlayOptions {
  /** The mount's lower directories, top-most first. With them, directories that overlayfs merely copied
   * up (same type, mode and owner below) are not emitted, and entries are told apart as add or modify. */
  lowerDirs?: string[];
  /** isOpaque says whether an upper directory carries `trusted.overlay.opaque=y` (or `user.overlay.opaque`
   * with `userxattr`). Node has no getxattr without a native addon, so the caller supplies this; without
   * it no directory is treated as opaque, and a directory that was deleted and re-created in the step
   * would wrongly keep its lower contents. */
  isOpaque?: (absDir: string, rel: string) => boolean;
}

/** walkOverlayChanges reads an overlayfs upper directory as a changeset, in the same order as
 * walkTreeChanges: a 0/0 character device is a whiteout (deletion), an opaque directory hides its lower
 * contents, anything else in the upper directory was added or changed. Metacopy-only and redirect_dir
 * entries (xattr-based) are not understood: mount with metacopy=off,redirect_dir=off. */
export async function* walkOverlayChanges(upper: string, opts: OverlayOptions = {}): AsyncGenerator<Change> {
  yield* linkHardlinks(walkUpper(upper, opts));
}

async function* walkUpper(upper: string, opts: OverlayOptions): AsyncGenerator<WalkEvent> {
  const pause = createPauser();
  const lowers = opts.lowerDirs ?? [];
  const stack: { abs: string; rel: string; names: string[]; i: number; hidden: boolean }[] = [
    { abs: upper, rel: '', names: sortedNames(upper), i: 0, hidden: false },
  ];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    const name = f.names[f.i++];
    if (name === undefined) {
      stack.pop();
      continue;
    }
    const p = pause();
    if (p) await p;
    const path = joinRel(f.rel, name);
    const abs = join(f.abs, name);
    const meta = readMeta(abs);
    if (meta === undefined || meta.type === 'socket') continue;
    if (meta.type === 'char' && meta.devMajor === 0 && meta.devMinor === 0) {
      yield { kind: 'delete', path };
      continue;
    }
    // Below an opaque directory nothing from the lowers shows through, so there is nothing to look up.
    const lower = f.hidden ? undefined : lowerMeta(lowers, path);
    if (meta.type !== 'dir') {
      yield { kind: lower === undefined ? 'add' : 'modify', path, meta };
      continue;
    }
    const opaque = lower?.type === 'dir' && (opts.isOpaque?.(abs, path) ?? false);
    if (opaque) yield { kind: 'modify', path, meta, opaque: true };
    else if (lower === undefined) yield { kind: 'add', path, meta };
    else if (lowers.length === 0 || !sameMeta(lower, meta)) yield { kind: 'modify', path, meta };
    stack.push({ abs, rel: path, names: sortedNames(abs), i: 0, hidden: f.hidden || opaque || lower?.type !== 'dir' });
  }
}

// UNKNOWN stands for "no lowers were given": every entry then counts as changed.
const UNKNOWN: FileMeta = { type: 'dir', mode: -1, uid: -1, gid: -1, size: 0, mtimeSec: 0, mtimeNsec: 0, ctimeNs: 0n, dev: 0n, ino: 0n, nlink: 0, devMajor: 0, devMinor: 0 };

function lowerMeta(lowers: string[], path: string): FileMeta | undefined {
  if (lowers.length === 0) return UNKNOWN;
  for (const dir of lowers) {
    let m: FileMeta | undefined;
    try {
      m = readMeta(join(dir, path));
    } catch {
      m = undefined; // ENOTDIR: a lower has a non-directory where this path's parent would be
    }
    if (m === undefined) continue;
    // A whiteout in a middle layer hides everything below it.
    if (m.type === 'char' && m.devMajor === 0 && m.devMinor === 0) return undefined;
    return m;
  }
  return undefined;
}
