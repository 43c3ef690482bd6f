import type { RunExitEvent, RunOutputEvent } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError, toEngineError } from '../ipc/engine-error.ts';
import { applyRunExit, applyRunOutput, isRunning, newImageRun, type ImageRun } from './run-state.ts';
import { splitCommand } from './split-command.ts';
import type { SliceCreator } from './types.ts';

/** RunSlice is the image run the Images view shows: one at a time, its output streamed in. */
export interface RunSlice {
  imageRun: ImageRun | null;
  /** The command field's text (empty: the image's own CMD). */
  runCommandLine: string;
  setRunCommandLine(text: string): void;
  /** startRun runs an image with an optional command line (replacing its CMD); false when the line does
   * not parse or a run is going. */
  startRun(digest: string, commandLine?: string): Promise<boolean>;
  stopRun(): Promise<void>;
  clearRun(): void;
  receiveRunOutput(e: RunOutputEvent): void;
  receiveRunExit(e: RunExitEvent): void;
  /** resyncRuns asks the engine where runs stand (after a reload or a reconnect): the followed run gets
   * the end it missed (or is marked lost when the engine no longer knows it), and a window with none
   * follows a run still going (shown when its image is opened). */
  resyncRuns(): Promise<void>;
}

/** createRunSlice builds the slice over an engine caller. */
export function createRunSlice(call: Caller): SliceCreator<RunSlice> {
  // Events that arrive before runImage answers with the id (held, then replayed for that id).
  let early: (['output', RunOutputEvent] | ['exit', RunExitEvent])[] = [];
  let stopWanted = false;
  let seq = 0;
  return (set, get) => {
    const replay = (run: ImageRun): ImageRun => {
      for (const [kind, e] of early) if (e.runId === run.runId) run = kind === 'output' ? applyRunOutput(run, e) : applyRunExit(run, e);
      early = [];
      return run;
    };
    return {
      imageRun: null,
      runCommandLine: '',
      setRunCommandLine: (runCommandLine) => set({ runCommandLine }),

      async startRun(digest, commandLine = get().runCommandLine) {
        if (isRunning(get().imageRun)) return false;
        const parsed = splitCommand(commandLine);
        const my = ++seq;
        early = [];
        stopWanted = false;
        if (!parsed.ok) {
          set({ imageRun: { ...newImageRun(digest), phase: 'failed', error: new EngineError('RUN_COMMAND', parsed.error) } });
          return false;
        }
        set({ imageRun: newImageRun(digest) });
        try {
          const { runId, argv } = await call('runImage', parsed.argv.length ? { ref: digest, cmd: parsed.argv } : { ref: digest });
          if (my !== seq) return true;
          set({ imageRun: replay({ ...(get().imageRun as ImageRun), runId, argv, phase: 'running' }) });
          if (stopWanted) await get().stopRun();
          return true;
        } catch (e) {
          if (my === seq) set({ imageRun: { ...(get().imageRun as ImageRun), phase: 'failed', error: toEngineError(e) } });
          return false;
        }
      },

      async stopRun() {
        const run = get().imageRun;
        if (!run || !isRunning(run)) return;
        set({ imageRun: { ...run, stopping: true } });
        if (!run.runId) {
          stopWanted = true;
          return;
        }
        try {
          await call('cancelRun', { runId: run.runId });
        } catch (e) {
          const r = get().imageRun;
          if (r?.runId === run.runId) set({ imageRun: { ...r, stopping: false, error: toEngineError(e) } });
        }
      },

      clearRun() {
        if (isRunning(get().imageRun)) return;
        seq++;
        set({ imageRun: null });
      },

      receiveRunOutput(e) {
        const run = get().imageRun;
        if (!run) return;
        if (run.runId === null && run.phase === 'starting') early.push(['output', e]);
        else if (run.runId === e.runId && isRunning(run)) set({ imageRun: applyRunOutput(run, e) });
      },

      async resyncRuns() {
        let runs;
        try {
          runs = await call('listRuns', {});
        } catch {
          return;
        }
        if (!Array.isArray(runs)) return;
        const run = get().imageRun;
        if (run?.runId && isRunning(run)) {
          const snap = runs.find((r) => r.runId === run.runId);
          const cur = get().imageRun;
          if (cur?.runId !== run.runId || !isRunning(cur)) return;
          if (snap?.exit) set({ imageRun: applyRunExit(cur, snap.exit) });
          else if (!snap) set({ imageRun: { ...cur, phase: 'failed', error: new EngineError('RUN_LOST', 'the engine restarted during this run: its end is unknown') } });
        } else if (!run) {
          const live = runs.find((r) => !r.exit);
          if (live && !get().imageRun) set({ imageRun: { ...newImageRun(live.digest, live.startedAt), runId: live.runId, argv: live.argv, phase: 'running' } });
        }
      },

      receiveRunExit(e) {
        const run = get().imageRun;
        if (!run) return;
        if (run.runId === null && run.phase === 'starting') early.push(['exit', e]);
        else if (run.runId === e.runId && isRunning(run)) set({ imageRun: applyRunExit(run, e) });
      },
    };
  };
}
