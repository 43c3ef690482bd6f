import type { PushPlanView, SerializedError, TransferEvent, TransferProgress } from '../../../preload/contract.ts';

type BlobEvent = Extract<TransferProgress, { kind: 'blob' }>;

/** BlobRowState is a blob's latest state, or 'queued' before the engine said anything about it. */
export type BlobRowState = BlobEvent['state'] | 'queued';

/** BlobRow is one progress row of a transfer: a layer or the config. */
export interface BlobRow {
  digest: string;
  size: number;
  mediaType: string;
  role: 'config' | 'layer';
  state: BlobRowState;
  bytesDone: number;
  /** Bytes per second of the running upload or download. */
  rate: number;
  /** What the plan expected (exists, mount, upload), when the push was planned first. */
  planned: 'exists' | 'mount' | 'upload' | null;
  /** The repository a mount came from (or was tried from). */
  from: string | null;
  /** Whether the registry mounted it (no bytes sent). */
  mounted: boolean;
  retry: { reason: string; attempt: number; at: number } | null;
  /** How many times this blob's transfer was retried. */
  retries: number;
  error: SerializedError | null;
}

export type TransferPhase = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Transfer is one push or pull as the activity panel and the Publish tab show it. */
export interface Transfer {
  id: string;
  operation: 'push' | 'pull';
  reference: string;
  /** The local image pushed (manifest digest), when this window started it. */
  imageDigest: string | null;
  startedAt: number;
  finishedAt: number | null;
  phase: TransferPhase;
  cancelling: boolean;
  blobs: BlobRow[];
  manifest: { digest: string; state: 'fetching' | 'putting' | 'done' | 'failed'; error: SerializedError | null } | null;
  tags: { reference: string; state: 'done' | 'failed'; error: SerializedError | null }[];
  result: { digest: string; references: string[]; bytes: number } | null;
  error: SerializedError | null;
}

/** newTransfer starts a transfer's record; a plan seeds one queued row per blob so every layer shows at once. */
export function newTransfer(init: { id: string; operation: 'push' | 'pull'; reference: string; imageDigest?: string | null; now: number; plan?: PushPlanView | null }): Transfer {
  const blobs: BlobRow[] = (init.plan?.blobs ?? []).map((b) => ({
    digest: b.digest,
    size: b.size,
    mediaType: b.mediaType,
    role: b.role,
    state: 'queued',
    bytesDone: 0,
    rate: 0,
    planned: b.action,
    from: b.from ?? null,
    mounted: false,
    retry: null,
    retries: 0,
    error: null,
  }));
  return {
    id: init.id,
    operation: init.operation,
    reference: init.reference,
    imageDigest: init.imageDigest ?? null,
    startedAt: init.now,
    finishedAt: null,
    phase: 'running',
    cancelling: false,
    blobs,
    manifest: null,
    tags: [],
    result: null,
    error: null,
  };
}

function applyBlob(rows: BlobRow[], e: BlobEvent): BlobRow[] {
  const i = rows.findIndex((r) => r.digest === e.digest);
  if (e.state === 'compressed') {
    // The uncompressed layer's row becomes its gzip twin's, the blob the push sends from here on.
    const rest = rows.filter((r) => r.digest !== e.digest);
    if (rest.some((r) => r.digest === e.into)) return rest;
    const row: BlobRow = { digest: e.into, size: e.intoSize, mediaType: e.intoMediaType, role: e.role, state: 'queued', bytesDone: 0, rate: 0, planned: null, from: null, mounted: false, retry: null, retries: 0, error: null };
    return i < 0 ? [...rest, row] : [...rows.slice(0, i), row, ...rows.slice(i + 1)];
  }
  const prev: BlobRow = rows[i] ?? { digest: e.digest, size: e.size, mediaType: e.mediaType, role: e.role, state: 'queued', bytesDone: 0, rate: 0, planned: null, from: null, mounted: false, retry: null, retries: 0, error: null };
  const next: BlobRow = { ...prev, size: e.size, mediaType: e.mediaType, role: e.role, state: e.state, rate: 0, retry: null };
  switch (e.state) {
    case 'uploading':
    case 'downloading':
    case 'compressing':
      next.bytesDone = e.bytesDone;
      next.rate = e.rate;
      if (e.total > 0) next.size = e.total;
      break;
    case 'retrying':
      next.retry = { reason: e.reason, attempt: e.attempt, at: e.at };
      next.retries = prev.retries + 1;
      next.bytesDone = prev.bytesDone;
      break;
    case 'mounting':
      next.from = e.from;
      break;
    case 'mounted':
      next.from = e.from;
      next.mounted = true;
      next.bytesDone = next.size;
      break;
    case 'exists':
    case 'done':
      next.bytesDone = next.size;
      break;
    case 'failed':
      next.error = e.error;
      next.bytesDone = prev.bytesDone;
      break;
    default:
      next.bytesDone = prev.bytesDone;
  }
  if (i < 0) return [...rows, next];
  const out = rows.slice();
  out[i] = next;
  return out;
}

