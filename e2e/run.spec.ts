// Run from the Images view: the image runs in the sandbox, its output streams in, the exit code shows at
// the end, and Stop kills a long run.
import { expect, test } from '@playwright/test';
import { ImagesPage } from './pages/images-page.ts';
import { keepScreenshot } from './support/screenshot.ts';
import { APP_REF } from './support/paths.ts';
import { e2eEnv } from './support/strata.ts';

test.describe('Run an image (browser mode)', () => {
  test('Run shows the output and the exit code; a command override replaces CMD; exit 3 is passed through', async ({ page }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const view = new ImagesPage(page);
    await view.goto(e2eEnv().url);
    await view.open(APP_REF);
    const panel = view.detail.getByTestId('run-panel');
    await expect(panel).toHaveCount(0);

    // The image's own CMD is sh: with no input it prints nothing and exits 0.
    await view.detail.getByTestId('image-run').click();
    await expect(panel.getByTestId('run-status')).toHaveText(/Exited with code 0/);
    await expect(panel.getByTestId('run-argv')).toHaveText('sh');
    await expect(panel.getByTestId('run-output')).toHaveText('(no output)');

    // A command instead of CMD: the file the app image adds, then a failing exit code.
    await panel.getByTestId('run-command').fill('cat /hello.txt');
    await panel.getByTestId('run-again').click();
    await expect(panel.getByTestId('run-status')).toHaveText(/Exited with code 0/);
    await expect(panel.getByTestId('run-output')).toHaveText('hello from the strata e2e suite');

    await panel.getByTestId('run-command').fill(`sh -c 'for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3'`);
    await panel.getByTestId('run-again').click();
    await expect(panel.getByTestId('run-status')).toHaveText(/Exited with code 3/);
    await expect(panel.getByTestId('run-status')).toHaveAttribute('data-exit-code', '3');
    await expect(panel.getByTestId('run-output')).toContainText('line 1\nline 2\nline 3\noops');
    await expect(panel.locator('.run-output__err')).toHaveText('oops');
    await keepScreenshot(page, testInfo, 'run-exit-3');
    expect(errors).toEqual([]);
  });

  test('output streams live, a reload keeps following the run, and Stop kills it', async ({ page }, testInfo) => {
    const view = new ImagesPage(page);
    await view.goto(e2eEnv().url);
    await view.open(APP_REF);
    // The command field is shared: set it before the first run.
    await view.detail.getByTestId('image-run').click();
    const panel = view.detail.getByTestId('run-panel');
    await expect(panel.getByTestId('run-status')).toHaveText(/Exited/);
    await panel.getByTestId('run-command').fill(`sh -c 'echo started; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'`);
    await panel.getByTestId('run-again').click();
    // Lines arrive while it runs (it never ends by itself).
    await expect(panel.getByTestId('run-output')).toContainText('tick 3');
    await expect(panel.getByTestId('run-status')).toHaveText(/Running/);
    await keepScreenshot(page, testInfo, 'run-streaming');
    // A reload does not lose the run: the engine says it is going, its new lines keep coming.
    await page.reload();
    await view.waitForTable();
    await view.open(APP_REF);
    await expect(panel.getByTestId('run-status')).toHaveText(/Running/);
    await expect(panel.getByTestId('run-output')).toContainText('tick');
    await panel.getByTestId('run-stop').click();
    await expect(panel.getByTestId('run-status')).toHaveText(/Stopped/, { timeout: 15_000 });
    await expect(panel).toHaveAttribute('data-phase', 'stopped');
    await expect(view.detail.getByTestId('image-run')).toBeEnabled();
  });
});
