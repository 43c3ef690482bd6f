// An arena for hostile inputs: a target directory to unpack into, and beside it a sentinel directory whose
// exact contents are recorded. After a hostile input, nothing may exist beside them and the sentinel must be
// unchanged: whatever an attacker aimed "outside the target" (relative, absolute, through links) is there.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { unmountBelow } from '../testing/temp.ts';

export interface Arena {
  /** root holds target/ and sentinel/ and nothing else. */
  root: string;
  target: string;
  sentinel: string;
  /** marker is a unique name hostile inputs use for what they try to create outside. */
  marker: string;
  /** secret is the content of sentinel/secret.txt: it must never show up in an image. */
  secret: string;
  /** outsidePaths are absolute host paths hostile inputs aim at (checked to stay absent). */
  outsidePaths: string[];
  /** check throws if anything changed outside target/. */
  check(what: string): void;
  /** reset empties target/ for the next input (read-only bits and all). */
  reset(): void;
  cleanup(): void;
}

function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${name}` : name;
      if (st.isSymbolicLink()) lines.push(`${r} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        lines.push(`${r}/ ${(st.mode & 0o7777).toString(8)}`);
        walk(p, r);
      } else lines.push(`${r} ${(st.mode & 0o7777).toString(8)} ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mtimeMs}`);
    }
  };
  walk(dir, '');
  return lines.join('\n');
}

/** createArena makes a fresh arena under the system temp directory. */
export function createArena(prefix = 'strata-hostile-'): Arena {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const target = join(root, 'target');
  const sentinel = join(root, 'sentinel');
  const marker = `pwned-${randomBytes(6).toString('hex')}`;
  mkdirSync(target);
  mkdirSync(join(sentinel, 'sub'), { recursive: true });
  writeFileSync(join(sentinel, 'keep.txt'), 'KEEP ME\n');
  const secret = `SENTINEL-SECRET-${randomBytes(8).toString('hex')}`;
  writeFileSync(join(sentinel, 'secret.txt'), secret + '\n', { mode: 0o600 });
  writeFileSync(join(sentinel, 'sub', 'inner.txt'), 'inner\n', { mode: 0o600 });
  symlinkSync('keep.txt', join(sentinel, 'link-to-keep'));
  const before = snapshot(sentinel);
  const outsidePaths = [join(tmpdir(), marker), join('/', marker), join(root, marker), join(sentinel, marker)];
  return {
    root,
    target,
    sentinel,
    marker,
    secret,
    outsidePaths,
    check(what: string) {
      const beside = readdirSync(root).sort();
      if (beside.join(',') !== 'sentinel,target') throw new Error(`${what}: something was created beside the target: ${beside.join(', ')}`);
      const now = snapshot(sentinel);
      if (now !== before) throw new Error(`${what}: the sentinel directory changed:\n--- before\n${before}\n--- after\n${now}`);
      for (const p of outsidePaths) if (existsSync(p)) throw new Error(`${what}: ${p} exists outside the target`);
    },
    reset() {
      removeTree(target);
      mkdirSync(target);
    },
    cleanup() {
      removeTree(root);
    },
  };
}

/** removeTree deletes a tree however deep a layer made it (rmSync recursion overflows near PATH_MAX depth). */
export function removeTree(path: string): void {
  unmountBelow(path);
  if (process.getuid?.() !== 0) makeWritable(path);
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    spawnSync('rm', ['-rf', '--one-file-system', path], { stdio: 'ignore' });
  }
}

/** makeWritable gives the owner write access to every directory below dir (a layer may make them read-only). */
export function makeWritable(dir: string): void {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st || !st.isDirectory()) return;
  try {
    chmodSync(dir, (st.mode & 0o7777) | 0o700); // a real directory here: lstat said so
  } catch {
    /* not ours to change */
  }
  for (const name of readdirSync(dir)) makeWritable(join(dir, name));
}
