import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

function mountsBelow(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((mp) => mp.startsWith(dir + '/'));
}
