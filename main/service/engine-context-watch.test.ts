import assert from 'node:assert/strict';
import { renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import tar from 'tar-stream';
import type { BuildResult, BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';
import type { ContextWatcher } from '../build/context-watch.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { Engine } from './engine.ts';

const BASE = 'watch-test/busybox:1';
const t = tempDir('strata-engine-watch-');
after(() => t.cleanup());

/** build runs one build through the engine and returns its result and its COPY step's final state. */
async function build(engine: Engine, contextDir: string, tag: string): Promise<{ result: BuildResult; copy: BuildStepState }> {
  const events: BuildStatusEvent[] = [];
  let wanted: string | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const unsubscribe = engine.events.subscribe((name, payload) => {
    if (name !== 'build/status') return;
    const e = payload as BuildStatusEvent;
    events.push(e);
    if (e.result && e.buildId === wanted) done();
  });
  try {
    const { buildId } = await engine.build({ contextDir, tags: [tag] });
    wanted = buildId;
    if (!events.some((e) => e.buildId === buildId && e.result)) await finished;
  } finally {
    unsubscribe();
  }
  const buildId = wanted as string;
  const mine = events.filter((e) => e.buildId === buildId);
  const steps = new Map<string, BuildStepState>();
  for (const e of mine) for (const s of e.steps ?? []) steps.set(s.id, { ...steps.get(s.id), ...s } as BuildStepState);
  const result = mine.find((e) => e.result)!.result!;
  if (!result.ok) throw new Error(`build failed: ${result.error.message}`);
  const copy = [...steps.values()].find((s) => s.kind === 'COPY');
  assert.ok(copy, 'the build has a COPY step');
  return { result: result.value, copy };
}

/** layerFiles reads the image's last layer: path → content (a symlink: '-> target'). */
async function layerFiles(store: Store, ref: string): Promise<Record<string, string>> {
  const img = await store.resolve(ref);
  const digest = img.manifest.layers.at(-1)!.digest;
  const extract = tar.extract();
  const body = store.blobs.open(digest as never);
  const head = await new Promise<Buffer>((r) => body.once('readable', () => { const b = body.read(2) as Buffer; body.unshift(b); r(b); }));
  (head[0] === 0x1f ? body.pipe(createGunzip()) : body).pipe(extract);
  const out: Record<string, string> = {};
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    if (e.header.type === 'file') out[e.header.name] = Buffer.concat(chunks).toString();
    else if (e.header.type === 'symlink') out[e.header.name] = `-> ${e.header.linkname}`;
  }
  return out;
}

/** untilPending waits (bounded) for the context's watcher to have seen an event. */
async function untilPending(w: ContextWatcher | undefined): Promise<void> {
  assert.ok(w, 'the engine watches the context');
  for (let i = 0; i < 400 && !w.pending; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(w.pending, 'the watcher saw no event in 2 s');
}

const FILES = {
  Dockerfile: `FROM ${BASE}\nCOPY . /ctx/\n`,
  '.dockerignore': 'Dockerfile\nignored/\n',
  'top.txt': 'top',
  'src/a.txt': 'a',
  'src/b.txt': 'b',
  'src/sub/c.txt': 'c',
  'ignored/x.txt': 'x',
};

describe('engine builds through watched contexts: the next build sees exactly the change', () => {
  let store: Store;
  let engine: Engine;
  const ctx = join(t.path, 'ctx');
  const tag = 'watch-test/app:1';
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    engine = new Engine(store, 'browser');
    writeTree(ctx, FILES);
  });
  after(() => engine.close());

  test('cold build walks in full; a warm one reuses the entries and hits the cache', async () => {
    await build(engine, ctx, tag);
    assert.equal(engine.contextWatcher(ctx)?.last?.kind, 'full');
    const warm = await build(engine, ctx, tag);
    assert.equal(engine.contextWatcher(ctx)?.last?.kind, 'reused');
    assert.equal(warm.copy.status, 'cached');
  });

  const cases: { name: string; change: () => void; reason: string; files: Record<string, string | undefined>; kind: string; wait?: boolean }[] = [
    { name: 'modify a file', change: () => writeFileSync(join(ctx, 'src/a.txt'), 'a2'), reason: 'src/a.txt changed', files: { 'ctx/src/a.txt': 'a2' }, kind: 'incremental' },
    { name: 'add a file', change: () => writeFileSync(join(ctx, 'src/new.txt'), 'new'), reason: 'src/new.txt added', files: { 'ctx/src/new.txt': 'new' }, kind: 'incremental' },
    { name: 'delete a file', change: () => unlinkSync(join(ctx, 'src/b.txt')), reason: 'src/b.txt removed', files: { 'ctx/src/b.txt': undefined }, kind: 'incremental' },
    {
      name: 'rename a directory',
      change: () => renameSync(join(ctx, 'src/sub'), join(ctx, 'src/moved')),
      reason: 'src/moved added, src/moved/c.txt added, src/sub removed and 1 more',
      files: { 'ctx/src/moved/c.txt': 'c', 'ctx/src/sub/c.txt': undefined },
      kind: 'incremental',
    },
    { name: 'change .dockerignore', change: () => writeFileSync(join(ctx, '.dockerignore'), 'Dockerfile\n'), reason: '.dockerignore changed, ignored added, ignored/x.txt added', files: { 'ctx/ignored/x.txt': 'x' }, kind: 'full' },
    {
      name: 'replace a file by a symlink',
      change: () => {
        unlinkSync(join(ctx, 'top.txt'));
        symlinkSync('src/a.txt', join(ctx, 'top.txt'));
      },
      reason: 'top.txt changed',
      files: { 'ctx/top.txt': '-> src/a.txt' },
      kind: 'incremental',
    },
    { name: 'a change built at once, without waiting for its event', change: () => writeFileSync(join(ctx, 'src/a.txt'), 'a3'), reason: 'src/a.txt changed', files: { 'ctx/src/a.txt': 'a3' }, kind: 'incremental', wait: false },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      c.change();
      if (c.wait !== false) await untilPending(engine.contextWatcher(ctx));
      const r = await build(engine, ctx, tag);
      assert.equal(engine.contextWatcher(ctx)?.last?.kind, c.kind);
      assert.equal(r.copy.status, 'done');
      assert.equal(r.copy.missReason, c.reason);
      const files = await layerFiles(store, tag);
      for (const [path, content] of Object.entries(c.files)) assert.equal(files[path], content, path);
      const again = await build(engine, ctx, tag);
      assert.equal(again.copy.status, 'cached');
      assert.equal(again.result.digest, r.result.digest);
    });
  }
});

