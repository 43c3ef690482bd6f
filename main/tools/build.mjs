// npm run build: the renderer (Vite) and the Node bundles (esbuild): Electron main + preload, the CLI.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const only = process.argv.includes('--node-only') ? 'node' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';

if (only !== 'node') {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (only !== 'renderer') {
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root };
  await Promise.all([
    // The engine's npm dependencies stay external: node_modules ships beside dist/.
    // The CLI bundles its dependencies too: resolving hundreds of ESM files costs more than parsing one.
    build({
      ...common,
      entryPoints: ['main/cli/main.ts'],
      outfile: 'dist/cli.mjs',
      format: 'esm',
      external: ['bufferutil', 'utf-8-validate', 'electron'],
      banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module'; const require = __strataCreateRequire(import.meta.url);" },
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
