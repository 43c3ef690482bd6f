// What every command module shares: the output pair, argument parsing and the usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StrataError } from '../util/errors.ts';

/** Out is where a command writes: stdout and stderr, or a test's buffers; invocation is the caller when the
 * command runs for another process (a `strata` client of a resident engine, see engine-server.ts). */
export type Out = { out: (s: string) => void; err: (s: string) => void; invocation?: Invocation };

/** Invocation is the process a command runs for: its directory, environment, terminal, and cancellation. */
export interface Invocation {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stderrIsTTY: the caller's stderr is a terminal (progress redraws in place). */
  stderrIsTTY: boolean;
  /** columns is the caller's terminal width, if it has one. */
  columns?: number;
  /** signal aborts the command: the caller was interrupted or went away. */
  signal: AbortSignal;
}

/** callerOf is the invocation a command serves: the given one, else this process. In this process, signal is
 * SIGINT/SIGTERM while the command runs when trapSignals (call release() when it ends); without, a signal
 * ends the process as by default. */
export function callerOf(io: Out, { trapSignals = true } = {}): Invocation & { release: () => void } {
  if (io.invocation) return { ...io.invocation, release: () => {} };
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  if (trapSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return {
    cwd: process.cwd(),
    env: process.env,
    stderrIsTTY: !!process.stderr.isTTY,
    ...(process.stderr.columns || process.stdout.columns ? { columns: process.stderr.columns || process.stdout.columns } : {}),
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Command is one `strata` subcommand: its arguments in, its exit code out. */
export type Command = (args: string[], io: Out) => Promise<number>;

/** UsageError is a wrong invocation (exit code 2). */
export class UsageError extends StrataError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** opts parses a command's flags strictly, turning parse failures into usage errors. */
export function opts<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** need fails with a usage error when fewer than n positional arguments were given. */
export function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new UsageError(`"strata ${what}" requires ${n === 1 ? 'an argument' : `${n} arguments`}. See 'strata --help'.`);
}