describe('engine builds when watching fails: full walks, the same results', () => {
  test('an injected watch failure (ENOSPC): every build walks in full and sees the change', async () => {
    // Two stores: the same content must miss the cache in each.
    const storeA = await Store.open(join(t.path, 'home-watched'));
    const store = await Store.open(join(t.path, 'home-fail'));
    await makeBusyboxImage(storeA, [BASE]);
    await makeBusyboxImage(store, [BASE]);
    const watched = new Engine(storeA, 'browser');
    const failing = new Engine(store, 'browser');
    failing.contextWatchOptions = {
      watch: () => {
        throw Object.assign(new Error('inotify watch limit reached'), { code: 'ENOSPC' });
      },
    };
    const a = writeTree(join(t.path, 'ctx-a'), FILES);
    const b = writeTree(join(t.path, 'ctx-b'), FILES);
    try {
      await build(watched, a, 'watch-test/a:1');
      await build(failing, b, 'watch-test/b:1');
      writeFileSync(join(a, 'src/a.txt'), 'changed');
      writeFileSync(join(b, 'src/a.txt'), 'changed');
      const ra = await build(watched, a, 'watch-test/a:1');
      const rb = await build(failing, b, 'watch-test/b:1');
      assert.equal(failing.contextWatcher(b)?.last?.kind, 'full');
      assert.match(failing.contextWatcher(b)?.last?.reason ?? '', /cannot watch/);
      assert.equal(rb.copy.missReason, ra.copy.missReason);
      assert.equal(rb.copy.missReason, 'src/a.txt changed');
      assert.equal(rb.result.digest, ra.result.digest);
      assert.equal((await layerFiles(store, 'watch-test/b:1'))['ctx/src/a.txt'], 'changed');
    } finally {
      watched.close();
      failing.close();
    }
  });

  test('many events between builds: the next build walks in full and sees them all', async () => {
    const store = await Store.open(join(t.path, 'home-many'));
    await makeBusyboxImage(store, [BASE]);
    const engine = new Engine(store, 'browser');
    engine.contextWatchOptions = { maxEvents: 20 };
    const ctx = writeTree(join(t.path, 'ctx-many'), FILES);
    try {
      await build(engine, ctx, 'watch-test/many:1');
      for (let i = 0; i < 30; i++) writeFileSync(join(ctx, `src/n${i}.txt`), String(i));
      await untilPending(engine.contextWatcher(ctx));
      const r = await build(engine, ctx, 'watch-test/many:1');
      assert.equal(engine.contextWatcher(ctx)?.last?.kind, 'full');
      assert.match(r.copy.missReason ?? '', /^src\/n0\.txt added, src\/n1\.txt added, src\/n10\.txt added and 27 more$/);
      const files = await layerFiles(store, 'watch-test/many:1');
      for (let i = 0; i < 30; i++) assert.equal(files[`ctx/src/n${i}.txt`], String(i));
    } finally {
      engine.close();
    }
  });

  test('the CLI mode does not watch; a closed engine stops watching', async () => {
    const store = await Store.open(join(t.path, 'home-cli'));
    await makeBusyboxImage(store, [BASE]);
    const cli = new Engine(store, 'cli');
    const ctx = writeTree(join(t.path, 'ctx-cli'), FILES);
    await build(cli, ctx, 'watch-test/cli:1');
    assert.equal(cli.contextWatcher(ctx), undefined);
    const app = new Engine(store, 'browser');
    await build(app, ctx, 'watch-test/cli:1');
    const w = app.contextWatcher(ctx);
    assert.ok(w && w.watching > 0);
    app.close();
    assert.equal(w.watching, 0);
    assert.equal(app.contextWatcher(ctx), undefined);
    const after = await build(app, ctx, 'watch-test/cli:1');
    assert.equal(after.copy.status, 'cached');
  });
});
