import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { diffTrees, type Change } from '../layer/diff.ts';
import { overlayDiff } from '../layer/overlay-diff.ts';
import { Store } from '../store/store.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { materialize, mountOverlay, overlayFailed, overlayUnavailable, resetOverlayVerdict, unmountOverlay } from './overlay-root.ts';
import { runBuild, settleBuilds } from './solver.ts';

/** probe mounts a tiny overlay: the kernel (or a container around us) may refuse what root usually may. */
async function probe(): Promise<string | null> {
  const why = await overlayUnavailable();
  if (why !== null) return why;
  const t = tempDir();
  try {
    const d = { lower: join(t.path, 'l'), upper: join(t.path, 'u'), work: join(t.path, 'w'), merged: join(t.path, 'm') };
    mkdirSync(d.lower);
    await mountOverlay(d);
    await unmountOverlay(d);
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    t.cleanup();
  }
}
const why = await probe();
const SKIP = why === null ? false : `overlay mounts are not available here: ${why}`;

/** The lower tree every case starts from: files, a nested directory, a symlink, a hard link pair, owners. */
function makeLower(dir: string): void {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
  mkdirSync(join(dir, 'app', 'lib', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'app', 'lib', 'a.so'), 'A'.repeat(5000));
  writeFileSync(join(dir, 'app', 'lib', 'b.so'), 'B');
  writeFileSync(join(dir, 'app', 'lib', 'deep', 'c.txt'), 'C');
  writeFileSync(join(dir, 'app', 'main'), 'main');
  chownSync(join(dir, 'app', 'main'), 1000, 1000);
  symlinkSync('lib/a.so', join(dir, 'app', 'link'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'tool'), 'tool');
  linkSync(join(dir, 'bin', 'tool'), join(dir, 'bin', 'tool2'));
  mkdirSync(join(dir, 'var', 'cache'), { recursive: true });
  writeFileSync(join(dir, 'var', 'cache', 'x'), 'x');
  // Times as a layer leaves them (whole seconds): the differ then compares content, not just times.
  for (const p of ['etc/passwd', 'app/lib/a.so', 'app/lib/b.so', 'app/main', 'bin/tool']) spawnSync('touch', ['-h', '-d', '@1700000000', join(dir, p)]);
}

