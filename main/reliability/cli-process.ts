// The real `strata` CLI as a child process that a test can kill at any moment.
import { spawn, type ChildProcess } from 'node:child_process';
import { STRATA_BIN } from '../testing/cli.ts';

export interface StrataRun {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

/** spawnStrata starts `strata ARGS` against a store (and an isolated docker config); input goes to stdin. */
export function spawnStrata(home: string, args: string[], env: Record<string, string> = {}, input?: string): StrataRun {
  const started = Date.now();
  const child = spawn(process.execPath, [STRATA_BIN, ...args], { env: { ...process.env, STRATA_HOME: home, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

/** runStrata runs `strata ARGS` to the end. */
export function runStrata(home: string, args: string[], env: Record<string, string> = {}, input?: string) {
  return spawnStrata(home, args, env, input).done;
}

/** killAfter sends SIGKILL after ms; true when the process was still running then (a real kill point). */
export async function killAfter(run: StrataRun, ms: number): Promise<boolean> {
  const exited = await Promise.race([run.done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms))]);
  if (exited) return false;
  const alive = run.child.exitCode === null && run.child.signalCode === null;
  if (alive) run.child.kill('SIGKILL');
  const r = await run.done;
  return alive && r.signal === 'SIGKILL';
}
