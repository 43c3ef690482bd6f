import { open, readFile, rm, stat } from 'node:fs/promises';
import { StoreError } from './errors.ts';

/** A lock file still without a pid after this long was left by a killed owner. */
const EMPTY_LOCK_STALE_MS = 5_000;

/** FileLock is a cross-process mutex: a lock file created with O_EXCL holding the owner's pid.
 * A lock whose owner process is gone (a crash, kill -9) is stale and taken over. */
export class FileLock {
  private queue: Promise<void> = Promise.resolve();
  constructor(readonly path: string, readonly timeoutMs = 30_000) {}

  /** run executes fn holding the lock; calls from the same process are serialised. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    await prev;
    try {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await rm(this.path, { force: true });
      }
    } finally {
      release();
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let wait = 2;
    for (;;) {
      try {
        const fh = await open(this.path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (await this.isStale()) {
        await rm(this.path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new StoreError('STORE_LOCKED', `the store is locked by another Strata process (${this.path})`, { path: this.path });
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 50);
    }
  }

  private async isStale(): Promise<boolean> {
    let pid: number;
    try {
      pid = Number((await readFile(this.path, 'utf8')).trim());
    } catch {
      return false; // vanished or being written: try again
    }
    if (!Number.isInteger(pid) || pid <= 0) {
      // No pid: the owner is writing it now, or was killed between creating and writing it (kill -9).
      // Only the second leaves it that way for long.
      const st = await stat(this.path).catch(() => null);
      return st !== null && Date.now() - st.mtimeMs > EMPTY_LOCK_STALE_MS;
    }
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}
