import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildContextInfo, DockerfileAnalysis, EngineEvents, EngineMethod, StrataBridge } from '../../../preload/contract.ts';
import { bindEvents } from '../ipc/bind-events.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { BUILD_ID, FIRST_EVENT, MULTI_ANALYSIS, MULTI_TEXT, step } from './build-samples.ts';
import { createStrataStore } from './store.ts';

type Handler = (params: never) => Promise<unknown>;

/** fakeEngine answers from a table of handlers and records every call. */
function fakeEngine(handlers: Partial<Record<EngineMethod, Handler>>) {
  const calls: [EngineMethod, unknown][] = [];
  const call = (async (method: EngineMethod, params: unknown) => {
    calls.push([method, params]);
    const h = handlers[method];
    if (!h) throw new EngineError('NOT_STUBBED', method);
    return h(params as never);
  }) as Caller;
  const store = createStrataStore(call, { build: { analyzeDelayMs: 5, now: () => 1000 } });
  return { store, calls, called: (m: EngineMethod) => calls.filter(([x]) => x === m).map(([, p]) => p) };
}

const CTX: BuildContextInfo = { contextDir: '/work/ctx', dockerfile: 'Dockerfile', exists: true, text: MULTI_TEXT };
const BROKEN: DockerfileAnalysis = { ok: false, stages: [], args: [], problems: [{ line: 2, endLine: 2, severity: 'error', message: 'Dockerfile:2: unknown instruction: FORM' }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

const engine = (extra: Partial<Record<EngineMethod, Handler>> = {}) =>
  fakeEngine({
    openContext: async () => CTX,
    analyzeDockerfile: async (p: { text: string }) => (p.text.includes('FORM') ? BROKEN : MULTI_ANALYSIS),
    checkReference: async (p: { input: string }) => (p.input.includes('UPPER') ? { ok: false, error: 'repository name must be lowercase' } : { ok: true, normalized: `docker.io/library/${p.input}`, familiar: p.input }),
    saveDockerfile: async () => ({ saved: true }),
    build: async () => ({ buildId: BUILD_ID }),
    cancelBuild: async () => ({ cancelled: true }),
    ...extra,
  });

describe('build slice: context and analysis', () => {
  test('openContext loads the Dockerfile, analyzes it and prefills the args', async () => {
    const { store, called } = engine();
    store.getState().setContextPath('  /work/ctx ');
    assert.equal(await store.getState().openContext(), true);
    const s = store.getState();
    assert.deepEqual(called('openContext'), [{ contextDir: '/work/ctx' }]);
    assert.equal(s.dockerfileText, MULTI_TEXT);
    assert.equal(s.docVersion, 1);
    assert.equal(s.analysis, MULTI_ANALYSIS);
    assert.deepEqual(
      s.buildForm.args.map((a) => [a.name, a.value]),
      [['BASE', 'busybox:latest']],
    );
  });

  test('an empty path opens nothing and calls nothing', async () => {
    const { store, calls } = engine();
    assert.equal(await store.getState().openContext(), false);
    assert.deepEqual(calls, []);
  });

  test('a folder that cannot be opened keeps the error', async () => {
    const { store } = engine({ openContext: async () => Promise.reject(new EngineError('BUILD_CONTEXT', '"/nope" is not a folder')) });
    assert.equal(await store.getState().openContext('/nope'), false);
    assert.equal(store.getState().contextError?.code, 'BUILD_CONTEXT');
    assert.equal(store.getState().contextLoading, false);
  });

  test('typing is analyzed once it pauses; a parse error keeps the form', async () => {
    const { store, called } = engine();
    await store.getState().openContext('/work/ctx');
    store.getState().setTarget('app');
    store.getState().editDockerfile(MULTI_TEXT + 'F');
    store.getState().editDockerfile(MULTI_TEXT + 'FO');
    store.getState().editDockerfile(MULTI_TEXT + 'FORM x');
    await sleep(30);
    assert.deepEqual(
      called('analyzeDockerfile').map((p) => (p as { text: string }).text.slice(MULTI_TEXT.length)),
      ['', 'FORM x'],
      'one analysis at open, one after the pause',
    );
    const s = store.getState();
    assert.deepEqual(s.analysis?.problems.map((p) => p.line), [2]);
    assert.equal(s.analyzedText, MULTI_TEXT + 'FORM x');
    assert.equal(s.buildForm.target, 'app');
    assert.equal(s.buildForm.args.length, 1);
    assert.equal(s.lastGoodAnalysis, MULTI_ANALYSIS, 'the stages as they last parsed stay');
  });

  test('a target the Dockerfile no longer has falls back to the last stage', async () => {
    const { store } = engine({ analyzeDockerfile: async (p: { text: string }) => (p.text === 'FROM x\n' ? { ...MULTI_ANALYSIS, stages: [] } : MULTI_ANALYSIS) });
    await store.getState().openContext('/work/ctx');
    store.getState().setTarget('docs');
    store.getState().editDockerfile('FROM x\n');
    await store.getState().analyzeNow();
    assert.equal(store.getState().buildForm.target, '');
  });

  test('an older analysis answering late never replaces a newer one', async () => {
    const slow = deferred<DockerfileAnalysis>();
    const { store } = engine({ analyzeDockerfile: async (p: { text: string }) => (p.text === 'old' ? slow.promise : MULTI_ANALYSIS) });
    store.getState().editDockerfile('old');
    const first = store.getState().analyzeNow();
    store.getState().editDockerfile('new');
    await store.getState().analyzeNow();
    slow.resolve(BROKEN);
    await first;
    assert.equal(store.getState().analysis, MULTI_ANALYSIS);
    assert.equal(store.getState().analyzedText, 'new');
  });
});

describe('build slice: form', () => {
  test('tags are checked by the engine; an invalid one says why and is not added', async () => {
    const { store } = engine();
    store.getState().setTagDraft('app:1');
    assert.equal(await store.getState().addTag(), true);
    assert.equal(store.getState().tagDraft, '');
    assert.equal(await store.getState().addTag('UPPER:1'), false);
    assert.match(store.getState().tagError ?? '', /lowercase/);
    await store.getState().addTag('app:1');
    assert.deepEqual(store.getState().buildForm.tags, [{ name: 'app:1', normalized: 'docker.io/library/app:1' }]);
    store.getState().removeTag('app:1');
    assert.deepEqual(store.getState().buildForm.tags, []);
  });

  test('arg rows: a Dockerfile row only changes its value; a hand-added row its name too', async () => {
    const { store } = engine();
    await store.getState().openContext('/work/ctx');
    const base = store.getState().buildForm.args[0];
    assert.ok(base);
    store.getState().updateBuildArg(base.id, { name: 'RENAMED', value: 'strata-e2e/base:1' });
    store.getState().addBuildArg();
    const added = store.getState().buildForm.args[1];
    assert.ok(added);
    store.getState().updateBuildArg(added.id, { name: 'EXTRA', value: '1' });
    assert.deepEqual(
      store.getState().buildForm.args.map((a) => [a.name, a.value, a.edited]),
      [
        ['BASE', 'strata-e2e/base:1', true],
        ['EXTRA', '1', true],
      ],
    );
    store.getState().removeBuildArg(added.id);
    assert.equal(store.getState().buildForm.args.length, 1);
  });
});

describe('build slice: a build', () => {
  test('saves an edited Dockerfile, then builds with the form', async () => {
    const { store, calls } = engine();
    await store.getState().openContext('/work/ctx');
    const edited = MULTI_TEXT + 'EXPOSE 80\n';
    store.getState().editDockerfile(edited);
    await store.getState().addTag('app:1');
    store.getState().setTarget('app');
    store.getState().setNoCache(true);
    await store.getState().startBuild();
    const order = calls.map(([m]) => m).filter((m) => m === 'saveDockerfile' || m === 'build');
    assert.deepEqual(order, ['saveDockerfile', 'build']);
    assert.deepEqual(calls.find(([m]) => m === 'saveDockerfile')?.[1], { contextDir: '/work/ctx', dockerfile: 'Dockerfile', text: edited });
    assert.deepEqual(calls.find(([m]) => m === 'build')?.[1], { contextDir: '/work/ctx', dockerfile: 'Dockerfile', tags: ['app:1'], target: 'app', noCache: true });
    const run = store.getState().build;
    assert.equal(run?.buildId, BUILD_ID);
    assert.equal(run?.phase, 'starting');
    assert.equal(run?.text, edited);
    assert.equal(store.getState().savedText, edited);
  });

  test('an unedited Dockerfile is not written again', async () => {
    const { store, called } = engine();
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    assert.equal(called('saveDockerfile').length, 0);
    assert.equal(called('build').length, 1);
  });

  test('a name left in the tag field is added before building; an invalid one stops the build', async () => {
    const { store, called } = engine();
    await store.getState().openContext('/work/ctx');
    store.getState().setTagDraft('UPPER');
    await store.getState().startBuild();
    assert.equal(called('build').length, 0);
    assert.equal(store.getState().build, null);
    store.getState().setTagDraft('app:2');
    await store.getState().startBuild();
    assert.deepEqual((called('build')[0] as { tags: string[] }).tags, ['app:2']);
  });

  test('events follow the build: deltas, then the result; other builds are ignored', async () => {
    const { store } = engine();
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    const s = () => store.getState();
    s().receiveBuildStatus({ ...FIRST_EVENT, buildId: 'other' });
    assert.equal(s().build?.steps.length, 0);
    s().receiveBuildStatus(FIRST_EVENT);
    assert.equal(s().build?.phase, 'running');
    s().receiveBuildStatus({ buildId: BUILD_ID, steps: [step(0, 1, 'WORKDIR /app', { status: 'running', startedAt: 1 })], logs: [{ stepId: '0.1', stream: 'stdout', line: 'hi' }] });
    assert.equal(s().build?.steps.find((x) => x.id === '0.1')?.status, 'running');
    s().receiveBuildStatus({ buildId: BUILD_ID, result: { ok: true, value: { digest: 'sha256:d', configDigest: 'sha256:c', references: [], cachedSteps: 0, fsSteps: 5, durationMs: 3 } } });
    assert.equal(s().build?.phase, 'succeeded');
    assert.equal(s().build?.result?.digest, 'sha256:d');
    assert.equal(s().build?.finishedAt, 1000);
  });

  test('events that beat the build call’s answer are replayed for its id', async () => {
    const reply = deferred<{ buildId: string }>();
    const { store } = engine({ build: async () => reply.promise });
    await store.getState().openContext('/work/ctx');
    const started = store.getState().startBuild();
    await sleep(1);
    store.getState().receiveBuildStatus(FIRST_EVENT);
    store.getState().receiveBuildStatus({ ...FIRST_EVENT, buildId: 'someone-else' });
    reply.resolve({ buildId: BUILD_ID });
    await started;
    assert.equal(store.getState().build?.steps.length, FIRST_EVENT.steps?.length);
    assert.equal(store.getState().build?.phase, 'running');
  });

  test('a build the engine refuses fails with its error', async () => {
    const { store } = engine({ build: async () => Promise.reject(new EngineError('INVALID_REQUEST', 'invalid arguments to build')) });
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    assert.equal(store.getState().build?.phase, 'failed');
    assert.equal(store.getState().build?.error?.code, 'INVALID_REQUEST');
  });

  test('no build without a context, and no second build while one runs', async () => {
    const { store, called } = engine();
    await store.getState().startBuild();
    assert.equal(called('build').length, 0);
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    await store.getState().startBuild();
    assert.equal(called('build').length, 1);
  });

  test('cancel asks the engine; the cancelled result ends the run', async () => {
    const { store, called } = engine();
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    store.getState().receiveBuildStatus(FIRST_EVENT);
    await store.getState().cancelBuild();
    assert.deepEqual(called('cancelBuild'), [{ buildId: BUILD_ID }]);
    assert.equal(store.getState().build?.cancelling, true);
    store.getState().receiveBuildStatus({ buildId: BUILD_ID, result: { ok: false, error: { code: 'BUILD_CANCELLED', message: 'build cancelled' } } });
    assert.equal(store.getState().build?.phase, 'cancelled');
    assert.equal(store.getState().build?.cancelling, false);
  });

  test('cancel before the build has an id is sent once it has one', async () => {
    const reply = deferred<{ buildId: string }>();
    const { store, called } = engine({ build: async () => reply.promise });
    await store.getState().openContext('/work/ctx');
    const started = store.getState().startBuild();
    await sleep(1);
    await store.getState().cancelBuild();
    assert.equal(called('cancelBuild').length, 0);
    reply.resolve({ buildId: BUILD_ID });
    await started;
    assert.deepEqual(called('cancelBuild'), [{ buildId: BUILD_ID }]);
  });

  test('opening another folder forgets the finished build and the old args', async () => {
    const { store } = engine({ openContext: async (p: { contextDir: string }) => ({ ...CTX, contextDir: p.contextDir }) });
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    store.getState().receiveBuildStatus({ buildId: BUILD_ID, result: { ok: false, error: { code: 'X', message: 'y' } } });
    store.getState().setTarget('app');
    await store.getState().openContext('/work/other');
    assert.equal(store.getState().build, null);
    assert.equal(store.getState().buildForm.target, '');
    assert.equal(store.getState().docVersion, 2);
  });
});

describe('bindEvents and builds', () => {
  test("'build/status' events reach the build slice", async () => {
    const listeners = new Map<string, (p: unknown) => void>();
    const bridge: StrataBridge = {
      invoke: (async (method: EngineMethod) => ({ ok: true, result: method === 'listImages' ? [] : method === 'openContext' ? CTX : method === 'analyzeDockerfile' ? MULTI_ANALYSIS : method === 'build' ? { buildId: BUILD_ID } : { onDisk: 0 } })) as StrataBridge['invoke'],
      on: ((event: string, l: (p: unknown) => void) => {
        listeners.set(event, l);
        return () => listeners.delete(event);
      }) as StrataBridge['on'],
    };
    const { makeCaller } = await import('../ipc/call.ts');
    const store = createStrataStore(makeCaller(bridge));
    const off = bindEvents(bridge, store);
    await store.getState().openContext('/work/ctx');
    await store.getState().startBuild();
    (listeners.get('build/status') as (p: EngineEvents['build/status']) => void)(FIRST_EVENT);
    assert.equal(store.getState().build?.stages.length, 5);
    off();
    assert.equal(listeners.size, 0);
  });
});
