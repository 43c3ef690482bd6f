import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { STRATA_BIN } from '../testing/cli.ts';
import { tempDir } from '../testing/temp.ts';
import { runBuild } from './solver.ts';

const BASE = 'strata-test/busybox:1';

async function entries(store: Store, digest: string): Promise<{ name: string; uid: number; size: number }[]> {
  const extract = tar.extract();
  const out: { name: string; uid: number; size: number }[] = [];
  const src = store.blobs.open(digest as never);
  const gz = (await store.blobs.read(digest as never))[0] === 0x1f;
  (gz ? src.pipe(createGunzip()) : src).pipe(extract);
  for await (const e of extract) {
    out.push({ name: e.header.name, uid: e.header.uid ?? 0, size: e.header.size ?? 0 });
    e.resume();
  }
  return out;
}

function watch() {
  const steps = new Map<string, BuildStepState>();
  const logs: { stepId: string; stream: string; line: string }[] = [];
  return {
    steps,
    logs,
    onStatus: (e: BuildStatusEvent) => {
      for (const s of e.steps ?? []) steps.set(s.id, s);
      for (const l of e.logs ?? []) logs.push(l);
    },
  };
}

describe('RUN steps in the sandbox', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
  });
  after(() => t.cleanup());

  test('output streams line by line; changes, deletions (whiteouts) and owners become the layer', async () => {
    const ctx = writeTree(join(t.path, 'run1'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'RUN echo "app:x:1000:1000::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1000:" >> /etc/group && mkdir -p /home/app && chown app:app /home/app',
        'RUN echo one && echo two >&2 && echo three && head -c 5000 /dev/zero > /tmp/big && rm -f /etc/group',
        'USER app',
        'WORKDIR /home/app',
        'RUN id -u > uid.txt && echo $HOME > home.txt && hostname > host.txt',
      ].join('\n'),
    });
    const w = watch();
    await runBuild(store, { contextDir: ctx, tags: ['run:1'] }, { onStatus: w.onStatus });
    // stdout and stderr are separate pipes: their relative order is not defined, each one's is.
    const out = w.logs.filter((l) => l.stepId === '0.2');
    assert.deepEqual(out.filter((l) => l.stream === 'stdout').map((l) => l.line), ['one', 'three']);
    assert.deepEqual(out.filter((l) => l.stream === 'stderr').map((l) => l.line), ['two']);
    const img = await store.resolve('run:1');
    const [, users, second, third] = await Promise.all(img.manifest.layers.map((l) => entries(store, l.digest)));
    assert.deepEqual(users!.map((e) => e.name), ['etc/', 'etc/group', 'etc/passwd', 'home/', 'home/app/']);
    assert.deepEqual(second!.map((e) => [e.name, e.size]), [['etc/', 0], ['etc/.wh.group', 0], ['tmp/', 0], ['tmp/big', 5000]]);
    assert.deepEqual(third!.map((e) => [e.name, e.uid]), [['home/', 0], ['home/app/', 1000], ['home/app/home.txt', 1000], ['home/app/host.txt', 1000], ['home/app/uid.txt', 1000]]);
    assert.equal(img.manifest.layers.length, 4, 'base, users, second RUN, last RUN (WORKDIR found /home/app there: no layer)');
  });

  test('a failing RUN names its line and exit code, and nothing is tagged', async () => {
    const ctx = writeTree(join(t.path, 'fail'), { Dockerfile: `FROM ${BASE}\nRUN echo ok\nRUN echo about to fail && exit 3\n` });
    const w = watch();
    await assert.rejects(runBuild(store, { contextDir: ctx, tags: ['fail:1'] }, { onStatus: w.onStatus }), (e: Error & { code: string; details: { exitCode: number } }) => e.code === 'BUILD_STEP_FAILED' && /^Dockerfile:3: RUN echo about to fail && exit 3: exited with code 3$/.test(e.message) && e.details.exitCode === 3);
    assert.equal(w.steps.get('0.2')!.status, 'failed');
    await assert.rejects(store.resolve('fail:1'), /no image/);
  });

  test('the sandbox: own pid namespace, no host filesystem, --network=none has only loopback', async () => {
    const ctx = writeTree(join(t.path, 'iso'), {
      Dockerfile: `FROM ${BASE}\nRUN ps -o pid,comm | tail -n +2 > /ps.txt; ls / > /ls.txt; cat /proc/1/cmdline | tr '\\0' ' ' > /init.txt\nRUN --network=none ip -o link | cut -d: -f2 | tr -d ' ' > /links.txt\n`,
    });
    await runBuild(store, { contextDir: ctx, tags: ['iso:1'] });
    const root = join(t.path, 'iso-root');
    mkdirSync(root);
    const img = await store.resolve('iso:1');
    const { applyLayers } = await import('./rootfs.ts');
    await applyLayers(store, img.manifest.layers, root);
    const ps = readFileSync(join(root, 'ps.txt'), 'utf8').trim().split('\n');
    assert.ok(ps.length <= 4, `only the step's processes: ${ps.join(' | ')}`);
    assert.ok(!readFileSync(join(root, 'ls.txt'), 'utf8').includes('work'), 'the host /work is not visible');
    assert.deepEqual(readFileSync(join(root, 'links.txt'), 'utf8').trim().split('\n'), ['lo']);
    assert.deepEqual(readdirSync(root).filter((n) => n === 'proc' || n === 'dev'), [], 'mount points are not in the layers');
  });

  test('--mount=type=cache persists between builds; --mount=type=bind reads the context; secrets never reach a layer', async () => {
    const secret = join(t.path, 'token.txt');
    writeFileSync(secret, 's3cr3t-value');
    const ctx = writeTree(join(t.path, 'mounts'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'ARG N=1',
        'RUN --mount=type=cache,target=/cache echo "run $N" >> /cache/log && cat /cache/log | wc -l > /count.txt',
        'RUN --mount=type=bind,source=conf,target=/conf cat /conf/app.ini > /copied.ini',
        'RUN --mount=type=secret,id=token,required=true cat /run/secrets/token | wc -c > /secret-len.txt',
      ].join('\n'),
      'conf/app.ini': 'port=8080\n',
    });
    await runBuild(store, { contextDir: ctx, tags: ['mounts:1'], secrets: [{ id: 'token', src: secret }] });
    await runBuild(store, { contextDir: ctx, tags: ['mounts:1'], buildArgs: { N: '2' }, secrets: [{ id: 'token', src: secret }] });
    const img = await store.resolve('mounts:1');
    const root = join(t.path, 'mounts-root');
    mkdirSync(root);
    const { applyLayers } = await import('./rootfs.ts');
    await applyLayers(store, img.manifest.layers, root);
    assert.equal(readFileSync(join(root, 'count.txt'), 'utf8').trim(), '2', 'the cache mount kept the first build\'s line');
    assert.equal(readFileSync(join(root, 'copied.ini'), 'utf8'), 'port=8080\n');
    assert.equal(readFileSync(join(root, 'secret-len.txt'), 'utf8').trim(), '12');
    for (const l of img.manifest.layers) {
      const names = (await entries(store, l.digest)).map((e) => e.name);
      assert.ok(!names.some((n) => n.startsWith('cache') || n.startsWith('conf') || n.startsWith('run/')), names.join(','));
      const raw = await store.blobs.read(l.digest);
      const plain = raw[0] === 0x1f ? (await import('node:zlib')).gunzipSync(raw) : Buffer.from(raw);
      assert.ok(!plain.includes('s3cr3t-value'), 'the secret is in no layer');
    }
    const cacheFiles = spawnSync('grep', ['-rl', 's3cr3t-value', join(t.path, 'home')], { encoding: 'utf8' });
    assert.equal(cacheFiles.stdout, '', 'the secret is nowhere in the store, cache keys and records included');
  });

  test('cancel mid-RUN stops the step quickly and reports the build cancelled', async () => {
    const ctx = writeTree(join(t.path, 'cancel'), { Dockerfile: `FROM ${BASE}\nRUN echo started && sleep 100\n` });
    const controller = new AbortController();
    const w = watch();
    const started = Date.now();
    const p = runBuild(store, { contextDir: ctx }, {
      signal: controller.signal,
      onStatus: (e) => {
        w.onStatus(e);
        if (e.logs?.some((l) => l.line === 'started')) controller.abort();
      },
    });
    await assert.rejects(p, (e: Error & { code: string }) => e.code === 'BUILD_CANCELLED');
    assert.ok(Date.now() - started < 20_000);
    assert.equal(w.steps.get('0.1')!.status, 'cancelled');
    const ps = spawnSync('pgrep', ['-f', 'sleep 100'], { encoding: 'utf8' });
    assert.equal(ps.stdout.trim(), '', 'no process of the step is left');
  });

  test('an unprivileged user can build (user namespace)', async () => {
    const home = join(t.path, 'nobody-home');
    const ctx = writeTree(join(t.path, 'nobody-ctx'), { Dockerfile: `FROM ${BASE}\nRUN echo built-by-nobody > /who.txt && id -u >> /who.txt\nCOPY hello.txt /\n`, 'hello.txt': 'hi\n' });
    // The base image goes into the unprivileged user's own store through save/load, as a user would.
    const { saveDockerArchive } = await import('../store/archive/save.ts');
    const archive = join(t.path, 'base.tar');
    await saveDockerArchive(store, [BASE], archive);
    mkdirSync(home);
    for (const p of [home, ctx, join(ctx, 'Dockerfile'), join(ctx, 'hello.txt'), archive, t.path]) chownSync(p, 65534, 65534);
    chmodSync(t.path, 0o755);
    const as = (args: string[]) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, STRATA_BIN, ...args], { encoding: 'utf8', env: { ...process.env, STRATA_HOME: home, HOME: home } });
    const load = as(['load', '-i', archive]);
    assert.equal(load.status, 0, load.stderr);
    const b = as(['build', '--progress', 'plain', '-t', 'nobody:1', ctx]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const inspect = JSON.parse(as(['inspect', 'nobody:1']).stdout);
    assert.equal(inspect[0].Manifest.layers.length, 3);
  });
});
