import type { BuildResult, BuildSnapshot, BuildStageState, BuildStatusEvent, BuildStepState } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';

/** MAX_LOG_LINES is how many lines of one step's log the renderer keeps (the oldest go first). */
export const MAX_LOG_LINES = 5000;

export type BuildPhase = 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BuildLogLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

/** BuildRun is one build as the renderer follows it: the engine's stages and steps, merged delta by delta. */
export interface BuildRun {
  /** null while the build call is in flight (its events are held until the id is known). */
  buildId: string | null;
  phase: BuildPhase;
  contextDir: string;
  dockerfile: string;
  /** The Dockerfile text the build was started with (the graph keeps its statuses while it still matches). */
  text: string;
  stages: BuildStageState[];
  /** Every step, ordered by stage then index. */
  steps: BuildStepState[];
  /** Streamed log lines per step id (replaced, never mutated, so components re-render). */
  logs: Readonly<Record<string, readonly BuildLogLine[]>>;
  /** Lines dropped per step because the log grew past MAX_LOG_LINES. */
  droppedLogLines: Readonly<Record<string, number>>;
  result: BuildResult | null;
  error: EngineError | null;
  startedAt: number;
  finishedAt: number | null;
  cancelling: boolean;
  /** The seq of the last event (or snapshot) merged: older or repeated events are ignored. */
  lastSeq?: number;
}

/** newBuildRun is a run that has been asked for but not yet answered with an id. */
export function newBuildRun(init: { contextDir: string; dockerfile: string; text: string; now: number }): BuildRun {
  return {
    buildId: null,
    phase: 'starting',
    contextDir: init.contextDir,
    dockerfile: init.dockerfile,
    text: init.text,
    stages: [],
    steps: [],
    logs: {},
    droppedLogLines: {},
    result: null,
    error: null,
    startedAt: init.now,
    finishedAt: null,
    cancelling: false,
  };
}

const stepOrder = (a: BuildStepState, b: BuildStepState) => a.stage - b.stage || a.index - b.index;

/** applyBuildStatus merges one 'build/status' delta into a run and returns the new run (the old one is
 * untouched): stages and steps are replaced by id, logs appended, and a result ends the run. */
export function applyBuildStatus(run: BuildRun, e: BuildStatusEvent, now = Date.now()): BuildRun {
  if (e.seq !== undefined && run.lastSeq !== undefined && e.seq <= run.lastSeq) return run;
  const next: BuildRun = { ...run };
  if (e.seq !== undefined) next.lastSeq = e.seq;
  if (run.phase === 'starting' && !e.result) next.phase = 'running';
  if (e.stages?.length) {
    const byIndex = new Map(run.stages.map((s) => [s.index, s]));
    for (const s of e.stages) byIndex.set(s.index, s);
    next.stages = [...byIndex.values()].sort((a, b) => a.index - b.index);
  }
  if (e.steps?.length) {
    const byId = new Map(run.steps.map((s) => [s.id, s]));
    for (const s of e.steps) byId.set(s.id, s);
    next.steps = [...byId.values()].sort(stepOrder);
  }
  if (e.logs?.length) {
    const logs: Record<string, readonly BuildLogLine[]> = { ...run.logs };
    const dropped: Record<string, number> = { ...run.droppedLogLines };
    const added = new Map<string, BuildLogLine[]>();
    for (const l of e.logs) {
      let list = added.get(l.stepId);
      if (!list) added.set(l.stepId, (list = []));
      list.push({ stream: l.stream, line: l.line });
    }
    for (const [id, lines] of added) {
      const all = [...(logs[id] ?? []), ...lines];
      const over = all.length - MAX_LOG_LINES;
      if (over > 0) dropped[id] = (dropped[id] ?? 0) + over;
      logs[id] = over > 0 ? all.slice(over) : all;
    }
    next.logs = logs;
    next.droppedLogLines = dropped;
  }
  if (e.result) {
    next.finishedAt = now;
    next.cancelling = false;
    if (e.result.ok) {
      next.phase = 'succeeded';
      next.result = e.result.value;
    } else {
      const err = EngineError.fromWire(e.result.error);
      next.phase = err.code === 'BUILD_CANCELLED' ? 'cancelled' : 'failed';
      next.error = err;
    }
  }
  return next;
}

/** runFromSnapshot is a run as the engine holds it now (listBuilds): what a reloaded or reconnected window
 * shows instead of the steps it last saw. `text` is the Dockerfile text the editor shows for it. */
export function runFromSnapshot(snap: BuildSnapshot, text: string, now = Date.now()): BuildRun {
  const base: BuildRun = {
    ...newBuildRun({ contextDir: snap.contextDir, dockerfile: snap.dockerfile, text, now: snap.startedAt }),
    buildId: snap.buildId,
    phase: 'running',
  };
  const run = applyBuildStatus(base, { buildId: snap.buildId, stages: snap.stages, steps: snap.steps, logs: snap.logs, ...(snap.result ? { result: snap.result } : {}) }, snap.finishedAt ?? now);
  const dropped = { ...run.droppedLogLines };
  for (const [id, n] of Object.entries(snap.droppedLogLines)) dropped[id] = (dropped[id] ?? 0) + n;
  return { ...run, droppedLogLines: dropped, lastSeq: snap.seq };
}

/** isActive says whether a run can still change (and so can be cancelled). */
export function isActive(run: BuildRun | null): boolean {
  return run !== null && (run.phase === 'starting' || run.phase === 'running');
}

/** errorLines is every Dockerfile line a finished run blames: failed steps, and the error's own line. */
export function errorLines(run: BuildRun | null): { line: number; endLine: number; message: string }[] {
  if (!run) return [];
  const out: { line: number; endLine: number; message: string }[] = [];
  for (const s of run.steps) if (s.status === 'failed') out.push({ line: s.startLine, endLine: s.endLine, message: s.error ?? `${s.instruction}: failed` });
  const line = run.error?.details?.line;
  if (run.phase === 'failed' && typeof line === 'number' && !out.some((o) => o.line === line)) {
    const end = run.error?.details?.endLine;
    out.push({ line, endLine: typeof end === 'number' ? end : line, message: run.error?.message ?? 'build failed' });
  }
  return out;
}
