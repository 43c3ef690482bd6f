import type { BuildContextInfo, BuildStatusEvent, DockerfileAnalysis } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError, toEngineError } from '../ipc/engine-error.ts';
import { buildRequest, EMPTY_FORM, mergeArgs, targetNames, type BuildArgRow, type BuildForm } from './build-form.ts';
import { applyBuildStatus, isActive, newBuildRun, runFromSnapshot, type BuildRun } from './build-status.ts';
import type { SliceCreator } from './types.ts';

/** BuildSlice holds the Build view: the open context and its Dockerfile, the engine's analysis of the
 * text, the build form, and the build being followed through its 'build/status' events. */
export interface BuildSlice {
  /** The context path field's text. */
  contextPath: string;
  context: BuildContextInfo | null;
  contextLoading: boolean;
  contextError: EngineError | null;
  /** The context folders last opened (the engine remembers them), most recent first. */
  recentContexts: string[];
  /** The editor's text (what analysis and save see). */
  dockerfileText: string;
  /** The text as last read from or written to disk. */
  savedText: string;
  /** Bumped when the text is replaced from outside the editor (a context opened), so the editor reloads. */
  docVersion: number;
  analysis: DockerfileAnalysis | null;
  /** The last analysis of a text that parsed: the graph and the target list keep it while a typo is fixed. */
  lastGoodAnalysis: DockerfileAnalysis | null;
  /** The text the analysis is of (its problem lines refer to it). */
  analyzedText: string | null;
  analysisError: EngineError | null;
  buildForm: BuildForm;
  /** The tag field's text not yet added as a tag. */
  tagDraft: string;
  tagError: string | null;
  build: BuildRun | null;
  setContextPath(path: string): void;
  /** openLastContext reopens the folder opened last (a new window, a restart), unless one is open or
   * being opened; it also loads the recent list. */
  openLastContext(): Promise<void>;
  /** openContext reads a context folder's Dockerfile (the path field's folder when none is given). */
  openContext(contextDir?: string, dockerfile?: string): Promise<boolean>;
  /** editDockerfile records the editor's text and analyzes it once typing pauses. */
  editDockerfile(text: string): void;
  /** analyzeNow analyzes the current text at once (answers for older texts are dropped). */
  analyzeNow(): Promise<void>;
  setTagDraft(text: string): void;
  /** addTag checks a name with the engine and adds it (false, with tagError set, when it is not valid). */
  addTag(input?: string): Promise<boolean>;
  removeTag(name: string): void;
  addBuildArg(): void;
  updateBuildArg(id: number, patch: Partial<Pick<BuildArgRow, 'name' | 'value'>>): void;
  removeBuildArg(id: number): void;
  setTarget(target: string): void;
  setNoCache(noCache: boolean): void;
  /** startBuild saves the Dockerfile when edited, then starts a build of the open context with the form. */
  startBuild(): Promise<void>;
  cancelBuild(): Promise<void>;
  /** receiveBuildStatus feeds one engine event in (events of other builds are ignored). */
  receiveBuildStatus(e: BuildStatusEvent): void;
  /** resyncBuilds asks the engine where builds stand (after a reload or a reconnect, when events were
   * missed): the followed build is rebuilt from the engine's snapshot, or, with none followed, a running
   * build is picked up and its context opened. */
  resyncBuilds(): Promise<void>;
}

export interface BuildSliceOptions {
  /** How long typing must pause before the text is analyzed. */
  analyzeDelayMs?: number;
  now?: () => number;
}

/** createBuildSlice builds the slice over an engine caller. Stale answers (an older analysis, a context
 * opened before another) are dropped by sequence number. */
