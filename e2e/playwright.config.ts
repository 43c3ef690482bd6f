// Playwright config of Strata's e2e suite: Chromium from apt against browser mode (`strata ui`), one worker.
import { defineConfig } from '@playwright/test';
import { join } from 'node:path';
import { RESULTS_DIR, ROOT } from './support/paths.ts';

export default defineConfig({
  testDir: join(ROOT, 'e2e'),
  testMatch: '*.spec.ts',
  globalSetup: join(ROOT, 'e2e', 'global-setup.ts'),
  // Playwright wipes outputDir at start: keep it apart from test-results/screenshots and the JSON report.
  outputDir: join(RESULTS_DIR, 'e2e-artifacts'),
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? join(RESULTS_DIR, 'e2e-report.json') }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1360, height: 820 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium' }],
});
