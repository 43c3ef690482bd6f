import { run } from './index.ts';

// Entry of the strata command (bundled to dist/cli.mjs by npm run build).
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
