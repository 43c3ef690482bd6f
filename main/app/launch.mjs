// npm start: open the Strata desktop window; where Electron's binary is missing and cannot be fetched,
// say so in one line and serve the same UI in browser mode on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, installElectron } from './electron-install.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = ['dist/renderer/index.html', 'dist/cli.mjs', 'dist/app/electron-main.cjs', 'dist/app/preload.cjs'].every((f) => existsSync(join(root, f)));
if (!built || process.env.STRATA_REBUILD) {
  const r = spawnSync(process.execPath, [join(root, 'main/tools/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bin = electronBinary() ?? (process.env.STRATA_BROWSER ? null : installElectron({ quiet: true, timeoutMs: 60_000 }));
const child = bin
  ? spawn(bin, [join(root, 'dist/app/electron-main.cjs'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  : (console.log('Electron binary not available here (it could not be downloaded): serving Strata in browser mode instead.'),
    spawn(process.execPath, [join(root, 'dist/cli.mjs'), 'ui', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
