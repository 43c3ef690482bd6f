import { expect, test } from '@playwright/test';
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../renderer/src/format/bytes.ts';
import { ComparePage } from './pages/compare-page.ts';
import { DiffPage, ExplorePage } from './pages/explore-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { APP_REF, BASE_REF } from './support/paths.ts';
import { cliImages, e2eEnv, strata } from './support/strata.ts';
import { cliLayers } from './support/inspect.ts';

const WASTE_REF = 'strata-e2e/waste:1';
const OTHER_REF = 'strata-e2e/waste:2';

/** The image with known waste: 5 MB a RUN writes and a later RUN deletes, a file a later COPY overwrites. */
const DOCKERFILE_A = [
  `FROM ${BASE_REF}`,
  'RUN head -c 5000000 /dev/zero > /tmp/big.bin',
  'COPY config.txt /app/config.txt',
  'RUN rm /tmp/big.bin',
  'COPY config2.txt /app/config.txt',
  'COPY notes.txt /app/notes.txt',
  '',
].join('\n');
/** A second build: the same final config file, no notes, an extra file, and an ENV. */
const DOCKERFILE_B = [`FROM ${BASE_REF}`, 'COPY config2.txt /app/config.txt', 'COPY extra.txt /app/extra.txt', 'ENV MODE=two', ''].join('\n');

const CONFIG = 'c'.repeat(200_000);
const CONFIG2 = 'd'.repeat(1_000);
const NOTES = 'notes of the e2e suite\n';
const EXTRA = 'extra\n';
/** The base layer's file bytes, by hand: the busybox binary and the group and passwd files of the e2e base. */
const BASE_BYTES = statSync('/bin/busybox').size + Buffer.byteLength('root:x:0:\nnogroup:x:65534:\n') + Buffer.byteLength('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');

const temps: string[] = [];

