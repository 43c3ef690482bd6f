// Page object of the Compare view: tests speak in images, bands and savings, never in selectors.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { inBothThemes, keepScreenshot } from '../support/screenshot.ts';

export interface BandData {
  digest: string;
  images: number[];
  span: number;
  shared: boolean;
  size: string;
}

export class ComparePage {
  readonly tab: Locator;
  readonly view: Locator;
  readonly picks: Locator;
  readonly columns: Locator;
  readonly bands: Locator;
  readonly stacks: Locator;
  readonly matrix: Locator;
  readonly bandInfo: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Compare' });
    this.view = page.getByTestId('compare-view');
    this.picks = page.getByTestId('compare-pick');
    this.columns = page.getByTestId('compare-column');
    this.bands = page.getByTestId('compare-band');
    this.stacks = page.getByTestId('compare-stacks');
    this.matrix = page.getByTestId('compare-matrix');
    this.bandInfo = page.getByTestId('compare-band-info');
  }

  async show(): Promise<void> {
    await this.tab.click();
    await expect(this.view).toBeVisible();
  }

  /** stat reads one number: shared, saved-disk, saved-wire, stored. */
  stat(which: 'shared' | 'saved-disk' | 'saved-wire' | 'stored'): Locator {
    return this.page.getByTestId(`compare-${which}`);
  }

  /** column is the header of the image listed under a name. */
  column(name: string): Locator {
    return this.columns.filter({ has: this.page.getByTestId('compare-column-name').getByText(name, { exact: true }) });
  }

  /** columnNames reads the column headers left to right. */
  async columnNames(): Promise<string[]> {
    return (await this.page.getByTestId('compare-column-name').allInnerTexts()).map((s) => s.trim());
  }

  band(digest: string): Locator {
    return this.page.locator(`[data-testid="compare-band"][data-digest="${digest}"]`);
  }

  /** bandData reads every drawn band piece. */
  bandData(): Promise<BandData[]> {
    // One read of every band (read one by one, a re-render could leave a locator waiting on a gone one).
    return this.bands.evaluateAll((bands) =>
      bands.map((b) => ({
        digest: b.getAttribute('data-digest') ?? '',
        images: (b.getAttribute('data-images') ?? '').split(',').filter(Boolean).map(Number),
        span: Number(b.getAttribute('data-span')),
        shared: b.getAttribute('data-shared') === 'true',
        size: ((b.querySelector('[data-testid="compare-band-size"]') as HTMLElement | null)?.innerText ?? '').trim(),
      })),
    );
  }

  /** columnsMarked lists which column headers say they have the selected layer. */
  async columnsMarked(): Promise<string[]> {
    const out = await this.columns.evaluateAll((cols) =>
      cols.filter((c) => c.getAttribute('data-has-selected') === 'true').map((c) => ((c.querySelector('[data-testid="compare-column-name"]') as HTMLElement | null)?.innerText ?? '').trim()),
    );
    return out.sort();
  }

  async mode(which: 'stacks' | 'matrix'): Promise<void> {
    await this.page.getByTestId(`compare-mode-${which}`).click();
    await expect(which === 'stacks' ? this.stacks : this.matrix).toBeVisible();
  }

  /** matrixCell is the shared-bytes cell of images i and j (comparison order). */
  matrixCell(i: number, j: number): Locator {
    return this.matrix.locator(`[data-testid="matrix-cell"][data-row="${i}"][data-col="${j}"]`);
  }

  screenshot(testInfo: TestInfo, name: string): Promise<string> {
    return keepScreenshot(this.page, testInfo, name);
  }

  bothThemes(testInfo: TestInfo, name: string): Promise<void> {
    return inBothThemes(this.page, testInfo, name);
  }
}
