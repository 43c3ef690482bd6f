import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ImagesPage } from './pages/images-page.ts';
import { checkImagesView } from './support/images-check.ts';
import { APP_REF, ELECTRON_MAIN, ROOT } from './support/paths.ts';
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

test.describe('Shell (Electron window)', () => {
  test.skip(bin.missing !== undefined, `Electron binary missing, so the Electron variant cannot run here (${bin.missing}); it runs where \`npm run electron:install\` could download Electron`);

  const launch = () =>
    electron.launch({
      executablePath: (bin as { path: string }).path,
      args: [ELECTRON_MAIN],
      cwd: ROOT,
      env: { ...process.env, STRATA_HOME: e2eEnv().home } as Record<string, string>,
    });

  test('the menu carries Build and Push with their shortcuts; Push opens Publish for the image selected', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      const items = await app.evaluate(({ Menu }) =>
        ['command.build', 'command.push'].map((id) => {
          const i = Menu.getApplicationMenu()?.getMenuItemById(id);
          return i ? { label: i.label, accelerator: i.accelerator ?? null } : null;
        }),
      );
      expect(items).toEqual([
        { label: 'Build', accelerator: 'CmdOrCtrl+B' },
        { label: 'Push Image…', accelerator: 'CmdOrCtrl+Shift+P' },
      ]);
      const images = new ImagesPage(page);
      await images.waitForTable();
      await images.open(APP_REF);
      await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('command.push')?.click());
      await expect(images.detail.getByTestId('detail-tab-publish')).toHaveAttribute('aria-selected', 'true');
    } finally {
      await app.close();
    }
  });

  test('the window size is remembered across launches', async () => {
    let app = await launch();
    try {
      await app.firstWindow();
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.setBounds({ x: 40, y: 40, width: 1000, height: 700 }));
    } finally {
      await app.close();
    }
    app = await launch();
    try {
      await app.firstWindow();
      const b = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getBounds());
      expect([b?.width, b?.height]).toEqual([1000, 700]);
    } finally {
      await app.close();
    }
  });
});
