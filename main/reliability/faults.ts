// Faults: the real CLI killed with SIGKILL at random points of a build, a pull and a push (against the real
// registry), many times within a time budget; after each kill `fsck --repair` must leave a consistent store
// and the next run must succeed. Then a full disk (a small tmpfs as STRATA_HOME), two builds and a push at
// once on one store, and prune racing builds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fsckCmd } from '../cli/fsck-command.ts';
import { push } from '../registry/index.ts';
import { fsck, type FsckReport } from '../store/fsck.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { makeBigImage } from '../testing/registry/images.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { tempDir } from '../testing/temp.ts';
import { removeTree } from './arena.ts';
import { dockerArchive } from './archives.ts';
import { killAfter, runStrata, spawnStrata } from './cli-process.ts';
import { rawTar } from './raw-tar.ts';
import { countHostile, countKill } from './tally.ts';

const KILL_BUDGET_MS = Number(process.env.STRATA_KILL_SECONDS ?? 50) * 1000;
const MIN_KILLS_PER_OP = 3;

function manifestExists(host: string, repo: string, tag: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** assertHealthy repairs safe leftovers (hashing every blob), then demands a consistent store with nothing
 * left to report. quick skips the hashing (presence, sizes and structure only). */
async function assertHealthy(store: Store, what: string, quick = false): Promise<FsckReport> {
  const repaired = await fsck(store, { repair: true, verifyContent: !quick });
  assert.ok(repaired.consistent, `${what}: fsck --repair left errors: ${JSON.stringify(repaired.problems.filter((p) => !p.repaired))}`);
  const again = await fsck(store, { verifyContent: false });
  assert.deepEqual(again.problems, [], `${what}: fsck after --repair still reports problems`);
  return repaired;
}

type Op = 'build' | 'pull' | 'push';

/** faultSuite registers the kill -9, disk-full and concurrency tests. */
export function faultSuite(): void {
  describe('faults: kill -9 at random points, a full disk, concurrent writers, prune racing builds', () => {
    const t = tempDir('strata-faults-');
    const docker = join(t.path, 'docker');
    const env = { DOCKER_CONFIG: docker };
    let registry: TestRegistry;
    let buildHome: string;
    let pullHome: string;
    let buildStore: Store;
    let pullStore: Store;
    const ctx = join(t.path, 'ctx');
    let pullRef: string;
    before(async () => {
      mkdirSync(docker);
      writeFileSync(join(docker, 'config.json'), '{}');
      registry = await startRegistry(join(t.path, 'registry'));
      buildHome = join(t.path, 'build-home');
      pullHome = join(t.path, 'pull-home');
      buildStore = await Store.open(buildHome);
      pullStore = await Store.open(pullHome);
      await makeBusyboxImage(buildStore, ['strata-test/busybox:1']);
      pullRef = `${registry.host}/fault/pull:1`;
      await makeBigImage(buildStore, [pullRef], 3 << 20, { gzip: true });
      await push(buildStore, pullRef, { credentials: null });
      mkdirSync(ctx);
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM strata-test/busybox:1\nCOPY data.bin /data.bin\nRUN wc -c /data.bin > /size.txt\nCOPY more.bin /opt/more.bin\nCMD ["cat", "/size.txt"]\n');
    });
    after(async () => {
      await registry?.stop();
      removeTree(t.path);
    });

    /** prepare makes the next run of op do real work (new content, or nothing local yet). */
    const prepare: Record<Op, (i: number) => Promise<string[]>> = {
      build: async (i) => {
        // Old images go, so the store (and each fsck) stays small.
        await buildStore.removeImage(`strata-test/killed:${i - 3}`).catch(() => undefined);
        writeFileSync(join(ctx, 'data.bin'), randomBytes(1 << 20));
        writeFileSync(join(ctx, 'more.bin'), randomBytes(256 << 10));
        return ['build', '--progress', 'plain', '-t', `strata-test/killed:${i}`, ctx];
      },
      pull: async () => {
        await pullStore.removeImage(pullRef).catch(() => undefined);
        await pullStore.prune();
        return ['pull', '--progress', 'plain', pullRef];
      },
      push: async (i) => {
        const ref = `${registry.host}/fault/push:${i}`;
        await buildStore.removeImage(`${registry.host}/fault/push:${i - 3}`).catch(() => undefined);
        await makeBigImage(buildStore, [ref], 2 << 20, { gzip: true });
        return ['push', '--progress', 'plain', ref];
      },
    };
    const homeOf = (op: Op) => (op === 'pull' ? pullHome : buildHome);
    const storeOf = (op: Op) => (op === 'pull' ? pullStore : buildStore);
    /** verify checks what a completed run of op must have produced. */
    const verify = async (op: Op, i: number) => {
      if (op === 'build') await buildStore.assertComplete((await buildStore.resolve(`strata-test/killed:${i}`)).digest);
      if (op === 'pull') await pullStore.assertComplete((await pullStore.resolve(pullRef)).digest);
      if (op === 'push') assert.ok(await manifestExists(registry.host, 'fault/push', String(i)), `the registry has fault/push:${i}`);
    };

    test(`kill -9 of strata build, pull and push at random points (${KILL_BUDGET_MS / 1000} s budget): fsck consistent after each, the next run succeeds`, async (ctxT) => {
      const ops: Op[] = ['build', 'pull', 'push'];
      // A full run of each first: how long the work takes, so kills land all over it.
      const duration: Record<Op, number> = { build: 0, pull: 0, push: 0 };
      for (const op of ops) {
        const args = await prepare[op](0);
        const r = await runStrata(homeOf(op), args, env);
        assert.equal(r.code, 0, `${op}: ${r.stderr}`);
        await verify(op, 0);
        duration[op] = r.ms;
      }
      const kills: Record<Op, number> = { build: 0, pull: 0, push: 0 };
      const started = Date.now();
      for (let i = 1; ; i++) {
        const op = ops[i % ops.length] as Op;
        const enough = ops.every((o) => kills[o] >= MIN_KILLS_PER_OP);
        if (enough && Date.now() - started > KILL_BUDGET_MS) break;
        if (i > 400) break;
        const args = await prepare[op](i);
        // Anywhere from process start-up to the last bytes: 10 %..100 % of a full run.
        const delay = Math.floor(duration[op] * (0.1 + 0.9 * Math.random()));
        const killed = await killAfter(spawnStrata(homeOf(op), args, env), delay);
        await assertHealthy(storeOf(op), `${op} killed after ${delay} ms`);
        // The next run succeeds (and the store is still consistent after it).
        const next = await runStrata(homeOf(op), args, env);
        assert.equal(next.code, 0, `${op} after a kill at ${delay} ms: ${next.stderr}`);
        await verify(op, i);
        await assertHealthy(storeOf(op), `${op} run after the kill`, true);
        if (killed) {
          kills[op]++;
          countKill(op);
        }
      }
      ctxT.diagnostic(`kill points survived: build ${kills.build}, pull ${kills.pull}, push ${kills.push} (full runs took ${duration.build}/${duration.pull}/${duration.push} ms)`);
      for (const op of ops) assert.ok(kills[op] >= MIN_KILLS_PER_OP, `${op}: only ${kills[op]} kill points`);
    });

    test('fsck through the CLI command after kills: exit 0, nothing left to repair', async () => {
      const saved = process.env.STRATA_HOME;
      process.env.STRATA_HOME = buildHome;
      try {
        let out = '';
        const code = await fsckCmd([], { out: (s) => (out += s), err: (s) => (out += s) });
        assert.equal(code, 0, out);
        assert.match(out, /store is consistent\n$/);
      } finally {
        if (saved === undefined) delete process.env.STRATA_HOME;
        else process.env.STRATA_HOME = saved;
      }
    });

    test('two builds and a push at once on one store: every tag there, nothing corrupt', async () => {
      const ctxA = join(t.path, 'ctx-a');
      const ctxB = join(t.path, 'ctx-b');
      for (let round = 0; round < 3; round++) {
        for (const [dir, name] of [[ctxA, 'a'], [ctxB, 'b']] as const) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'Dockerfile'), `FROM strata-test/busybox:1\nCOPY ${name}.bin /${name}.bin\nRUN cat /${name}.bin | wc -c > /n\n`);
          writeFileSync(join(dir, `${name}.bin`), randomBytes(1 << 20));
        }
        const pushRef = `${registry.host}/fault/conc:${round}`;
        await makeBigImage(buildStore, [pushRef], 2 << 20, { gzip: true });
        const runs = await Promise.all([
          runStrata(buildHome, ['build', '--progress', 'plain', '-t', `strata-test/conc-a:${round}`, '-t', `strata-test/conc-shared:${round}`, ctxA], env),
          runStrata(buildHome, ['build', '--progress', 'plain', '-t', `strata-test/conc-b:${round}`, '-t', `strata-test/conc-shared:${round}`, ctxB], env),
          runStrata(buildHome, ['push', '--progress', 'plain', pushRef], env),
        ]);
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const a = await buildStore.resolve(`strata-test/conc-a:${round}`);
        const b = await buildStore.resolve(`strata-test/conc-b:${round}`);
        const shared = await buildStore.resolve(`strata-test/conc-shared:${round}`);
        assert.ok([a.digest, b.digest].includes(shared.digest), 'the shared tag names one of the two builds');
        assert.equal(runs[0]!.stdout.trim(), a.digest);
        assert.equal(runs[1]!.stdout.trim(), b.digest);
        assert.ok(await manifestExists(registry.host, 'fault/conc', String(round)));
        await assertHealthy(buildStore, `concurrent round ${round}`, round < 2);
      }
    });

    test('prune racing builds never deletes a blob a build is about to reference', async () => {
      const dir = join(t.path, 'ctx-race');
      mkdirSync(dir, { recursive: true });
      let prunes = 0;
      for (let round = 0; round < 6; round++) {
        // Even rounds build new content; odd rounds rebuild the previous one after its tag is gone, so every
        // step is a cache hit on blobs no tag reaches (the ones prune wants).
        if (round % 2 === 0) {
          writeFileSync(join(dir, 'Dockerfile'), `FROM strata-test/busybox:1\nCOPY a.bin /a.bin\nCOPY b.bin /b.bin\nRUN echo ${round} > /round\n`);
          writeFileSync(join(dir, 'a.bin'), randomBytes(1 << 20));
          writeFileSync(join(dir, 'b.bin'), randomBytes(512 << 10));
        } else {
          await buildStore.untag(`strata-test/race:${round - 1}`); // untagged: prune's to take
        }
        const run = spawnStrata(buildHome, ['build', '--progress', 'plain', '-t', `strata-test/race:${round}`, dir], env);
        let done = false;
        void run.done.then(() => (done = true));
        while (!done) {
          await buildStore.prune();
          prunes++;
        }
        const r = await run.done;
        assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
        await buildStore.assertComplete((await buildStore.resolve(`strata-test/race:${round}`)).digest);
        await assertHealthy(buildStore, `prune race round ${round}`, true);
      }
      assert.ok(prunes > 6, `prune ran ${prunes} times`);
    });

    test('disk full (a 24 MiB tmpfs as STRATA_HOME): the error says so, the store stays consistent, the next run succeeds', async (tt) => {
      if (process.getuid?.() !== 0) return tt.skip('mounting a tmpfs needs root');
      const home = join(t.path, 'tmpfs-home');
      mkdirSync(home);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', home], { encoding: 'utf8' });
      if (m.status !== 0) return tt.skip(`cannot mount a tmpfs here: ${m.stderr.trim()}`);
      try {
        const store = await Store.open(home);
        await makeBusyboxImage(store, ['strata-test/busybox:1']);
        // The blob writer itself.
        await assert.rejects(
          store.blobs.write((function* () {
            for (let i = 0; i < 64; i++) yield randomBytes(1 << 20);
          })()),
          (e: Error & { code?: string }) => e.code === 'NO_SPACE' && /no space left/.test(e.message),
        );
        assert.deepEqual(readdirSync(store.tmpDir), [], 'the partial blob is gone');
        countHostile('disk-full');
        // A build whose layer does not fit.
        const bctx = join(t.path, 'ctx-full');
        mkdirSync(bctx);
        writeFileSync(join(bctx, 'Dockerfile'), 'FROM strata-test/busybox:1\nCOPY big.bin /big.bin\n');
        writeFileSync(join(bctx, 'big.bin'), randomBytes(30 << 20));
        const b = await runStrata(home, ['build', '--progress', 'plain', '-t', 'strata-test/full:1', bctx], env);
        assert.equal(b.code, 1);
        assert.match(b.stderr, /no space left|disk is full/i, b.stderr);
        countHostile('disk-full');
        // A load whose layer does not fit.
        const archive = join(t.path, 'big-archive.tar');
        writeFileSync(archive, dockerArchive({ layers: [rawTar([{ name: 'big', body: randomBytes(20 << 20) }])] }));
        const l = await runStrata(home, ['load', '-i', archive], env);
        assert.equal(l.code, 1);
        assert.match(l.stderr, /no space left|disk is full/i, l.stderr);
        countHostile('disk-full');
        await assertHealthy(store, 'after disk-full failures');
        assert.deepEqual(readdirSync(store.tmpDir), []);
        await store.resolve('strata-test/busybox:1');
        // Room again: the same kind of run succeeds.
        writeFileSync(join(bctx, 'big.bin'), randomBytes(1 << 20));
        const ok = await runStrata(home, ['build', '--progress', 'plain', '-t', 'strata-test/full:1', bctx], env);
        assert.equal(ok.code, 0, ok.stderr);
        await assertHealthy(store, 'after the run that fits');
      } finally {
        spawnSync('umount', ['-l', home]);
      }
    });
  });
}
