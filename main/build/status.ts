import type { BuildStageState, BuildStatusEvent, BuildStepState, SerializedError, BuildResult } from '../../preload/contract.ts';

const MAX_LOG_LINES_PER_FLUSH = 2000;

/** BuildStatus holds a build's stages and steps and sends batched deltas (every ~100 ms, BuildKit's
 * SolveStatus style) so no door is flooded, however chatty a RUN step is. */
export class BuildStatus {
  readonly stages: BuildStageState[] = [];
  readonly steps = new Map<string, BuildStepState>();
  private dirtySteps = new Set<string>();
  private dirtyStages = new Set<number>();
  private logs: NonNullable<BuildStatusEvent['logs']> = [];
  private droppedLogs = 0;
  private sentInitial = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly buildId: string,
    private readonly sink: (e: BuildStatusEvent) => void,
    private readonly intervalMs = 100,
  ) {}

  /** init records the whole graph; it goes out in the first delta. */
  init(stages: BuildStageState[], steps: BuildStepState[]): void {
    this.stages.push(...stages);
    for (const s of steps) this.steps.set(s.id, s);
    this.schedule();
  }

  step(id: string, patch: Partial<BuildStepState>): void {
    const s = this.steps.get(id);
    if (!s) return;
    Object.assign(s, patch);
    this.dirtySteps.add(id);
    this.schedule();
  }

  stage(index: number, patch: Partial<BuildStageState>): void {
    const s = this.stages.find((x) => x.index === index);
    if (!s) return;
    Object.assign(s, patch);
    this.dirtyStages.add(index);
    this.schedule();
  }

  log(stepId: string, stream: 'stdout' | 'stderr', line: string): void {
    if (this.logs.length >= MAX_LOG_LINES_PER_FLUSH) {
      this.droppedLogs++;
      return;
    }
    this.logs.push({ stepId, stream, line });
    this.schedule();
  }

  /** finish flushes everything with the result. */
  finish(result: { ok: true; value: BuildResult } | { ok: false; error: SerializedError }): void {
    this.flush(result);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  private flush(result?: BuildStatusEvent['result']): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const e: BuildStatusEvent = { buildId: this.buildId };
    if (!this.sentInitial) {
      e.stages = this.stages.map((s) => ({ ...s }));
      e.steps = [...this.steps.values()].map((s) => ({ ...s }));
      this.sentInitial = true;
    } else {
      if (this.dirtyStages.size) e.stages = this.stages.filter((s) => this.dirtyStages.has(s.index)).map((s) => ({ ...s }));
      if (this.dirtySteps.size) e.steps = [...this.dirtySteps].map((id) => ({ ...(this.steps.get(id) as BuildStepState) }));
    }
    if (this.droppedLogs) this.logs.push({ stepId: this.logs[this.logs.length - 1]?.stepId ?? '', stream: 'stderr', line: `[strata: ${this.droppedLogs} log lines dropped: output too fast]` });
    if (this.logs.length) e.logs = this.logs;
    this.logs = [];
    this.droppedLogs = 0;
    this.dirtySteps.clear();
    this.dirtyStages.clear();
    if (result) e.result = result;
    if (e.stages || e.steps || e.logs || e.result) this.sink(e);
  }
}
