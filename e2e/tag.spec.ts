import { expect, test } from '@playwright/test';
import { TagsTab } from './pages/image-tabs-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { cliDigest } from './support/inspect.ts';
import { APP_REF, BASE_REF } from './support/paths.ts';
import { e2eEnv, strata } from './support/strata.ts';

const NEW_NAME = 'myapp';
const NEW_FULL = 'docker.io/library/myapp:latest';
/** A second name of base that the move test hands to app. */
const OTHER_NAME = 'strata-e2e/moving:1';

test.describe('Tag (browser mode)', () => {
  // Whatever happens, the store ends as global-setup made it (the Images specs count its names).
  test.afterAll(async () => {
    for (const name of ['myapp:latest', OTHER_NAME]) await strata('rmi', name).catch(() => undefined);
  });

  test('an invalid name says what is wrong; a valid one shows its full name; the tag lands in the list', async ({ page }, testInfo) => {
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    const appDigest = await cliDigest(APP_REF);
    if (!appDigest) throw new Error(`${APP_REF} is not in the store`);
    await images.open(APP_REF);
    const tags = new TagsTab(page);
    await tags.show();
    expect(await tags.references()).toEqual(['docker.io/strata-e2e/app:1']);

    expect(await tags.type('Bad Name!')).toBe('invalid');
    await expect(tags.invalid).toContainText('must be lowercase');
    await expect(tags.add).toBeDisabled();
    await expect(tags.input).toHaveAttribute('aria-invalid', 'true');
    await tags.bothThemes(testInfo, 'tag-invalid');

    expect(await tags.type(NEW_NAME)).toBe('ok');
    await expect(tags.normalized).toHaveText(NEW_FULL);
    await tags.bothThemes(testInfo, 'tag-valid');

    await tags.add.click();
    await expect(tags.notice).toHaveText('Tagged myapp:latest');
    await expect.poll(() => tags.references()).toEqual([NEW_FULL, 'docker.io/strata-e2e/app:1'].sort());
    await expect(tags.input).toHaveValue('');
    // The list of images says so too (one more name on the same row), and so does the CLI.
    await expect(images.rows).toHaveCount(2);
    await expect(images.rowByDigest(appDigest).locator('.chip')).toHaveText('+1');
    expect(await cliDigest(NEW_FULL)).toBe(appDigest);
    await tags.screenshot(testInfo, 'tag-added');

    await tags.remove(NEW_FULL);
    await expect(images.rowByDigest(appDigest).locator('.chip')).toHaveCount(0);
    expect(await cliDigest(NEW_FULL)).toBeNull();
    expect(await tags.references()).toEqual(['docker.io/strata-e2e/app:1']);
  });

  test('moving a name that belongs to another image asks first', async ({ page }, testInfo) => {
    // base gets a second name to move (its own strata-e2e/base:1 stays: the other specs need it).
    await strata('tag', BASE_REF, OTHER_NAME);
    const [appDigest, baseDigest] = await Promise.all([cliDigest(APP_REF), cliDigest(BASE_REF)]);
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await images.open(APP_REF);
    const tags = new TagsTab(page);
    await tags.show();

    expect(await tags.type(OTHER_NAME)).toBe('ok');
    await tags.add.click();
    await expect(tags.dialog).toBeVisible();
    await expect(tags.dialog).toContainText(`Move ${OTHER_NAME}?`);
    await expect(tags.dialog.getByTestId('confirm-consequence')).toHaveText(`The other image keeps its other name: ${BASE_REF}.`);
    await tags.bothThemes(testInfo, 'tag-move-confirm');

    // No: nothing changed.
    await tags.dialog.getByTestId('confirm-cancel').click();
    await expect(tags.dialog).toHaveCount(0);
    expect(await cliDigest(OTHER_NAME)).toBe(baseDigest);

    // Yes: the name points at app now; base keeps its own.
    await tags.add.click();
    await tags.dialog.getByTestId('confirm-accept').click();
    await expect(tags.dialog).toHaveCount(0);
    await expect.poll(() => tags.references()).toContain(`docker.io/${OTHER_NAME}`);
    await expect(tags.notice).toContainText('moved from image');
    expect(await cliDigest(OTHER_NAME)).toBe(appDigest);
    expect(await cliDigest(BASE_REF)).toBe(baseDigest);
  });
});
