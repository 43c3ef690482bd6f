import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { strata } from '../testing/cli.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { startDockerd, type Dockerd } from '../testing/dockerd.ts';
import { tempDir } from '../testing/temp.ts';

describe('strata push, pull, login, tag --remote and FROM from a registry (real registry on 127.0.0.1)', () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  const dockerConfig = join(t.path, 'docker-config');
  let registry: TestRegistry;
  let dockerd: Dockerd;
  let host: string;
  const env = () => ({ DOCKER_CONFIG: dockerConfig });
  before(async () => {
    mkdirSync(dockerConfig);
    writeFileSync(join(dockerConfig, 'config.json'), '{}');
    process.env.DOCKER_CONFIG = dockerConfig;
    registry = await startRegistry(join(t.path, 'registry'), { kind: 'htpasswd', users: { alice: 'wonderland' } });
    host = registry.host;
    await makeBusyboxImage(await Store.open(home), [`${host}/base/busybox:1`]);
    dockerd = await startDockerd(join(t.path, 'dockerd'));
  });
  after(async () => {
    await dockerd?.stop();
    await registry?.stop();
    delete process.env.DOCKER_CONFIG;
    t.cleanup();
  });

  test('push without credentials fails with a message that says to log in', () => {
    const r = strata(home, ['push', '--progress', 'plain', `${host}/base/busybox:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /log ?in|credentials/i);
  });

  test('login (password on stdin), then push shows per-layer states; a re-push finds every layer there', () => {
    const wrong = strata(home, ['login', '-u', 'alice', '--password-stdin', host], 'nope\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /username or password is wrong/);
    const ok = strata(home, ['login', '-u', 'alice', '--password-stdin', host], 'wonderland\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const dry = strata(home, ['push', '--dry-run', `${host}/base/busybox:1`]);
    assert.match(dry.stdout, /upload/);
    const first = strata(home, ['push', '--progress', 'plain', '-t', 'latest', `${host}/base/busybox:1`]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /layer: checking/);
    assert.match(first.stderr, /layer: done/);
    assert.match(first.stdout, /base\/busybox:1: digest: sha256:[0-9a-f]{64}/);
    assert.match(first.stdout, /base\/busybox:latest: digest: sha256:/);
    const again = strata(home, ['push', '--progress', 'plain', `${host}/base/busybox:1`]);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /layer: already exists/);
    assert.doesNotMatch(again.stderr, /uploading/);
  });

  test('FROM a registry image pulls it; the build pushes; docker pulls and runs what we pushed', () => {
    const other = join(t.path, 'home2');
    const ctx = writeTree(join(t.path, 'app'), { Dockerfile: `FROM ${host}/base/busybox:1\nCOPY hello.txt /\nCMD ["cat", "/hello.txt"]\n`, 'hello.txt': 'hello from the registry\n' });
    const b = strata(other, ['build', '--progress', 'plain', '-t', `${host}/team/app:1`, ctx]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /pulled .*base\/busybox:1/);
    const digest = b.stdout.trim();
    const p = strata(other, ['push', '--progress', 'plain', `${host}/team/app:1`]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stderr, /mounted from base\/busybox|already exists/);
    // The built image carries its layers uncompressed (as docker's store does); the registry gets its form
    // with gzip layers, under a digest of its own (docker's repo digest), the same on every push.
    assert.match(p.stderr, /compressed to [0-9a-f]{12}/);
    const pushed = /digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(p.stdout)?.[1];
    assert.ok(pushed && pushed !== digest, p.stdout);
    const again = strata(other, ['push', '--progress', 'plain', `${host}/team/app:1`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`digest: ${pushed}`));
    assert.doesNotMatch(again.stderr, /compress/);
    // docker (20.10) pulls from the loopback registry over plain http and runs it.
    const login = dockerd.docker(['login', '-u', 'alice', '--password-stdin', host], { input: 'wonderland\n' });
    assert.equal(login.code, 0, login.stderr);
    const pulled = dockerd.docker(['pull', `${host}/team/app:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(pushed));
    const run = dockerd.docker(['run', '--rm', '--network', 'none', `${host}/team/app:1`]);
    assert.equal(run.stdout, 'hello from the registry\n');
  });

  test('pull into an empty store, tag --remote moves no layer, logout', () => {
    const fresh = join(t.path, 'home3');
    const r = strata(fresh, ['pull', '--progress', 'plain', `${host}/team/app:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Digest: sha256:/);
    const images = JSON.parse(strata(fresh, ['images', '--json']).stdout);
    assert.equal(images[0].reference, `${host}/team/app:1`);
    const tag = strata(fresh, ['tag', '--remote', `${host}/team/app:1`, `${host}/team/app:stable`]);
    assert.equal(tag.code, 0, tag.stderr);
    assert.match(tag.stdout, new RegExp(`${host}/team/app:stable@${images[0].digest}`));
    const out = strata(fresh, ['logout', host]);
    assert.match(out.stdout, /Removing login credentials/);
    const denied = strata(fresh, ['pull', `${host}/team/app:stable`]);
    assert.equal(denied.code, 1);
  });

  test('podman pulls what Strata pushed; what skopeo pushes, Strata pulls and runs', () => {
    const login = strata(home, ['login', '-u', 'alice', '--password-stdin', host], 'wonderland\n');
    assert.equal(login.code, 0, login.stderr);
    const pod = join(t.path, 'podman');
    const podman = spawnSync('podman', ['--root', join(pod, 'root'), '--runroot', join(pod, 'run'), '--storage-driver', 'vfs', 'pull', '--tls-verify=false', '--creds', 'alice:wonderland', `${host}/team/app:1`], { encoding: 'utf8' });
    assert.equal(podman.status, 0, podman.stderr);
    const images = spawnSync('podman', ['--root', join(pod, 'root'), '--runroot', join(pod, 'run'), '--storage-driver', 'vfs', 'images', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' });
    assert.match(images.stdout, new RegExp(`${host}/team/app:1`));
    // skopeo pushes an OCI layout (made by strata save) under a new name; a fresh store pulls and runs it.
    const layout = join(t.path, 'layout-for-skopeo');
    assert.equal(strata(join(t.path, 'home2'), ['save', '--format', 'oci', '-o', layout, `${host}/team/app:1`]).code, 0);
    const copy = spawnSync('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wonderland', `oci:${layout}:1`, `docker://${host}/from-skopeo/app:1`], { encoding: 'utf8' });
    assert.equal(copy.status, 0, copy.stderr);
    const fresh = join(t.path, 'home4');
    const pulled = strata(fresh, ['pull', '--progress', 'plain', `${host}/from-skopeo/app:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    const run = strata(fresh, ['run', `${host}/from-skopeo/app:1`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hello from the registry\n');
  });
});
