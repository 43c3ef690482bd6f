// Page object of the layer explorer and the Compare view's Diff tab: tests speak in layers, paths, filters
// and wasted bytes, never in selectors.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { inBothThemes, keepScreenshot } from '../support/screenshot.ts';

export type Change = 'added' | 'modified' | 'deleted' | 'unchanged';

export interface WasteFileData {
  path: string;
  size: number;
  kind: string;
  layer: number;
  line: number | null;
}

export interface DiffFileData {
  path: string;
  change: string;
  what: string[];
}

export class ExplorePage {
  readonly view: Locator;
  readonly layers: Locator;
  readonly tree: Locator;
  readonly rows: Locator;
  readonly total: Locator;
  readonly viewer: Locator;
  readonly waste: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('explore-view');
    this.layers = page.getByTestId('explore-layer');
    this.tree = page.getByTestId('explore-tree');
    this.rows = page.getByTestId('tree-row');
    this.total = page.getByTestId('explore-total');
    this.viewer = page.getByTestId('file-viewer');
    this.waste = page.getByTestId('waste-panel');
  }

  /** layer is the row of layer i (base = 0). */
  layer(i: number): Locator {
    return this.page.locator(`[data-testid="explore-layer"][data-index="${i}"]`);
  }

  /** layerData reads the layer list, base first. */
  async layerData(): Promise<{ index: number; instruction: string; line: number | null; files: number; bytes: number }[]> {
    // One read of every row (rows read one by one could go stale as answers arrive).
    const out = await this.layers.evaluateAll((layers) =>
      layers.map((l) => {
        const line = l.getAttribute('data-line');
        return { index: Number(l.getAttribute('data-index')), instruction: l.getAttribute('data-instruction') ?? '', line: line ? Number(line) : null, files: Number(l.getAttribute('data-files')), bytes: Number(l.getAttribute('data-bytes')) };
      }),
    );
    return out.sort((a, b) => a.index - b.index);
  }

  /** selectLayer picks layer i and waits for its tree. */
  async selectLayer(i: number): Promise<void> {
    await this.layer(i).click();
    await expect(this.layer(i)).toHaveAttribute('aria-pressed', 'true');
    await this.settled();
  }

  /** settled waits until no tree question is pending. */
  async settled(): Promise<void> {
    await expect(this.total).toHaveAttribute('data-loading', 'false');
  }

  async showView(v: 'layer' | 'image'): Promise<void> {
    await this.page.getByTestId(`explore-view-${v}`).click();
    await expect(this.page.getByTestId(`explore-view-${v}`)).toHaveAttribute('aria-checked', 'true');
  }

  /** setChanges ticks exactly these change types. */
  async setChanges(changes: Change[]): Promise<void> {
    for (const c of ['added', 'modified', 'deleted', 'unchanged'] as const) await this.page.getByTestId(`explore-change-${c}`).setChecked(changes.includes(c));
  }

  async setPattern(p: string): Promise<void> {
    await this.page.getByTestId('explore-pattern').fill(p);
  }

  async setMinSize(s: string): Promise<void> {
    await this.page.getByTestId('explore-min-size').fill(s);
  }

  /** filePaths lists the tree's non-directory rows as shown, with their change marks. */
  async files(): Promise<string[]> {
    // One read of every row at once: the tree re-renders as answers arrive, so rows read one by one could go stale.
    return this.rows.evaluateAll((els) => els.filter((e) => e.getAttribute('data-type') !== 'dir').map((e) => `${e.getAttribute('data-change')} ${e.getAttribute('data-path')}`));
  }

  async setLayout(l: 'tree' | 'list'): Promise<void> {
    await this.page.getByTestId(`explore-layout-${l}`).click();
    await expect(this.page.getByTestId(`explore-layout-${l}`)).toHaveAttribute('aria-checked', 'true');
  }

  async sortBy(order: 'path' | 'size'): Promise<void> {
    await this.page.getByTestId('explore-sort').selectOption(order);
  }

  /** listFiles reads the flat list's rows in order, with their change marks. */
  async listFiles(): Promise<string[]> {
    return this.page.getByTestId('list-row').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-change')} ${e.getAttribute('data-path')}`));
  }

  row(path: string): Locator {
    return this.page.locator(`[data-testid="tree-row"][data-path="${path}"]`);
  }

  async tab(which: 'files' | 'waste'): Promise<void> {
    await this.page.getByTestId(`explore-tab-${which}`).click();
    if (which === 'waste') await expect(this.waste).toBeVisible({ timeout: 30_000 });
  }

  /** wasteNumbers reads the exact numbers behind the waste stats. */
  async wasteNumbers(): Promise<{ efficiency: number; efficiencyText: string; wasted: number; wastedText: string; total: number }> {
    const eff = this.page.getByTestId('waste-efficiency');
    const wasted = this.page.getByTestId('waste-wasted');
    return {
      efficiency: Number(await eff.getAttribute('data-value')),
      efficiencyText: (await eff.innerText()).trim(),
      wasted: Number(await wasted.getAttribute('data-bytes')),
      wastedText: (await wasted.innerText()).trim(),
      total: Number(await this.page.getByTestId('waste-total').getAttribute('data-bytes')),
    };
  }

  wasteFiles(): Promise<WasteFileData[]> {
    return this.page.getByTestId('waste-file').evaluateAll((rows) =>
      rows.map((r) => {
        const line = r.getAttribute('data-line');
        return { path: r.getAttribute('data-path') ?? '', size: Number(r.getAttribute('data-size')), kind: r.getAttribute('data-kind') ?? '', layer: Number(r.getAttribute('data-layer')), line: line ? Number(line) : null };
      }),
    );
  }

  wasteLines(): Promise<[number, number][]> {
    return this.page.getByTestId('waste-line').evaluateAll((rows) => rows.map((r): [number, number] => [Number(r.getAttribute('data-line')), Number(r.getAttribute('data-bytes'))]));
  }

  screenshot(testInfo: TestInfo, name: string): Promise<string> {
    return keepScreenshot(this.page, testInfo, name);
  }

  bothThemes(testInfo: TestInfo, name: string): Promise<void> {
    return inBothThemes(this.page, testInfo, name);
  }
}

/** DiffPage is the Compare view's Diff tab. */
export class DiffPage {
  readonly panel: Locator;
  readonly files: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId('diff-panel');
    this.files = page.getByTestId('diff-file');
  }

  async show(): Promise<void> {
    await this.page.getByTestId('compare-mode-diff').click();
    await expect(this.panel).toBeVisible();
    await expect(this.page.getByTestId('diff-summary')).toBeVisible({ timeout: 30_000 });
  }

  /** pick chooses A and B by their listed names. */
  async pick(a: string, b: string): Promise<void> {
    await this.page.getByTestId('diff-a').selectOption({ label: a });
    await this.page.getByTestId('diff-b').selectOption({ label: b });
  }

  async fileData(): Promise<DiffFileData[]> {
    return this.files.evaluateAll((els) => els.map((e) => ({ path: e.getAttribute('data-path') ?? '', change: e.getAttribute('data-change') ?? '', what: (e.getAttribute('data-what') ?? '').split(',').filter(Boolean) })));
  }

  count(which: 'added' | 'removed' | 'changed' | 'common'): Promise<string | null> {
    return this.page.getByTestId(`diff-${which}`).getAttribute('data-count');
  }

  configRows(): Promise<string[]> {
    return this.page.getByTestId('diff-config-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-field')} ${r.getAttribute('data-key')}`.trim()));
  }
}
