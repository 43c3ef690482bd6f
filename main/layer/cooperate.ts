import { setImmediate as nextTurn } from 'node:timers/promises';

/** createPauser returns a function to await between filesystem steps. The layer code uses synchronous
 * fs calls (2-5x faster than promises for lstat-heavy walks); this hands the event loop back every
 * `sliceMs` so IPC and progress events keep flowing. */
export function createPauser(sliceMs = 12): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < sliceMs) return undefined;
    last = now;
    return nextTurn().then(() => {
      last = performance.now();
    });
  };
}
