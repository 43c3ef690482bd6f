import { useLayoutEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useNow } from '../build/use-now.ts';
import { isRunning } from '../../store/run-state.ts';
import { joinCommand } from '../../store/split-command.ts';
import { useStrata } from '../../store/store.ts';
import type { StrataState } from '../../store/types.ts';
import { runStatusText } from './run-format.ts';

const selectRun = (s: StrataState) => ({
  run: s.imageRun,
  commandLine: s.runCommandLine,
  setCommandLine: s.setRunCommandLine,
  start: s.startRun,
  stop: s.stopRun,
  clear: s.clearRun,
});

/** RunButton runs the image (with the command field's text, if any) and opens its output; Stop while it runs. */
export function RunButton({ digest }: { digest: string }) {
  const r = useStrata(useShallow(selectRun));
  const running = isRunning(r.run);
  const mine = r.run?.digest === digest;
  if (running && mine) {
    return (
      <button type="button" className="button button--small button--danger" onClick={() => void r.stop()} disabled={r.run?.stopping} data-testid="image-run-stop" title="Stop the run (its processes are killed)">
        Stop
      </button>
    );
  }
  return (
    <button type="button" className="button button--small button--primary" onClick={() => void r.start(digest)} disabled={running} data-testid="image-run" title={running ? 'Another image is running: stop it first' : 'Run the image in the sandbox and show its output'}>
      Run
    </button>
  );
}

/** RunPanel is the image's run: the command (its entrypoint with CMD, or what the field says instead), the
 * output as it comes, and the exit code at the end. Shown once the image has been run. */
export function RunPanel({ digest, entrypoint, cmd }: { digest: string; entrypoint: readonly string[] | null; cmd: readonly string[] | null }) {
  const r = useStrata(useShallow(selectRun));
  const run = r.run?.digest === digest ? r.run : null;
  const running = isRunning(run);
  const now = useNow(running, 200);
  const out = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  // Follow the output while the view is at its bottom; a user who scrolled up keeps their place.
  useLayoutEffect(() => {
    const el = out.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [run?.lines]);

  if (!run) return null;
  const entry = entrypoint ?? [];
  const placeholder = cmd?.length ? joinCommand(cmd) : 'command';
  return (
    <section className="run-panel" aria-label="Run" data-testid="run-panel" data-phase={run.phase}>
      <form
        className="run-panel__bar"
        onSubmit={(e) => {
          e.preventDefault();
          if (!running) void r.start(digest);
        }}
      >
        {entry.length > 0 && (
          <code className="run-panel__entry" title="The image's ENTRYPOINT (the command goes after it)">
            {joinCommand(entry)}
          </code>
        )}
        <input
          className="input run-panel__command"
          aria-label="Command (empty: the image's CMD)"
          placeholder={placeholder}
          spellCheck={false}
          value={r.commandLine}
          onChange={(e) => r.setCommandLine(e.target.value)}
          disabled={running}
          data-testid="run-command"
        />
        {running ? (
          <button type="button" className="button button--small button--danger" onClick={() => void r.stop()} disabled={run.stopping} data-testid="run-stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="button button--small" data-testid="run-again">
            Run again
          </button>
        )}
        <button type="button" className="icon-button" onClick={r.clear} disabled={running} aria-label="Close the run output" title="Close">
          ×
        </button>
      </form>
      {run.argv && (
        <p className="run-panel__argv muted" data-testid="run-argv">
          <code>{joinCommand(run.argv)}</code>
        </p>
      )}
      <pre
        ref={out}
        className="run-output"
        data-testid="run-output"
        aria-label="Output"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
        }}
      >
        {run.dropped > 0 && <span className="run-output__note">[{run.dropped} earlier lines not shown]{'\n'}</span>}
        {run.lines.map((l, i) => (
          <span key={i} className={l.stream === 'stderr' ? 'run-output__err' : undefined}>
            {l.line}
            {'\n'}
          </span>
        ))}
        {run.lines.length === 0 && !running && <span className="muted">(no output)</span>}
      </pre>
      <p
        className={`run-status run-status--${run.phase}${run.phase === 'exited' && run.exitCode !== 0 ? ' run-status--nonzero' : ''}`}
        role="status"
        data-testid="run-status"
        data-exit-code={run.exitCode ?? undefined}
      >
        {runStatusText(run, now)}
      </p>
    </section>
  );
}
