import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

const MAX_LINKS = 255;

/** secureJoin resolves path inside root as if root were `/`: every symlink on the way is followed within
 * root (an absolute target restarts at root, `..` stops at root), so the result never leaves root.
 * The last component is followed too unless followFinal is false. Missing components are kept as given. */
export function secureJoin(root: string, path: string, followFinal = true): string {
  const parts = posix.normalize('/' + path).split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (parts.length) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    const isLast = parts.length === 0;
    let target: string | null = null;
    if (!isLast || followFinal) {
      try {
        if (lstatSync(candidate).isSymbolicLink()) target = readlinkSync(candidate);
      } catch {
        /* missing: keep the name */
      }
    }
    if (target === null) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw Object.assign(new Error(`too many levels of symbolic links resolving ${path}`), { code: 'ELOOP' });
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...target.split('/').filter(Boolean));
  }
  return join(root, ...resolved);
}

/** scopedRel is the resolved path of secureJoin relative to root ('' for root itself). */
export function scopedRel(root: string, path: string, followFinal = true): string {
  const abs = secureJoin(root, path, followFinal);
  return abs === root ? '' : abs.slice(root.length + 1);
}
