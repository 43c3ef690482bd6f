import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { runBuild } from './solver.ts';

const BASE = 'strata-test/busybox:1';

async function layerEntries(store: Store, digest: string): Promise<{ name: string; type: string; mode: number; uid: number; gid: number; mtime: number; linkname: string | null }[]> {
  const extract = tar.extract();
  const out: { name: string; type: string; mode: number; uid: number; gid: number; mtime: number; linkname: string | null }[] = [];
  const src = store.blobs.open(digest as never);
  const body = (await store.readManifest(digest as never).catch(() => null)) ? src : src;
  const head = await new Promise<Buffer>((r) => body.once('readable', () => { const b = body.read(2) as Buffer; body.unshift(b); r(b); }));
  (head[0] === 0x1f ? body.pipe(createGunzip()) : body).pipe(extract);
  for await (const e of extract) {
    out.push({ name: e.header.name, type: e.header.type ?? 'file', mode: e.header.mode ?? 0, uid: e.header.uid ?? 0, gid: e.header.gid ?? 0, mtime: (e.header.mtime?.getTime() ?? 0) / 1000, linkname: e.header.linkname ?? null });
    e.resume();
  }
  return out;
}

function collector() {
  const steps = new Map<string, BuildStepState>();
  const events: BuildStatusEvent[] = [];
  return {
    steps,
    events,
    onStatus: (e: BuildStatusEvent) => {
      events.push(e);
      for (const s of e.steps ?? []) steps.set(s.id, s);
    },
    byInstruction: (prefix: string) => [...steps.values()].filter((s) => s.instruction.startsWith(prefix)),
  };
}

