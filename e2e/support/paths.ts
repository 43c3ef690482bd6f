// Where the e2e suite finds Strata and keeps its artifacts.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'main', 'cli', 'bin.mjs');
export const RENDERER_INDEX = join(ROOT, 'dist', 'renderer', 'index.html');
export const ELECTRON_MAIN = join(ROOT, 'dist', 'app', 'electron-main.cjs');
export const RESULTS_DIR = join(ROOT, 'test-results');
/** SCREENSHOT_DIR keeps one full-page screenshot per view as a test artifact. */
export const SCREENSHOT_DIR = join(RESULTS_DIR, 'screenshots');

/** The two images global-setup loads: app is base plus one layer, so the base layer is shared by 2. */
export const BASE_REF = 'strata-e2e/base:1';
export const APP_REF = 'strata-e2e/app:1';
export const BASE_CREATED_BY = 'ADD busybox-static /bin/busybox # strata test base';
export const APP_CREATED_BY = 'COPY hello.txt /';
