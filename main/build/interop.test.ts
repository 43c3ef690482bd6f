import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { saveDockerArchive, saveOciLayout } from '../store/archive/save.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { startDockerd, type Dockerd } from '../testing/dockerd.ts';
import { tempDir } from '../testing/temp.ts';
import { runBuild } from './solver.ts';

const BASE = 'strata-test/busybox:1';

describe('images Strata builds are accepted by skopeo, umoci and docker', () => {
  const t = tempDir();
  let store: Store;
  let dockerd: Dockerd;
  let digest: string;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    const ctx = writeTree(join(t.path, 'ctx'), {
      Dockerfile: [
        `FROM ${BASE} AS build`,
        'WORKDIR /src',
        'COPY . .',
        '',
        `FROM ${BASE}`,
        'WORKDIR /app',
        'COPY --from=build /src/message.txt ./',
        'COPY --chown=1000:1000 data/ /home/app/data/',
        'ENV GREETING=hello',
        'USER 1000:1000',
        'EXPOSE 8080',
        'CMD ["sh", "-c", "echo $GREETING from $(id -u):$(id -g) in $(pwd); cat message.txt; ls -ln /home/app/data"]',
      ].join('\n'),
      'message.txt': 'built by strata\n',
      'data/one.txt': '1\n',
    });
    digest = (await runBuild(store, { contextDir: ctx, tags: ['strata-test/interop:1'] })).digest;
    dockerd = await startDockerd(join(t.path, 'dockerd'));
  });
  after(async () => {
    await dockerd?.stop();
    t.cleanup();
  });

  test('skopeo inspect accepts the OCI layout and reports our manifest digest', async () => {
    const dir = join(t.path, 'oci');
    await saveOciLayout(store, ['strata-test/interop:1'], dir);
    const out = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}:1`], { encoding: 'utf8' }));
    assert.equal(out.Digest, digest);
    assert.equal(out.Layers.length, 4);
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${dir}:1`], { encoding: 'utf8' }));
    assert.equal(cfg.config.User, '1000:1000');
    assert.deepEqual(Object.keys(cfg.config.ExposedPorts), ['8080/tcp']);
  });

  test('umoci unpack gives the expected files and owners', async () => {
    const dir = join(t.path, 'oci');
    const bundle = join(t.path, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${dir}:1`, bundle], { stdio: 'pipe' });
    const rootfs = join(bundle, 'rootfs');
    assert.equal(readFileSync(join(rootfs, 'app/message.txt'), 'utf8'), 'built by strata\n');
    const st = statSync(join(rootfs, 'home/app/data/one.txt'));
    assert.deepEqual([st.uid, st.gid], [1000, 1000]);
    assert.equal(statSync(join(rootfs, 'app/message.txt')).uid, 0);
    assert.ok(statSync(join(rootfs, 'bin/busybox')).isFile());
    assert.throws(() => statSync(join(rootfs, 'src')), 'nothing of the build stage');
  });

  test('the seed shape (WORKDIR, COPY requirements, RUN, COPY src, EXPOSE, user, CMD) runs under docker as that user', async () => {
    const files: Record<string, string> = {
      Dockerfile: [
        `FROM ${BASE}`,
        'WORKDIR /code',
        'COPY requirements.txt .',
        'RUN wc -l < requirements.txt > /code/deps.count',
        'COPY src/ ./src/',
        'EXPOSE 8000',
        // busybox-static has no adduser applet: add the user as adduser would.
        'RUN echo "appuser:x:1001:1001::/home/appuser:/bin/sh" >> /etc/passwd && echo "appuser:x:1001:" >> /etc/group && mkdir -p /home/appuser && chown appuser:appuser /home/appuser',
        'USER appuser',
        'CMD ["sh", "-c", "echo serving $(ls src | wc -l) files with $(cat deps.count) deps as $(id -un)"]',
      ].join('\n'),
      'requirements.txt': 'flask\nredis\n',
    };
    for (let i = 0; i < 2000; i++) files[`src/mod${i}.py`] = `x = ${i}\n`;
    const ctx = writeTree(join(t.path, 'seed'), files);
    const r = await runBuild(store, { contextDir: ctx, tags: ['strata-test/seed:1'] });
    const again = await runBuild(store, { contextDir: ctx, tags: ['strata-test/seed:1'] });
    assert.equal(again.digest, r.digest);
    assert.equal(again.cachedSteps, again.fsSteps);
    const tar = join(t.path, 'seed.tar');
    await saveDockerArchive(store, ['strata-test/seed:1'], tar);
    assert.equal(dockerd.docker(['load', '-i', tar]).code, 0);
    const run = dockerd.docker(['run', '--rm', '--network', 'none', 'strata-test/seed:1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'serving 2000 files with 2 deps as appuser');
    const inspect = JSON.parse(dockerd.docker(['image', 'inspect', 'strata-test/seed:1']).stdout)[0];
    assert.equal(inspect.Config.User, 'appuser');
    assert.deepEqual(inspect.Config.ExposedPorts, { '8000/tcp': {} });
  });

  test('docker loads and runs it: output as the expected user', async () => {
    const tar = join(t.path, 'interop.tar');
    await saveDockerArchive(store, ['strata-test/interop:1'], tar);
    const load = dockerd.docker(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /Loaded image: strata-test\/interop:1/);
    const run = dockerd.docker(['run', '--rm', '--network', 'none', 'strata-test/interop:1']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines[0], 'hello from 1000:1000 in /app');
    assert.equal(lines[1], 'built by strata');
    assert.match(lines.at(-1)!, /^-rw-r--r--\s+1 1000\s+1000\s+2 .* one\.txt$/);
  });
});
