import { _electron as electron, expect, test, type Page, type TestInfo } from '@playwright/test';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildPage } from './pages/build-page.ts';
import { ImagesPage } from './pages/images-page.ts';
import { APP_REF, BASE_REF, ELECTRON_MAIN, ROOT } from './support/paths.ts';
import { cliImages, e2eEnv, strata } from './support/strata.ts';

const SAMPLES = join(ROOT, 'assets', 'samples');
/** The samples build FROM ${BASE}: here, the busybox image global-setup loaded. */
const BASE_ARG = BASE_REF;
const TAG = 'strata-e2e/sample:1';

/** sampleCopy copies a sample context to a fresh temp folder, so edits never touch the repo. */
async function sampleCopy(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `strata-e2e-${name}-`));
  await cp(join(SAMPLES, name), dir, { recursive: true });
  return dir;
}

const temps: string[] = [];
async function tempSample(name: string): Promise<string> {
  const dir = await sampleCopy(name);
  temps.push(dir);
  return dir;
}

/** removeBuiltImages leaves the store as global-setup made it (the Images specs count its images). */
async function removeBuiltImages(): Promise<void> {
  const keep = new Set([BASE_REF, APP_REF]);
  const rows = await cliImages();
  const keepDigests = new Set(rows.filter((r) => r.familiarReference && keep.has(r.familiarReference)).map((r) => r.digest));
  for (const digest of new Set(rows.map((r) => r.digest))) if (!keepDigests.has(digest)) await strata('rmi', '-f', digest);
}

const fsKinds = new Set(['WORKDIR', 'COPY', 'ADD', 'RUN']);

/** checkOfflineBuild is the offline sample's story, the same in both doors: build, rebuild from the cache,
 * change one source file and see exactly the COPY of it rebuilt, with the file named as the reason. */
async function checkOfflineBuild(page: Page, testInfo: TestInfo, prefix: string): Promise<void> {
  const view = new BuildPage(page);
  const dir = await tempSample('offline');
  await view.show();
  await view.openContext(dir);
  expect((await view.editorText()).trimEnd()).toBe((await readFile(join(dir, 'Dockerfile'), 'utf8')).trimEnd());
  await expect(view.problemCount).toHaveText('no problems');
  // The ARG BASE row comes prefilled from the Dockerfile with its default.
  await expect(page.locator('[data-testid="build-arg"][data-name="BASE"]').getByTestId('build-arg-value')).toHaveValue('busybox:latest');
  await view.setArg('BASE', BASE_ARG);
  await view.addTag(TAG);
  await expect(view.nodes).toHaveCount(1);
  await expect(view.nodes.first()).toHaveAttribute('data-target', 'true');
  await view.screenshot(testInfo, `${prefix}-opened`);

  // 1. A first build (no cache, so it is one whatever ran before): every step runs.
  await view.noCache.check();
  await view.build();
  await expect(view.nodes.first()).toHaveAttribute('data-status', 'done');
  const first = await view.stepData();
  expect(first.map((s) => s.instruction)).toEqual(['FROM ${BASE}', 'WORKDIR /app', 'COPY requirements.txt .', 'COPY src ./src', 'ENV APP_ENV=production PORT=8000', 'EXPOSE 8000', 'CMD ["sh", "-c", "cat /app/src/app.py"]']);
  for (const s of first) expect(s.status, s.instruction).toBe('done');
  for (const s of first.filter((x) => fsKinds.has(x.kind))) expect(s.missReason, s.instruction).toBe('cache disabled (--no-cache)');
  await expect(view.digest).toHaveText(/^sha256:[0-9a-f]{64}$/);
  const firstDigest = await view.digest.innerText();
  await expect(page.getByTestId('step-layer-size').first()).toHaveText(/\d+(\.\d+)? (B|kB)/);
  await view.screenshot(testInfo, `${prefix}-built`);

  // 2. The same again: every filesystem step comes from the cache, and the image is the same.
  await view.noCache.uncheck();
  await view.build();
  const second = await view.stepData();
  for (const s of second.filter((x) => fsKinds.has(x.kind))) expect(s.status, s.instruction).toBe('cached');
  for (const s of second) expect(s.status, s.instruction).not.toBe('failed');
  await expect(view.cacheCount).toHaveText('3 of 3 steps cached');
  await expect(view.digest).toHaveText(firstDigest);
  await view.screenshot(testInfo, `${prefix}-cached`);

  // 3. One source file changes on disk: only the COPY that reads it rebuilds, naming it.
  await appendFile(join(dir, 'src', 'app.py'), '\n# changed by the e2e suite\n');
  await view.build();
  const third = await view.stepData();
  const rebuilt = third.filter((s) => fsKinds.has(s.kind) && s.status === 'done');
  expect(rebuilt.map((s) => s.instruction)).toEqual(['COPY src ./src']);
  expect(rebuilt[0]?.missReason).toBe('src/app.py changed');
  // The FROM of a base already in the store reports CACHED too, as BuildKit does.
  expect(third.filter((s) => s.status === 'cached').map((s) => s.instruction)).toEqual(['FROM ${BASE}', 'WORKDIR /app', 'COPY requirements.txt .']);
  await expect(view.cacheCount).toHaveText('2 of 3 steps cached');
  await expect(view.digest).not.toHaveText(firstDigest);
  await view.steps.filter({ hasText: 'COPY src ./src' }).getByTestId('step-toggle').click();
  await expect(view.steps.filter({ hasText: 'COPY src ./src' })).toHaveClass(/is-expanded/);
  await view.screenshot(testInfo, `${prefix}-rebuilt`);

  // 4. Open in Images selects the image just built.
  const digest = await view.digest.innerText();
  await view.openInImages.click();
  const images = new ImagesPage(page);
  await expect(images.detail).toBeVisible();
  await expect(images.detail.getByTestId('detail-reference')).toHaveText(TAG);
  await expect(images.detail.locator('.detail__digest')).toHaveText(digest);
  await expect(images.row(TAG)).toHaveAttribute('aria-selected', 'true');
  await images.screenshot(testInfo, `${prefix}-in-images`);
}

