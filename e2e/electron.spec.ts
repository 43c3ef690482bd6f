import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkImagesView } from './support/images-check.ts';
import { ELECTRON_MAIN, ROOT } from './support/paths.ts';
import { e2eEnv } from './support/strata.ts';

/** electronBinary is the installed Electron executable, or why there is none (the npm package's
 * require('electron') returns the binary's path, and throws when its download failed). */
function electronBinary(): { path: string; missing?: undefined } | { missing: string } {
  try {
    const p: unknown = createRequire(import.meta.url)('electron');
    if (typeof p !== 'string') return { missing: "require('electron') did not return a path" };
    if (!existsSync(p)) return { missing: `${p} does not exist` };
    return { path: p };
  } catch (e) {
    return { missing: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

const bin = electronBinary();

test.describe('Images view (Electron window)', () => {
  test.skip(bin.missing !== undefined, `Electron binary missing, so the Electron variant cannot run here (${bin.missing}); it runs where \`npm run electron:install\` could download Electron`);

  test('lists both images and opens the app image layer stack', async ({}, testInfo) => {
    expect(existsSync(ELECTRON_MAIN), `${ELECTRON_MAIN} is missing: run npm run build`).toBe(true);
    const app = await electron.launch({
      executablePath: (bin as { path: string }).path,
      args: [ELECTRON_MAIN],
      cwd: ROOT,
      env: { ...process.env, STRATA_HOME: e2eEnv().home } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      await checkImagesView(page, testInfo, 'electron-images');
    } finally {
      await app.close();
    }
  });
});
