import type { Digest } from '../oci/digest.ts';
import type { SerializedError } from '../util/errors.ts';

/** BlobRole says what a blob is to its image. */
export type BlobRole = 'config' | 'layer';

/** BlobState is one step of a blob's transfer, as the UI draws it. */
export type BlobState =
  | { state: 'checking' }
  | { state: 'exists' }
  | { state: 'mounting'; from: string }
  | { state: 'mounted'; from: string }
  | { state: 'uploading'; bytesDone: number; total: number; rate: number }
  | { state: 'downloading'; bytesDone: number; total: number; rate: number }
  /** A push gzips an uncompressed layer (bytes of the tar read so far), then names the twin it sends instead. */
  | { state: 'compressing'; bytesDone: number; total: number; rate: number }
  | { state: 'compressed'; into: Digest; intoSize: number; intoMediaType: string }
  /** at is when the next attempt starts (epoch ms). */
  | { state: 'retrying'; reason: string; attempt: number; at: number }
  | { state: 'done' }
  | { state: 'failed'; error: SerializedError };

/** BlobProgress is a state change of one blob of a push or pull. */
export type BlobProgress = { kind: 'blob'; operation: 'push' | 'pull'; digest: Digest; size: number; mediaType: string; role: BlobRole } & BlobState;

/** ManifestProgress reports the manifest step (fetched for a pull, put for a push). */
export interface ManifestProgress {
  kind: 'manifest';
  operation: 'push' | 'pull' | 'tag';
  digest: Digest;
  mediaType: string;
  state: 'fetching' | 'putting' | 'done' | 'failed';
  error?: SerializedError;
}

/** TagProgress reports one tag written (in the registry for a push, in the store for a pull). */
export interface TagProgress {
  kind: 'tag';
  operation: 'push' | 'pull' | 'tag';
  reference: string;
  digest: Digest;
  state: 'done' | 'failed';
  error?: SerializedError;
}

export type ProgressEvent = BlobProgress | ManifestProgress | TagProgress;

/** ProgressSink receives batches of events (at most one batch per interval, never empty). */
export type ProgressSink = (events: ProgressEvent[]) => void;

/** ProgressBatcher collects events and hands them over every ~100 ms, so IPC never floods. Byte-count
 * updates of one blob within a batch collapse into the latest; every other state change is kept, in order. */
export class ProgressBatcher {
  private pending: ProgressEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly intervalMs = 100,
  ) {}

  /** emit queues one event. */
  emit(e: ProgressEvent): void {
    if (!this.sink) return;
    if (e.kind === 'blob' && (e.state === 'uploading' || e.state === 'downloading' || e.state === 'compressing')) {
      // Replace this blob's latest event when it is a byte count too, so the order of states is kept.
      let i = this.pending.length - 1;
      while (i >= 0 && !(this.pending[i]!.kind === 'blob' && (this.pending[i] as BlobProgress).digest === e.digest)) i--;
      if (i >= 0 && (this.pending[i] as BlobProgress).state === e.state) this.pending[i] = e;
      else this.pending.push(e);
    } else {
      this.pending.push(e);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** flush hands over what is queued now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.sink || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.sink(batch);
    } catch {
      /* a broken listener must not break the transfer */
    }
  }
}

/** RateMeter measures bytes per second over the last few seconds. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 3000) {}
  /** record notes the running total at this moment and returns the current rate. */
  record(totalBytes: number, now = Date.now()): number {
    this.samples.push({ t: now, bytes: totalBytes });
    while (this.samples.length > 2 && now - (this.samples[0]?.t ?? now) > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = now - first.t;
    return dt > 0 ? Math.max(0, Math.round(((totalBytes - first.bytes) * 1000) / dt)) : 0;
  }
}
