// One fuzz target in a worker thread: inputs (seed, 0), (seed, 1), … until the time budget or the input cap.
// The index being run is kept in shared memory so the parent can tell a hang from slow progress.
import { parentPort, workerData } from 'node:worker_threads';
import { generate } from './mutate.ts';
import { Rng, inputSeed } from './prng.ts';
import { isOwnError, targets, type FuzzTargetName } from './targets.ts';

export interface WorkerInput {
  target: FuzzTargetName;
  seed: number;
  budgetMs: number;
  maxInputs: number;
  /** Int32Array over it: [0] the index being run (-1 before the first), [1] 1 when finished. */
  shared: SharedArrayBuffer;
}

export interface FuzzFailure {
  index: number;
  input: string;
  error: string;
}

const MAX_FAILURES = 10;

const data = workerData as WorkerInput & { module: string };
const target = targets[data.target];
const seeds = target.seeds();
const state = new Int32Array(data.shared);
const failures: FuzzFailure[] = [];
const start = Date.now();
let i = 0;
for (; i < data.maxInputs && Date.now() - start < data.budgetMs; i++) {
  Atomics.store(state, 0, i);
  const input = generate(new Rng(inputSeed(data.seed, i)), seeds, target.dict, target.maxLen);
  try {
    target.run(input);
  } catch (e) {
    if (!isOwnError(target, e)) {
      failures.push({ index: i, input: input.slice(0, 2000), error: (e as Error)?.stack?.split('\n').slice(0, 6).join('\n') ?? String(e) });
      if (failures.length >= MAX_FAILURES) {
        i++;
        break;
      }
    }
  }
}
Atomics.store(state, 1, 1);
parentPort!.postMessage({ count: i, failures, seeds: seeds.length });
