// strata engine: keep the engine of a store running for `strata` commands (see engine-server.ts).
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { opts, UsageError, type Out } from './args.ts';
import { startEngine } from './engine-server.ts';
import { loadCommands } from './index.ts';

/** engineCmd serves this store's engine until SIGINT or SIGTERM (strata engine). */
export async function engineCmd(args: string[], io: Out): Promise<number> {
  const { values, positionals } = opts(args, { quiet: { type: 'boolean', short: 'q' } });
  if (positionals.length) throw new UsageError(`"strata engine" takes no arguments. See 'strata --help'.`);
  const home = (await Store.open(defaultStrataHome())).home;
  // Every command's code loaded now, not by the first client.
  await loadCommands();
  const engine = await startEngine(home, {
    onCommand: (argv, code) => {
      if (!values.quiet) io.err(`${new Date().toISOString()} ${argv[0]} → exit ${code}\n`);
    },
  });
  io.out(`Strata engine for ${home} listening on ${engine.socketPath}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await engine.close();
  return 0;
}
