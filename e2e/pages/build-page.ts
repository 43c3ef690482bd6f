// Page object of the Build view: tests speak in contexts, stages and steps, never in selectors.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { SCREENSHOT_DIR } from '../support/paths.ts';

export interface StepData {
  id: string;
  kind: string;
  instruction: string;
  status: string;
  line: number;
  missReason: string | null;
  /** What stands beside the status: a layer size, "stage root", "no changes", or null. */
  kept: string | null;
}

export interface StageNodeData {
  stage: string;
  status: string;
  needed: boolean;
  target: boolean;
}

export interface ProblemData {
  line: number;
  severity: string;
  source: string;
  message: string;
}

export type BuildPhase = 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export class BuildPage {
  readonly tab: Locator;
  readonly contextPath: Locator;
  readonly openButton: Locator;
  readonly editor: Locator;
  readonly editorInput: Locator;
  readonly problems: Locator;
  readonly problemCount: Locator;
  readonly graph: Locator;
  readonly nodes: Locator;
  readonly edges: Locator;
  readonly steps: Locator;
  readonly buildButton: Locator;
  readonly cancelButton: Locator;
  readonly phase: Locator;
  readonly digest: Locator;
  readonly cacheCount: Locator;
  readonly openInImages: Locator;
  readonly target: Locator;
  readonly noCache: Locator;
  readonly tagInput: Locator;
  readonly tags: Locator;
  readonly summary: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Build' });
    this.contextPath = page.getByTestId('context-path');
    this.openButton = page.getByTestId('open-context');
    this.editor = page.getByTestId('dockerfile-editor');
    this.editorInput = this.editor.locator('.cm-content');
    this.problems = page.getByTestId('problem');
    this.problemCount = page.getByTestId('problem-count');
    this.graph = page.getByTestId('stage-graph');
    this.nodes = this.graph.getByTestId('stage-node');
    this.edges = this.graph.getByTestId('stage-edge');
    this.steps = page.getByTestId('step');
    this.buildButton = page.getByTestId('build-button');
    this.cancelButton = page.getByTestId('cancel-build');
    this.phase = page.getByTestId('build-phase');
    this.digest = page.getByTestId('build-digest');
    this.cacheCount = page.getByTestId('build-cache-count');
    this.openInImages = page.getByTestId('open-in-images');
    this.target = page.getByTestId('build-target');
    this.noCache = page.getByTestId('build-no-cache');
    this.tagInput = page.getByTestId('build-tag-input');
    this.tags = page.getByTestId('build-tag');
    this.summary = page.getByTestId('build-summary');
  }

  /** show switches to the Build view through its tab (works in both doors: no URL needed). */
  async show(): Promise<void> {
    await this.tab.click();
    await expect(this.contextPath).toBeVisible();
  }

  /** openContext types a folder into the path field, opens it, and waits for the analysed Dockerfile. */
  async openContext(dir: string): Promise<void> {
    // The view may be reopening the last folder by itself right now, writing the field as we type: fill
    // until the field holds exactly this folder.
    await expect(async () => {
      await this.contextPath.fill(dir);
      await expect(this.contextPath).toHaveValue(dir, { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await this.openButton.click();
    await expect(this.page.getByTestId('context-file')).toBeVisible();
    // This folder, not the one the view reopened by itself on first show (the last one opened).
    await expect(this.page.getByTestId('context-file')).toHaveAttribute('title', `${dir.replace(/\/+$/, '')}/Dockerfile`);
    await expect(this.editorInput).toBeVisible();
    await expect(this.problemCount).not.toHaveText('…');
  }

  /** editorText is the Dockerfile as the editor holds it. */
  async editorText(): Promise<string> {
    return (await this.editor.locator('.cm-line').allTextContents()).join('\n');
  }

  /** replaceDockerfile replaces the editor's whole text, as a user typing would. */
  async replaceDockerfile(text: string): Promise<void> {
    await this.editorInput.click();
    await this.page.keyboard.press('ControlOrMeta+a');
    await this.page.keyboard.insertText(text);
  }

  /** setArg sets a build arg the Dockerfile declares. */
  async setArg(name: string, value: string): Promise<void> {
    const input = this.page.locator(`[data-testid="build-arg"][data-name="${name}"]`).getByTestId('build-arg-value');
    await input.fill(value);
    await expect(input).toHaveValue(value);
  }

  /** addTag types a tag and presses Enter; it waits for its chip. */
  async addTag(name: string): Promise<void> {
    await this.tagInput.fill(name);
    await this.tagInput.press('Enter');
    await expect(this.tags.filter({ hasText: name })).toHaveCount(1);
  }

  /** build clicks Build and waits for the build to end in the phase given. */
  async build(want: BuildPhase = 'succeeded'): Promise<void> {
    await expect(this.buildButton).toBeEnabled();
    await this.buildButton.click();
    await expect.poll(() => this.phase.getAttribute('data-phase'), { timeout: 60_000 }).not.toMatch(/^(starting|running)$/);
    await expect(this.phase).toHaveAttribute('data-phase', want);
  }

  /** stepData reads every step row of the build shown, all in one read: a live build re-renders its rows,
   * and rows read one by one through locators could wait on a row that is gone (see ImagesPage.rowData). */
  stepData(): Promise<StepData[]> {
    return this.steps.evaluateAll((rows) =>
      rows.map((row) => {
        const reason = row.querySelector('[data-testid="step-miss-reason"]') as HTMLElement | null;
        return {
          id: row.getAttribute('data-step-id') ?? '',
          kind: row.getAttribute('data-kind') ?? '',
          instruction: ((row.querySelector('[data-testid="step-instruction"]') as HTMLElement | null)?.innerText ?? '').trim(),
          status: row.getAttribute('data-status') ?? '',
          line: Number(row.getAttribute('data-line')),
          missReason: reason ? reason.innerText.replace(/^↻\s*/, '').trim() : null,
          kept: ((row.querySelector('.step__size') as HTMLElement | null)?.innerText ?? '').trim() || null,
        };
      }),
    );
  }

  /** nodeData reads every stage node of the graph. */
  nodeData(): Promise<StageNodeData[]> {
    return this.nodes.evaluateAll((nodes) =>
      nodes.map((n) => ({
        stage: n.getAttribute('data-stage') ?? '',
        status: n.getAttribute('data-status') ?? '',
        needed: n.getAttribute('data-needed') === 'true',
        target: n.getAttribute('data-target') === 'true',
      })),
    );
  }

  /** edgeData reads every edge as "from>to via". */
  async edgeData(): Promise<string[]> {
    const out = await this.edges.evaluateAll((edges) => edges.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')} ${e.getAttribute('data-via')}`));
    return out.sort();
  }

  /** problemData reads the problem list under the editor. */
  problemData(): Promise<ProblemData[]> {
    return this.problems.evaluateAll((problems) =>
      problems.map((p) => ({
        line: Number(p.getAttribute('data-line')),
        severity: p.getAttribute('data-severity') ?? '',
        source: p.getAttribute('data-source') ?? '',
        message: ((p.querySelector('[data-testid="problem-message"]') as HTMLElement | null)?.innerText ?? '').trim(),
      })),
    );
  }

  /** markedLine is the editor line marked with a problem (the line number is 1-based). */
  markedLine(line: number): Locator {
    return this.editor.locator(`.cm-line[data-problem-line="${line}"]`);
  }

  /** screenshot keeps a full-page PNG under test-results/screenshots/ and attaches it to the report. */
  async screenshot(testInfo: TestInfo, name: string): Promise<string> {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
    await testInfo.attach(name, { path, contentType: 'image/png' });
    return path;
  }
}
