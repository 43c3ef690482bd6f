import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildContextInfo, BuildSnapshot } from '../../../preload/contract.ts';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { BUILD_ID, FIRST_EVENT, MULTI_ANALYSIS, MULTI_TEXT, stage, step } from './build-samples.ts';
import { runFromSnapshot } from './build-status.ts';
import { createStrataStore } from './store.ts';

const CTX: BuildContextInfo = { contextDir: '/work/ctx', dockerfile: 'Dockerfile', exists: true, text: MULTI_TEXT };

/** snapshot is the engine's view of the sample build after `seq` events. */
function snapshot(seq: number, patch: Partial<BuildSnapshot> = {}): BuildSnapshot {
  return {
    buildId: BUILD_ID,
    contextDir: CTX.contextDir,
    dockerfile: 'Dockerfile',
    tags: [],
    target: null,
    startedAt: 500,
    finishedAt: null,
    seq,
    stages: FIRST_EVENT.stages!.map((s) => (s.index === 0 ? { ...s, status: 'done' } : s)),
    steps: FIRST_EVENT.steps!.map((s) => (s.id === '0.0' ? { ...s, status: 'cached' } : s.id === '0.1' ? { ...s, status: 'running', startedAt: 600 } : s)),
    logs: [{ stepId: '0.1', stream: 'stdout', line: 'working' }],
    droppedLogLines: { '0.1': 3 },
    ...patch,
  };
}

function setup(list: () => Promise<BuildSnapshot[]>) {
  const f = fakeCaller({
    listBuilds: list,
    openContext: async () => CTX,
    analyzeDockerfile: async () => MULTI_ANALYSIS,
    build: async () => ({ buildId: BUILD_ID }),
  });
  return { ...f, store: createStrataStore(f.call, { build: { analyzeDelayMs: 5, now: () => 1000 } }) };
}

const statusOf = (store: ReturnType<typeof setup>['store'], id: string) => store.getState().build?.steps.find((s) => s.id === id)?.status;

