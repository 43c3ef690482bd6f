// One screenshot helper for the newer page objects: a full-page PNG kept under test-results/screenshots/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { SCREENSHOT_DIR } from './paths.ts';

/** keepScreenshot saves the page as SCREENSHOT_DIR/name.png and attaches it to the report. */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** inBothThemes keeps a light and a dark screenshot (the dark theme follows the OS), then goes back to light. */
export async function inBothThemes(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await keepScreenshot(page, testInfo, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  await keepScreenshot(page, testInfo, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}
