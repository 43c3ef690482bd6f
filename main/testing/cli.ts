import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../util/conformance.ts';

export const STRATA_BIN = join(repoRoot, 'main', 'cli', 'bin.mjs');

/** strata runs the strata command against a given store and returns its exit code and output. */
export function strata(home: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [STRATA_BIN, ...args], { env: { ...process.env, STRATA_HOME: home, ...env }, encoding: 'utf8', input });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** startStrataUi runs `strata ui` and resolves with its URL and a stop function. */
export function startStrataUi(home: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [STRATA_BIN, 'ui', '--port', '0'], { env: { ...process.env, STRATA_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+\/)/.exec(out);
      if (m) {
        resolve({
          url: m[1] as string,
          stop: () =>
            new Promise((r) => {
              child.on('close', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('close', (code) => reject(new Error(`strata ui exited with ${code}: ${err}`)));
  });
}
