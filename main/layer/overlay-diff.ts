import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { createPauser } from './cooperate.ts';
import { linkHardlinks, sameFile, sameMeta, sortedNames, type Change, type WalkEvent } from './diff.ts';
import { readMeta, type FileMeta } from './file-meta.ts';
import { compareNames, joinRel } from './paths.ts';

/** What reading an overlay upper directory found: the changeset, and the directories the step made opaque
 * (deleted and re-created: nothing of the lower one shows through), which materializing must know. */
export interface OverlayDiff {
  changes: Change[];
  opaque: Set<string>;
}

interface Frame {
  lower: string | null;
  upper: string;
  merged: string;
  rel: string;
  names: string[];
  inUpper: Set<string>;
  i: number;
}

/** isWhiteout: overlayfs marks a deleted lower entry with a 0/0 character device in the upper directory. */
export function isWhiteout(m: FileMeta | undefined): boolean {
  return m !== undefined && m.type === 'char' && m.devMajor === 0 && m.devMinor === 0;
}

/** overlayDiff reads the changes a step made through an overlay mount (lowerdir=lower, upperdir=upper,
 * mounted at merged, metacopy and redirect_dir off) as the very changeset diffTrees(lower, merged) would
 * give, without walking the lower tree: only the upper directory and the lower entries next to it are read.
 * Opaque directories (no getxattr in Node) are recognised through the mount itself, so it must still be
 * mounted: a lower name that the upper lacks and the merged view hides means the directory is opaque. */
export async function overlayDiff(lower: string, upper: string, merged: string): Promise<OverlayDiff> {
  const opaque = new Set<string>();
  const changes: Change[] = [];
  for await (const c of linkHardlinks(walkUpper(lower, upper, merged, opaque))) changes.push(c);
  return { changes, opaque };
}

async function* walkUpper(lower: string, upper: string, merged: string, opaque: Set<string>): AsyncGenerator<WalkEvent> {
  const pause = createPauser();
  const stack: Frame[] = [frame(lower, upper, merged, '', opaque)];
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
    // Only an opaque directory lists lower names the upper lacks: each is a deletion, where it sorts.
    if (!f.inUpper.has(name)) {
      yield { kind: 'delete', path };
      continue;
    }
    const upperAbs = join(f.upper, name);
    const um = readMeta(upperAbs);
    if (um === undefined) continue;
    const lowerAbs = f.lower === null ? null : join(f.lower, name);
    const lm = lowerAbs === null ? undefined : lowerMeta(lowerAbs);
    const lowerPresent = lm !== undefined && lm.type !== 'socket';
    if (isWhiteout(um) || um.type === 'socket') {
      if (lowerPresent) yield { kind: 'delete', path };
      continue;
    }
    if (!lowerPresent) {
      yield { kind: 'add', path, meta: um };
      if (um.type === 'dir') stack.push(frame(null, upperAbs, join(f.merged, name), path, opaque));
      continue;
    }
    if (lm.type === 'dir' && um.type === 'dir') {
      if (!sameMeta(lm, um)) yield { kind: 'modify', path, meta: um };
      stack.push(frame(lowerAbs, upperAbs, join(f.merged, name), path, opaque));
      continue;
    }
    if (sameFile(lm, um, lowerAbs!, upperAbs)) {
      if (um.nlink > 1) yield { kind: 'unmodified', path, meta: um };
      continue;
    }
    yield { kind: 'modify', path, meta: um };
    if (um.type === 'dir') stack.push(frame(null, upperAbs, join(f.merged, name), path, opaque));
  }
}

function frame(lower: string | null, upper: string, merged: string, rel: string, opaque: Set<string>): Frame {
  const upperNames = sortedNames(upper);
  const inUpper = new Set(upperNames);
  if (lower === null) return { lower, upper, merged, rel, names: upperNames, inUpper, i: 0 };
  const lowerOnly = sortedNames(lower).filter((n) => !inUpper.has(n));
  // A directory is opaque when what only the lower has does not show in the merged view (all or nothing).
  if (lowerOnly.length === 0 || lstatSync(join(merged, lowerOnly[0]!), { throwIfNoEntry: false }) !== undefined) {
    return { lower, upper, merged, rel, names: upperNames, inUpper, i: 0 };
  }
  opaque.add(rel);
  return { lower, upper, merged, rel, names: [...upperNames, ...lowerOnly].sort(compareNames), inUpper, i: 0 };
}

function lowerMeta(abs: string): FileMeta | undefined {
  try {
    return readMeta(abs);
  } catch {
    return undefined; // ENOTDIR and the like: nothing there
  }
}
