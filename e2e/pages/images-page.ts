// Page object of the Images view: tests speak in images and layers, never in selectors.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { SCREENSHOT_DIR } from '../support/paths.ts';

export interface ImageRowData {
  reference: string;
  digest: string;
  size: string;
  sharedSize: string;
  uniqueSize: string;
  created: string;
}

export interface LayerRowData {
  index: number;
  digest: string;
  size: string;
  createdBy: string;
  usedBy: number;
  usedByText: string;
}

export class ImagesPage {
  readonly table: Locator;
  readonly rows: Locator;
  readonly detail: Locator;
  readonly layers: Locator;
  readonly usage: Locator;
  readonly errors: Locator;
  readonly refreshButton: Locator;
  readonly filter: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByRole('table', { name: 'Images' });
    this.rows = page.getByTestId('image-row');
    this.detail = page.getByTestId('image-detail');
    this.layers = this.detail.getByTestId('layer-row');
    this.usage = page.getByTestId('store-usage');
    this.errors = page.getByTestId('error-banner');
    this.refreshButton = page.getByRole('button', { name: 'Refresh images' });
    this.filter = page.getByRole('searchbox', { name: 'Filter images' });
  }

  /** goto opens the view and waits for the table. */
  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitForTable();
  }

  async waitForTable(): Promise<void> {
    await expect(this.table).toBeVisible();
  }

  /** row is the table row listed under a familiar reference. */
  row(reference: string): Locator {
    return this.rows.filter({ has: this.page.getByTestId('image-reference').locator('.ref__name').getByText(reference, { exact: true }) });
  }

  /** rowByDigest is the row of an image by manifest digest (its listed name changes as names are added). */
  rowByDigest(digest: string): Locator {
    return this.page.locator(`[data-testid="image-row"][data-digest="${digest}"]`);
  }

  /** openDigest selects an image by manifest digest and waits for its layer stack. */
  async openDigest(digest: string): Promise<void> {
    await this.rowByDigest(digest).click();
    await expect(this.rowByDigest(digest)).toHaveAttribute('aria-selected', 'true');
    await expect(this.detail.locator('.detail__digest')).toHaveText(digest);
    await expect(this.detail.getByTestId('layer-stack')).toBeVisible();
  }

  /** rowData reads every row's cells in one look at the page: row by row through locators, a list that
   * re-renders between reading the rows and reading their cells (a filter or a refresh landing) left a
   * locator waiting for a row that is gone, past the poll's timeout. */
  async rowData(): Promise<ImageRowData[]> {
    return this.rows.evaluateAll((rows) =>
      rows.map((row) => {
        const text = (selector: string) => ((row.querySelector(selector) as HTMLElement | null)?.innerText ?? '').trim();
        const cell = (id: string) => text(`[data-testid="${id}"]`);
        return {
          reference: text('[data-testid="image-reference"] .ref__name'),
          digest: cell('image-digest'),
          size: cell('image-size'),
          sharedSize: cell('image-shared-size'),
          uniqueSize: cell('image-unique-size'),
          created: cell('image-created'),
        };
      }),
    );
  }

  /** open selects an image and waits for its layer stack. */
  async open(reference: string): Promise<void> {
    await this.row(reference).click();
    await expect(this.row(reference)).toHaveAttribute('aria-selected', 'true');
    await expect(this.detail.getByTestId('detail-reference')).toHaveText(reference);
    await expect(this.detail.getByTestId('layer-stack')).toBeVisible();
  }

  /** layerData reads the open stack base first (the view draws it top first). */
  async layerData(): Promise<LayerRowData[]> {
    const out: LayerRowData[] = [];
    for (const row of await this.layers.all()) {
      const usedBy = row.getByTestId('layer-used-by');
      out.push({
        index: Number(await row.getAttribute('data-index')),
        digest: (await row.getByTestId('layer-digest').innerText()).trim(),
        size: (await row.getByTestId('layer-size').innerText()).trim(),
        createdBy: (await row.getByTestId('layer-created-by').innerText()).trim(),
        usedBy: Number(await usedBy.getAttribute('data-used-by')),
        usedByText: (await usedBy.innerText()).trim(),
      });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** usageValue reads one store-usage figure (on-disk, images-total, saved, reclaimable). */
  usageValue(which: 'on-disk' | 'images-total' | 'saved' | 'reclaimable'): Locator {
    return this.usage.getByTestId(`usage-${which}`);
  }

  /** screenshot keeps a full-page PNG under test-results/screenshots/ and attaches it to the report. */
  async screenshot(testInfo: TestInfo, name: string): Promise<string> {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
    await testInfo.attach(name, { path, contentType: 'image/png' });
    return path;
  }
}
