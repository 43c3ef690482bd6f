import { useCallback, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BuildOptions } from '../../components/build/BuildOptions.tsx';
import { BuildSummary } from '../../components/build/BuildSummary.tsx';
import { ContextBar } from '../../components/build/ContextBar.tsx';
import { DockerfileEditor } from '../../components/build/DockerfileEditor.tsx';
import type { EditorProblem } from '../../components/build/editor-setup.ts';
import { ProblemList } from '../../components/build/ProblemList.tsx';
import { stageGraph } from '../../components/build/stage-graph.ts';
import { StageGraphView } from '../../components/build/StageGraphView.tsx';
import { StepList } from '../../components/build/StepList.tsx';
import { useNow } from '../../components/build/use-now.ts';
import { ErrorBanner } from '../../components/ErrorBanner.tsx';
import { navigate } from '../../navigation.ts';
import { targetNames } from '../../store/build-form.ts';
import { selectBuildActions, selectBuildForm, selectBuildRun, selectContextState, selectEditorState, selectTagState } from '../../store/build-selectors.ts';
import { errorLines, isActive } from '../../store/build-status.ts';
import { useStrata } from '../../store/store.ts';
import { isMac, shortcutText } from '../../shell/shortcuts.ts';
import { pickFolder } from './pick-folder.ts';
import './build.css';

/** BuildView opens a context, edits its Dockerfile with problems marked, sets up and runs a build, and
 * follows it: the stage graph, every step live with its log and cache-miss reason, the image at the end. */
