import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** packageRoot is the folder of Strata's package.json, found by walking up from this module
 * (works from the sources under tsx and from the bundles in dist/). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'strata') return (cached = dir);
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find Strata package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** rendererDir is where the built renderer lives (npm run build). */
export function rendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}
