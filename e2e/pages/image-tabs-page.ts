// Page object of the image detail's Tags and Publish tabs (the Images view's page object opens the image).
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { inBothThemes, keepScreenshot } from '../support/screenshot.ts';

export class TagsTab {
  readonly input: Locator;
  readonly add: Locator;
  readonly check: Locator;
  readonly normalized: Locator;
  readonly invalid: Locator;
  readonly items: Locator;
  readonly notice: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    const detail = page.getByTestId('image-detail');
    this.input = detail.getByTestId('tag-input');
    this.add = detail.getByTestId('tag-add');
    this.check = detail.getByTestId('tag-check');
    this.normalized = detail.getByTestId('tag-normalized');
    this.invalid = detail.getByTestId('tag-invalid');
    this.items = detail.getByTestId('tag-item');
    this.notice = detail.getByTestId('tag-notice');
    this.dialog = page.getByTestId('confirm-dialog');
  }

  async show(): Promise<void> {
    await this.page.getByTestId('detail-tab-tags').click();
    await expect(this.page.getByTestId('tag-editor')).toBeVisible();
  }

  /** type replaces the field's text as a user typing would, and waits for the engine's verdict. */
  async type(text: string): Promise<'ok' | 'invalid'> {
    await this.input.fill('');
    await this.input.pressSequentially(text, { delay: 15 });
    await expect.poll(() => this.check.getAttribute('data-state')).toMatch(/^(ok|invalid)$/);
    return (await this.check.getAttribute('data-state')) as 'ok' | 'invalid';
  }

  /** references lists the image's full names as the tab shows them. */
  async references(): Promise<string[]> {
    const out: string[] = [];
    for (const i of await this.items.all()) out.push((await i.getAttribute('data-reference')) ?? '');
    return out.sort();
  }

  item(reference: string): Locator {
    return this.page.locator(`[data-testid="tag-item"][data-reference="${reference}"]`);
  }

  async remove(reference: string): Promise<void> {
    await this.item(reference).getByTestId('tag-remove').click();
    await expect(this.item(reference)).toHaveCount(0);
  }

  retagButton(registry: string): Locator {
    return this.page.locator(`[data-testid="retag-registry"][data-registry="${registry}"]`);
  }

  screenshot(testInfo: TestInfo, name: string): Promise<string> {
    return keepScreenshot(this.page, testInfo, name);
  }

  bothThemes(testInfo: TestInfo, name: string): Promise<void> {
    return inBothThemes(this.page, testInfo, name);
  }
}

export class PublishTab {
  readonly panel: Locator;
  readonly target: Locator;
  readonly planButton: Locator;
  readonly pushButton: Locator;
  readonly plan: Locator;
  readonly planBlobs: Locator;
  readonly transfer: Locator;
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId('publish-panel');
    this.target = this.panel.getByTestId('publish-target');
    this.planButton = this.panel.getByTestId('publish-plan');
    this.pushButton = this.panel.getByTestId('publish-push');
    this.plan = this.panel.getByTestId('push-plan');
    this.planBlobs = this.plan.getByTestId('plan-blob');
    this.transfer = this.panel.getByTestId('transfer');
    this.rows = this.transfer.getByTestId('blob-row');
  }

  async show(): Promise<void> {
    await this.page.getByTestId('detail-tab-publish').click();
    await expect(this.panel).toBeVisible();
  }

  /** planFor picks the name to push to and asks for the plan; resolves with each blob's planned action. */
  async planFor(ref: string): Promise<string[]> {
    await this.target.selectOption(ref);
    await this.planButton.click();
    await expect(this.planBlobs.first()).toBeVisible({ timeout: 30_000 });
    return this.planBlobs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action') ?? ''));
  }

  /** push clicks Push and waits for the push to end in the phase given. */
  async push(want: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
    await expect(this.pushButton).toBeEnabled();
    const before = (await this.transfer.count()) ? await this.transfer.getAttribute('data-transfer-id') : null;
    await this.pushButton.click();
    // A new transfer replaces the last one shown.
    await expect.poll(async () => ((await this.transfer.count()) ? this.transfer.getAttribute('data-transfer-id') : null)).not.toBe(before);
    await expect.poll(() => this.transfer.getAttribute('data-phase'), { timeout: 60_000 }).not.toBe('running');
    await expect(this.transfer).toHaveAttribute('data-phase', want);
  }

  /** rowStates reads each blob row's role and state. */
  async rowStates(): Promise<{ role: string; state: string }[]> {
    return this.rows.evaluateAll((rows) => rows.map((r) => ({ role: r.getAttribute('data-role') ?? '', state: r.getAttribute('data-state') ?? '' })));
  }

  screenshot(testInfo: TestInfo, name: string): Promise<string> {
    return keepScreenshot(this.page, testInfo, name);
  }

  bothThemes(testInfo: TestInfo, name: string): Promise<void> {
    return inBothThemes(this.page, testInfo, name);
  }
}
