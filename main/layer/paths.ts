import { LayerError } from './errors.ts';

/** Whiteout names, image-spec layer.md "Whiteouts": `.wh.NAME` deletes NAME, the opaque marker hides a
 * directory's lower contents. */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** compareNames orders names by code point, which is UTF-8 byte order: the order Go's sort.Strings and
 * containerd's directory walk use (JS `<` compares UTF-16 units and puts U+E000..U+FFFF after astral chars). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) must sort above U+E000..U+FFFF: shift both ranges.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** joinRel joins a root-relative directory path ('' for the root) and a name. */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** splitRel splits a root-relative path into its parent ('' for the root) and its last name. */
export function splitRel(rel: string): [parent: string, name: string] {
  const i = rel.lastIndexOf('/');
  return i < 0 ? ['', rel] : [rel.slice(0, i), rel.slice(i + 1)];
}

/** cleanEntryPath turns a tar entry name into a root-relative path ('' = the root itself): leading '/'
 * and './' are dropped (absolute names are re-rooted), empty and '.' components vanish, and any '..'
 * component is refused, so no entry can name a place outside the target. */
export function cleanEntryPath(name: string, what = 'entry'): string {
  if (name.includes('\0')) throw new LayerError('LAYER_CORRUPT', `${what} "${name.replace(/\0/g, '\\0')}": NUL byte in name`, { name });
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new LayerError('LAYER_PATH_ESCAPE', `${what} "${name}": ".." components are not allowed in a layer`, { name });
    }
    parts.push(part);
  }
  return parts.join('/');
}
