import type { ImageRun } from '../../store/run-state.ts';

/** runStatusText says in a few words where a run stands: running for how long, or how it ended. */
export function runStatusText(run: ImageRun, now: number): string {
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  switch (run.phase) {
    case 'starting':
      return 'Starting…';
    case 'running':
      return run.stopping ? 'Stopping…' : `Running · ${secs(Math.max(0, now - run.startedAt))}`;
    case 'exited':
      return `Exited with code ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}${run.durationMs !== null ? ` · ${secs(run.durationMs)}` : ''}`;
    case 'stopped':
      return `Stopped${run.durationMs !== null ? ` after ${secs(run.durationMs)}` : ''}`;
    case 'failed':
      return `Could not run: ${run.error?.message ?? 'unknown error'}`;
  }
}