const sh = (cmd: string, cwd: string) => {
  const r = spawnSync('/bin/sh', ['-c', cmd], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
};

/** What a step does, the same on a copy of the root and on the overlay mount. */
const CASES: { name: string; step: (root: string) => void; opaque?: string[] }[] = [
  { name: 'add files and new nested directories', step: (r) => { mkdirSync(join(r, 'opt', 'x', 'y'), { recursive: true }); writeFileSync(join(r, 'opt', 'x', 'y', 'f'), 'f'); writeFileSync(join(r, 'app', 'new'), 'n'); } },
  { name: 'append to a file', step: (r) => appendFileSync(join(r, 'etc', 'passwd'), 'app:x:1000:1000::/home/app:/bin/sh\n') },
  { name: 'chmod and chown without content change', step: (r) => { chmodSync(join(r, 'app', 'lib', 'b.so'), 0o600); chownSync(join(r, 'etc', 'group'), 1000, 1000); } },
  { name: 'delete a file and a directory', step: (r) => { unlinkSync(join(r, 'app', 'lib', 'b.so')); rmSync(join(r, 'var', 'cache'), { recursive: true }); } },
  { name: 'rm -rf a directory and re-create it (opaque)', step: (r) => sh('rm -rf app/lib && mkdir -p app/lib/deep && printf B > app/lib/b.so && printf other > app/lib/deep/c.txt', r), opaque: ['app/lib'] },
  { name: 'rm -rf a directory and re-create all it had', step: (r) => sh('rm -rf app/lib && mkdir -p app/lib/deep && printf B > app/lib/b.so && printf other > app/lib/a.so && printf C > app/lib/deep/c.txt', r) },
  { name: 'rm -rf a directory and re-create part of a subdirectory', step: (r) => sh('echo d > app/lib/deep/d.txt && rm -rf app && mkdir -p app/lib/deep && printf C > app/lib/deep/c.txt', r), opaque: ['app', 'app/lib'] },
  { name: 'rm -rf a directory, re-create it empty', step: (r) => sh('rm -rf var && mkdir var', r), opaque: ['var'] },
  { name: 'replace a file by a directory and a directory by a file', step: (r) => sh('rm app/main && mkdir app/main && echo in > app/main/f && rm -rf app/lib/deep && echo now-a-file > app/lib/deep', r) },
  { name: 'replace a file by a symlink and retarget a symlink', step: (r) => sh('rm etc/group && ln -s passwd etc/group && ln -sfn lib/b.so app/link', r) },
  { name: 'open for writing without writing (copy-up only)', step: (r) => closeSync(openSync(join(r, 'app', 'lib', 'a.so'), 'r+')) },
  { name: 'a new hard link to a file of the lower root', step: (r) => linkSync(join(r, 'app', 'main'), join(r, 'app', 'main-link')) },
  { name: 'rename a directory (copied whole: redirect_dir off)', step: (r) => sh('mv app/lib app/lib2', r) },
  { name: 'delete a file and write it back identical', step: (r) => sh('rm app/lib/b.so && printf B > app/lib/b.so && touch -d @1700000000 app/lib/b.so', r) },
  { name: 'chmod a directory', step: (r) => chmodSync(join(r, 'app'), 0o700) },
  { name: 'nothing changed', step: () => undefined },
];

/** A comparable form of a changeset: everything a layer tar takes from it. */
function shape(changes: Change[]): string[] {
  return changes.map((c) => (c.kind === 'delete' ? `delete ${c.path}` : `${c.kind} ${c.path} ${c.meta.type} ${c.meta.mode.toString(8)} ${c.meta.uid}:${c.meta.gid} ${c.meta.type === 'dir' ? '' : c.meta.size}${c.linkTo ? ` -> ${c.linkTo}` : ''}`));
}

/** tree lists a root: path, type, mode, owner, and the content or link target. */
function tree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const abs = join(root, p);
    const st = lstatSync(abs);
    const what = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `-> ${readlinkSync(abs)}` : st.isFile() ? createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 12) : `special ${st.rdev}`;
    out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${what}`);
    if (st.isDirectory()) out.push(...tree(root, p));
  }
  return out;
}

describe('RUN roots on overlay mounts', { skip: SKIP }, () => {
  const t = tempDir();
  after(() => t.cleanup());

  for (const [i, c] of CASES.entries()) {
    test(`${c.name}: same changeset and same root as on a copy`, async () => {
      const base = join(t.path, `case-${i}`);
      // The copy way: a copy of the lower root, changed in place, compared with the lower root.
      const copyLower = join(base, 'copy-lower');
      const copied = join(base, 'copy');
      mkdirSync(copyLower, { recursive: true });
      makeLower(copyLower);
      sh(`cp -a ${copyLower} ${copied}`, base);
      c.step(copied);
      const want = await diffTrees(copyLower, copied);
      // The overlay way: the same step through an overlay mount, read from its upper directory.
      const dirs = { lower: join(base, 'lower'), upper: join(base, 'upper'), work: join(base, 'work'), merged: join(base, 'merged') };
      mkdirSync(dirs.lower);
      makeLower(dirs.lower);
      await mountOverlay(dirs);
      let got;
      try {
        c.step(dirs.merged);
        got = await overlayDiff(dirs.lower, dirs.upper, dirs.merged);
      } finally {
        await unmountOverlay(dirs);
      }
      assert.deepEqual(shape(got.changes), shape(want));
      assert.deepEqual([...got.opaque].sort(), c.opaque ?? []);
      materialize(dirs.upper, dirs.lower, got.opaque);
      assert.deepEqual(tree(dirs.upper), tree(copied));
      assert.equal(lstatSync(dirs.lower, { throwIfNoEntry: false }), undefined, 'lower is consumed');
      assert.equal(lstatSync(dirs.merged, { throwIfNoEntry: false }), undefined, 'the mount point is gone');
    });
  }

  describe('a build on overlay gives the image a build on copies gives', () => {
    const BASE = 'strata-test/busybox:1';
    let ctx: string;
    before(() => {
      ctx = writeTree(join(t.path, 'ctx'), {
        Dockerfile: [
          `FROM ${BASE}`,
          'RUN mkdir -p /opt/pkg/lib && for i in 1 2 3; do echo $i > /opt/pkg/lib/f$i; done && ln /opt/pkg/lib/f1 /opt/pkg/lib/hard && ln -s f2 /opt/pkg/lib/soft',
          'RUN rm -rf /opt/pkg/lib && mkdir /opt/pkg/lib && echo 2 > /opt/pkg/lib/f2 && echo again > /opt/pkg/lib/f1',
          'RUN echo "app:x:1000:1000::/home/app:/bin/sh" >> /etc/passwd && mkdir -p /home/app && chown 1000:1000 /home/app && rm -f /etc/group && chmod 700 /opt',
          'COPY data.txt /opt/data.txt',
          'RUN cat /opt/data.txt >> /opt/pkg/lib/f2 && mv /opt/pkg /opt/pkg2 && : > /opt/data.txt',
          'CMD ["cat", "/opt/pkg2/lib/f2"]',
          '',
        ].join('\n'),
        'data.txt': 'data\n',
      });
    });
    after(() => resetOverlayVerdict());

    test('same layer digests, same image digest; the overlay build used overlay mounts', async () => {
      const built: { digest: string; overlaySteps: number | undefined }[] = [];
      for (const mode of ['overlay', 'copy']) {
        resetOverlayVerdict();
        if (mode === 'copy') overlayFailed('test: copies');
        const store = await Store.open(join(t.path, `home-${mode}`));
        await makeBusyboxImage(store, [BASE]);
        const r = await runBuild(store, { contextDir: ctx, tags: [`strata-test/overlay:${mode}`], network: 'none' });
        built.push({ digest: r.digest, overlaySteps: r.overlaySteps });
      }
      assert.equal(built[0]!.overlaySteps, 4);
      assert.equal(built[1]!.overlaySteps, 0);
      assert.equal(built[0]!.digest, built[1]!.digest);
    });

    test('a rebuild whose root no RUN consumes mounts it over the cached snapshot: same image as a clone, no mount left, the snapshot untouched', async () => {
      const ctx2 = writeTree(join(t.path, 'ctx2'), {
        // The RUN writes 9 MB: a root that small is cloned rather than mounted (MOUNT_MIN_BYTES).
        Dockerfile: [`FROM ${BASE}`, 'RUN mkdir -p /opt/x && echo 1 > /opt/x/a && head -c 9000000 /dev/zero > /opt/x/fill', 'COPY data.txt /opt/x/data.txt', 'WORKDIR /opt/x/sub', 'CMD ["cat", "/opt/x/data.txt"]', ''].join('\n'),
        'data.txt': 'one\n',
      });
      const results: Record<string, { digest: string; overlayRoots: number | undefined }[]> = {};
      for (const mode of ['overlay', 'copy']) {
        resetOverlayVerdict();
        if (mode === 'copy') overlayFailed('test: copies');
        const store = await Store.open(join(t.path, `home2-${mode}`));
        await makeBusyboxImage(store, [BASE]);
        results[mode] = [];
        for (const body of ['one\n', 'two\n']) {
          writeFileSync(join(ctx2, 'data.txt'), body);
          const r = await runBuild(store, { contextDir: ctx2, tags: [`strata-test/overlay-root:${mode}`], network: 'none' });
          results[mode]!.push({ digest: r.digest, overlayRoots: r.overlayRoots });
          await settleBuilds(); // its scratch roots are removed after it returns
          const left = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(store.home));
          assert.deepEqual(left, [], 'no mount is left in the store');
        }
        // The mounted lower (the chain up to the RUN) holds no COPY output, and no snapshot got the second build's write.
        const snaps = readdirSync(join(store.home, 'snapshots')).map((n) => join(store.home, 'snapshots', n));
        const data = (d: string) => { try { return readFileSync(join(d, 'opt', 'x', 'data.txt'), 'utf8'); } catch { return null; } };
        assert.ok(snaps.some((d) => existsSync(join(d, 'opt', 'x', 'a')) && data(d) === null), 'the chain up to the RUN has its snapshot');
        if (mode === 'overlay') assert.ok(snaps.every((d) => data(d) !== 'two\n'), 'the mounted build wrote into no snapshot');
      }
      assert.equal(results.overlay![1]!.overlayRoots, 1, 'the second build mounted its root');
      assert.equal(results.copy![1]!.overlayRoots, 0);
      assert.deepEqual(results.overlay!.map((r) => r.digest), results.copy!.map((r) => r.digest));
    });
  });
});
