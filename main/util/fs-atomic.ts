import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** tempName gives a unique file name for a temp file in dir (pid first so fsck can tell whose it is). */
export function tempName(dir: string, prefix = 'tmp'): string {
  return join(dir, `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** writeFileAtomic writes data to a temp file beside path, fsyncs it (unless sync: false) and renames it over path. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, tmpDir = dirname(path), opts: { sync?: boolean } = {}): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  const tmp = tempName(tmpDir, 'write');
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    if (opts.sync !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
