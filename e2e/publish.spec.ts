import { expect, test } from '@playwright/test';
import { PublishTab, TagsTab } from './pages/image-tabs-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { ActivityPanel, RegistriesPage } from './pages/registries-page.ts';
import { cliDigest } from './support/inspect.ts';
import { APP_REF } from './support/paths.ts';
import { dockerConfigAuths, e2eRegistry, REGISTRY_PASSWORD, REGISTRY_USER, registryTags } from './support/registry.ts';
import { e2eEnv, strata } from './support/strata.ts';

// One story against the real registry global-setup started: log in, name the image for the registry, plan,
// push and watch every layer reach done, push again and see every layer already there, log out.
test.describe.configure({ mode: 'serial' });

test.describe('Registries and Publish (browser mode, real registry)', () => {
  const target = () => `${e2eRegistry().host}/strata-e2e/app:1`;

  test.afterAll(async () => {
    await strata('rmi', target()).catch(() => undefined);
    await strata('logout', e2eRegistry().host).catch(() => undefined);
  });

  test('log in on the Registries page: a wrong password is refused, the right one is saved in DOCKER_CONFIG and tests ok', async ({ page }, testInfo) => {
    const { host, dockerConfig } = e2eRegistry();
    await page.goto(`${e2eEnv().url}#registries`);
    const reg = new RegistriesPage(page);
    await expect(page.getByTestId('login-form')).toBeVisible();
    await expect(reg.empty).toBeVisible();

    await reg.login(host, REGISTRY_USER, 'not-the-password');
    await expect(reg.loginError).toBeVisible();
    await expect(reg.loginError.getByTestId('error-code')).toHaveText('UNAUTHORIZED');
    await expect(reg.password, 'the password is cleared after use').toHaveValue('');
    expect(await dockerConfigAuths()).toEqual([]);

    await reg.login(host, REGISTRY_USER, REGISTRY_PASSWORD);
    await expect(reg.credential(host)).toBeVisible();
    await expect(reg.password).toHaveValue('');
    await expect(reg.password).toHaveAttribute('type', 'password');
    await expect(reg.notice).toHaveText(`Logged in to ${host} as ${REGISTRY_USER}`);
    await expect(reg.credential(host).getByTestId('credential-user')).toHaveText(REGISTRY_USER);
    await expect(reg.credential(host).getByTestId('credential-source')).toContainText('docker config');
    await expect(reg.credential(host).getByTestId('credential-source')).toContainText(dockerConfig);
    expect(await dockerConfigAuths()).toEqual([host]);
    expect(await page.content(), 'the page never holds the password').not.toContain(REGISTRY_PASSWORD);

    await reg.credential(host).getByTestId('credential-test-button').click();
    await expect(reg.credential(host).getByTestId('credential-test')).toHaveAttribute('data-state', 'ok');
    await reg.bothThemes(testInfo, 'registries');
  });

  test('retag for the registry, plan, push: every layer reaches done, and the registry has the tag', async ({ page }, testInfo) => {
    const { host } = e2eRegistry();
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await images.open(APP_REF);

    // Tags: the registry button names the image for that registry.
    const tags = new TagsTab(page);
    await tags.show();
    await tags.retagButton(host).click();
    await expect(tags.input).toHaveValue(target());
    await expect.poll(() => tags.check.getAttribute('data-state')).toBe('ok');
    await expect(tags.normalized).toHaveText(target());
    await tags.add.click();
    await expect.poll(() => tags.references()).toContain(target());
    expect(await cliDigest(target())).toBe(await cliDigest(APP_REF));

    // Publish: the plan first (nothing is in the registry yet), then the push.
    const publish = new PublishTab(page);
    await publish.show();
    const planned = await publish.planFor(target());
    expect(planned).toEqual(['upload', 'upload', 'upload']);
    await expect(publish.plan.getByTestId('plan-upload')).toHaveText('3');
    await expect(publish.plan.getByTestId('plan-exists')).toHaveText('0');
    await expect(publish.plan.getByTestId('plan-bytes')).not.toHaveText('0 B');
    await publish.bothThemes(testInfo, 'publish-plan');

    await publish.push();
    await expect.poll(() => publish.rowStates()).toEqual([
      { role: 'config', state: 'done' },
      { role: 'layer', state: 'done' },
      { role: 'layer', state: 'done' },
    ]);
    await expect(publish.transfer.getByTestId('transfer-manifest')).toHaveAttribute('data-state', 'done');
    await expect(publish.transfer.getByTestId('transfer-tag')).toHaveAttribute('data-reference', target());
    await expect(publish.transfer.getByTestId('transfer-tag')).toHaveAttribute('data-state', 'done');
    await expect(publish.transfer.getByTestId('transfer-overall')).toHaveAttribute('aria-valuenow', '100');
    expect(await registryTags('strata-e2e/app')).toEqual(['1']);
    await publish.transfer.scrollIntoViewIfNeeded();
    await publish.bothThemes(testInfo, 'publish-pushed');

    // The activity panel lists it, wherever one is in the app.
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Compare' }).click();
    const activity = new ActivityPanel(page);
    await activity.open();
    await expect(activity.items).toHaveCount(1);
    await expect(activity.items.first()).toHaveAttribute('data-phase', 'succeeded');
    await activity.items.first().getByTestId('activity-toggle').click();
    await expect(activity.items.first().getByTestId('blob-row')).toHaveCount(3);
    await publish.bothThemes(testInfo, 'activity');
    await activity.close();
  });

  test('push again: the plan and every row say the registry has each blob already', async ({ page }, testInfo) => {
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    // The image is listed under its first name, which may now be the registry's.
    await images.openDigest((await cliDigest(APP_REF)) as string);
    const publish = new PublishTab(page);
    await publish.show();
    expect(await publish.planFor(target())).toEqual(['exists', 'exists', 'exists']);
    await expect(publish.plan.getByTestId('plan-bytes')).toHaveText('0 B');
    await publish.push();
    await expect.poll(() => publish.rowStates()).toEqual([
      { role: 'config', state: 'exists' },
      { role: 'layer', state: 'exists' },
      { role: 'layer', state: 'exists' },
    ]);
    await expect(publish.transfer.getByTestId('transfer-tag')).toHaveAttribute('data-state', 'done');
    await publish.transfer.scrollIntoViewIfNeeded();
    await publish.bothThemes(testInfo, 'publish-again-exists');
  });

  test('log out on the Registries page: the login leaves DOCKER_CONFIG', async ({ page }, testInfo) => {
    const { host } = e2eRegistry();
    await page.goto(`${e2eEnv().url}#registries`);
    const reg = new RegistriesPage(page);
    await expect(reg.credential(host)).toBeVisible();
    await reg.credential(host).getByTestId('credential-logout').click();
    await expect(reg.notice).toHaveText(`Logged out of ${host}`);
    await expect(reg.empty).toBeVisible();
    expect(await dockerConfigAuths()).toEqual([]);
    await reg.screenshot(testInfo, 'registries-logged-out');
  });
});
