// Strata's internals per build, in-process (as the app runs builds): the solver's phase times from
// main/build/metrics.ts, the RUN step taken apart, and this machine's raw sha256/gzip rates on the same bytes.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { ContextWatchers } from '../build/context-watch.ts';
import { collectMetrics, type BuildMetrics, type Phase } from '../build/metrics.ts';
import { materialize, mountOverlay, overlayUnavailable, unmountOverlay } from '../build/overlay-root.ts';
import { copyTree, SnapshotCache } from '../build/rootfs.ts';
import { overlayDiff } from '../layer/overlay-diff.ts';
import { runBuild } from '../build/solver.ts';
import { diffTrees } from '../layer/diff.ts';
import { runInSandbox } from '../sandbox/index.ts';
import { load } from '../store/archive/load.ts';
import { unpackForBuilds } from '../build/rootfs.ts';
import { TWIN_GZIP_LEVEL } from '../store/layer-twins.ts';
import { Store } from '../store/store.ts';
import { BASE, touch, type BenchContext } from './contexts.ts';
import { exec } from './exec.ts';
import { median } from './stats.ts';

export const PHASES: Phase[] = ['context', 'hash', 'checkout', 'copy', 'run', 'snapshot', 'sandbox', 'layer'];

export interface PhaseSummary {
  ms: number;
  bytes: number;
}

export interface BuildInternals {
  totalMs: number;
  phases: Partial<Record<Phase, PhaseSummary>>;
  /** otherMs is the build's time outside the timed phases (parsing, cache lookups, image write). */
  otherMs: number;
}

export interface RunSplit {
  /** How the root was made: an overlay mount (copyMs is the mount) or a copy. */
  mode: 'overlay' | 'copy';
  copyMs: number;
  sandboxStartMs: number;
  commandMs: number;
  diffMs: number;
  changes: number;
}

export interface RawRates {
  bytes: number;
  /** MB/s over the same bytes. */
  sha256Node: number;
  sha256Openssl: number;
  gzipNode: number;
  gzipNodeLevel1: number;
  gzipCli: number;
  gunzipNode: number;
}

export interface ContextInternals {
  cold: BuildInternals;
  touched: BuildInternals;
  /** warmInAppMs: a rebuild with nothing changed inside a running process (the app's case). */
  warmInAppMs: number;
  runSplit: RunSplit | null;
  raw: RawRates | null;
}

function summarize(runs: { totalMs: number; metrics: BuildMetrics }[]): BuildInternals {
  const phases: Partial<Record<Phase, PhaseSummary>> = {};
  let timed = 0;
  for (const p of PHASES) {
    const present = runs.map((r) => r.metrics[p]).filter((x) => x !== undefined);
    if (!present.length) continue;
    phases[p] = { ms: median(present.map((x) => x.ms)), bytes: median(present.map((x) => x.bytes)) };
    timed += phases[p]!.ms;
  }
  const totalMs = median(runs.map((r) => r.totalMs));
  return { totalMs, phases, otherMs: Math.max(0, totalMs - timed) };
}

async function timedBuild(store: Store, ctx: BenchContext, watchers: ContextWatchers): Promise<{ totalMs: number; metrics: BuildMetrics }> {
  const metrics = collectMetrics(true)!;
  const t0 = performance.now();
  try {
    // Contexts opened through a watcher, as the app's engine opens them.
    await runBuild(store, { contextDir: ctx.dir, tags: [`localhost/bench/${ctx.name}:latest`], network: 'none' }, { openContext: (dir, o) => watchers.open(dir, o) });
  } finally {
    collectMetrics(false);
  }
  return { totalMs: performance.now() - t0, metrics };
}

/** rate runs fn over bytes until at least 300 ms passed and returns MB/s. */
function rate(bytes: number, fn: () => void): number {
  let n = 0;
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < 300);
  return (bytes * n) / 1e6 / ((performance.now() - t0) / 1000);
}

async function processRate(bytes: number, cmd: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push((await exec(cmd, args)).ms);
  return bytes / 1e6 / (median(times) / 1000);
}

/** rawRates measures sha256 and gzip (a push's level, TWIN_GZIP_LEVEL, and level 1) of one layer tar with node and the CLI tools. */
export async function rawRates(tar: Buffer, file: string): Promise<RawRates> {
  writeFileSync(file, tar);
  const gz = gzipSync(tar, { level: TWIN_GZIP_LEVEL, memLevel: 9 });
  return {
    bytes: tar.byteLength,
    sha256Node: rate(tar.byteLength, () => createHash('sha256').update(tar).digest()),
    sha256Openssl: await processRate(tar.byteLength, '/usr/bin/openssl', ['dgst', '-sha256', file]),
    gzipNode: rate(tar.byteLength, () => gzipSync(tar, { level: TWIN_GZIP_LEVEL, memLevel: 9 })),
    gzipNodeLevel1: rate(tar.byteLength, () => gzipSync(tar, { level: 1, memLevel: 9 })),
    gzipCli: await processRate(tar.byteLength, '/bin/sh', ['-c', `gzip -${TWIN_GZIP_LEVEL} -c '${file}' > /dev/null`]),
    gunzipNode: rate(tar.byteLength, () => gunzipSync(gz)),
  };
}

