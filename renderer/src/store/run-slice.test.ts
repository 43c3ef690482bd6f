import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { MAX_RUN_LINES } from './run-state.ts';
import { createStrataStore } from './store.ts';

const D = 'sha256:' + 'd'.repeat(64);

function setup(runImage?: (p: never) => Promise<unknown>) {
  const f = fakeCaller({ runImage: runImage ?? (async () => ({ runId: 'r1', argv: ['echo', 'hi'] })), cancelRun: async () => ({ cancelled: true }) });
  return { ...f, store: createStrataStore(f.call) };
}

describe('run slice', () => {
  test('runs with the command line split into argv; output streams in; the exit code ends it', async () => {
    const s = setup();
    s.store.getState().setRunCommandLine(`sh -c 'echo hi; exit 3'`);
    assert.equal(await s.store.getState().startRun(D), true);
    assert.deepEqual(s.calls, [['runImage', { ref: D, cmd: ['sh', '-c', 'echo hi; exit 3'] }]]);
    s.store.getState().receiveRunOutput({ runId: 'r1', lines: [{ stream: 'stdout', line: 'hi' }] });
    s.store.getState().receiveRunOutput({ runId: 'other', lines: [{ stream: 'stdout', line: 'not mine' }] });
    s.store.getState().receiveRunExit({ runId: 'r1', exitCode: 3, durationMs: 40 });
    const run = s.store.getState().imageRun!;
    assert.equal(run.phase, 'exited');
    assert.equal(run.exitCode, 3);
    assert.deepEqual(run.lines, [{ stream: 'stdout', line: 'hi' }]);
    s.store.getState().receiveRunOutput({ runId: 'r1', lines: [{ stream: 'stdout', line: 'after exit' }] });
    assert.equal(s.store.getState().imageRun!.lines.length, 1);
  });

  test("an empty command line runs the image's CMD (no cmd sent)", async () => {
    const s = setup();
    await s.store.getState().startRun(D);
    assert.deepEqual(s.calls, [['runImage', { ref: D }]]);
  });

  test('a command line that does not parse fails at once, without calling the engine', async () => {
    const s = setup();
    assert.equal(await s.store.getState().startRun(D, 'echo "oops'), false);
    assert.deepEqual(s.calls, []);
    assert.equal(s.store.getState().imageRun?.phase, 'failed');
    assert.equal(s.store.getState().imageRun?.error?.code, 'RUN_COMMAND');
  });

  test('events before runImage answers are held, then replayed for that run', async () => {
    const d = deferred<unknown>();
    const s = setup(() => d.promise);
    const started = s.store.getState().startRun(D);
    s.store.getState().receiveRunOutput({ runId: 'r1', lines: [{ stream: 'stderr', line: 'early' }] });
    s.store.getState().receiveRunExit({ runId: 'r1', exitCode: 0, durationMs: 1 });
    d.resolve({ runId: 'r1', argv: ['true'] });
    await started;
    const run = s.store.getState().imageRun!;
    assert.deepEqual([run.phase, run.exitCode, run.lines.length], ['exited', 0, 1]);
  });

  test('stop cancels the run; the exit with SANDBOX_CANCELLED reads as stopped', async () => {
    const s = setup();
    await s.store.getState().startRun(D);
    assert.equal(await s.store.getState().startRun(D), false, 'one run at a time');
    await s.store.getState().stopRun();
    assert.deepEqual(s.calls.at(-1), ['cancelRun', { runId: 'r1' }]);
    assert.equal(s.store.getState().imageRun?.stopping, true);
    s.store.getState().receiveRunExit({ runId: 'r1', error: { code: 'SANDBOX_CANCELLED', message: 'cancelled' }, durationMs: 5 });
    assert.equal(s.store.getState().imageRun?.phase, 'stopped');
    s.store.getState().clearRun();
    assert.equal(s.store.getState().imageRun, null);
  });

  test('stop before the id is known is sent once it is', async () => {
    const d = deferred<unknown>();
    const s = setup(() => d.promise);
    const started = s.store.getState().startRun(D);
    await s.store.getState().stopRun();
    d.resolve({ runId: 'r9', argv: ['sleep', '9'] });
    await started;
    assert.deepEqual(s.calls.at(-1), ['cancelRun', { runId: 'r9' }]);
  });

  test(`keeps at most ${MAX_RUN_LINES} lines, counting the rest with the engine's dropped ones`, async () => {
    const s = setup();
    await s.store.getState().startRun(D);
    const lines = Array.from({ length: MAX_RUN_LINES + 10 }, (_, i) => ({ stream: 'stdout' as const, line: `l${i}` }));
    s.store.getState().receiveRunOutput({ runId: 'r1', lines, dropped: 5 });
    const run = s.store.getState().imageRun!;
    assert.equal(run.lines.length, MAX_RUN_LINES);
    assert.equal(run.lines[0]?.line, 'l10');
    assert.equal(run.dropped, 15);
  });

  test('an engine error (unknown image) fails the run', async () => {
    const s = setup(async () => {
      const { EngineError } = await import('../ipc/engine-error.ts');
      throw new EngineError('IMAGE_NOT_FOUND', 'no image');
    });
    assert.equal(await s.store.getState().startRun(D), false);
    assert.equal(s.store.getState().imageRun?.error?.code, 'IMAGE_NOT_FOUND');
  });
});

describe('run resync', () => {
  const snap = (patch: object = {}) => ({ runId: 'r1', digest: D, argv: ['sleep', '9'], startedAt: 5, exit: null, ...patch });

  test('after a reconnect, the followed run gets the end it missed', async () => {
    const f = fakeCaller({ runImage: async () => ({ runId: 'r1', argv: ['sleep', '9'] }), listRuns: async () => [snap({ exit: { runId: 'r1', exitCode: 3, durationMs: 9 } })] });
    const store = createStrataStore(f.call);
    await store.getState().startRun(D);
    await store.getState().resyncRuns();
    assert.deepEqual([store.getState().imageRun?.phase, store.getState().imageRun?.exitCode], ['exited', 3]);
  });

  test('a run the engine no longer knows ends as lost; one still going stays', async () => {
    let list: object[] = [snap()];
    const f = fakeCaller({ runImage: async () => ({ runId: 'r1', argv: ['sleep', '9'] }), listRuns: async () => list });
    const store = createStrataStore(f.call);
    await store.getState().startRun(D);
    await store.getState().resyncRuns();
    assert.equal(store.getState().imageRun?.phase, 'running');
    list = [];
    await store.getState().resyncRuns();
    assert.equal(store.getState().imageRun?.error?.code, 'RUN_LOST');
  });

  test('a reloaded window follows a run still going, and can stop it', async () => {
    const f = fakeCaller({ listRuns: async () => [snap(), snap({ runId: 'old', exit: { runId: 'old', exitCode: 0, durationMs: 1 } })], cancelRun: async () => ({ cancelled: true }) });
    const store = createStrataStore(f.call);
    await store.getState().resyncRuns();
    const run = store.getState().imageRun!;
    assert.deepEqual([run.runId, run.digest, run.phase, run.argv], ['r1', D, 'running', ['sleep', '9']]);
    await store.getState().stopRun();
    assert.deepEqual(f.calls.at(-1), ['cancelRun', { runId: 'r1' }]);
  });
});
