#!/usr/bin/env node
// npm run bench: the benchmark runs from the TypeScript sources (through tsx); Strata's timed builds use the bundled CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
try {
  await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench failed: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
}
