// A build outlives its window: reload the page mid-build (or lose the socket) and the Build view shows
// where the build stands, from the engine, and follows it to the end.
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildPage } from './pages/build-page.ts';
import { keepScreenshot } from './support/screenshot.ts';
import { APP_REF, BASE_REF } from './support/paths.ts';
import { cliImages, e2eEnv, strata } from './support/strata.ts';

const temps: string[] = [];
async function slowContext(seconds: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-e2e-resync-'));
  temps.push(dir);
  // A fresh marker per build so the RUN is never a cache hit.
  const marker = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await writeFile(join(dir, 'Dockerfile'), `FROM ${BASE_REF}\nRUN echo step one ${marker} && sleep ${seconds} && echo step two\nCOPY marker.txt /marker.txt\n`);
  await writeFile(join(dir, 'marker.txt'), `${marker}\n`);
  return dir;
}

test.afterAll(async () => {
  const rows = await cliImages();
  const keep = new Set(rows.filter((r) => r.familiarReference === BASE_REF || r.familiarReference === APP_REF).map((r) => r.digest));
  for (const digest of new Set(rows.map((r) => r.digest))) if (!keep.has(digest)) await strata('rmi', '-f', digest);
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const statusOf = (view: BuildPage, kind: string) => view.steps.filter({ has: view.page.getByTestId('step-instruction').getByText(kind) }).first().getAttribute('data-status');

test.describe('Build status re-sync (browser mode)', () => {
  test('reloading the page mid-build shows the running build and follows its steps to done', async ({ page }, testInfo) => {
    await page.goto(e2eEnv().url);
    const view = new BuildPage(page);
    await view.show();
    // Long enough for a reload on a busy 2-core machine (page, bundle, socket) to land mid-RUN.
    const dir = await slowContext(8);
    await view.openContext(dir);
    await view.noCache.check();
    await view.buildButton.click();
    await expect.poll(() => statusOf(view, 'RUN'), { timeout: 20_000 }).toBe('running');

    await page.reload();
    // Straight back into the build: its context reopened, the RUN still running (not queued, not stale).
    await expect(page).toHaveURL(/#build$/);
    await expect(page.getByTestId('context-file')).toHaveAttribute('title', `${dir}/Dockerfile`);
    await expect(view.phase).toHaveAttribute('data-phase', 'running');
    await expect.poll(() => statusOf(view, 'RUN')).toBe('running');
    expect(await statusOf(view, 'FROM')).toMatch(/^(cached|done)$/);
    await keepScreenshot(page, testInfo, 'resync-after-reload');

    await expect.poll(() => view.phase.getAttribute('data-phase'), { timeout: 40_000 }).toBe('succeeded');
    const steps = await view.stepData();
    expect(steps.map((s) => s.status)).toEqual([expect.stringMatching(/^(cached|done)$/), 'done', 'done']);
    await expect(view.digest).toHaveText(/^sha256:/);
    await keepScreenshot(page, testInfo, 'resync-done');
  });

  test('a socket that drops mid-build is re-synced: the steps missed meanwhile show', async ({ page }) => {
    // The page's engine socket goes through Playwright, so the test can cut it and keep it down.
    let down = false;
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/ws$/, (ws) => {
      if (down) return void ws.close({ code: 1011, reason: 'network down (test)' });
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.goto(e2eEnv().url);
    const view = new BuildPage(page);
    await view.show();
    const before = new Set((await cliImages()).map((r) => r.digest));
    await view.openContext(await slowContext(2));
    await view.buildButton.click();
    await expect.poll(() => statusOf(view, 'RUN'), { timeout: 20_000 }).toBe('running');
    // Down for longer than the RUN: every event of the build's end is lost on the wire.
    down = true;
    for (const ws of sockets) await ws.close({ code: 1006, reason: 'network down (test)' });
    await expect(page.getByTestId('connection')).toHaveText('Reconnecting…');
    // The engine finishes the build (its image appears in the store) while the page hears nothing.
    await expect.poll(async () => (await cliImages()).some((r) => !before.has(r.digest)), { timeout: 30_000 }).toBe(true);
    expect(await view.phase.getAttribute('data-phase'), 'nothing reached the page meanwhile').toBe('running');
    down = false;
    await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 15_000 });
    await expect.poll(() => view.phase.getAttribute('data-phase'), { timeout: 30_000 }).toBe('succeeded');
    expect((await view.stepData()).map((s) => s.status)).toEqual([expect.stringMatching(/^(cached|done)$/), 'done', 'done']);
  });
});