export function createBuildSlice(call: Caller, opts: BuildSliceOptions = {}): SliceCreator<BuildSlice> {
  const delay = opts.analyzeDelayMs ?? 250;
  const now = opts.now ?? Date.now;
  let analyzeSeq = 0;
  let openSeq = 0;
  let startSeq = 0;
  let argId = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Events that arrive before the build call answers with its id (held, then replayed for that id).
  let early: BuildStatusEvent[] = [];
  let cancelWanted = false;
  // Events that arrive while a resync asks the engine (merged after its snapshot, newer ones only).
  let resyncHeld: BuildStatusEvent[] | null = null;
  const nextArgId = () => ++argId;

  return (set, get) => {
    const setForm = (patch: Partial<BuildForm>) => set({ buildForm: { ...get().buildForm, ...patch } });

    const analyzeNow = async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const seq = ++analyzeSeq;
      const text = get().dockerfileText;
      try {
        const analysis = await call('analyzeDockerfile', { text });
        if (seq !== analyzeSeq) return;
        const form = get().buildForm;
        const patch: Partial<BuildForm> = {};
        // A Dockerfile that does not parse (mid-typing) keeps the form as it was.
        if (analysis.ok) {
          patch.args = mergeArgs(form.args, analysis.args, nextArgId);
          if (form.target && !targetNames(analysis).includes(form.target)) patch.target = '';
        }
        set({ analysis, analyzedText: text, analysisError: null, buildForm: { ...form, ...patch }, ...(analysis.ok ? { lastGoodAnalysis: analysis } : {}) });
      } catch (e) {
        if (seq === analyzeSeq) set({ analysisError: toEngineError(e) });
      }
    };

    return {
      contextPath: '',
      context: null,
      contextLoading: false,
      contextError: null,
      recentContexts: [],
      dockerfileText: '',
      savedText: '',
      docVersion: 0,
      analysis: null,
      lastGoodAnalysis: null,
      analyzedText: null,
      analysisError: null,
      buildForm: EMPTY_FORM,
      tagDraft: '',
      tagError: null,
      build: null,

      setContextPath: (contextPath) => set({ contextPath }),

      async openLastContext() {
        let recent: string[] = [];
        try {
          recent = await call('recentContexts', {});
        } catch {
          return;
        }
        set({ recentContexts: recent });
        const last = recent[0];
        // Not over what the user (or a build picked up after a reload) opened meanwhile.
        const s = get();
        if (last && !s.context && !s.contextLoading && !s.contextPath.trim() && !s.build) await get().openContext(last);
      },

      async openContext(contextDir, dockerfile) {
        const dir = (contextDir ?? get().contextPath).trim();
        if (!dir) {
          set({ contextError: null });
          return false;
        }
        const seq = ++openSeq;
        set({ contextLoading: true, contextError: null });
        try {
          const ctx = await call('openContext', dockerfile ? { contextDir: dir, dockerfile } : { contextDir: dir });
          if (seq !== openSeq) return false;
          const sameContext = get().context?.contextDir === ctx.contextDir;
          set({
            context: ctx,
            // The field shows the folder opened, unless the user typed another one meanwhile.
            contextPath: [dir, ''].includes(get().contextPath.trim()) ? ctx.contextDir : get().contextPath,
            contextLoading: false,
            dockerfileText: ctx.text,
            savedText: ctx.text,
            docVersion: get().docVersion + 1,
            analysis: null,
            lastGoodAnalysis: null,
            analyzedText: null,
            // Another folder is another project: its own args and target, and no build of it yet.
            ...(sameContext ? {} : { buildForm: { ...get().buildForm, args: [], target: '' }, build: isActive(get().build) ? get().build : null }),
          });
          const recent = get().recentContexts;
          set({ recentContexts: [ctx.contextDir, ...recent.filter((d) => d !== ctx.contextDir)].slice(0, 8) });
          await analyzeNow();
          return true;
        } catch (e) {
          if (seq === openSeq) set({ contextLoading: false, contextError: toEngineError(e) });
          return false;
        }
      },

      editDockerfile(text) {
        if (text === get().dockerfileText) return;
        set({ dockerfileText: text });
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void analyzeNow(), delay);
      },

      analyzeNow,

      setTagDraft: (tagDraft) => set({ tagDraft, tagError: null }),

      async addTag(input) {
        const name = (input ?? get().tagDraft).trim();
        if (!name) return true;
        try {
          const check = await call('checkReference', { input: name });
          if (!check.ok) {
            set({ tagError: `“${name}”: ${check.error}` });
            return false;
          }
          const tags = get().buildForm.tags;
          if (!tags.some((t) => t.normalized === check.normalized)) setForm({ tags: [...tags, { name, normalized: check.normalized }] });
          set({ tagDraft: input === undefined ? '' : get().tagDraft, tagError: null });
          return true;
        } catch (e) {
          set({ tagError: toEngineError(e).message });
          return false;
        }
      },

      removeTag: (name) => setForm({ tags: get().buildForm.tags.filter((t) => t.name !== name) }),

      addBuildArg: () => setForm({ args: [...get().buildForm.args, { id: nextArgId(), name: '', value: '', defaultValue: null, fromDockerfile: false, edited: true }] }),

      updateBuildArg: (id, patch) =>
        setForm({ args: get().buildForm.args.map((r) => (r.id === id ? { ...r, ...(r.fromDockerfile ? { value: patch.value ?? r.value } : patch), edited: true } : r)) }),

      removeBuildArg: (id) => setForm({ args: get().buildForm.args.filter((r) => r.id !== id) }),

      setTarget: (target) => setForm({ target }),

      setNoCache: (noCache) => setForm({ noCache }),

      async startBuild() {
        const ctx = get().context;
        if (!ctx || isActive(get().build)) return;
        // A name still in the tag field is meant as a tag.
        if (get().tagDraft.trim() && !(await get().addTag())) return;
        const seq = ++startSeq;
        const text = get().dockerfileText;
        early = [];
        cancelWanted = false;
        set({ build: newBuildRun({ contextDir: ctx.contextDir, dockerfile: ctx.dockerfile, text, now: now() }) });
        const fail = (e: unknown) => {
          const b = get().build;
          if (seq === startSeq && b) set({ build: { ...b, phase: 'failed', error: toEngineError(e), finishedAt: now() } });
        };
        try {
          if (text !== get().savedText || !ctx.exists) {
            await call('saveDockerfile', { contextDir: ctx.contextDir, dockerfile: ctx.dockerfile, text });
            set({ savedText: text, context: { ...ctx, exists: true } });
          }
          const { buildId } = await call('build', buildRequest(ctx.contextDir, ctx.dockerfile, get().buildForm));
          if (seq !== startSeq) return;
          let run: BuildRun = { ...(get().build as BuildRun), buildId };
          for (const e of early) if (e.buildId === buildId) run = applyBuildStatus(run, e, now());
          early = [];
          set({ build: run });
          if (cancelWanted) await get().cancelBuild();
        } catch (e) {
          fail(e);
        }
      },

      async cancelBuild() {
        const run = get().build;
        if (!run || !isActive(run)) return;
        set({ build: { ...run, cancelling: true } });
        if (!run.buildId) {
          cancelWanted = true;
          return;
        }
        try {
          const { cancelled } = await call('cancelBuild', { buildId: run.buildId });
          // false: the build ended meanwhile; its last event says how.
          if (!cancelled && get().build?.buildId === run.buildId) set({ build: { ...(get().build as BuildRun), cancelling: false } });
        } catch (e) {
          const b = get().build;
          if (b?.buildId === run.buildId) set({ build: { ...b, cancelling: false, error: toEngineError(e) } });
        }
      },

      receiveBuildStatus(e) {
        if (resyncHeld) {
          resyncHeld.push(e);
          return;
        }
        const run = get().build;
        if (!run) return;
        if (run.buildId === null && run.phase === 'starting') {
          early.push(e);
          return;
        }
        if (run.buildId !== e.buildId || !isActive(run)) return;
        set({ build: applyBuildStatus(run, e, now()) });
      },

      async resyncBuilds() {
        if (resyncHeld) return;
        resyncHeld = [];
        let pickedUp: BuildRun | null = null;
        try {
          const builds = await call('listBuilds', {});
          const run = get().build;
          if (run?.buildId) {
            const snap = builds.find((b) => b.buildId === run.buildId);
            if (snap && isActive(run)) set({ build: { ...runFromSnapshot(snap, run.text, now()), startedAt: run.startedAt } });
            else if (!snap && isActive(run)) {
              // The engine no longer knows it (it restarted): its end will never be told.
              set({ build: { ...run, phase: 'failed', finishedAt: now(), cancelling: false, error: new EngineError('BUILD_LOST', 'the engine restarted during this build: its result is unknown') } });
            }
          } else if (!run || !isActive(run)) {
            const live = builds.find((b) => b.finishedAt === null);
            if (live) set({ build: (pickedUp = runFromSnapshot(live, get().context?.contextDir === live.contextDir ? get().dockerfileText : '', now())) });
          }
        } catch {
          /* the engine is unreachable: the events that come are all there is */
        } finally {
          const held = resyncHeld ?? [];
          resyncHeld = null;
          for (const e of held) get().receiveBuildStatus(e);
        }
        if (pickedUp && get().context?.contextDir !== pickedUp.contextDir) {
          // A reloaded window: open the folder being built, so its graph and Dockerfile show again.
          if (await get().openContext(pickedUp.contextDir, pickedUp.dockerfile)) {
            const b = get().build;
            if (b?.buildId === pickedUp.buildId) set({ build: { ...b, text: get().dockerfileText } });
          }
        }
      },
    };
  };
}
