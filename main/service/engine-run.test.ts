import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildStatusEvent, RunExitEvent, RunOutputEvent } from '../../preload/contract.ts';
import { sandboxSupport } from '../sandbox/index.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { dispatch } from './dispatch.ts';
import { Engine } from './engine.ts';
import { MAX_RUN_LINES_PER_FLUSH, RunSession } from './run-session.ts';

const t = tempDir();
after(() => t.cleanup());

/** follow collects a run's events until its exit. */
function follow(engine: Engine, runId: () => string | null): { output: RunOutputEvent[]; exit: Promise<RunExitEvent> } {
  const output: RunOutputEvent[] = [];
  const early: { output: RunOutputEvent[]; exit: RunExitEvent[] } = { output: [], exit: [] };
  let resolveExit: (e: RunExitEvent) => void = () => {};
  const exit = new Promise<RunExitEvent>((r) => (resolveExit = r));
  engine.events.subscribe((name, payload) => {
    if (name === 'run/output') {
      const e = payload as RunOutputEvent;
      if (e.runId === runId()) output.push(e);
      else early.output.push(e);
    }
    if (name === 'run/exit') {
      const e = payload as RunExitEvent;
      if (e.runId === runId()) resolveExit(e);
    }
  });
  return { output, exit };
}

const text = (out: RunOutputEvent[]) => out.flatMap((e) => e.lines.map((l) => `${l.stream}:${l.line}`));

describe('engine runImage', async () => {
  const support = await sandboxSupport();
  const skip = support.ok ? false : `no sandbox here: ${support.reason}`;
  let engine: Engine;
  before(async () => {
    const store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, ['run/busybox:1']);
    engine = new Engine(store);
  });

  test('runs the command given and streams its output, then exit code 0', { skip }, async () => {
    let id: string | null = null;
    const f = follow(engine, () => id);
    const r = await engine.runImage({ ref: 'run/busybox:1', cmd: ['echo', 'hello from run'] });
    id = r.runId;
    assert.deepEqual(r.argv, ['echo', 'hello from run']);
    const exit = await f.exit;
    assert.equal('exitCode' in exit && exit.exitCode, 0);
    assert.deepEqual(text(f.output), ['stdout:hello from run']);
  });

  test("the image's own CMD runs when none is given (sh reads no input and exits 0)", { skip }, async () => {
    let id: string | null = null;
    const f = follow(engine, () => id);
    const r = await engine.runImage({ ref: 'run/busybox:1' });
    id = r.runId;
    assert.deepEqual(r.argv, ['sh']);
    const exit = await f.exit;
    assert.equal('exitCode' in exit && exit.exitCode, 0);
  });

  test('passes the exit code through (3), stderr kept apart', { skip }, async () => {
    let id: string | null = null;
    const f = follow(engine, () => id);
    id = (await engine.runImage({ ref: 'run/busybox:1', cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] })).runId;
    const exit = await f.exit;
    assert.ok('exitCode' in exit, JSON.stringify(exit));
    assert.equal(exit.exitCode, 3);
    assert.deepEqual(text(f.output).sort(), ['stderr:err', 'stdout:out']);
  });

  test('cancelRun kills a long run; its exit says SANDBOX_CANCELLED', { skip }, async () => {
    let id: string | null = null;
    const f = follow(engine, () => id);
    id = (await engine.runImage({ ref: 'run/busybox:1', cmd: ['sh', '-c', 'echo started; sleep 30'] })).runId;
    // Wait for the program to be running before stopping it.
    while (!text(f.output).includes('stdout:started')) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    assert.deepEqual(await engine.cancelRun({ runId: id }), { cancelled: true });
    const exit = await f.exit;
    assert.ok('error' in exit, JSON.stringify(exit));
    assert.equal(exit.error.code, 'SANDBOX_CANCELLED');
    assert.ok(Date.now() - t0 < 10_000, 'stopped well before the sleep ends');
    assert.deepEqual(await engine.cancelRun({ runId: id }), { cancelled: false }, 'an ended run cannot be cancelled');
  });

  test('listRuns: a running run without its end, then with it', { skip }, async () => {
    let id: string | null = null;
    const f = follow(engine, () => id);
    id = (await engine.runImage({ ref: 'run/busybox:1', cmd: ['sh', '-c', 'sleep 0.5; exit 4'] })).runId;
    const during = (await engine.listRuns()).find((r) => r.runId === id);
    assert.deepEqual([during?.argv, during?.exit], [['sh', '-c', 'sleep 0.5; exit 4'], null]);
    assert.match(during?.digest ?? '', /^sha256:/);
    await f.exit;
    const after = (await engine.listRuns()).find((r) => r.runId === id);
    assert.equal(after?.exit && 'exitCode' in after.exit && after.exit.exitCode, 4);
    assert.ok((await engine.listRuns()).filter((r) => r.exit).length <= 5, 'only the last few ended runs are kept');
  });

  test('through dispatch: unknown image and bad params answer at once; no command is an error', async () => {
    const unknown = await dispatch(engine, 'runImage', { ref: 'nope:1' });
    assert.equal(unknown.ok, false);
    assert.equal(!unknown.ok && unknown.error.code, 'IMAGE_NOT_FOUND');
    const bad = await dispatch(engine, 'runImage', { ref: 'run/busybox:1', cmd: 'echo hi' });
    assert.equal(!bad.ok && bad.error.code, 'INVALID_REQUEST');
    const extra = await dispatch(engine, 'runImage', { ref: 'run/busybox:1', privileged: true });
    assert.equal(!extra.ok && extra.error.code, 'INVALID_REQUEST');
    const store = engine.store;
    const img = await store.resolve('run/busybox:1');
    const cfg = structuredClone(img.configDoc.config);
    cfg.config = { Env: cfg.config?.Env ?? [] };
    const { writeImage } = await import('../store/image-writer.ts');
    await writeImage(store, cfg, img.manifest.layers, ['run/nocmd:1']);
    const none = await dispatch(engine, 'runImage', { ref: 'run/nocmd:1' });
    assert.equal(!none.ok && none.error.code, 'RUN_NO_COMMAND');
    assert.deepEqual(await dispatch(engine, 'cancelRun', { runId: 'nope' }), { ok: true, result: { cancelled: false } });
  });
});

