// npm run build: the renderer (Vite) and the Node bundles (esbuild): Electron main + preload, the CLI.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv.includes('--node-only') ? 'node' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';

if (only !== 'node') {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// zod's `z.locales` namespace holds ~60 translations of its messages (half of zod's bytes, parsed on every
// start); Strata configures none of them, so the CLI bundle keeps English only (zod's own default).
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

if (only !== 'renderer') {
  // Chunks from an earlier build would pile up under new hashes.
  rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
  // One id for the whole build: a `strata` client only talks to an engine (`strata engine`) of its own build.
  const buildId = JSON.stringify(`${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root };
  await Promise.all([
    // The engine's npm dependencies stay external: node_modules ships beside dist/.
    // The CLI bundles its dependencies too: resolving hundreds of ESM files costs more than parsing one.
    // Split into chunks: each command's dynamic import() loads only its own modules (`strata version`
    // parses a few kB, not the whole engine). dist/cli.mjs stays the entry; chunks go to dist/cli/.
    build({
      ...common,
      entryPoints: [{ in: 'main/cli/main.ts', out: 'cli' }],
      outdir: 'dist',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'cli/[name]-[hash]',
      splitting: true,
      format: 'esm',
      // No comments or indentation to read, scan and keep as a two-byte string (names stay, for stack traces).
      minifyWhitespace: true,
      minifySyntax: true,
      external: ['bufferutil', 'utf-8-validate', 'electron'],
      plugins: [zodEnglishOnly],
      define: { STRATA_CLI_COMMONJS: JSON.stringify('./cli/commands.cjs'), STRATA_BUILD_ID: buildId },
      banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
    }),
    // The client of a running engine alone (a few kB, no chunks): bin.mjs sends a command to the engine
    // before loading anything else, so a command the engine runs costs Node's start and little more.
    build({
      ...common,
      entryPoints: ['main/cli/engine-client.ts'],
      outfile: 'dist/cli/engine-client.mjs',
      format: 'esm',
      minifyWhitespace: true,
      minifySyntax: true,
      define: { STRATA_BUILD_ID: buildId },
    }),
    // The same commands as one CommonJS file: dist/cli.mjs compiles it with a V8 code cache per command
    // (main/cli/code-cache.ts), which Node 20 offers for scripts but not for ES modules.
    build({
      ...common,
      entryPoints: ['main/cli/index.ts'],
      outfile: 'dist/cli/commands.cjs',
      format: 'cjs',
      minifyWhitespace: true,
      minifySyntax: true,
      external: ['bufferutil', 'utf-8-validate', 'electron'],
      plugins: [zodEnglishOnly],
      define: { 'import.meta.url': '__strataImportMetaUrl', STRATA_BUILD_ID: buildId },
      banner: { js: "const __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    build({
      ...common,
      entryPoints: ['main/app/electron-main.ts'],
      outfile: 'dist/app/electron-main.cjs',
      format: 'cjs',
      packages: 'external',
      external: ['electron'],
      // The engine is ESM and reads import.meta.url; give the CommonJS bundle the same value.
      define: { 'import.meta.url': '__strataImportMetaUrl' },
      banner: { js: "const __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
    // A sandboxed preload may only require('electron'): everything else is bundled in.
    build({ ...common, entryPoints: ['preload/index.ts'], outfile: 'dist/app/preload.cjs', format: 'cjs', external: ['electron'] }),
  ]);
}