describe('build resync', () => {
  test('runFromSnapshot: steps, logs and dropped counts as the engine holds them', () => {
    const run = runFromSnapshot(snapshot(4), MULTI_TEXT, 1000);
    assert.equal(run.buildId, BUILD_ID);
    assert.equal(run.phase, 'running');
    assert.equal(run.lastSeq, 4);
    assert.equal(run.steps.find((s) => s.id === '0.1')?.status, 'running');
    assert.deepEqual(run.logs['0.1'], [{ stream: 'stdout', line: 'working' }]);
    assert.deepEqual(run.droppedLogLines, { '0.1': 3 });
    const done = runFromSnapshot(snapshot(9, { finishedAt: 2000, result: { ok: false, error: { code: 'BUILD_CANCELLED', message: 'cancelled' } } }), MULTI_TEXT);
    assert.equal(done.phase, 'cancelled');
  });

  test('a reloaded window picks up the running build and opens its context', async () => {
    const s = setup(async () => [snapshot(4)]);
    await s.store.getState().resyncBuilds();
    const st = s.store.getState();
    assert.equal(st.build?.buildId, BUILD_ID);
    assert.equal(st.context?.contextDir, CTX.contextDir);
    assert.equal(st.build?.text, MULTI_TEXT, 'errors are shown against the text opened');
    assert.equal(statusOf(s.store, '0.1'), 'running');
    // The build goes on: newer events apply, older ones (already in the snapshot) do not.
    st.receiveBuildStatus({ buildId: BUILD_ID, seq: 3, steps: [step(0, 1, 'WORKDIR /app', { status: 'queued' })] });
    assert.equal(statusOf(s.store, '0.1'), 'running');
    st.receiveBuildStatus({ buildId: BUILD_ID, seq: 5, steps: [step(0, 1, 'WORKDIR /app', { status: 'done' })] });
    assert.equal(statusOf(s.store, '0.1'), 'done');
  });

  test('a finished build is not picked up by a fresh window', async () => {
    const s = setup(async () => [snapshot(9, { finishedAt: 900, result: { ok: true, value: { digest: 'sha256:x', configDigest: '', references: [], cachedSteps: 0, fsSteps: 0, durationMs: 1 } } })]);
    await s.store.getState().resyncBuilds();
    assert.equal(s.store.getState().build, null);
    assert.equal(s.store.getState().context, null);
  });

  test('after a reconnect the followed build is rebuilt from the snapshot (missed events and the end)', async () => {
    let answer: BuildSnapshot[] = [];
    const s = setup(async () => answer);
    await s.store.getState().openContext('/work/ctx');
    await s.store.getState().startBuild();
    s.store.getState().receiveBuildStatus({ ...FIRST_EVENT, seq: 1 });
    assert.equal(statusOf(s.store, '0.1'), 'queued');
    // Disconnected: events 2..7 were missed, including the end.
    answer = [snapshot(7, { steps: FIRST_EVENT.steps!.map((x) => ({ ...x, status: 'done' })), stages: [0, 1, 2, 3].map((i) => stage(i, { status: 'done' })), finishedAt: 1500, result: { ok: true, value: { digest: 'sha256:img', configDigest: '', references: [], cachedSteps: 0, fsSteps: 5, durationMs: 900 } } })];
    await s.store.getState().resyncBuilds();
    const b = s.store.getState().build!;
    assert.equal(b.phase, 'succeeded');
    assert.equal(b.result?.digest, 'sha256:img');
    assert.ok(b.steps.every((x) => x.status === 'done'));
  });

  test('events that arrive while listBuilds is asked are merged after the snapshot, newer ones only', async () => {
    const d = deferred<BuildSnapshot[]>();
    const s = setup(() => d.promise);
    await s.store.getState().openContext('/work/ctx');
    await s.store.getState().startBuild();
    s.store.getState().receiveBuildStatus({ ...FIRST_EVENT, seq: 1 });
    const resync = s.store.getState().resyncBuilds();
    s.store.getState().receiveBuildStatus({ buildId: BUILD_ID, seq: 4, steps: [step(0, 1, 'WORKDIR /app', { status: 'running' })] });
    s.store.getState().receiveBuildStatus({ buildId: BUILD_ID, seq: 5, steps: [step(0, 1, 'WORKDIR /app', { status: 'done' })] });
    d.resolve([snapshot(4)]);
    await resync;
    assert.equal(statusOf(s.store, '0.1'), 'done', 'event 5 applied on top of snapshot 4');
    assert.equal(statusOf(s.store, '0.0'), 'cached');
  });

  test('a build the engine no longer knows (it restarted) ends as lost', async () => {
    const s = setup(async () => []);
    await s.store.getState().openContext('/work/ctx');
    await s.store.getState().startBuild();
    await s.store.getState().resyncBuilds();
    assert.equal(s.store.getState().build?.phase, 'failed');
    assert.equal(s.store.getState().build?.error?.code, 'BUILD_LOST');
  });

  test('an unreachable engine leaves the build as it is', async () => {
    const s = setup(async () => {
      throw new Error('down');
    });
    await s.store.getState().openContext('/work/ctx');
    await s.store.getState().startBuild();
    await s.store.getState().resyncBuilds();
    assert.equal(s.store.getState().build?.phase, 'starting');
  });
});

describe('last context', () => {
  test('a new window reopens the folder the engine says was opened last', async () => {
    const f = fakeCaller({ recentContexts: async () => ['/work/ctx', '/old'], openContext: async () => CTX, analyzeDockerfile: async () => MULTI_ANALYSIS });
    const store = createStrataStore(f.call, { build: { analyzeDelayMs: 5 } });
    await store.getState().openLastContext();
    assert.equal(store.getState().context?.contextDir, '/work/ctx');
    assert.deepEqual(store.getState().recentContexts, ['/work/ctx', '/old']);
  });

  test('not over a folder typed meanwhile, and nothing when none was opened', async () => {
    const f = fakeCaller({ recentContexts: async () => ['/work/ctx'] });
    const store = createStrataStore(f.call);
    store.getState().setContextPath('/typed');
    await store.getState().openLastContext();
    assert.deepEqual(f.methods(), ['recentContexts']);
    const g = fakeCaller({ recentContexts: async () => [] });
    const fresh = createStrataStore(g.call);
    await fresh.getState().openLastContext();
    assert.equal(fresh.getState().context, null);
  });
});
