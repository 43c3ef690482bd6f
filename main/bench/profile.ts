// A quick in-process profile of one context (npm run bench is the real thing): node --import tsx main/bench/profile.ts seed [runs]
// WARM=n runs n warm builds; CPUPROF=file.cpuprofile records a V8 CPU profile of the warm builds only.
// WATCH=1 opens the context through a watcher, as the app's engine does (no walk when nothing changed).
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ContextWatchers } from '../build/context-watch.ts';
import { collectMetrics } from '../build/metrics.ts';
import { runBuild } from '../build/solver.ts';
import { saveDockerArchive } from '../store/archive/save.ts';
import { load } from '../store/archive/load.ts';
import { unpackForBuilds } from '../build/rootfs.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { BASE, makeContext, touch, type ContextName } from './contexts.ts';

const name = (process.argv[2] ?? 'seed') as ContextName;
const runs = Number(process.argv[3] ?? 2);
const work = mkdtempSync('/var/tmp/strata-prof-');
try {
  const baseStore = await Store.open(join(work, 'base-home'));
  await makeBusyboxImage(baseStore, [BASE]);
  await saveDockerArchive(baseStore, [BASE], join(work, 'base.tar'));
  const ctx = makeContext(name, join(work, 'ctx'));
  const watchers = process.env.WATCH === '1' ? new ContextWatchers() : null;
  for (let i = 0; i < runs; i++) {
    rmSync(join(work, 'home'), { recursive: true, force: true });
    const store = await Store.open(join(work, 'home'));
    const loaded = await load(store, join(work, 'base.tar'));
    await unpackForBuilds(store, loaded.map((l) => l.digest)); // as strata load does
    const warmRuns = Number(process.env.WARM ?? 1);
    for (const fig of ['cold', ...Array(warmRuns).fill('warm'), 'touched']) {
      if (fig === 'touched') touch(ctx);
      const prof = process.env.CPUPROF && fig === 'warm' ? new Session() : null;
      if (prof) {
        prof.connect();
        await prof.post('Profiler.enable');
        await prof.post('Profiler.start');
      }
      const m = collectMetrics(true)!;
      const t0 = performance.now();
      await runBuild(store, { contextDir: ctx.dir, tags: [`localhost/bench/${name}:latest`], network: 'none' }, watchers ? { openContext: (dir, o) => watchers.open(dir, o) } : {});
      const ms = performance.now() - t0;
      collectMetrics(false);
      if (prof) {
        const { profile } = await prof.post('Profiler.stop');
        writeFileSync(process.env.CPUPROF!.replace(/(\.cpuprofile)?$/, `-${i}-${performance.now().toFixed(0)}.cpuprofile`), JSON.stringify(profile));
        prof.disconnect();
      }
      const how = watchers?.get(ctx.dir)?.last;
      console.log(`${name} ${fig} ${ms.toFixed(0)} ms`, Object.entries(m).map(([k, v]) => `${k}=${v!.ms.toFixed(0)}`).join(' '), how ? `(${how.kind}: ${how.reason})` : '');
    }
  }
  watchers?.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
