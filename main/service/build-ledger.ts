import type { BuildRequestParams, BuildSnapshot, BuildStatusEvent } from '../../preload/contract.ts';

/** Log lines of one step a snapshot keeps (the newest). */
export const SNAPSHOT_LOG_LINES_PER_STEP = 200;
/** Characters of one step's log a snapshot keeps (a line may be 64 KiB: the lines cap alone is not enough
 * to keep a listBuilds answer small). */
export const SNAPSHOT_LOG_CHARS_PER_STEP = 64 * 1024;
/** Finished builds kept for listBuilds, besides the running ones. */
export const FINISHED_BUILDS_KEPT = 5;

interface StepLog {
  lines: BuildSnapshot['logs'];
  chars: number;
}

interface Entry {
  /** Start order (two builds may start in the same millisecond). */
  order: number;
  snapshot: BuildSnapshot;
  logs: Map<string, StepLog>;
}

/** BuildLedger follows every build's status events, so a window that reloaded or reconnected can ask
 * where builds stand (listBuilds) instead of showing what it last saw. It numbers the events (seq) so a
 * window can drop the ones its snapshot already holds. Memory is bounded: a log tail per step, and only
 * the last few finished builds. */
export class BuildLedger {
  private readonly builds = new Map<string, Entry>();
  private started = 0;

  /** start records a build before its first event. */
  start(buildId: string, params: BuildRequestParams, now = Date.now()): void {
    this.builds.set(buildId, {
      order: ++this.started,
      snapshot: {
        buildId,
        contextDir: params.contextDir,
        dockerfile: params.dockerfile ?? 'Dockerfile',
        tags: params.tags ?? [],
        target: params.target ?? null,
        startedAt: now,
        finishedAt: null,
        seq: 0,
        stages: [],
        steps: [],
        logs: [],
        droppedLogLines: {},
      },
      logs: new Map(),
    });
  }

  /** record applies one event and returns it numbered (the event a door should send). */
  record(e: BuildStatusEvent, now = Date.now()): BuildStatusEvent {
    const entry = this.builds.get(e.buildId);
    if (!entry) return e;
    const s = entry.snapshot;
    s.seq++;
    if (e.stages) {
      const byIndex = new Map(s.stages.map((x) => [x.index, x]));
      for (const st of e.stages) byIndex.set(st.index, { ...st });
      s.stages = [...byIndex.values()].sort((a, b) => a.index - b.index);
    }
    if (e.steps) {
      const byId = new Map(s.steps.map((x) => [x.id, x]));
      for (const st of e.steps) byId.set(st.id, { ...st });
      s.steps = [...byId.values()].sort((a, b) => a.stage - b.stage || a.index - b.index);
    }
    for (const l of e.logs ?? []) {
      let log = entry.logs.get(l.stepId);
      if (!log) entry.logs.set(l.stepId, (log = { lines: [], chars: 0 }));
      log.lines.push({ ...l });
      log.chars += l.line.length;
      while (log.lines.length > SNAPSHOT_LOG_LINES_PER_STEP || (log.chars > SNAPSHOT_LOG_CHARS_PER_STEP && log.lines.length > 1)) {
        log.chars -= log.lines.shift()!.line.length;
        s.droppedLogLines[l.stepId] = (s.droppedLogLines[l.stepId] ?? 0) + 1;
      }
    }
    if (e.result) {
      s.result = e.result;
      s.finishedAt = now;
      this.trim();
    }
    return { ...e, seq: s.seq };
  }

  /** list is every running build and the last finished ones, newest first (copies). */
  list(): BuildSnapshot[] {
    return [...this.builds.values()]
      .sort((a, b) => b.order - a.order)
      .map((e) => ({ ...e.snapshot, stages: e.snapshot.stages.map((x) => ({ ...x })), steps: e.snapshot.steps.map((x) => ({ ...x })), logs: [...e.logs.values()].flatMap((l) => l.lines), droppedLogLines: { ...e.snapshot.droppedLogLines } }));
  }

  private trim(): void {
    const finished = [...this.builds.values()].filter((e) => e.snapshot.finishedAt !== null).sort((a, b) => b.order - a.order);
    for (const old of finished.slice(FINISHED_BUILDS_KEPT)) this.builds.delete(old.snapshot.buildId);
  }
}
