// The Images check both doors run (browser mode and the Electron window): what the view shows must be what
// `strata images --json` and `strata inspect` say.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { formatBytes } from '../../renderer/src/format/bytes.ts';
import { ImagesPage } from '../pages/images-page.ts';
import { APP_CREATED_BY, APP_REF, BASE_CREATED_BY, BASE_REF } from './paths.ts';
import { cliImages, cliLayerDigests } from './strata.ts';

const short = (d: string) => d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);

/** checkImagesView asserts the list, opens the app image's layer stack and keeps screenshots named by prefix. */
export async function checkImagesView(page: Page, testInfo: TestInfo, prefix: string): Promise<void> {
  const view = new ImagesPage(page);
  await view.waitForTable();
  const cli = await cliImages();
  const want = cli
    .filter((r) => r.familiarReference === BASE_REF || r.familiarReference === APP_REF)
    .map((r) => ({ reference: r.familiarReference, digest: short(r.digest), size: formatBytes(r.size), sharedSize: formatBytes(r.sharedSize), uniqueSize: formatBytes(r.uniqueSize) }))
    .sort((a, b) => String(a.reference).localeCompare(String(b.reference)));
  expect(want.map((r) => r.reference)).toEqual([APP_REF, BASE_REF]);

  await expect.poll(async () => (await view.rowData()).map((r) => r.reference).sort()).toEqual([APP_REF, BASE_REF]);
  const rows = (await view.rowData()).sort((a, b) => a.reference.localeCompare(b.reference));
  expect(rows.map(({ created: _, ...r }) => r)).toEqual(want);
  for (const r of rows) expect(r.digest).toMatch(/^[0-9a-f]{12}$/);
  for (const r of rows) expect(r.created).toMatch(/ago$/);
  for (const r of cli) expect(r.sharedSize, `${r.familiarReference} shares bytes`).toBeGreaterThan(0);

  await expect(view.usageValue('saved')).not.toHaveText('0 B');
  await view.screenshot(testInfo, `${prefix}-list`);

  await view.open(APP_REF);
  await expect.poll(() => view.layers.count()).toBe(2);
  const layers = await view.layerData();
  const [appLayers, baseLayers] = await Promise.all([cliLayerDigests(APP_REF), cliLayerDigests(BASE_REF)]);
  expect(layers.map((l) => l.digest)).toEqual(appLayers.map(short));
  expect(layers[0]).toMatchObject({ index: 0, digest: short(baseLayers[0] as string), usedBy: 2, usedByText: 'shared by 2 images', createdBy: BASE_CREATED_BY });
  expect(layers[1]).toMatchObject({ index: 1, usedBy: 1, usedByText: 'only this image', createdBy: APP_CREATED_BY });
  // Drawn as a stack: the base is the last row on screen.
  await expect(view.layers.last()).toHaveAttribute('data-index', '0');
  await expect(view.errors).toHaveCount(0);
  await view.screenshot(testInfo, `${prefix}-layers`);
}
