#!/usr/bin/env node
// The `strata` command: the bundled CLI when built (fast start), else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, '..', '..', 'dist', 'cli.mjs');
if (existsSync(bundle) && !process.env.STRATA_FROM_SOURCE) {
  // A running engine takes the commands it runs before anything else loads (see engine-client.ts); the
  // bundled entry then does not ask it again.
  const client = join(here, '..', '..', 'dist', 'cli', 'engine-client.mjs');
  let code = null;
  if (existsSync(client)) {
    try {
      code = await (await import(pathToFileURL(client).href)).runInEngine(process.argv.slice(2));
    } catch (e) {
      process.stderr.write(`Error: ${e.message}\n`);
      code = 1;
    }
    globalThis[Symbol.for('strata.engineAsked')] = true;
  }
  if (code === null) await import(pathToFileURL(bundle).href);
  else process.exitCode = code;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(here, 'main.ts')).href);
}
