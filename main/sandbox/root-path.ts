import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { SandboxError } from './errors.ts';

/** Where a path inside a root filesystem leads, with every symlink resolved inside that root. */
export interface RootPath {
  /** The resolved absolute path inside the root ('/' based, no symlinks, no '..'). */
  path: string;
  /** The same path on the host (root directory + path). */
  hostPath: string;
  /** lstat of the final component; undefined when it (or a parent) does not exist yet. */
  stat: Stats | undefined;
  /** Paths inside the root that do not exist yet, outermost first (empty when the path exists). */
  missing: string[];
}

const MAX_LINKS = 40;

/** resolveInRoot follows `path` inside `root` the way the kernel would after a chroot: absolute symlinks
 * restart at the root and '..' stops there, so the answer never leaves the root (securejoin's rule).
 * A missing component ends the walk; the rest is reported in `missing`. */
export function resolveInRoot(root: string, path: string): RootPath {
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const parts: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === '..') {
      parts.pop();
      continue;
    }
    const inner = '/' + [...parts, name].join('/');
    const st = lstatOrUndefined(join(root, inner));
    if (st === undefined) {
      const missing = [inner];
      for (const rest of todo) {
        if (rest === '..') missing.pop();
        else missing.push(missing[missing.length - 1] + '/' + rest);
      }
      // A '..' after a missing component climbs back into existing territory: resolve that instead.
      if (missing.length === 0 || todo.includes('..')) return resolveInRoot(root, normalizeLexically([...parts, name, ...todo]));
      const last = missing[missing.length - 1]!;
      return { path: last, hostPath: join(root, last), stat: undefined, missing };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new SandboxError('SANDBOX_MOUNT_FAILED', `too many levels of symbolic links resolving ${path} inside the root`, { path });
      const target = readlinkSync(join(root, inner));
      if (target.startsWith('/')) parts.length = 0;
      todo.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    if (!st.isDirectory() && todo.length > 0) {
      throw new SandboxError('SANDBOX_MOUNT_FAILED', `${inner} is not a directory inside the root, so ${path} cannot exist`, { path, at: inner });
    }
    parts.push(name);
  }
  const resolved = '/' + parts.join('/');
  return { path: resolved, hostPath: join(root, resolved), stat: lstatOrUndefined(join(root, resolved)), missing: [] };
}

function normalizeLexically(components: string[]): string {
  const out: string[] = [];
  for (const c of components) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return '/' + out.join('/');
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
