// Child processes for the benchmark: asynchronous (daemons we started keep draining their pipes), timed.
import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** ms is the wall time from spawn to exit. */
  ms: number;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** check: throw when the command fails (default true). */
  check?: boolean;
  timeoutMs?: number;
}

/** exec runs a command to completion and times it (keeping only the last 64 KiB of each stream). */
export function exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString('utf8')).slice(-65536)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-65536)));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15 * 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const r = { code: code ?? (signal ? 128 : -1), stdout, stderr, ms };
      if (r.code !== 0 && opts.check !== false) reject(new Error(`${cmd} ${args.join(' ')} failed (${r.code}${signal ? `, ${signal}` : ''}):\n${stderr.slice(-3000)}${stdout.slice(-1000)}`));
      else resolve(r);
    });
  });
}
