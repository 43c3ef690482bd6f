import type { BuildStepState, StageStatus, StepStatus } from '../../../../preload/contract.ts';
import type { BuildPhase } from '../../store/build-status.ts';

/** formatDuration prints a step's or a build's time the way build tools do ("0.42 s", "12 s", "2 m 05 s"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

/** stepElapsed is how long a step ran (or has been running, against now); null before it starts. */
export function stepElapsed(step: Pick<BuildStepState, 'startedAt' | 'endedAt'>, now: number): number | null {
  if (step.startedAt === null) return null;
  return Math.max(0, (step.endedAt ?? now) - step.startedAt);
}

export const STEP_STATUS_TEXT: Record<StepStatus, string> = {
  queued: 'queued',
  running: 'running',
  cached: 'CACHED',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

export const STAGE_STATUS_TEXT: Record<StageStatus | 'idle', string> = {
  idle: '',
  queued: 'queued',
  running: 'building',
  cached: 'cached',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

export const PHASE_TEXT: Record<BuildPhase, string> = {
  starting: 'Starting…',
  running: 'Building…',
  succeeded: 'Built',
  failed: 'Build failed',
  cancelled: 'Cancelled',
};

/** problemText drops the "Dockerfile:N: " prefix of an engine message shown on its own line already. */
export function problemText(message: string): string {
  return message.replace(/^[^\s:]+:\d+(?::\d+)?:\s+/, '');
}
