import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { BuildError } from './errors.ts';
import { chainKey } from './rootfs.ts';
import { runBuild } from './solver.ts';
import { runImage } from './run-image.ts';

const BASE = 'strata-test/busybox:1';
const DONOR = 'strata-test/donor:1';

/** tree fingerprints a directory (names, kinds, sizes, modes): a snapshot that was written to changes it. */
function fingerprint(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, p));
      h.update(`${p} ${st.mode} ${st.size}\n`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk('');
  return h.digest('hex');
}

describe('COPY --from=image and RUN --mount=type=bind,from=image read the image snapshot itself', () => {
  const t = tempDir();
  let store: Store;
  let snapshot: string;
  let pristine: string;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    await makeBusyboxImage(store, [DONOR], { extraLayer: { 'opt/donor/data.txt': 'from the donor image\n', 'etc/donor.conf': 'x=1\n' } });
    const donor = await store.resolve(DONOR);
    // The first build unpacks the donor once; remember what its snapshot holds.
    const first = writeTree(join(t.path, 'ctx0'), { Dockerfile: `FROM ${BASE}\nCOPY --from=${DONOR} /etc/donor.conf /etc/donor.conf\n` });
    await runBuild(store, { contextDir: first, tags: ['strata-test/from-image:0'], network: 'none' });
    snapshot = join(store.home, 'snapshots', chainKey(donor.manifest.layers));
    assert.ok(existsSync(join(snapshot, 'opt', 'donor', 'data.txt')), 'the donor is unpacked into its snapshot');
    pristine = fingerprint(snapshot);
  });
  after(() => t.cleanup());

  test('COPY --from=image copies from it; the snapshot is left as it was', async () => {
    const ctx = writeTree(join(t.path, 'ctx1'), { Dockerfile: `FROM ${BASE}\nCOPY --from=${DONOR} /opt/donor/ /copied/\nCMD ["cat", "/copied/data.txt"]\n` });
    await runBuild(store, { contextDir: ctx, tags: ['strata-test/from-image:1'], network: 'none' });
    const out: string[] = [];
    const r = await runImage(store, 'strata-test/from-image:1', { network: 'none', onOutput: (_s, line) => out.push(line) });
    assert.equal(r.exitCode, 0);
    assert.deepEqual(out, ['from the donor image']);
    assert.equal(fingerprint(snapshot), pristine);
  });

  test('a read-only bind mount of the image reads it; writing there fails the step and changes nothing', async () => {
    const ok = writeTree(join(t.path, 'ctx2'), { Dockerfile: `FROM ${BASE}\nRUN --mount=type=bind,from=${DONOR},target=/img cat /img/opt/donor/data.txt > /seen.txt\n` });
    const built = await runBuild(store, { contextDir: ok, tags: ['strata-test/from-image:2'], network: 'none' });
    const out: string[] = [];
    await runImage(store, built.digest, { cmd: ['cat', '/seen.txt'], network: 'none', onOutput: (_s, line) => out.push(line) });
    assert.deepEqual(out, ['from the donor image']);

    const bad = writeTree(join(t.path, 'ctx3'), { Dockerfile: `FROM ${BASE}\nRUN --mount=type=bind,from=${DONOR},target=/img echo spoiled > /img/opt/donor/data.txt\n` });
    await assert.rejects(runBuild(store, { contextDir: bad, tags: ['strata-test/from-image:3'], network: 'none' }), (e: unknown) => e instanceof BuildError && e.code === 'BUILD_STEP_FAILED');
    assert.equal(readFileSync(join(snapshot, 'opt', 'donor', 'data.txt'), 'utf8'), 'from the donor image\n');
    assert.equal(fingerprint(snapshot), pristine);
  });

  test('a writable (rw) bind mount of the image gets its own copy: the step may write, the snapshot stays', async () => {
    const ctx = writeTree(join(t.path, 'ctx4'), { Dockerfile: `FROM ${BASE}\nRUN --mount=type=bind,from=${DONOR},target=/img,rw echo changed > /img/opt/donor/data.txt && cat /img/opt/donor/data.txt > /seen.txt\n` });
    const built = await runBuild(store, { contextDir: ctx, tags: ['strata-test/from-image:4'], network: 'none' });
    const out: string[] = [];
    await runImage(store, built.digest, { cmd: ['cat', '/seen.txt'], network: 'none', onOutput: (_s, line) => out.push(line) });
    assert.deepEqual(out, ['changed']);
    assert.equal(fingerprint(snapshot), pristine);
  });
});

describe('a base image is unpacked once, then cloned', () => {
  const t = tempDir();
  after(() => t.cleanup());

  test('two stages FROM the same image in a cold build: the first unpacks its snapshot, the second clones it', async () => {
    const store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    const base = await store.resolve(BASE);
    const ctx = writeTree(join(t.path, 'ctx'), {
      Dockerfile: `FROM ${BASE} AS build\nWORKDIR /src\nCOPY a.txt .\nRUN cat a.txt a.txt > /out.txt\nFROM ${BASE}\nCOPY --from=build /out.txt /out.txt\nCMD ["cat", "/out.txt"]\n`,
      'a.txt': 'twice\n',
    });
    const snapshot = join(store.home, 'snapshots', chainKey(base.manifest.layers));
    assert.equal(existsSync(snapshot), false, 'no snapshot before the build');
    const r = await runBuild(store, { contextDir: ctx, tags: ['strata-test/twice:1'], network: 'none' });
    assert.ok(existsSync(join(snapshot, 'bin', 'busybox')), "the base image's own chain is snapshotted (not only the chains RUN steps leave)");
    // The final stage (no RUN) clones that snapshot: a base this small is not worth an overlay mount.
    assert.equal(r.overlayRoots, 0);
    const out: string[] = [];
    const run = await runImage(store, 'strata-test/twice:1', { network: 'none', onOutput: (_s, line) => out.push(line) });
    assert.equal(run.exitCode, 0);
    assert.deepEqual(out, ['twice', 'twice']);
  });
});
