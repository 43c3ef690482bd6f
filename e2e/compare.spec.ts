import { expect, test } from '@playwright/test';
import { formatBytes } from '../renderer/src/format/bytes.ts';
import { ComparePage } from './pages/compare-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { cliLayers } from './support/inspect.ts';
import { APP_REF, BASE_REF } from './support/paths.ts';
import { e2eEnv } from './support/strata.ts';

test.describe('Compare: layer sharing (browser mode)', () => {
  test('two images that share a base: one band across both columns, and the saved bytes are the base layer', async ({ page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await expect.poll(() => images.rows.count()).toBe(2);
    const [appLayers, baseLayers] = await Promise.all([cliLayers(APP_REF), cliLayers(BASE_REF)]);
    const base = baseLayers[0];
    const top = appLayers[1];
    if (!base || !top) throw new Error('the e2e images lost their layers');
    expect(appLayers[0]?.digest, 'app is built on base').toBe(base.digest);

    // Tick both in the Images list, then Compare.
    const compareButton = page.getByTestId('compare-button');
    await expect(compareButton).toBeDisabled();
    await images.row(APP_REF).getByTestId('image-pick').check();
    await images.row(BASE_REF).getByTestId('image-pick').check();
    await expect(compareButton).toHaveText('Compare (2)');
    await images.screenshot(testInfo, 'compare-picked-in-images');
    await compareButton.click();

    const view = new ComparePage(page);
    await expect(view.view).toBeVisible();
    await expect(view.columns).toHaveCount(2);
    expect((await view.columnNames()).sort()).toEqual([APP_REF, BASE_REF]);

    // The base layer is one band over both columns; app's own layer sits in app's column alone.
    await expect.poll(async () => (await view.bandData()).length).toBe(2);
    const bands = await view.bandData();
    const shared = bands.find((b) => b.digest === base.digest);
    const own = bands.find((b) => b.digest === top.digest);
    expect(shared).toMatchObject({ images: [0, 1], span: 2, shared: true, size: formatBytes(base.size) });
    expect(own).toMatchObject({ span: 1, shared: false, size: formatBytes(top.size) });
    // Drawn as stacks: the base band is below the app's own layer.
    const [baseBox, topBox] = await Promise.all([view.band(base.digest).boundingBox(), view.band(top.digest).boundingBox()]);
    expect(baseBox && topBox && baseBox.y > topBox.y, 'the base band is drawn under the top layer').toBe(true);
    expect(baseBox && topBox && baseBox.width > topBox.width * 1.8, 'the shared band spans both columns').toBe(true);

    // Saving: the base layer is stored and sent once instead of twice.
    await expect(view.stat('saved-disk')).toHaveText(formatBytes(base.size));
    await expect(view.stat('saved-wire')).toHaveText(formatBytes(base.size));
    await expect(view.stat('shared')).toHaveText(formatBytes(base.size));

    // Selecting a layer marks it in every image that has it.
    await view.band(base.digest).click();
    await expect.poll(() => view.columnsMarked()).toEqual([APP_REF, BASE_REF].sort());
    await expect(view.bandInfo).toContainText(formatBytes(base.size));
    await view.bothThemes(testInfo, 'compare-stacks');
    await view.band(top.digest).click();
    await expect.poll(() => view.columnsMarked()).toEqual([APP_REF]);

    // The matrix: pairwise shared bytes, each image's own layer bytes on the diagonal.
    await view.mode('matrix');
    await expect(view.matrixCell(0, 1)).toHaveAttribute('data-bytes', String(base.size));
    await expect(view.matrixCell(1, 0)).toHaveAttribute('data-bytes', String(base.size));
    await view.bothThemes(testInfo, 'compare-matrix');
    expect(errors, 'no page errors').toEqual([]);
  });

  test('Compare… from an image detail picks it; fewer than two images asks for more', async ({ page }, testInfo) => {
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await expect.poll(() => images.rows.count()).toBe(2);
    await images.open(BASE_REF);
    await page.getByTestId('image-compare').click();
    const view = new ComparePage(page);
    await expect(view.view).toBeVisible();
    await expect(page.getByTestId('compare-empty')).toBeVisible();
    await expect(view.picks.filter({ has: page.locator('input:checked') })).toHaveCount(1);
    await view.screenshot(testInfo, 'compare-empty');
    // Picking the second image in the view compares at once.
    await page.locator(`[data-testid="compare-pick"][data-reference="${APP_REF}"] input`).check();
    await expect(view.columns).toHaveCount(2);
  });
});
