// The strata command line: a table of commands, each loaded on first use so a command pulls in only
// its own modules (`strata version` loads no store, `strata push` no builder).
import { formatErrorPosition } from '../dockerfile/error-position.ts';
import { StrataError } from '../util/errors.ts';
import { UsageError, type Command, type Out } from './args.ts';
import { USAGE } from './usage.ts';

/** COMMANDS maps each subcommand to a loader of its implementation. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  images: async () => (await import('./image-commands.ts')).images,
  tag: async () => (await import('./image-commands.ts')).tag,
  rmi: async () => (await import('./image-commands.ts')).rmi,
  prune: async () => (await import('./image-commands.ts')).prune,
  inspect: async () => (await import('./image-commands.ts')).inspect,
  history: async () => (await import('./image-commands.ts')).history,
  du: async () => (await import('./image-commands.ts')).du,
  save: async () => (await import('./archive-commands.ts')).save,
  load: async () => (await import('./archive-commands.ts')).loadCmd,
  ui: async () => (await import('./ui-command.ts')).ui,
  build: async () => (await import('./build-commands.ts')).buildCmd,
  run: async () => (await import('./build-commands.ts')).runCmd,
  pull: async () => (await import('./registry-commands.ts')).pullCmd,
  push: async () => (await import('./registry-commands.ts')).pushCmd,
  login: async () => (await import('./registry-commands.ts')).loginCmd,
  logout: async () => (await import('./registry-commands.ts')).logoutCmd,
  analyze: async () => (await import('./explore-commands.ts')).analyzeCmd,
  diff: async () => (await import('./explore-commands.ts')).diffCmd,
  fsck: async () => (await import('./fsck-command.ts')).fsckCmd,
  engine: async () => (await import('./engine-command.ts')).engineCmd,
};

/** loadCommands loads the code of every command an engine runs (a resident engine does it at start). */
export async function loadCommands(): Promise<void> {
  const { ENGINE_COMMANDS } = await import('./engine-protocol.ts');
  await Promise.all([...ENGINE_COMMANDS].map((c) => COMMANDS[c]?.()));
}

/** isCommand says whether name is a subcommand that loads command code (not help, not version). */
export function isCommand(name: string | undefined): name is string {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** run executes one CLI invocation and returns its exit code (0 ok, 1 error, 2 usage). */
export async function run(argv: string[], io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      case 'version':
      case '--version':
        io.out(`strata ${(await import('../service/version.ts')).STRATA_VERSION}\n`);
        return 0;
    }
    const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!load) throw new UsageError(`unknown command "${cmd}". See 'strata --help'.`);
    return await (await load())(rest, io);
  } catch (e) {
    if (e instanceof StrataError) {
      io.err(`Error: ${e.message}\n${formatErrorPosition(e.details)}`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    io.err(`Error: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
