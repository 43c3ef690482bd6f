import { useEffect, useRef, useState } from 'react';
import type { BuildStageState, BuildStepState } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import type { BuildLogLine, BuildRun } from '../../store/build-status.ts';
import { formatDuration, STAGE_STATUS_TEXT, STEP_STATUS_TEXT, stepElapsed } from './format-build.ts';

const ICON: Record<BuildStepState['status'], string> = {
  queued: '○',
  running: '',
  cached: '✓',
  done: '✓',
  failed: '✕',
  cancelled: '⊘',
};

function StepLog({ lines, dropped, follow }: { lines: readonly BuildLogLine[]; dropped: number; follow: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    // While the step runs, keep its newest output in view.
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [lines.length, follow]);
  if (!lines.length) return <div className="step-log step-log--empty">No output.</div>;
  return (
    <pre className="step-log" ref={ref} data-testid="step-log" tabIndex={0}>
      {dropped > 0 && <span className="step-log__dropped">[{dropped} earlier lines not kept]{'\n'}</span>}
      {lines.map((l, i) => (
        <span key={i} className={l.stream === 'stderr' ? 'step-log__err' : undefined}>
          {l.line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** RootOnlyMark stands where a layer size would: the step's result is its stage's root, no layer. */
function RootOnlyMark() {
  return (
    <span className="step__size step__size--none" data-testid="step-root-only" title="No image carries this stage: its result is kept as the stage's root filesystem for the stages that copy from it, and no layer is written">
      stage root
    </span>
  );
}

function StepMeta({ step, now }: { step: BuildStepState; now: number }) {
  const elapsed = stepElapsed(step, now);
  if (step.status === 'cached') {
    return (
      <span className="step__meta">
        {step.layer && <span className="step__size">{formatBytes(step.layer.size)}</span>}
        {!step.layer && step.rootOnly && <RootOnlyMark />}
        <span className="step__badge step__badge--cached" data-testid="step-status">
          CACHED
        </span>
      </span>
    );
  }
  return (
    <span className="step__meta">
      {step.status === 'done' && step.layer && (
        <span className="step__size" data-testid="step-layer-size" title={`${formatBytes(step.layer.uncompressedSize)} uncompressed · ${step.layer.digest}`}>
          {formatBytes(step.layer.size)}
        </span>
      )}
      {step.status === 'done' && !step.layer && step.rootOnly && <RootOnlyMark />}
      {step.status === 'done' && !step.layer && !step.rootOnly && <span className="step__size step__size--none">{step.fsStep && step.kind !== 'FROM' ? 'no changes' : step.kind === 'FROM' ? 'base' : 'config'}</span>}
      {elapsed !== null && step.status !== 'queued' && (
        <span className="step__time" data-testid="step-time">
          {formatDuration(elapsed)}
        </span>
      )}
      <span className={`step__badge step__badge--${step.status}`} data-testid="step-status">
        {STEP_STATUS_TEXT[step.status]}
      </span>
    </span>
  );
}

function StepRow({ step, logs, dropped, now, expanded, onToggle, onReveal }: { step: BuildStepState; logs: readonly BuildLogLine[]; dropped: number; now: number; expanded: boolean; onToggle(): void; onReveal(line: number): void }) {
  const rebuilt = step.missReason && (step.status === 'done' || step.status === 'running' || step.status === 'failed');
  return (
    <li className={`step step--${step.status}${expanded ? ' is-expanded' : ''}`} data-testid="step" data-step-id={step.id} data-status={step.status} data-kind={step.kind} data-line={step.startLine}>
      <div className="step__row">
        <button type="button" className="step__toggle" aria-expanded={expanded} aria-label={`${expanded ? 'Hide' : 'Show'} the log of ${step.instruction}`} onClick={onToggle} data-testid="step-toggle">
          <span className={`step__chevron${expanded ? ' is-open' : ''}`} aria-hidden="true">
            ›
          </span>
          <span className={`step__icon step__icon--${step.status}`} aria-hidden="true">
            {step.status === 'running' ? <i className="step__spinner" /> : ICON[step.status]}
          </span>
          <code className="step__instr" title={step.instruction} data-testid="step-instruction">
            {step.instruction}
          </code>
          {logs.length > 0 && <span className="step__lines">{logs.length === 1 ? '1 line' : `${logs.length} lines`}</span>}
        </button>
        <button type="button" className="step__line" onClick={() => onReveal(step.startLine)} title="Show in the Dockerfile">
          L{step.startLine}
        </button>
        <StepMeta step={step} now={now} />
      </div>
      {rebuilt && (
        <div className="step__reason" data-testid="step-miss-reason" title="Why the cache could not be used">
          {step.missReason}
        </div>
      )}
      {step.status === 'failed' && step.error && (
        <div className="step__error" data-testid="step-error">
          {step.error}
        </div>
      )}
      {expanded && <StepLog lines={logs} dropped={dropped} follow={step.status === 'running'} />}
    </li>
  );
}

function StageHeader({ stage, steps }: { stage: BuildStageState; steps: readonly BuildStepState[] }) {
  const fs = steps.filter((s) => s.fsStep && s.kind !== 'FROM');
  const cached = fs.filter((s) => s.status === 'cached').length;
  return (
    <div className="step-stage__head">
      <span className={`step-stage__dot step-stage__dot--${stage.status}`} aria-hidden="true" />
      <span className="step-stage__name">{stage.name ?? `stage ${stage.index}`}</span>
      {stage.target && <span className="stage-node__target">target</span>}
      <span className="step-stage__status" data-testid="step-stage-status">
        {STAGE_STATUS_TEXT[stage.status]}
      </span>
      {stage.status !== 'skipped' && fs.length > 0 && (
        <span className="step-stage__cached">
          {cached}/{fs.length} cached
        </span>
      )}
    </div>
  );
}

/** StepList shows every step of a build by stage, live: queued, running (elapsed), CACHED, done (time,
 * layer size), failed; the reason a step was rebuilt; and its log, streamed, when expanded. */
export function StepList({ run, now, onReveal }: { run: BuildRun; now: number; onReveal(line: number): void }) {
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(new Map());
  const toggle = (id: string, open: boolean) => setToggled(new Map(toggled).set(id, !open));
  return (
    <div className="steps" data-testid="steps">
      {run.stages.map((stage) => {
        const steps = run.steps.filter((s) => s.stage === stage.index);
        return (
          <section key={stage.index} className={`step-stage step-stage--${stage.status}`} data-testid="step-stage" data-stage={stage.name ?? `stage ${stage.index}`} data-status={stage.status} aria-label={`Stage ${stage.name ?? stage.index}`}>
            <StageHeader stage={stage} steps={steps} />
            {stage.status === 'skipped' ? (
              <p className="step-stage__skipped">Not built: the target does not need this stage.</p>
            ) : (
              <ol className="step-stage__steps">
                {steps.map((s) => {
                  const logs = run.logs[s.id] ?? [];
                  const open = toggled.get(s.id) ?? (s.status === 'failed' && logs.length > 0);
                  return <StepRow key={s.id} step={s} logs={logs} dropped={run.droppedLogLines[s.id] ?? 0} now={now} expanded={open} onToggle={() => toggle(s.id, open)} onReveal={onReveal} />;
                })}
              </ol>
            )}
          </section>
        );
      })}
    </div>
  );
}
