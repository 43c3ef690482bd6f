import type { RunExitEvent, RunOutputEvent } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';

/** MAX_RUN_LINES is how many output lines of a run the renderer keeps (the oldest go first). */
export const MAX_RUN_LINES = 2000;

export type RunPhase = 'starting' | 'running' | 'exited' | 'failed' | 'stopped';

/** ImageRun is one run of an image as the Images view follows it. */
export interface ImageRun {
  /** null while the runImage call is in flight (its events are held until the id is known). */
  runId: string | null;
  digest: string;
  /** What runs (entrypoint + command), once the engine said. */
  argv: readonly string[] | null;
  phase: RunPhase;
  lines: readonly { stream: 'stdout' | 'stderr'; line: string }[];
  /** Lines not shown: dropped by the engine (output too fast) or past MAX_RUN_LINES here. */
  dropped: number;
  exitCode: number | null;
  signal: string | null;
  error: EngineError | null;
  durationMs: number | null;
  /** When it was asked for (the renderer's clock: elapsed time while it runs). */
  startedAt: number;
  stopping: boolean;
}

/** newImageRun is a run asked for but not answered yet. */
export function newImageRun(digest: string, now = Date.now()): ImageRun {
  return { runId: null, digest, argv: null, phase: 'starting', lines: [], dropped: 0, exitCode: null, signal: null, error: null, durationMs: null, startedAt: now, stopping: false };
}

/** applyRunOutput appends a batch of output, keeping at most MAX_RUN_LINES lines. */
export function applyRunOutput(run: ImageRun, e: RunOutputEvent): ImageRun {
  const all = [...run.lines, ...e.lines];
  const over = Math.max(0, all.length - MAX_RUN_LINES);
  return { ...run, phase: run.phase === 'starting' ? 'running' : run.phase, lines: over ? all.slice(over) : all, dropped: run.dropped + over + (e.dropped ?? 0) };
}

/** applyRunExit ends a run: exited with a code, stopped by the user, or failed to run. */
export function applyRunExit(run: ImageRun, e: RunExitEvent): ImageRun {
  const base = { ...run, stopping: false, durationMs: e.durationMs };
  if ('exitCode' in e) return { ...base, phase: 'exited', exitCode: e.exitCode, signal: e.signal ?? null };
  const error = EngineError.fromWire(e.error);
  return { ...base, phase: error.code === 'SANDBOX_CANCELLED' ? 'stopped' : 'failed', error };
}

/** isRunning says whether a run can still print or be stopped. */
export function isRunning(run: ImageRun | null): boolean {
  return run !== null && (run.phase === 'starting' || run.phase === 'running');
}
