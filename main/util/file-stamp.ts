import { lstatSync } from 'node:fs';

/** fileStamp identifies a file's current version (inode, size, mtime, ctime), or null when it is gone:
 * a parsed copy of a file is reused while its stamp holds. */
export function fileStamp(path: string): string | null {
  try {
    const st = lstatSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}
