// An intermediate stage's last step keeps its result as the stage's root filesystem only (no layer tar):
// what later builds do with it, when the snapshot is gone, and when the stage becomes an image after all.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { ROOT_NEEDED_AS_LAYER, ROOT_NOT_KEPT, runBuild } from './solver.ts';
import { applyLayers } from './rootfs.ts';

const BASE = 'strata-test/busybox:1';

function watch() {
  const steps = new Map<string, BuildStepState>();
  return {
    steps,
    onStatus: (e: BuildStatusEvent) => {
      for (const s of e.steps ?? []) steps.set(s.id, s);
    },
    step: (prefix: string) => [...steps.values()].find((s) => s.instruction.startsWith(prefix))!,
  };
}

describe('an intermediate stage keeps its last result as a root filesystem, not a layer', () => {
  const t = tempDir();
  let store: Store;
  let ctx: string;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    ctx = writeTree(join(t.path, 'ctx'), {
      Dockerfile: [
        `FROM ${BASE} AS build`,
        'COPY src/ /src/',
        'RUN mkdir -p /out && cat /src/a.txt /src/b.txt > /out/app.txt && head -c 300000 /dev/zero > /big.bin',
        'ENV BUILT=1',
        `FROM ${BASE}`,
        'COPY note.txt /note.txt',
        'COPY --from=build /out/ /app/',
        '',
      ].join('\n'),
      'src/a.txt': 'alpha\n',
      'src/b.txt': 'beta\n',
      'note.txt': 'one\n',
    });
  });
  after(() => t.cleanup());

  const blobsNow = () => new Set(readdirSync(join(store.home, 'blobs', 'sha256')));
  /** fileOf reads one file of an image, unpacked from its layers. */
  const fileOf = async (ref: string, path: string) => {
    const dir = mkdtempSync(join(t.path, 'unpacked-'));
    try {
      await applyLayers(store, (await store.resolve(ref)).manifest.layers, dir);
      return readFileSync(join(dir, path), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const appTxt = (ref: string) => fileOf(ref, 'app/app.txt');

  test('no layer is written for the stage nobody carries; its root serves COPY --from, now and in later builds', async () => {
    const before = blobsNow();
    const w = watch();
    const r = await runBuild(store, { contextDir: ctx, tags: ['ro:1'] }, { onStatus: w.onStatus });
    const run = w.step('RUN mkdir');
    assert.equal(run.status, 'done');
    assert.equal(run.layer, null);
    assert.equal(run.rootOnly, true);
    // The stage's COPY is not its last step: a real layer, as the final stage's steps.
    assert.ok(w.step('COPY src/').layer);
    assert.equal(w.step('COPY --from').rootOnly, undefined);
    assert.equal(await appTxt('ro:1'), 'alpha\nbeta\n');
    const img = await store.resolve('ro:1');
    assert.equal(img.digest, r.digest);
    assert.equal(img.manifest.layers.length, 3); // busybox, note.txt, /app
    // New blobs: the build stage's COPY layer, the final stage's two layers, config and manifest; no tar
    // holds the RUN's 300 kB.
    const added = [...blobsNow()].filter((d) => !before.has(d));
    assert.equal(added.length, 5);
    for (const d of added) assert.ok((await store.blobs.read(`sha256:${d}` as never)).length < 300_000, `blob ${d} is under the RUN's output size`);

    // Nothing changed: every step is cached, the RUN as a root.
    const w2 = watch();
    const r2 = await runBuild(store, { contextDir: ctx, tags: ['ro:1'] }, { onStatus: w2.onStatus });
    assert.equal(r2.digest, r.digest);
    assert.equal(w2.step('RUN mkdir').status, 'cached');
    assert.equal(w2.step('RUN mkdir').rootOnly, true);

    // Only the final stage changed: its COPY --from reads the build stage's kept root; the RUN does not run again.
    writeFileSync(join(ctx, 'note.txt'), 'two\n');
    const w3 = watch();
    await runBuild(store, { contextDir: ctx, tags: ['ro:2'] }, { onStatus: w3.onStatus });
    assert.equal(w3.step('RUN mkdir').status, 'cached');
    assert.equal(w3.step('COPY --from').status, 'done');
    assert.equal(await appTxt('ro:2'), 'alpha\nbeta\n');
    assert.equal(await fileOf('ro:2', 'note.txt'), 'two\n');
  });

  test('a kept root gone from the snapshot cache: the step runs again, and says why', async () => {
    rmSync(join(store.home, 'snapshots'), { recursive: true, force: true });
    writeFileSync(join(ctx, 'note.txt'), 'three\n');
    const w = watch();
    await runBuild(store, { contextDir: ctx, tags: ['ro:3'] }, { onStatus: w.onStatus });
    const run = w.step('RUN mkdir');
    assert.equal(run.status, 'done');
    assert.equal(run.missReason, ROOT_NOT_KEPT);
    assert.equal(w.step('COPY src/').status, 'cached');
    assert.equal(await appTxt('ro:3'), 'alpha\nbeta\n');
  });

  test('the stage built as the target: the step runs again to make its layer, and later builds use that layer', async () => {
    const w = watch();
    await runBuild(store, { contextDir: ctx, target: 'build', tags: ['ro:build'] }, { onStatus: w.onStatus });
    const run = w.step('RUN mkdir');
    assert.equal(run.status, 'done');
    assert.equal(run.missReason, ROOT_NEEDED_AS_LAYER);
    assert.ok(run.layer && run.layer.uncompressedSize > 300_000, 'the target carries the RUN as a layer');
    assert.equal(await fileOf('ro:build', 'out/app.txt'), 'alpha\nbeta\n');
    assert.equal((await store.resolve('ro:build')).configDoc.config.config?.Env?.includes('BUILT=1'), true);

    // The record now holds a real layer: the default target takes it from the cache as any layer.
    writeFileSync(join(ctx, 'note.txt'), 'four\n');
    const w2 = watch();
    await runBuild(store, { contextDir: ctx, tags: ['ro:4'] }, { onStatus: w2.onStatus });
    assert.equal(w2.step('RUN mkdir').status, 'cached');
    assert.equal(w2.step('RUN mkdir').rootOnly, undefined);
    assert.equal(await appTxt('ro:4'), 'alpha\nbeta\n');
  });

  test('a build that fails after the stage finished keeps its root: the next build takes the step from the cache', async () => {
    const c3 = writeTree(join(t.path, 'ctx3'), {
      Dockerfile: [`FROM ${BASE} AS build`, 'RUN echo made > /made.txt', `FROM ${BASE}`, 'COPY --from=build /made.txt /made.txt', 'ARG FAIL=0', 'RUN exit $FAIL', ''].join('\n'),
    });
    const w = watch();
    await assert.rejects(runBuild(store, { contextDir: c3, tags: ['ro:failed'], buildArgs: { FAIL: '3' } }, { onStatus: w.onStatus }), /exited with code 3/);
    assert.equal(w.step('RUN echo made').rootOnly, true);
    const w2 = watch();
    await runBuild(store, { contextDir: c3, tags: ['ro:fixed'] }, { onStatus: w2.onStatus });
    assert.equal(w2.step('RUN echo made').status, 'cached');
    assert.equal(await fileOf('ro:fixed', 'made.txt'), 'made\n');
  });

  test('a step run again (--no-cache) keeps its own root: a later COPY --from reads what that run made', async () => {
    const c4 = writeTree(join(t.path, 'ctx4'), {
      Dockerfile: [`FROM ${BASE} AS build`, 'RUN head -c 16 /dev/urandom | md5sum > /id', `FROM ${BASE}`, 'COPY note.txt /note.txt', 'COPY --from=build /id /id', ''].join('\n'),
      'note.txt': 'a\n',
    });
    await runBuild(store, { contextDir: c4, tags: ['ro:id1'] });
    await runBuild(store, { contextDir: c4, tags: ['ro:id2'], noCache: true });
    const [id1, id2] = [await fileOf('ro:id1', 'id'), await fileOf('ro:id2', 'id')];
    assert.notEqual(id1, id2, 'the RUN ran again');
    writeFileSync(join(c4, 'note.txt'), 'b\n');
    const w = watch();
    await runBuild(store, { contextDir: c4, tags: ['ro:id3'] }, { onStatus: w.onStatus });
    assert.equal(w.step('RUN head').status, 'cached');
    assert.equal(w.step('COPY --from').status, 'done');
    assert.equal(await fileOf('ro:id3', 'id'), id2, 'the root of the latest run, not of the first');
  });

  test('a stage another stage is FROM, and a step that is not its stage\'s last, keep real layers', async () => {
    const c2 = writeTree(join(t.path, 'ctx2'), {
      Dockerfile: [`FROM ${BASE} AS base`, 'RUN echo base > /base.txt', 'FROM base AS build', 'RUN echo built > /built.txt', 'RUN echo more >> /built.txt', 'FROM base', 'COPY --from=build /built.txt /built.txt', ''].join('\n'),
    });
    const w = watch();
    await runBuild(store, { contextDir: c2, tags: ['ro:chain'] }, { onStatus: w.onStatus });
    assert.ok(w.step('RUN echo base').layer, 'the FROM parent of the target keeps its layer');
    assert.ok(w.step('RUN echo built').layer, 'not the last step of its stage');
    assert.equal(w.step('RUN echo more').rootOnly, true);
    assert.equal(await fileOf('ro:chain', 'built.txt'), 'built\nmore\n');
    assert.equal(await fileOf('ro:chain', 'base.txt'), 'base\n');
  });
});
