import { isActive, type BuildRun } from '../../store/build-status.ts';
import { ErrorBanner } from '../ErrorBanner.tsx';
import { formatDuration, PHASE_TEXT } from './format-build.ts';

export interface BuildSummaryProps {
  run: BuildRun;
  now: number;
  onCancel(): void;
  onOpenImage(digest: string): void;
}

/** BuildSummary is the build's headline: its state and time, then the image digest and a way to it
 * (or the error); Cancel while it runs. */
export function BuildSummary({ run, now, onCancel, onOpenImage }: BuildSummaryProps) {
  const active = isActive(run);
  const elapsed = (run.finishedAt ?? now) - run.startedAt;
  const fs = run.steps.filter((s) => s.fsStep && s.kind !== 'FROM');
  const finished = run.steps.filter((s) => s.status === 'done' || s.status === 'cached').length;
  return (
    <div className="build-summary" data-testid="build-summary">
      <div className="build-summary__line">
        <span className={`phase phase--${run.phase}`} data-testid="build-phase" data-phase={run.phase}>
          {active && <i className="phase__spinner" aria-hidden="true" />}
          {run.cancelling && active ? 'Cancelling…' : PHASE_TEXT[run.phase]}
        </span>
        <span className="build-summary__time" data-testid="build-elapsed">
          {run.result ? formatDuration(run.result.durationMs) : formatDuration(elapsed)}
        </span>
        {run.result ? (
          <span className="build-summary__cache" data-testid="build-cache-count">
            {run.result.cachedSteps} of {run.result.fsSteps} steps cached
          </span>
        ) : (
          run.steps.length > 0 && (
            <span className="build-summary__cache">
              {finished}/{run.steps.length} steps{fs.some((s) => s.status === 'cached') ? ` · ${fs.filter((s) => s.status === 'cached').length} cached` : ''}
            </span>
          )
        )}
        <span className="build-summary__end">
          {active && (
            <button type="button" className="button button--danger" onClick={onCancel} disabled={run.cancelling} data-testid="cancel-build">
              Cancel
            </button>
          )}
          {run.result && (
            <button type="button" className="button button--primary" onClick={() => onOpenImage((run.result as NonNullable<BuildRun['result']>).digest)} data-testid="open-in-images">
              Open in Images
            </button>
          )}
        </span>
      </div>
      {run.result && (
        <div className="build-summary__image">
          <span className="build-summary__label">Image</span>
          <code className="build-summary__digest" title={run.result.digest} data-testid="build-digest">
            {run.result.digest}
          </code>
          {run.result.references.map((r) => (
            <span key={r} className="chip" data-testid="build-reference">
              {r}
            </span>
          ))}
        </div>
      )}
      {/* A cancelled build says so in its phase; a failure or a refused cancel shows the engine's error. */}
      {run.error && run.phase !== 'cancelled' && <ErrorBanner title={run.phase === 'failed' ? 'Error' : 'Could not cancel'} error={run.error} />}
    </div>
  );
}
