// The window's shell in browser mode: the build and push shortcuts (the Electron menu sends the same
// commands), the theme following the OS, and the last context folder reopened in a new window.
import { expect, test, type Page } from '@playwright/test';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildPage } from './pages/build-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { keepScreenshot } from './support/screenshot.ts';
import { APP_REF, BASE_REF, ROOT } from './support/paths.ts';
import { cliImages, e2eEnv, strata } from './support/strata.ts';

const temps: string[] = [];
async function offlineSample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-e2e-shell-'));
  await cp(join(ROOT, 'assets', 'samples', 'offline'), dir, { recursive: true });
  temps.push(dir);
  return dir;
}

/** removeBuiltImages leaves the store as global-setup made it (the Images specs count its images). */
async function removeBuiltImages(): Promise<void> {
  const rows = await cliImages();
  const keep = new Set(rows.filter((r) => r.familiarReference === BASE_REF || r.familiarReference === APP_REF).map((r) => r.digest));
  for (const digest of new Set(rows.map((r) => r.digest))) if (!keep.has(digest)) await strata('rmi', '-f', digest);
}

test.afterAll(async () => {
  await removeBuiltImages();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const bg = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).backgroundColor);

test.describe('Shell (browser mode)', () => {
  test('Ctrl+B builds from the Build view (even from inside the editor); Ctrl+Shift+P then opens Publish for the image built', async ({ page }, testInfo) => {
    await page.goto(e2eEnv().url);
    const view = new BuildPage(page);
    await view.show();
    await view.openContext(await offlineSample());
    await view.setArg('BASE', BASE_REF);
    await view.editorInput.click();
    await page.keyboard.press('Control+b');
    await expect.poll(() => view.phase.getAttribute('data-phase'), { timeout: 60_000 }).toBe('succeeded');
    const digest = (await view.digest.getAttribute('title')) ?? (await view.digest.innerText());
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The editor did not take the key (no 'b' typed, no bold, nothing edited).
    await expect(page.getByTestId('dockerfile-dirty')).toHaveCount(0);
    await keepScreenshot(page, testInfo, 'shell-ctrl-b-built');

    await page.keyboard.press('Control+Shift+P');
    const images = new ImagesPage(page);
    await expect(images.detail).toBeVisible();
    await expect(images.detail.locator('.detail__digest')).toHaveText(digest);
    await expect(images.detail.getByTestId('detail-tab-publish')).toHaveAttribute('aria-selected', 'true');
    await expect(images.detail.getByRole('tabpanel', { name: 'Publish' })).toBeVisible();
    await keepScreenshot(page, testInfo, 'shell-ctrl-shift-p-publish');
  });

  test('Ctrl+Shift+P opens Publish for the image selected; Ctrl+B from Images goes to Build', async ({ page }) => {
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await images.open(APP_REF);
    await expect(images.detail.getByTestId('detail-tab-layers')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Control+Shift+P');
    await expect(images.detail.getByTestId('detail-tab-publish')).toHaveAttribute('aria-selected', 'true');
    await expect(images.detail.getByTestId('detail-reference')).toHaveText(APP_REF);
    await page.keyboard.press('Control+b');
    await expect(page).toHaveURL(/#build$/);
    await expect(new BuildPage(page).contextPath).toBeVisible();
  });

  test('the theme follows the OS, live: light and dark backgrounds, editor included', async ({ page }, testInfo) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(e2eEnv().url);
    const view = new BuildPage(page);
    await view.show();
    await view.openContext(await offlineSample());
    expect(await bg(page, 'body')).toBe('rgb(244, 245, 247)');
    const lightEditor = await bg(page, '.cm-editor');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => bg(page, 'body')).toBe('rgb(14, 16, 20)');
    expect(await bg(page, '.cm-editor')).not.toBe(lightEditor);
    await keepScreenshot(page, testInfo, 'shell-build-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => bg(page, 'body')).toBe('rgb(244, 245, 247)');
  });

  test('a new window reopens the last context folder (remembered by the engine, not the page origin)', async ({ page, browser }) => {
    await page.goto(e2eEnv().url);
    const view = new BuildPage(page);
    await view.show();
    const dir = await offlineSample();
    await view.openContext(dir);
    // A fresh browser context has no storage of its own: what reopens the folder is the engine.
    const other = await browser.newContext();
    try {
      const p2 = await other.newPage();
      await p2.goto(`${e2eEnv().url}#build`);
      const v2 = new BuildPage(p2);
      await expect(p2.getByTestId('context-file')).toHaveAttribute('title', `${dir}/Dockerfile`);
      await expect(v2.contextPath).toHaveValue(dir);
      await expect(v2.problemCount).toHaveText('no problems');
    } finally {
      await other.close();
    }
  });
});