/** runSplit replays a context's first RUN the way the solver's RUN step does (an overlay mount where the
 * kernel allows, else a copy of the root; the sandbox; reading the changes), timing each part; sandbox
 * start is a run of /bin/true. */
async function runSplit(store: Store, ctx: BenchContext, work: string): Promise<RunSplit | null> {
  const line = readFileSync(join(ctx.dir, 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('RUN '));
  if (!line) return null;
  const img = await store.resolve(BASE);
  const snaps = new SnapshotCache(store);
  await snaps.ensure(img.manifest.layers);
  const dirs = { lower: join(work, 'split-lower'), upper: join(work, 'split-upper'), work: join(work, 'split-work'), merged: join(work, 'split-merged') };
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await snaps.checkout(img.manifest.layers, dirs.lower);
  const mode = (await overlayUnavailable()) === null ? 'overlay' : 'copy';
  let t0 = performance.now();
  let unchangedBefore: bigint | undefined;
  if (mode === 'overlay') await mountOverlay(dirs);
  else {
    await copyTree(dirs.lower, dirs.upper);
    const marker = join(work, `.marker-${posix.basename(dirs.upper)}`);
    writeFileSync(marker, '');
    unchangedBefore = lstatSync(marker, { bigint: true }).ctimeNs;
    unlinkSync(marker);
  }
  const copyMs = performance.now() - t0;
  const base = { rootfs: mode === 'overlay' ? dirs.merged : dirs.upper, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], cwd: '/', network: 'none' as const };
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    await runInSandbox({ ...base, argv: ['/bin/true'] });
    starts.push(performance.now() - t0);
  }
  t0 = performance.now();
  const r = await runInSandbox({ ...base, argv: ['/bin/sh', '-c', line.slice(4)] });
  const commandMs = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`replaying ${ctx.name}'s RUN exited ${r.exitCode}`);
  t0 = performance.now();
  let changes: number;
  if (mode === 'overlay') {
    const d = await overlayDiff(dirs.lower, dirs.upper, dirs.merged);
    await unmountOverlay(dirs);
    materialize(dirs.upper, dirs.lower, d.opaque);
    changes = d.changes.length;
  } else {
    changes = (await diffTrees(dirs.lower, dirs.upper, unchangedBefore === undefined ? {} : { unchangedBefore })).length;
  }
  const diffMs = performance.now() - t0;
  rmSync(work, { recursive: true, force: true });
  return { mode, copyMs, sandboxStartMs: median(starts), commandMs: commandMs - median(starts), diffMs, changes };
}

/** largestLayerTar returns the uncompressed tar of the image's largest layer. */
async function largestLayerTar(store: Store, ref: string): Promise<Buffer> {
  const img = await store.resolve(ref);
  const l = [...img.manifest.layers].sort((a, b) => b.size - a.size)[0]!;
  const blob = await store.blobs.read(l.digest);
  return l.mediaType.endsWith('gzip') ? gunzipSync(blob) : Buffer.from(blob);
}

/** contextInternals builds a context in-process `runs` times each cold, warm and touched, with metrics on. */
export async function contextInternals(ctx: BenchContext, baseTar: string, work: string, runs: number): Promise<ContextInternals> {
  const cold: { totalMs: number; metrics: BuildMetrics }[] = [];
  const touched: { totalMs: number; metrics: BuildMetrics }[] = [];
  const warm: number[] = [];
  const home = join(work, 'home');
  let split: RunSplit | null = null;
  let raw: RawRates | null = null;
  for (let i = 0; i < runs; i++) {
    // A fresh app each run: an empty store, nothing watched or hashed yet.
    const watchers = new ContextWatchers();
    rmSync(home, { recursive: true, force: true });
    const store = await Store.open(home);
    const loaded = await load(store, baseTar);
    await unpackForBuilds(store, loaded.map((l) => l.digest)); // as strata load does
    cold.push(await timedBuild(store, ctx, watchers));
    for (let w = 0; w < 3; w++) warm.push((await timedBuild(store, ctx, watchers)).totalMs);
    touch(ctx);
    touched.push(await timedBuild(store, ctx, watchers));
    if (i === runs - 1) {
      split = await runSplit(store, ctx, join(work, 'split'));
      raw = await rawRates(await largestLayerTar(store, `localhost/bench/${ctx.name}:latest`), join(work, 'layer.tar'));
    }
    watchers.close();
  }
  rmSync(work, { recursive: true, force: true });
  return { cold: summarize(cold), touched: summarize(touched), warmInAppMs: median(warm), runSplit: split, raw };
}
