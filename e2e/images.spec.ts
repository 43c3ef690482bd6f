import { expect, test } from '@playwright/test';
import { ImagesPage } from './pages/images-page.ts';
import { checkImagesView } from './support/images-check.ts';
import { APP_REF, BASE_REF } from './support/paths.ts';
import { e2eEnv, strata } from './support/strata.ts';

test.describe('Images view (browser mode)', () => {
  test('lists both images as the CLI does and opens the app image layer stack', async ({ page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await new ImagesPage(page).goto(e2eEnv().url);
    await expect(page.getByTestId('connection')).toHaveText('Connected');
    await checkImagesView(page, testInfo, 'images');
    // The dark theme follows the OS: keep a picture of it too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await new ImagesPage(page).screenshot(testInfo, 'images-layers-dark');
    expect(errors, 'no page errors (CSP violations included)').toEqual([]);
  });

  test('Refresh picks up a tag made with the CLI; the filter narrows the list', async ({ page }, testInfo) => {
    const view = new ImagesPage(page);
    await view.goto(e2eEnv().url);
    await expect.poll(() => view.rows.count()).toBe(2);
    await strata('tag', APP_REF, 'strata-e2e/app:latest');
    try {
      await view.refreshButton.click();
      await expect(view.row(APP_REF).locator('.chip')).toHaveText('+1');
      await view.open(APP_REF);
      await expect(view.detail.getByRole('list', { name: 'Tags' })).toContainText('strata-e2e/app:latest');
      await view.filter.fill('base');
      await expect.poll(async () => (await view.rowData()).map((r) => r.reference)).toEqual([BASE_REF]);
      await view.screenshot(testInfo, 'images-filtered');
    } finally {
      await strata('rmi', 'strata-e2e/app:latest');
    }
    await view.filter.fill('');
    await view.refreshButton.click();
    await expect(view.row(APP_REF).locator('.chip')).toHaveCount(0);
  });

  test('keyboard: arrows move the selection, Escape closes the stack', async ({ page }) => {
    const view = new ImagesPage(page);
    await view.goto(e2eEnv().url);
    await expect.poll(() => view.rows.count()).toBe(2);
    await view.rows.first().focus();
    await page.keyboard.press('Enter');
    await expect(view.detail).toBeVisible();
    const first = await view.detail.getByTestId('detail-reference').innerText();
    await page.keyboard.press('ArrowDown');
    await expect(view.detail.getByTestId('detail-reference')).not.toHaveText(first);
    await expect(view.rows.nth(1)).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(view.detail).toHaveCount(0);
  });
});
