import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostPlatform } from '../oci/platform.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { emulatorFor, whyNotRunnable } from './platform.ts';
import { runBuild } from './solver.ts';

const host = hostPlatform().architecture;
const other = host === 'arm64' ? 'amd64' : 'arm64';

describe('FROM --platform', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, ['strata-test/busybox:1']);
    // A name the store holds for another platform, on a registry that is not there (the pull fails fast).
    await makeBusyboxImage(store, ['127.0.0.1:9/strata-test/foreign:1'], { architecture: other });
    await makeBusyboxImage(store, ['127.0.0.1:9/strata-test/hostonly:1']);
  });
  after(() => t.cleanup());

  const build = (name: string, dockerfile: string) => runBuild(store, { contextDir: writeTree(join(t.path, name), { Dockerfile: dockerfile, 'a.txt': 'a\n' }) });
  const config = async (digest: string) => (await store.resolve(digest)).configDoc.config;

  test('a stage for another platform builds without RUN, and the image says that platform', async () => {
    const r = await build('foreign-copy', `FROM --platform=linux/${other} 127.0.0.1:9/strata-test/foreign:1\nCOPY a.txt /a.txt\n`);
    const c = await config(r.digest);
    assert.equal(c.architecture, other);
    assert.equal(c.os, 'linux');
  });

  test('FROM --platform of scratch makes an image of that platform, with a cache key of its own', async () => {
    const a = await build('scratch-other', `FROM --platform=linux/${other} scratch\nCOPY a.txt /a.txt\n`);
    const b = await build('scratch-host', `FROM scratch\nCOPY a.txt /a.txt\n`);
    assert.equal((await config(a.digest)).architecture, other);
    assert.equal((await config(b.digest)).architecture, host);
    assert.notEqual(a.digest, b.digest);
  });

  test('$BUILDPLATFORM and the host platform build as without --platform', async () => {
    const a = await build('buildplatform', 'FROM --platform=$BUILDPLATFORM strata-test/busybox:1\nRUN echo ok > /ok\n');
    const b = await build('plain', 'FROM strata-test/busybox:1\nRUN echo ok > /ok\n');
    assert.equal(a.digest, b.digest);
  });

  test('RUN in a stage of a platform this machine cannot run fails at that line, saying why', async () => {
    await assert.rejects(build('foreign-run', `FROM --platform=linux/${other} 127.0.0.1:9/strata-test/foreign:1\nCOPY a.txt /a.txt\nRUN true\n`), (e: Error & { code: string; details: { line: number } }) => {
      assert.equal(e.code, 'BUILD_PLATFORM');
      assert.equal(e.details.line, 3);
      assert.match(e.message, new RegExp(`^Dockerfile:3: RUN: this linux/${host}.* machine cannot run linux/${other} programs \\(no binfmt_misc emulator`));
      return true;
    });
  });

  test('a base the store holds for another platform only: the error names both platforms and the pull', async () => {
    await assert.rejects(build('mismatch', `FROM --platform=linux/${other} 127.0.0.1:9/strata-test/hostonly:1\n`), (e: Error & { code: string; details: { line: number; available: string } }) => {
      assert.equal(e.code, 'BUILD_BASE_IMAGE');
      assert.equal(e.details.line, 1);
      assert.match(e.message, new RegExp(`^Dockerfile:1: FROM --platform=linux/${other} 127\\.0\\.0\\.1:9/strata-test/hostonly:1: the store holds .* for linux/${host}.* only, and linux/${other} could not be pulled`));
      return true;
    });
    // The tag still points at the host image.
    assert.equal((await config('127.0.0.1:9/strata-test/hostonly:1')).architecture, host);
  });

  test('an unparsable platform is a Dockerfile error at the FROM', async () => {
    await assert.rejects(build('bad-platform', 'FROM --platform=linux strata-test/busybox:1\n'), /Dockerfile:1: failed to parse platform linux/);
  });

  test('whyNotRunnable: native, 32-bit on 64-bit, emulated by binfmt_misc, and not runnable', () => {
    const bin = join(t.path, 'binfmt');
    mkdirSync(bin, { recursive: true });
    assert.equal(whyNotRunnable({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }, bin), null);
    assert.equal(whyNotRunnable({ os: 'linux', architecture: '386' }, { os: 'linux', architecture: 'amd64' }, bin), null);
    assert.match(whyNotRunnable({ os: 'linux', architecture: 's390x' }, { os: 'linux', architecture: 'amd64' }, bin) ?? '', /cannot run linux\/s390x programs/);
    assert.match(whyNotRunnable({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }, bin) ?? '', /not a Linux platform/);
    writeFileSync(join(bin, 'qemu-s390x'), 'enabled\ninterpreter /usr/bin/qemu-s390x-static\n');
    assert.equal(emulatorFor('s390x', bin), join(bin, 'qemu-s390x'));
    assert.equal(whyNotRunnable({ os: 'linux', architecture: 's390x' }, { os: 'linux', architecture: 'amd64' }, bin), null);
    writeFileSync(join(bin, 'qemu-s390x'), 'disabled\n');
    assert.equal(emulatorFor('s390x', bin), null);
  });
});
