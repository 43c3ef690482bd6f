// Optional timing of a build's phases for the benchmark (main/bench): off unless collectMetrics(true) was
// called, and then each phase adds up its own time (nested phases are subtracted) and the bytes it handled.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Phase names what the solver was doing: walking the context, hashing sources, checking out a root
 * filesystem, writing COPY/ADD/WORKDIR files, running a RUN step (the rest of it: mounts, user lookup),
 * snapshotting a RUN's root (overlay mount or copy, reading the changes, unmount, materializing), the
 * sandbox (bwrap start and the command itself), writing a layer (tar + sha256; nothing is gzipped at
 * build time: a push compresses). */
export type Phase = 'context' | 'hash' | 'checkout' | 'copy' | 'run' | 'snapshot' | 'sandbox' | 'layer';

export interface PhaseTotal {
  /** ms is the time spent in the phase itself, without the phases it called. */
  ms: number;
  count: number;
  bytes: number;
}

export type BuildMetrics = Partial<Record<Phase, PhaseTotal>>;

interface Frame {
  child: number;
}

let sink: BuildMetrics | null = null;
const frames = new AsyncLocalStorage<Frame>();

/** collectMetrics starts recording into a fresh table and returns it (true), or stops recording (false). */
export function collectMetrics(on: boolean): BuildMetrics | null {
  sink = on ? {} : null;
  return sink;
}

function total(phase: Phase): PhaseTotal {
  return (sink![phase] ??= { ms: 0, count: 0, bytes: 0 });
}

/** timed runs fn and, when metrics are on, adds its time (less nested phases) and bytes to phase. */
export async function timed<T>(phase: Phase, fn: () => Promise<T>, bytes?: (result: T) => number): Promise<T> {
  if (!sink) return fn();
  const parent = frames.getStore();
  const frame: Frame = { child: 0 };
  const t0 = performance.now();
  const result = await frames.run(frame, fn);
  const ms = performance.now() - t0;
  if (parent) parent.child += ms;
  if (sink) {
    const t = total(phase);
    t.ms += ms - frame.child;
    t.count++;
    t.bytes += bytes ? bytes(result) : 0;
  }
  return result;
}

/** addBytes adds bytes a phase handled that only the caller can count (e.g. bytes actually hashed). */
export function addBytes(phase: Phase, bytes: number): void {
  if (sink) total(phase).bytes += bytes;
}
