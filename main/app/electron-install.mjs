// Fetches Electron's binary with Electron's own installer. package.json's allowScripts denies Electron's own
// postinstall (its download failure would fail `npm install` where GitHub is unreachable); our postinstall
// runs this instead, tolerant: where the download works the binary is there, elsewhere npm install still succeeds.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** electronBinary returns the Electron executable's path, or null when it is not installed. */
export function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const p = join(dir, 'path.txt');
    if (!existsSync(p)) return null;
    const bin = join(dir, 'dist', readFileSync(p, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** installElectron runs electron/install.js (downloads from GitHub or a mirror); returns the binary or null. */
export function installElectron({ quiet = false, timeoutMs = 120_000 } = {}) {
  if (electronBinary()) return electronBinary();
  let installer;
  try {
    installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return null;
  }
  const r = spawnSync(process.execPath, [installer], { stdio: quiet ? 'ignore' : 'inherit', timeout: timeoutMs });
  return r.status === 0 ? electronBinary() : null;
}

if (process.argv[1] && process.argv[1].endsWith('electron-install.mjs')) {
  const postinstall = process.argv.includes('--postinstall');
  const bin = installElectron({ quiet: postinstall });
  if (bin) console.log(`Electron binary: ${bin}`);
  else {
    console.log('Electron binary could not be downloaded (no access to its download host): `npm start` will serve Strata in browser mode.');
    if (!postinstall) process.exitCode = 1;
  }
}
