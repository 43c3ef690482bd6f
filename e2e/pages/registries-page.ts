// Page object of the Registries page and the top bar's activity panel.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { inBothThemes, keepScreenshot } from '../support/screenshot.ts';

export class RegistriesPage {
  readonly tab: Locator;
  readonly registry: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly credentials: Locator;
  readonly empty: Locator;
  readonly notice: Locator;
  readonly loginError: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Registries' });
    const form = page.getByTestId('login-form');
    this.registry = form.getByTestId('login-registry');
    this.username = form.getByTestId('login-username');
    this.password = form.getByTestId('login-password');
    this.submit = form.getByTestId('login-submit');
    this.credentials = page.getByTestId('credential');
    this.empty = page.getByTestId('credentials-empty');
    this.notice = page.getByTestId('registry-notice');
    this.loginError = form.getByTestId('error-banner');
  }

  async show(): Promise<void> {
    await this.tab.click();
    await expect(this.page.getByTestId('login-form')).toBeVisible();
  }

  /** login fills the form and sends it (it does not wait for the answer: callers expect it). */
  async login(registry: string, username: string, password: string): Promise<void> {
    await this.registry.fill(registry);
    await this.username.fill(username);
    await this.password.fill(password);
    await this.submit.click();
  }

  credential(registry: string): Locator {
    return this.page.locator(`[data-testid="credential"][data-registry="${registry}"]`);
  }

  screenshot(testInfo: TestInfo, name: string): Promise<string> {
    return keepScreenshot(this.page, testInfo, name);
  }

  bothThemes(testInfo: TestInfo, name: string): Promise<void> {
    return inBothThemes(this.page, testInfo, name);
  }
}

export class ActivityPanel {
  readonly button: Locator;
  readonly panel: Locator;
  readonly items: Locator;

  constructor(readonly page: Page) {
    this.button = page.getByTestId('activity-button');
    this.panel = page.getByTestId('activity-panel');
    this.items = this.panel.getByTestId('activity-item');
  }

  async open(): Promise<void> {
    if (!(await this.panel.isVisible())) await this.button.click();
    await expect(this.panel).toBeVisible();
  }

  async close(): Promise<void> {
    if (await this.panel.isVisible()) await this.button.click();
    await expect(this.panel).toHaveCount(0);
  }
}
