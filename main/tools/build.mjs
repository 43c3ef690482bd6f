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
    build({ ...common, entryPoints: ['main/cli/main.ts'], outfile: 'dist/cli.mjs', format: 'esm', packages: 'external' }),
    build({ ...common, entryPoints: ['main/app/electron-main.ts'], outfile: 'dist/app/electron-main.cjs', format: 'cjs', packages: 'external', external: ['electron'] }),
    // A sandboxed preload may only require('electron'): everything else is bundled in.
    build({ ...common, entryPoints: ['preload/index.ts'], outfile: 'dist/app/preload.cjs', format: 'cjs', external: ['electron'] }),
  ]);
}