test.describe('Build view (browser mode)', () => {
  test.afterAll(async () => {
    await removeBuiltImages();
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('offline sample: build, rebuild from the cache, change a file, open the image', async ({ page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(e2eEnv().url);
    await checkOfflineBuild(page, testInfo, 'build-offline');
    expect(errors, 'no page errors (CSP violations included)').toEqual([]);
  });

  test('multi-stage sample: the target marks the stage it does not need as skipped', async ({ page }, testInfo) => {
    const view = new BuildPage(page);
    await page.goto(`${e2eEnv().url}#build`);
    await view.openContext(await tempSample('multistage'));
    await view.setArg('BASE', BASE_ARG);
    expect(await view.edgeData()).toEqual(['app>test FROM', 'base>deps FROM', 'base>docs FROM', 'deps>app FROM', 'docs>app COPY --from']);
    await expect(view.target.locator('option')).toHaveText(['Last stage (test)', 'base', 'deps', 'docs', 'app', 'test']);
    // Before a build the plan already shows what the target needs.
    await view.target.selectOption('app');
    await expect.poll(async () => (await view.nodeData()).map((n) => `${n.stage}:${n.needed ? 'needed' : 'unneeded'}${n.target ? ':target' : ''}`)).toEqual(['base:needed', 'deps:needed', 'docs:needed', 'app:needed:target', 'test:unneeded']);
    await view.screenshot(testInfo, 'build-multistage-plan');

    await view.build();
    expect(await view.nodeData()).toEqual([
      { stage: 'base', status: expect.stringMatching(/^(done|cached)$/), needed: true, target: false },
      { stage: 'deps', status: expect.stringMatching(/^(done|cached)$/), needed: true, target: false },
      { stage: 'docs', status: expect.stringMatching(/^(done|cached)$/), needed: true, target: false },
      { stage: 'app', status: expect.stringMatching(/^(done|cached)$/), needed: true, target: true },
      { stage: 'test', status: 'skipped', needed: false, target: false },
    ]);
    await expect(page.locator('[data-testid="step-stage"][data-stage="test"]')).toContainText('Not built: the target does not need this stage.');
    // docs is only COPY --from'd: its last step keeps the stage's root, no layer; the image's steps keep layers.
    const steps = await view.stepData();
    expect(steps.find((s) => s.instruction === 'COPY docs ./docs')?.kept).toBe('stage root');
    expect(steps.find((s) => s.instruction === 'COPY src ./src')?.kept).toMatch(/^[\d.]+ (B|kB|KB|MB)$/);
    // The skipped stage lists no steps: none of them ran.
    expect((await view.stepData()).map((s) => s.instruction)).not.toContain('COPY tests ./tests');
    await view.screenshot(testInfo, 'build-multistage-target');
    // The dark theme follows the OS: keep a picture of it too.
    await page.emulateMedia({ colorScheme: 'dark' });
    await view.screenshot(testInfo, 'build-multistage-target-dark');
  });

  // Docker's Python example pulls python:3.12-slim and PyPI packages: only where the machine has internet and
  // the run says so (the suite otherwise touches 127.0.0.1 only).
  test('Python sample (internet): build, rebuild from the cache, change app.py', async ({ page }, testInfo) => {
    test.skip(process.env.STRATA_E2E_INTERNET !== '1', 'needs internet (Docker Hub and PyPI): set STRATA_E2E_INTERNET=1 to run it');
    test.setTimeout(15 * 60_000);
    const view = new BuildPage(page);
    const dir = await tempSample('python');
    await page.goto(`${e2eEnv().url}#build`);
    await view.openContext(dir);
    await expect(view.problemCount).toHaveText('no problems');
    await view.build();
    const first = await view.stepData();
    for (const s of first) expect(s.status, s.instruction).not.toBe('failed');
    await view.screenshot(testInfo, 'build-python-built');
    await view.build();
    for (const s of (await view.stepData()).filter((x) => fsKinds.has(x.kind))) expect(s.status, s.instruction).toBe('cached');
    await appendFile(join(dir, 'app.py'), '\n# changed by the e2e suite\n');
    await view.build();
    const rebuilt = (await view.stepData()).filter((s) => fsKinds.has(s.kind) && s.status === 'done');
    expect(rebuilt.map((s) => s.instruction)).toEqual(['COPY . .']);
    expect(rebuilt[0]?.missReason).toBe('app.py changed');
    await view.screenshot(testInfo, 'build-python-rebuilt');
  });

  test('a long step shows its live time; Cancel stops the build', async ({ page }, testInfo) => {
    const view = new BuildPage(page);
    const dir = await mkdtemp(join(tmpdir(), 'strata-e2e-slow-'));
    temps.push(dir);
    // A step that runs until cancelled (a unique marker keeps it out of the cache of earlier runs).
    await writeFile(join(dir, 'Dockerfile'), `ARG BASE=busybox:latest\nFROM \${BASE}\nRUN echo ${randomBytes(6).toString('hex')} && sleep 600\nCOPY small.txt /data/\n`);
    await writeFile(join(dir, 'small.txt'), 'small\n');
    await page.goto(`${e2eEnv().url}#build`);
    await view.openContext(dir);
    await view.setArg('BASE', BASE_ARG);
    await view.buildButton.click();
    const big = view.steps.filter({ hasText: 'sleep 600' });
    await expect(big).toHaveAttribute('data-status', 'running');
    await expect(view.nodes.first()).toHaveAttribute('data-status', 'running');
    await expect(view.phase).toHaveAttribute('data-phase', 'running');
    const t0 = await big.getByTestId('step-time').innerText();
    await expect.poll(() => big.getByTestId('step-time').innerText()).not.toBe(t0);
    await view.screenshot(testInfo, 'build-running');
    await view.cancelButton.click();
    await expect(view.phase).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
    await expect(view.steps.filter({ hasText: 'COPY small.txt' })).toHaveAttribute('data-status', 'cancelled');
    await expect(view.cancelButton).toHaveCount(0);
    await expect(view.buildButton).toBeEnabled();
    await view.screenshot(testInfo, 'build-cancelled');
  });

  test('a syntax error is marked on its line; a build error on its step’s line', async ({ page }, testInfo) => {
    const view = new BuildPage(page);
    await page.goto(`${e2eEnv().url}#build`);
    const dir = await tempSample('offline');
    await view.openContext(dir);
    await view.setArg('BASE', BASE_ARG);
    const good = await view.editorText();

    // FORM for FROM on line 4: the analysis (debounced as one types) blames line 4.
    await view.replaceDockerfile(good.replace('FROM ${BASE}', 'FORM ${BASE}'));
    await expect(view.problemCount).toHaveText('1 error');
    expect(await view.problemData()).toEqual([{ line: 4, severity: 'error', source: 'Dockerfile', message: 'unknown instruction: FORM (did you mean FROM?)' }]);
    await expect(view.markedLine(4)).toHaveText('FORM ${BASE}');
    await expect(view.markedLine(4)).toHaveAttribute('data-severity', 'error');
    await expect(view.editor.locator('.cm-lintRange-error')).toHaveCount(1);
    await expect(page.getByTestId('dockerfile-dirty')).toBeVisible();
    // The graph keeps the stages the text last had while the typo is fixed.
    await expect(page.getByTestId('graph-stale')).toBeVisible();
    await expect(view.nodes).toHaveCount(1);
    await view.screenshot(testInfo, 'build-syntax-error');

    // Fixed again: the mark goes.
    await view.replaceDockerfile(good);
    await expect(view.problemCount).toHaveText('no problems');
    await expect(view.editor.locator('.cm-line[data-problem-line]')).toHaveCount(0);

    // A COPY of a file the context lacks: the build saves the text, fails on that step, and marks its line.
    await view.replaceDockerfile(good.replace('COPY requirements.txt .', 'COPY missing.txt .'));
    await expect(view.problemCount).toHaveText('no problems');
    await view.build('failed');
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toContain('COPY missing.txt .');
    const failed = (await view.stepData()).filter((s) => s.status === 'failed');
    expect(failed.map((s) => [s.instruction, s.line])).toEqual([['COPY missing.txt .', 6]]);
    await expect(page.getByTestId('step-error')).toContainText('missing.txt');
    await expect(page.getByTestId('error-code')).toHaveText('BUILD_SOURCE_NOT_FOUND');
    await expect(view.markedLine(6)).toHaveText('COPY missing.txt .');
    await expect(view.markedLine(6)).toHaveAttribute('data-source', 'build');
    expect((await view.problemData()).map((p) => [p.line, p.source])).toEqual([[6, 'build']]);
    await expect(view.nodes.first()).toHaveAttribute('data-status', 'failed');
    await view.screenshot(testInfo, 'build-step-error');
  });
});

/** electronBinary is the installed Electron executable, or why there is none. */
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

test.describe('Build view (Electron window)', () => {
  test.skip(bin.missing !== undefined, `Electron binary missing, so the Electron variant cannot run here (${bin.missing}); it runs where \`npm run electron:install\` could download Electron`);
  test.afterAll(async () => {
    await removeBuiltImages();
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('offline sample: build, rebuild from the cache, change a file, open the image', async ({}, testInfo) => {
    expect(existsSync(ELECTRON_MAIN), `${ELECTRON_MAIN} is missing: run npm run build`).toBe(true);
    const app = await electron.launch({
      executablePath: (bin as { path: string }).path,
      args: [ELECTRON_MAIN],
      cwd: ROOT,
      env: { ...process.env, STRATA_HOME: e2eEnv().home } as Record<string, string>,
    });
    try {
      await checkOfflineBuild(await app.firstWindow(), testInfo, 'electron-build-offline');
    } finally {
      await app.close();
    }
  });
});
