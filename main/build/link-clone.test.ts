// Stage roots are cloned from snapshots by hard links (linkTree): these tests hold the promise that makes
// that safe — no step ever writes into a file a snapshot shares — for every writer of a root, on overlay
// RUN steps and on copied ones (STRATA_OVERLAY=0).
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { treeManifest } from '../layer/fstest.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { resetOverlayVerdict } from './overlay-root.ts';
import { chainKey, linkTree } from './rootfs.ts';
import { runBuild } from './solver.ts';
import { runImage } from './run-image.ts';

const BASE = 'strata-test/link-base:1';

/** fingerprint is a tree's every entry: path, kind, mode, owner, content digest, link target, hard links. */
const fingerprint = (dir: string) => JSON.stringify(treeManifest(dir));

/** snapshotPrints fingerprints every snapshot of a store, by name. */
function snapshotPrints(store: Store): Map<string, string> {
  const dir = join(store.home, 'snapshots');
  const out = new Map<string, string>();
  for (const n of existsSync(dir) ? readdirSync(dir).filter((x) => /^[0-9a-f]{64}$/.test(x)) : []) out.set(n, fingerprint(join(dir, n)));
  return out;
}

async function output(store: Store, ref: string, cmd: string[]): Promise<string[]> {
  const out: string[] = [];
  const r = await runImage(store, ref, { cmd, network: 'none', onOutput: (_s, line) => out.push(line) });
  assert.equal(r.exitCode, 0);
  return out;
}

describe('linkTree', () => {
  const t = tempDir();
  after(() => t.cleanup());

  test('files and links are second names of the same inodes, directories are new', async () => {
    const src = join(t.path, 'src');
    mkdirSync(join(src, 'd', 'e'), { recursive: true });
    writeFileSync(join(src, 'd', 'f'), 'x');
    symlinkSync('d/f', join(src, 'l'));
    const dst = join(t.path, 'dst');
    mkdirSync(dst);
    await linkTree(src, dst);
    assert.equal(statSync(join(dst, 'd', 'f')).ino, statSync(join(src, 'd', 'f')).ino);
    assert.equal(lstatSync(join(dst, 'l')).ino, lstatSync(join(src, 'l')).ino);
    assert.notEqual(statSync(join(dst, 'd')).ino, statSync(join(src, 'd')).ino);
    assert.equal(fingerprint(dst), fingerprint(src));
  });

  test('across filesystems (no hard links there) it copies instead', async (ctx) => {
    const other = '/dev/shm';
    if (!existsSync(other) || statSync(other).dev === statSync(t.path).dev) return ctx.skip('no second filesystem at /dev/shm');
    const src = join(t.path, 'src2');
    writeTree(src, { 'a/b.txt': 'b\n', 'c.txt': 'c\n' });
    const far = mkdtempSync(join(other, 'strata-test-'));
    try {
      await linkTree(src, far);
      assert.equal(fingerprint(far), fingerprint(src));
      assert.equal(readFileSync(join(far, 'a', 'b.txt'), 'utf8'), 'b\n');
    } finally {
      rmSync(far, { recursive: true, force: true });
    }
  });
});