export function BuildView() {
  const ctx = useStrata(useShallow(selectContextState));
  const editor = useStrata(useShallow(selectEditorState));
  const form = useStrata(selectBuildForm);
  const tag = useStrata(useShallow(selectTagState));
  const run = useStrata(selectBuildRun);
  const act = useStrata(useShallow(selectBuildActions));
  const [reveal, setReveal] = useState<{ line: number; nonce: number } | null>(null);
  const active = isActive(run);
  const now = useNow(active);
  const picker = pickFolder();

  useEffect(() => {
    // The engine remembers the folders opened (in the store's home: browser mode's page origin changes
    // with its port, so the page's own storage would forget). Only on first show: later it is the user's.
    if (!ctx.path && !ctx.context) void act.openLastContext();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const open = useCallback(
    async (dir?: string) => {
      await act.openContext(dir);
    },
    [act],
  );

  const browse = picker
    ? async () => {
        const dir = await picker();
        if (dir) await open(dir);
      }
    : undefined;

  const build = useCallback(() => void act.startBuild(), [act]);

  // Ctrl/Cmd+B is the window's shortcut (shell/use-shortcuts.ts; the menu in Electron).

  const problems = useMemo<EditorProblem[]>(() => {
    const out: EditorProblem[] = (editor.analysis?.problems ?? []).map((p) => ({ ...p, source: 'Dockerfile' }));
    // Build errors point at lines of the text that was built: shown while the text is still that one.
    if (run && !isActive(run) && run.text === editor.text) {
      for (const e of errorLines(run)) if (!out.some((o) => o.line === e.line && o.severity === 'error')) out.push({ ...e, severity: 'error', source: 'build' });
    }
    return out.sort((a, b) => a.line - b.line);
  }, [editor.analysis, editor.text, run]);

  // While the text does not parse (a typo being fixed), the stages are the ones it last had.
  const plan = editor.analysis?.ok ? editor.analysis : (editor.lastGoodAnalysis ?? editor.analysis);
  const stale = !!editor.analysis && !editor.analysis.ok && plan !== editor.analysis;
  const graph = useMemo(() => stageGraph(plan, run, form.target), [plan, run, form.target]);
  const stages = plan?.stages ?? [];
  const last = stages[stages.length - 1];
  const dirty = editor.text !== editor.savedText;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const openImage = (digest: string) => {
    void act.selectImage(digest);
    navigate('images');
  };
  const revealLine = (line: number) => setReveal({ line, nonce: Date.now() });

  return (
    <div className="build-view">
      <ContextBar path={ctx.path} context={ctx.context} loading={ctx.loading} error={ctx.error} onPathChange={act.setContextPath} onOpen={() => void open()} {...(browse ? { onBrowse: () => void browse() } : {})} />
      {!ctx.context ? (
        <section className="panel build-welcome" data-testid="build-welcome">
          <div className="placeholder">
            <p>
              <strong>Open a build context</strong>: a folder with a Dockerfile.
            </p>
            <p className="muted">
              Type its path above{picker ? ' or browse to it' : ''}. Strata ships three samples in <code>assets/samples/</code>: <code>offline</code> (a busybox base, no network needed),{' '}
              <code>multistage</code>, and <code>python</code> (Docker's Python guide example; needs internet).
            </p>
            {ctx.recent.length > 0 && (
              <div className="recent-contexts">
                <p className="muted">Recent folders</p>
                <ul aria-label="Recent folders">
                  {ctx.recent.map((d) => (
                    <li key={d}>
                      <button type="button" className="link-button" onClick={() => void open(d)} data-testid="recent-context">
                        {d}
                      </button>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </section>
      ) : (
        <div className="build-grid">
          <div className="build-col">
            <section className="panel editor-panel" aria-label="Dockerfile">
              <div className="toolbar">
                <h1 className="toolbar__title">
                  Dockerfile <code className="toolbar__path">{ctx.context.dockerfile}</code>
                </h1>
                {dirty && (
                  <span className="badge badge--edited" title="The text is saved when you build" data-testid="dockerfile-dirty">
                    edited
                  </span>
                )}
                <span className={`problem-count${errors ? ' problem-count--error' : warnings ? ' problem-count--warning' : ' problem-count--ok'}`} data-testid="problem-count" data-errors={errors} data-warnings={warnings}>
                  {errors ? `${errors} error${errors > 1 ? 's' : ''}` : warnings ? `${warnings} warning${warnings > 1 ? 's' : ''}` : editor.analysis ? 'no problems' : '…'}
                </span>
              </div>
              <div className="editor-panel__body">
                <DockerfileEditor text={editor.text} docVersion={editor.docVersion} problems={problems} onChange={act.editDockerfile} reveal={reveal} />
              </div>
              <ProblemList problems={problems} onReveal={revealLine} />
              {editor.analysisError && <ErrorBanner title="Could not check the Dockerfile" error={editor.analysisError} />}
            </section>
            <BuildOptions
              form={form}
              stageNames={targetNames(plan)}
              lastStage={last ? (last.name ?? `stage ${last.index}`) : null}
              tagDraft={tag.draft}
              tagError={tag.error}
              onTagDraft={act.setTagDraft}
              onAddTag={() => void act.addTag()}
              onRemoveTag={act.removeTag}
              onArg={act.updateBuildArg}
              onAddArg={act.addBuildArg}
              onRemoveArg={act.removeBuildArg}
              onTarget={act.setTarget}
              onNoCache={act.setNoCache}
              canBuild={!!ctx.context}
              building={active}
              onBuild={build}
            />
          </div>
          <section className="panel build-panel" aria-label="Build" data-testid="build-panel">
            <div className="toolbar">
              <h1 className="toolbar__title">
                Stages <span className="count">{graph.nodes.length}</span>
              </h1>
              <span className="graph-legend" aria-hidden="true">
                <span>
                  <i className="graph-legend__line" /> FROM
                </span>
                <span>
                  <i className="graph-legend__line graph-legend__line--copy" /> COPY --from
                </span>
              </span>
            </div>
            {run && <BuildSummary run={run} now={now} onCancel={() => void act.cancelBuild()} onOpenImage={openImage} />}
            <div className="build-panel__scroll">
              {graph.nodes.length > 0 ? (
                <div className={stale ? 'graph-stale' : undefined}>
                  <StageGraphView graph={graph} />
                  {stale && (
                    <p className="graph-note" data-testid="graph-stale">
                      The Dockerfile does not parse: these are its stages as they last did.
                    </p>
                  )}
                </div>
              ) : (
                <div className="placeholder">{editor.analysis && !editor.analysis.ok ? 'Fix the Dockerfile to see its stages.' : 'No stages yet.'}</div>
              )}
              {run && run.steps.length > 0 ? (
                <StepList run={run} now={now} onReveal={revealLine} />
              ) : (
                !run && <p className="hint build-panel__hint">Build to see every step: what came from the cache, what was rebuilt and why, and each step’s log. {shortcutText('build', isMac())} builds.</p>
              )}
            </div>
          </section>
        </div>
      )}
    </div>
  );
}
