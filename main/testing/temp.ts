import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsBelow } from '../util/mountinfo.ts';

/** tempDir makes a fresh folder for one test and returns it with its cleanup. */
export function tempDir(prefix = 'strata-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => {
      unmountBelow(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** unmountBelow unmounts (lazily) whatever is mounted below dir: a test that kills Strata with SIGKILL
 * mid-RUN leaves that step's overlay mount behind (what `strata fsck --repair` undoes for a user), and a
 * test's cleanup must not delete through it or leave it mounted. */
export function unmountBelow(dir: string): void {
  for (const mp of mountsBelow(dir).reverse()) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
}
