import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
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

/** StrataProcess is a `strata` command running in the background: its output so far, and its end. */
export interface StrataProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** exited resolves with the exit code (128 + n when killed by signal n). */
  exited: Promise<number>;
  /** waitFor resolves when stdout or stderr matches re (rejects after timeoutMs, or when the process ends first). */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<void>;
}

/** spawnStrata starts a `strata` command without waiting for it (for commands to signal, or an engine). */
export function spawnStrata(home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): StrataProcess {
  const child = spawn(process.execPath, [STRATA_BIN, ...args], { env: { ...process.env, STRATA_HOME: home, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', (d) => {
    out += d;
    poke();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    poke();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0))));
  let ended = false;
  void exited.then(() => {
    ended = true;
    poke();
  });
  const waitFor = (re: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${re} from strata ${args.join(' ')}; stdout: ${out}; stderr: ${err}`)), timeoutMs);
      const check = () => {
        if (re.test(out) || re.test(err)) done();
        else if (ended) done(new Error(`strata ${args.join(' ')} ended before ${re}; stdout: ${out}; stderr: ${err}`));
      };
      const done = (e?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (e) reject(e);
        else resolve();
      };
      waiters.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}

/** startStrataEngine runs `strata engine` for home and resolves once it listens. */
export async function startStrataEngine(home: string, env: NodeJS.ProcessEnv = {}): Promise<StrataProcess & { stop: () => Promise<number> }> {
  const p = spawnStrata(home, ['engine'], { env });
  await p.waitFor(/listening on /);
  return {
    ...p,
    stop: () => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      return p.exited;
    },
  };
}
