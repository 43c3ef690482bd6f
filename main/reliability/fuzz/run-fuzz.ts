// The parent side of a fuzz run: start the worker, watch the index it is on, and call a hang what it is:
// an input that has not finished in hangMs. The hung input is rebuilt here from (seed, index).
import { Worker } from 'node:worker_threads';
import { generate } from './mutate.ts';
import { Rng, inputSeed } from './prng.ts';
import { targets, type FuzzTargetName } from './targets.ts';
import type { FuzzFailure, WorkerInput } from './worker.ts';

export interface FuzzResult {
  target: FuzzTargetName;
  seed: number;
  count: number;
  seeds: number;
  failures: FuzzFailure[];
  ms: number;
}

export interface FuzzOptions {
  seed: number;
  budgetMs: number;
  maxInputs: number;
  /** hangMs: one input running this long is a hang (the worker is stopped). */
  hangMs?: number;
}

/** rebuildInput regenerates input `index` of a run (what a hung or crashed worker was on). */
export function rebuildInput(target: FuzzTargetName, seed: number, index: number): string {
  const t = targets[target];
  return generate(new Rng(inputSeed(seed, index)), t.seeds(), t.dict, t.maxLen);
}

/** runFuzz runs one target in a worker thread with a watchdog. */
export function runFuzz(target: FuzzTargetName, o: FuzzOptions): Promise<FuzzResult> {
  const hangMs = o.hangMs ?? 10_000;
  const shared = new SharedArrayBuffer(8);
  const state = new Int32Array(shared);
  state[0] = -1;
  const started = Date.now();
  const workerData: WorkerInput & { module: string } = { module: new URL('./worker.ts', import.meta.url).href, target, seed: o.seed, budgetMs: o.budgetMs, maxInputs: o.maxInputs, shared };
  // A runaway input may eat memory: the worker dies alone (reported as a crash), not the test process.
  const worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData, resourceLimits: { maxOldGenerationSizeMb: 768 } });
  return new Promise((resolve) => {
    let settled = false;
    let last = -1;
    let since = Date.now();
    const finish = (r: Omit<FuzzResult, 'target' | 'seed' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void worker.terminate();
      resolve({ target, seed: o.seed, ms: Date.now() - started, ...r });
    };
    const stuck = (why: string) => {
      const index = Atomics.load(state, 0);
      const input = index >= 0 ? rebuildInput(target, o.seed, index) : '';
      finish({ count: Math.max(0, index), seeds: 0, failures: [{ index, input: input.slice(0, 2000), error: why }] });
    };
    const watch = setInterval(() => {
      const idx = Atomics.load(state, 0);
      if (idx !== last) {
        last = idx;
        since = Date.now();
      } else if (idx >= 0 && Atomics.load(state, 1) === 0 && Date.now() - since > hangMs) {
        stuck(`hang: input ${idx} did not finish in ${hangMs} ms`);
      } else if (Date.now() - started > o.budgetMs + 120_000) {
        stuck('the worker never started or never finished');
      }
    }, 200);
    worker.on('message', (m: { count: number; failures: FuzzFailure[]; seeds: number }) => finish(m));
    worker.on('error', (e) => stuck(`crash: ${e.stack ?? e.message}`));
    worker.on('exit', (code) => {
      if (!settled) stuck(`the worker exited with code ${code}`);
    });
  });
}