describe('RunSession batching', () => {
  test('lines within an interval go out as one event; exit flushes them first', async () => {
    const events: string[] = [];
    const s = new RunSession('r1', { output: (e) => events.push(`out:${e.lines.map((l) => l.line).join(',')}`), exit: (e) => events.push(`exit:${'exitCode' in e ? e.exitCode : e.error.code}`) }, 20);
    s.output('stdout', 'a');
    s.output('stderr', 'b');
    await new Promise((r) => setTimeout(r, 40));
    s.output('stdout', 'c');
    s.exit({ exitCode: 7 }, 5);
    s.output('stdout', 'late');
    s.exit({ exitCode: 8 }, 5);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(events, ['out:a,b', 'out:c', 'exit:7']);
  });

  test('output past the per-batch cap is counted as dropped, never kept', () => {
    const out: RunOutputEvent[] = [];
    const s = new RunSession('r2', { output: (e) => out.push(e), exit: () => {} }, 1000);
    for (let i = 0; i < MAX_RUN_LINES_PER_FLUSH + 250; i++) s.output('stdout', `line ${i}`);
    s.output('stdout', 'x'.repeat(300 * 1024));
    s.exit({ exitCode: 0 }, 1);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.lines.length, MAX_RUN_LINES_PER_FLUSH);
    assert.equal(out[0]!.dropped, 251);
  });
});

describe('engine listBuilds', () => {
  test('a build is listed while it runs and after, with its steps and numbered events', async () => {
    const store = await Store.open(join(t.path, 'home-builds'));
    await makeBusyboxImage(store, ['base/busybox:1']);
    const { writeTree } = await import('../testing/build-fixtures.ts');
    const ctx = join(t.path, 'ctx');
    writeTree(ctx, { Dockerfile: 'FROM base/busybox:1\nCOPY a.txt /a.txt\n', 'a.txt': 'a\n' });
    const engine = new Engine(store);
    const events: BuildStatusEvent[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    engine.events.subscribe((name, p) => {
      if (name !== 'build/status') return;
      events.push(p as BuildStatusEvent);
      if ((p as BuildStatusEvent).result) done();
    });
    const { buildId } = await engine.build({ contextDir: ctx, tags: ['built/a:1'] });
    const during = await engine.listBuilds();
    assert.equal(during[0]?.buildId, buildId);
    assert.equal(during[0]?.finishedAt, null);
    assert.equal(during[0]?.contextDir, ctx);
    await finished;
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'events numbered 1, 2, …');
    const [after] = await engine.listBuilds();
    assert.equal(after?.buildId, buildId);
    assert.equal(after?.seq, events.length);
    assert.ok(after?.result?.ok, JSON.stringify(after?.result));
    assert.ok(after.steps.length >= 2);
    assert.ok(after.steps.every((s) => s.status === 'done' || s.status === 'cached'), JSON.stringify(after.steps.map((s) => s.status)));
    assert.deepEqual(await dispatch(engine, 'listBuilds', { x: 1 }).then((r) => r.ok), false);
  });
});
