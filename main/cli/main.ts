import { fileURLToPath } from 'node:url';
import { loadCachedCli } from './code-cache.ts';
import { runInEngine } from './engine-client.ts';
import { isCommand, run } from './index.ts';

// Entry of the strata command (bundled to dist/cli.mjs by npm run build). The build defines
// STRATA_CLI_COMMONJS as the path of the commands' CommonJS bundle (relative to dist/cli.mjs).
declare const STRATA_CLI_COMMONJS: string | undefined;

const argv = process.argv.slice(2);
const command = argv[0];

/** here runs the command in this process. */
function here(): Promise<number> {
  // help, version and unknown commands need none of the command code: the ES entry alone answers them.
  const bundled = typeof STRATA_CLI_COMMONJS === 'string' && isCommand(command) ? loadCachedCli(fileURLToPath(new URL(STRATA_CLI_COMMONJS, import.meta.url)), command) : null;
  return bundled ? bundled.cli.run(argv).finally(() => bundled.done()) : run(argv);
}

// A running engine for this store (`strata engine`) takes the commands it can run; else they run here.
// bin.mjs asks it first when built (with the client alone, before this entry loads).
const asked = (globalThis as Record<symbol, unknown>)[Symbol.for('strata.engineAsked')] === true;
(asked ? Promise.resolve(null) : runInEngine(argv))
  .then((code) => code ?? here())
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`Error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