describe('build engine (COPY, WORKDIR, metadata, stages, cache)', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
  });
  after(() => t.cleanup());

  test('metadata instructions land in the image config as docker writes them', async () => {
    const ctx = writeTree(join(t.path, 'meta'), {
      Dockerfile: `FROM ${BASE}\nENV APP_HOME=/srv/app LEVEL=3\nLABEL org.example.team="core" version=1\nWORKDIR $APP_HOME\nUSER 1000:1000\nEXPOSE 8080 53/udp\nVOLUME /data\nSTOPSIGNAL SIGTERM\nHEALTHCHECK --interval=30s --retries=2 CMD wget -q localhost:8080 || exit 1\nENTRYPOINT ["/bin/sh", "-c"]\nCMD ["echo hi"]\n`,
    });
    const c = collector();
    const r = await runBuild(store, { contextDir: ctx, tags: ['meta:1'] }, { onStatus: c.onStatus });
    const img = await store.resolve('meta:1');
    assert.equal(img.digest, r.digest);
    const cfg = img.configDoc.config.config!;
    assert.deepEqual(cfg.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_HOME=/srv/app', 'LEVEL=3']);
    assert.deepEqual(cfg.Labels, { 'org.example.team': 'core', version: '1' });
    assert.equal(cfg.WorkingDir, '/srv/app');
    assert.equal(cfg.User, '1000:1000');
    assert.deepEqual(Object.keys(cfg.ExposedPorts ?? {}).sort(), ['53/udp', '8080/tcp']);
    assert.deepEqual(cfg.Volumes, { '/data': {} });
    assert.equal(cfg.StopSignal, 'SIGTERM');
    assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost:8080 || exit 1'], Interval: 30_000_000_000, Retries: 2 });
    assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(cfg.Cmd, ['echo hi']);
    // WORKDIR made a layer with the new directory; history names each instruction and its line.
    const hist = img.configDoc.config.history!;
    assert.deepEqual(hist.slice(-10).map((h) => h.created_by), ['ENV APP_HOME=/srv/app LEVEL=3', 'LABEL org.example.team="core" version=1', 'WORKDIR /srv/app', 'USER 1000:1000', 'EXPOSE 8080 53/udp', 'VOLUME /data', 'STOPSIGNAL SIGTERM', 'HEALTHCHECK --interval=30s --retries=2 CMD wget -q localhost:8080 || exit 1', 'ENTRYPOINT ["/bin/sh","-c"]', 'CMD ["echo hi"]']);
    assert.equal(hist.find((h) => h.created_by === 'WORKDIR /srv/app')?.comment, 'Dockerfile:4');
    assert.equal(img.manifest.layers.length, 2);
    const names = (await layerEntries(store, img.manifest.layers[1]!.digest)).map((e) => e.name);
    assert.deepEqual(names, ['srv/', 'srv/app/']);
  });

  test('COPY: files, directories, wildcards, --chown/--chmod, .dockerignore', async () => {
    const ctx = writeTree(join(t.path, 'copy'), {
      Dockerfile: `FROM ${BASE}\nWORKDIR /app\nCOPY requirements.txt ./\nCOPY src/ ./src/\nCOPY --chown=1000:2000 --chmod=0640 conf/*.ini /etc/app/\nCOPY run.sh /usr/local/bin/run\n`,
      'requirements.txt': 'flask==3.0\n',
      'src/app.py': 'print("hi")\n',
      'src/util/helpers.py': 'X = 1\n',
      'src/__pycache__/app.cpython-311.pyc': 'junk',
      'conf/a.ini': 'a=1\n',
      'conf/b.ini': 'b=2\n',
      'conf/c.txt': 'not copied\n',
      'run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
      'secret.env': 'TOKEN=x',
      '.dockerignore': '**/__pycache__\nsecret.env\n',
    });
    await runBuild(store, { contextDir: ctx, tags: ['copy:1'] });
    const img = await store.resolve('copy:1');
    const layers = img.manifest.layers.slice(1);
    assert.equal(layers.length, 5);
    const [wd, req, src, conf, run] = await Promise.all(layers.map((l) => layerEntries(store, l.digest)));
    assert.deepEqual(wd!.map((e) => e.name), ['app/']);
    assert.deepEqual(req!.map((e) => e.name), ['app/', 'app/requirements.txt']);
    assert.deepEqual(src!.map((e) => e.name), ['app/', 'app/src/', 'app/src/app.py', 'app/src/util/', 'app/src/util/helpers.py']);
    assert.deepEqual(conf!.map((e) => [e.name, e.mode.toString(8), e.uid, e.gid]), [['etc/', '755', 0, 0], ['etc/app/', '755', 1000, 2000], ['etc/app/a.ini', '640', 1000, 2000], ['etc/app/b.ini', '640', 1000, 2000]]);
    assert.deepEqual(run!.map((e) => [e.name, e.mode.toString(8)]), [['usr/', '755'], ['usr/local/', '755'], ['usr/local/bin/', '755'], ['usr/local/bin/run', '755']]);
    for (const e of [...req!, ...src!]) assert.equal(e.mtime, 0, 'mtimes are clamped to SOURCE_DATE_EPOCH (0 by default)');
  });

  test('a missing source names the Dockerfile line and the file', async () => {
    const ctx = writeTree(join(t.path, 'missing'), { Dockerfile: `FROM ${BASE}\n\nCOPY nope.txt /\n` });
    await assert.rejects(runBuild(store, { contextDir: ctx }), (e: Error & { code: string }) => e.code === 'BUILD_SOURCE_NOT_FOUND' && /Dockerfile:3: COPY nope\.txt: not found in the build context/.test(e.message));
  });

  test('a parse error names the line; an unknown base image names it too', async () => {
    const bad = writeTree(join(t.path, 'bad'), { Dockerfile: `FROM ${BASE}\nCOPY --frob=1 a b\n` });
    await assert.rejects(runBuild(store, { contextDir: bad }), /Dockerfile:2/);
    const nobase = writeTree(join(t.path, 'nobase'), { Dockerfile: `FROM strata-test/does-not-exist:1\n` });
    await assert.rejects(runBuild(store, { contextDir: nobase }), /Dockerfile:1: base image "strata-test\/does-not-exist:1" is not in the store and could not be pulled: /);
  });

  test('rebuild with nothing changed: every step CACHED, same image digest; two clean builds are identical', async () => {
    const files = { Dockerfile: `FROM ${BASE}\nWORKDIR /cached\nCOPY requirements.txt .\nCOPY src/ ./src/\nCMD ["sh"]\n`, 'requirements.txt': 'x\n', 'src/app.py': 'a\n', 'src/lib.py': 'b\n' };
    const ctx = writeTree(join(t.path, 'cache'), files);
    const first = await runBuild(store, { contextDir: ctx, tags: ['cache:1'] });
    assert.equal(first.cachedSteps, 0);
    const c = collector();
    const second = await runBuild(store, { contextDir: ctx, tags: ['cache:1'] }, { onStatus: c.onStatus });
    assert.equal(second.digest, first.digest);
    assert.equal(second.cachedSteps, second.fsSteps);
    assert.deepEqual([...c.steps.values()].filter((s) => s.fsStep && s.kind !== 'FROM').map((s) => s.status), ['cached', 'cached', 'cached']);
    // A separate store and another copy of the context (new inodes and mtimes) give the same digest.
    const other = await Store.open(join(t.path, 'home2'));
    await makeBusyboxImage(other, [BASE]);
    const ctx2 = writeTree(join(t.path, 'cache-copy'), files);
    const third = await runBuild(other, { contextDir: ctx2, tags: ['cache:1'] });
    assert.equal(third.digest, first.digest);
  });

  test('one source file touched: only steps from that COPY rebuild, and the reason names the file', async () => {
    const ctx = join(t.path, 'cache');
    writeTree(ctx, { 'src/lib.py': 'changed\n' });
    const c = collector();
    const r = await runBuild(store, { contextDir: ctx, tags: ['cache:1'] }, { onStatus: c.onStatus });
    const fs = [...c.steps.values()].filter((s) => s.fsStep && s.kind !== 'FROM');
    assert.deepEqual(fs.map((s) => [s.instruction, s.status]), [['WORKDIR /cached', 'cached'], ['COPY requirements.txt .', 'cached'], ['COPY src/ ./src/', 'done']]);
    assert.equal(c.byInstruction('COPY src/')[0]!.missReason, 'src/lib.py changed');
    assert.equal(r.cachedSteps, 2);
    // Touching mtime only (same content) is still a hit: keys are content-based.
    const { utimesSync } = await import('node:fs');
    utimesSync(join(ctx, 'requirements.txt'), new Date(), new Date(2030, 1, 1));
    const again = await runBuild(store, { contextDir: ctx, tags: ['cache:1'] });
    assert.equal(again.cachedSteps, again.fsSteps);
    assert.equal(again.digest, r.digest);
  });

  test('build args: ARG used in COPY changes the key, the reason names the arg', async () => {
    const ctx = writeTree(join(t.path, 'args'), { Dockerfile: `FROM ${BASE}\nARG VARIANT=a\nCOPY files/\${VARIANT}.txt /variant.txt\n`, 'files/a.txt': 'A', 'files/b.txt': 'B' });
    await runBuild(store, { contextDir: ctx, tags: ['args:1'] });
    const c = collector();
    await runBuild(store, { contextDir: ctx, tags: ['args:1'], buildArgs: { VARIANT: 'b' } }, { onStatus: c.onStatus });
    const step = c.byInstruction('COPY')[0]!;
    assert.equal(step.status, 'done');
    assert.equal(step.missReason, 'ARG VARIANT changed from a to b');
    const img = await store.resolve('args:1');
    const entries = await layerEntries(store, img.manifest.layers.at(-1)!.digest);
    assert.deepEqual(entries.map((e) => e.name), ['variant.txt']);
  });

  test('multi-stage: target prunes stages, COPY --from takes only the artifact, unused stages are skipped', async () => {
    const ctx = writeTree(join(t.path, 'multi'), {
      Dockerfile: `FROM ${BASE} AS build\nWORKDIR /src\nCOPY . .\n\nFROM ${BASE} AS unused\nCOPY big.bin /\n\nFROM ${BASE} AS final\nCOPY --from=build /src/artifact.txt /app/\nCMD ["cat", "/app/artifact.txt"]\n`,
      'artifact.txt': 'the artifact\n',
      'big.bin': 'x'.repeat(10000),
    });
    const c = collector();
    const r = await runBuild(store, { contextDir: ctx, tags: ['multi:1'] }, { onStatus: c.onStatus });
    const stages = c.events[0]!.stages!;
    assert.deepEqual(stages.map((s) => [s.name, s.needed, s.target]), [['build', true, false], ['unused', false, false], ['final', true, true]]);
    assert.deepEqual(stages.find((s) => s.name === 'final')!.dependsOn, [0]);
    assert.equal(c.steps.get('1.1')!.status, 'queued', 'the unused stage never ran');
    const img = await store.resolve('multi:1');
    assert.equal(img.digest, r.digest);
    assert.equal(img.manifest.layers.length, 2, 'base + the artifact: nothing of the build stage');
    const entries = await layerEntries(store, img.manifest.layers[1]!.digest);
    assert.deepEqual(entries.map((e) => e.name), ['app/', 'app/artifact.txt']);
    // --target build gives the build stage's image.
    const b = await runBuild(store, { contextDir: ctx, tags: ['multi:build'], target: 'build' });
    const bi = await store.resolve('multi:build');
    assert.equal(bi.digest, b.digest);
    assert.equal(bi.configDoc.config.config?.WorkingDir, '/src');
  });
});
