// What every command module shares: the output pair, argument parsing and the usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StrataError } from '../util/errors.ts';

/** Out is where a command writes: stdout and stderr, or a test's buffers. */
export type Out = { out: (s: string) => void; err: (s: string) => void };

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
