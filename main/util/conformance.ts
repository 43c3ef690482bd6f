import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageRoot } from './paths.ts';

/** repoRoot is the checkout's top folder (where package.json lives). */
export const repoRoot = packageRoot();

/** conformanceDir finds the shared upstream test vectors: $STRATA_CONFORMANCE, else ../shared/conformance
 * beside the checkout. Null when absent (a stranger's clone): suites then skip and say so. */
export function conformanceDir(): string | null {
  const candidates = [process.env.STRATA_CONFORMANCE, resolve(repoRoot, '../shared/conformance')];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/** conformancePath joins a path inside the conformance folder, or null when the folder is absent. */
export function conformancePath(...parts: string[]): string | null {
  const dir = conformanceDir();
  return dir ? resolve(dir, ...parts) : null;
}

/** NO_CONFORMANCE is the skip message for suites whose vectors are not on this machine. */
export const NO_CONFORMANCE = 'conformance vectors not found (../shared/conformance beside the checkout, or $STRATA_CONFORMANCE)';