/** applyTransferEvent folds one engine event (a batch of state changes, maybe the result) into a transfer. */
export function applyTransferEvent(t: Transfer, e: TransferEvent, now: number): Transfer {
  let next: Transfer = t;
  for (const ev of e.events ?? []) {
    if (ev.kind === 'blob') next = { ...next, blobs: applyBlob(next.blobs, ev) };
    else if (ev.kind === 'manifest') next = { ...next, manifest: { digest: ev.digest, state: ev.state, error: ev.error ?? null } };
    else next = { ...next, tags: [...next.tags.filter((x) => x.reference !== ev.reference), { reference: ev.reference, state: ev.state, error: ev.error ?? null }] };
  }
  if (e.result) {
    next = e.result.ok
      ? { ...next, phase: 'succeeded', result: e.result.value, finishedAt: now, cancelling: false }
      : { ...next, phase: e.result.error.code === 'ABORTED' ? 'cancelled' : 'failed', error: e.result.error, finishedAt: now, cancelling: false };
  }
  return next;
}

/** TransferTotals sums a transfer's rows: bytes finished (present in the registry or the store) of all, and
 * the rate of the blobs moving now. */
export interface TransferTotals {
  bytesDone: number;
  bytesTotal: number;
  rate: number;
  blobsDone: number;
  blobs: number;
}

const FINISHED = new Set<BlobRowState>(['exists', 'mounted', 'done']);

/** transferTotals is the overall bar's numbers. */
export function transferTotals(t: Pick<Transfer, 'blobs'>): TransferTotals {
  let bytesDone = 0;
  let bytesTotal = 0;
  let rate = 0;
  let blobsDone = 0;
  for (const b of t.blobs) {
    bytesTotal += b.size;
    if (FINISHED.has(b.state)) {
      bytesDone += b.size;
      blobsDone++;
    } else {
      bytesDone += Math.min(b.bytesDone, b.size);
      if (b.state === 'uploading' || b.state === 'downloading') rate += b.rate;
    }
  }
  return { bytesDone, bytesTotal, rate, blobsDone, blobs: t.blobs.length };
}

/** isFinished says whether a blob row has reached a final good state. */
export function isFinished(state: BlobRowState): boolean {
  return FINISHED.has(state);
}

/** seedPlan adds a plan's blobs to a transfer that events already started (queued rows for blobs not yet
 * heard of, the planned action on every row). */
export function seedPlan(t: Transfer, plan: PushPlanView): Transfer {
  const planned = new Map(plan.blobs.map((b) => [b.digest, b]));
  const known = new Set(t.blobs.map((b) => b.digest));
  const rows = t.blobs.map((r) => {
    const p = planned.get(r.digest);
    return p ? { ...r, planned: p.action, from: r.from ?? p.from ?? null } : r;
  });
  const fresh = newTransfer({ id: t.id, operation: t.operation, reference: t.reference, now: t.startedAt, plan: { ...plan, blobs: plan.blobs.filter((b) => !known.has(b.digest)) } }).blobs;
  return { ...t, blobs: [...rows, ...fresh] };
}