describe('hard-linked stage roots never change a snapshot', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE], { extraLayer: { 'etc/app.conf': 'base conf\n', 'opt/data/keep.txt': 'keep\n', 'opt/data/other.txt': 'other\n' } });
  });
  after(() => {
    delete process.env.STRATA_OVERLAY;
    resetOverlayVerdict();
    t.cleanup();
  });

  for (const mode of ['overlay', 'copy'] as const) {
    test(`COPY over a base file, RUN appending, chmod-ing and rewriting in place, COPY over a RUN's file (${mode} RUN steps)`, async () => {
      if (mode === 'copy') process.env.STRATA_OVERLAY = '0';
      else delete process.env.STRATA_OVERLAY;
      resetOverlayVerdict();
      const base = await store.resolve(BASE);
      const baseSnap = join(store.home, 'snapshots', chainKey(base.manifest.layers));
      const dockerfile = [
        `FROM ${BASE}`,
        'COPY app.conf /etc/app.conf',
        'RUN echo run >> /opt/data/keep.txt && chmod 600 /opt/data/keep.txt && echo new > /opt/data/new.txt && echo rewritten > /opt/data/other.txt',
        'COPY more.txt /opt/data/new.txt',
        'RUN cat /opt/data/new.txt >> /opt/data/keep.txt && echo tail >> /etc/app.conf',
        '',
      ].join('\n');
      const ctx = writeTree(join(t.path, `ctx-${mode}`), { Dockerfile: dockerfile, 'app.conf': `copied conf ${mode}\n`, 'more.txt': `more ${mode}\n` });
      const first = await runBuild(store, { contextDir: ctx, tags: [`strata-test/link-${mode}:1`], network: 'none' });
      assert.ok(existsSync(baseSnap), 'the base is snapshotted');
      assert.equal(readFileSync(join(baseSnap, 'etc', 'app.conf'), 'utf8'), 'base conf\n');
      assert.equal(readFileSync(join(baseSnap, 'opt', 'data', 'keep.txt'), 'utf8'), 'keep\n');
      assert.equal(readFileSync(join(baseSnap, 'opt', 'data', 'other.txt'), 'utf8'), 'other\n');
      assert.equal(statSync(join(baseSnap, 'opt', 'data', 'keep.txt')).mode & 0o777, 0o644);
      const prints = snapshotPrints(store);
      assert.ok(prints.size >= 2, `the build left snapshots of its chains (${prints.size})`);

      // What the image holds: every step's writes, in order.
      assert.deepEqual(await output(store, first.digest, ['cat', '/etc/app.conf', '/opt/data/keep.txt', '/opt/data/new.txt', '/opt/data/other.txt']), [`copied conf ${mode}`, 'tail', 'keep', 'run', `more ${mode}`, `more ${mode}`, 'rewritten']);

      // A rebuild with new sources clones those snapshots again and writes over the same paths: every
      // snapshot the first build left is byte for byte as it was, and the result is right.
      writeFileSync(join(ctx, 'app.conf'), `second conf ${mode}\n`);
      writeFileSync(join(ctx, 'more.txt'), `second more ${mode}\n`);
      const second = await runBuild(store, { contextDir: ctx, tags: [`strata-test/link-${mode}:2`], network: 'none' });
      assert.deepEqual(await output(store, second.digest, ['cat', '/etc/app.conf', '/opt/data/keep.txt', '/opt/data/new.txt']), [`second conf ${mode}`, 'tail', 'keep', 'run', `second more ${mode}`, `second more ${mode}`]);
      const after = snapshotPrints(store);
      for (const [name, print] of prints) if (after.has(name)) assert.equal(after.get(name), print, `snapshot ${name.slice(0, 12)} unchanged`);
      // And the first image still runs as built (its layers never depended on the snapshots).
      assert.deepEqual(await output(store, first.digest, ['cat', '/etc/app.conf']), [`copied conf ${mode}`, 'tail']);
    });
  }

  test("a writable bind mount of another stage's root gets its own copy: what the step writes is discarded (as BuildKit)", async () => {
    delete process.env.STRATA_OVERLAY;
    resetOverlayVerdict();
    const dockerfile = [
      `FROM ${BASE} AS a`,
      'RUN echo one > /opt/data/keep.txt',
      `FROM ${BASE}`,
      'RUN --mount=type=bind,from=a,target=/a,rw echo two > /a/opt/data/keep.txt && cat /a/opt/data/keep.txt > /seen.txt',
      'COPY --from=a /opt/data/keep.txt /from-a.txt',
      '',
    ].join('\n');
    const before = snapshotPrints(store);
    const ctx = writeTree(join(t.path, 'ctx-rw'), { Dockerfile: dockerfile });
    const built = await runBuild(store, { contextDir: ctx, tags: ['strata-test/link-rw:1'], network: 'none' });
    assert.deepEqual(await output(store, built.digest, ['cat', '/seen.txt', '/from-a.txt']), ['two', 'one']);
    const after = snapshotPrints(store);
    for (const [name, print] of before) if (after.has(name)) assert.equal(after.get(name), print, `snapshot ${name.slice(0, 12)} unchanged`);
  });
});