async function context(dockerfile: string, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-e2e-explore-'));
  temps.push(dir);
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

test.describe('Layer explorer and image diff (browser mode)', () => {
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    await strata('build', '-q', '-t', WASTE_REF, await context(DOCKERFILE_A, { 'config.txt': CONFIG, 'config2.txt': CONFIG2, 'notes.txt': NOTES }));
    await strata('build', '-q', '-t', OTHER_REF, await context(DOCKERFILE_B, { 'config2.txt': CONFIG2, 'extra.txt': EXTRA }));
  });

  test.afterAll(async () => {
    // Leave the store as global-setup made it (other specs count its images).
    const keep = new Set([BASE_REF, APP_REF]);
    const rows = await cliImages();
    const keepDigests = new Set(rows.filter((r) => r.familiarReference && keep.has(r.familiarReference)).map((r) => r.digest));
    for (const digest of new Set(rows.map((r) => r.digest))) if (!keepDigests.has(digest)) await strata('rmi', '-f', digest);
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('the tree of each layer with change and pattern filters; the waste equals what we computed', async ({ page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await images.open(WASTE_REF);
    await page.getByTestId('image-explore').click();
    const x = new ExplorePage(page);
    await expect(x.view).toBeVisible();
    await expect(page.getByTestId('explore-image')).toHaveText(WASTE_REF);

    // Layers: base, then one per filesystem step, each with its instruction and Dockerfile line.
    await expect(x.layers).toHaveCount(6, { timeout: 30_000 });
    expect((await x.layerData()).map((l) => [l.index, l.instruction, l.line, l.bytes])).toEqual([
      [0, 'ADD', null, BASE_BYTES],
      [1, 'RUN', 2, 5_000_000],
      [2, 'COPY', 3, CONFIG.length],
      [3, 'RUN', 4, 0],
      [4, 'COPY', 5, CONFIG2.length],
      [5, 'COPY', 6, NOTES.length],
    ]);
    // The top layer opens first, on its own changes.
    await expect(x.layer(5)).toHaveAttribute('aria-pressed', 'true');
    await x.settled();
    expect(await x.files()).toEqual(['added /app/notes.txt']);

    // The RUN that deletes: its whiteout shows as the deletion of what layer 1 wrote.
    await x.selectLayer(3);
    await x.setChanges(['deleted']);
    await expect.poll(() => x.files()).toEqual(['deleted /tmp/big.bin']);
    await expect(x.row('/tmp/big.bin')).toHaveAttribute('data-size', '5000000');
    await x.screenshot(testInfo, 'explore-deleted');

    // The COPY that overwrites: modified, and nothing else in that layer is.
    await x.selectLayer(4);
    await x.setChanges(['modified']);
    await expect.poll(() => x.files()).toEqual(['modified /app/config.txt']);
    await x.setChanges(['added', 'deleted']);
    await expect.poll(() => x.files()).toEqual([]);

    // The image as of the top layer, by pattern: what the layer added, then what it kept from below.
    await x.selectLayer(5);
    await x.showView('image');
    await x.setPattern('**/*.txt');
    await x.setChanges(['added']);
    await expect.poll(() => x.files()).toEqual(['added /app/notes.txt']);
    await x.setChanges(['unchanged']);
    await expect.poll(() => x.files()).toEqual(['unchanged /app/config.txt']);
    await x.setChanges([]);
    await expect.poll(() => x.files()).toEqual(['unchanged /app/config.txt', 'added /app/notes.txt']);
    // A minimum size keeps only the big one.
    await x.setMinSize('500B');
    await expect.poll(() => x.files()).toEqual(['unchanged /app/config.txt']);
    await x.setMinSize('');
    await x.setPattern('');

    // A text file opens in the viewer.
    await x.setPattern('/app/**');
    await expect.poll(() => x.files()).toEqual(['unchanged /app/config.txt', 'added /app/notes.txt']);
    await x.row('/app/notes.txt').click();
    await expect(page.getByTestId('file-viewer-text')).toHaveText(NOTES.trimEnd());
    await x.bothThemes(testInfo, 'explore-files');

    // The same view as a flat list, largest first: the image as of the RUN that wrote 5 MB.
    await x.setPattern('');
    await x.selectLayer(1);
    await x.setLayout('list');
    await x.sortBy('size');
    await expect.poll(async () => (await x.listFiles()).slice(0, 2)).toEqual(['added /tmp/big.bin', 'unchanged /bin/busybox']);
    await x.screenshot(testInfo, 'explore-list');
    await x.setLayout('tree');

    // Waste, by hand: the 5 MB deleted later and the 200 kB overwritten later, each charged to its line.
    const total = BASE_BYTES + 5_000_000 + CONFIG.length + CONFIG2.length + NOTES.length;
    const wasted = 5_000_000 + CONFIG.length;
    await x.tab('waste');
    const w = await x.wasteNumbers();
    expect(w.wasted).toBe(wasted);
    expect(w.total).toBe(total);
    expect(w.efficiency).toBeCloseTo(1 - wasted / total, 12);
    expect(w.wastedText).toBe(formatBytes(wasted));
    expect(w.efficiencyText).toBe(`${((1 - wasted / total) * 100).toFixed(1)}%`);
    expect(await x.wasteFiles()).toEqual([
      { path: '/tmp/big.bin', size: 5_000_000, kind: 'deleted', layer: 1, line: 2 },
      { path: '/app/config.txt', size: CONFIG.length, kind: 'overwritten', layer: 2, line: 3 },
    ]);
    expect(await x.wasteLines()).toEqual([
      [2, 5_000_000],
      [3, CONFIG.length],
    ]);
    await expect(page.getByTestId('waste-advice').first()).toContainText(/RUN/);
    await x.bothThemes(testInfo, 'explore-waste');

    // A wasted file's charge leads to the layer that wrote it.
    await page.locator('[data-testid="waste-file"][data-path="/tmp/big.bin"]').getByTestId('waste-charge').click();
    await expect(x.layer(1)).toHaveAttribute('aria-pressed', 'true');
    expect(errors, 'no page errors').toEqual([]);
  });

  test('Compare → Diff lists exactly the files, layers and config that differ', async ({ page }, testInfo) => {
    const [layersA, layersB] = await Promise.all([cliLayers(WASTE_REF), cliLayers(OTHER_REF)]);
    const inB = new Set(layersB.map((l) => l.digest));
    const common = layersA.filter((l) => inB.has(l.digest)).length;
    const images = new ImagesPage(page);
    await images.goto(e2eEnv().url);
    await images.row(WASTE_REF).getByTestId('image-pick').check();
    await images.row(OTHER_REF).getByTestId('image-pick').check();
    await page.getByTestId('compare-button').click();
    const cmp = new ComparePage(page);
    await expect(cmp.view).toBeVisible();
    const diff = new DiffPage(page);
    await diff.show();
    await diff.pick(WASTE_REF, OTHER_REF);
    await expect.poll(() => diff.fileData()).toEqual([
      { path: '/app/extra.txt', change: 'added', what: [] },
      { path: '/app/notes.txt', change: 'removed', what: [] },
    ]);
    expect(await diff.count('added')).toBe('1');
    expect(await diff.count('removed')).toBe('1');
    expect(await diff.count('changed')).toBe('0');
    expect(await diff.count('common')).toBe(String(common));
    expect(await diff.configRows()).toEqual(['Env MODE']);
    await diff.page.getByTestId('diff-filter-removed').click();
    await expect.poll(() => diff.fileData()).toEqual([{ path: '/app/notes.txt', change: 'removed', what: [] }]);
    await cmp.bothThemes(testInfo, 'compare-diff');
    // Swapped, the same change reads the other way round.
    await page.getByTestId('diff-filter-all').click();
    await page.getByTestId('diff-swap').click();
    await expect.poll(() => diff.fileData()).toEqual([
      { path: '/app/extra.txt', change: 'removed', what: [] },
      { path: '/app/notes.txt', change: 'added', what: [] },
    ]);
  });
});
