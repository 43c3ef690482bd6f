// Sample engine answers for the renderer's unit tests of Compare, Publish and Registries.
import type { ImageComparison, PushPlanView, TransferEvent, TransferProgress } from '../../../preload/contract.ts';
import { APP, APP_LAYER, BASE, BASE_LAYER } from './sample-images.ts';

const hex = (c: string) => c.repeat(64);
export const CONFIG_BLOB = `sha256:${hex('e')}`;
export const OTHER_LAYER = `sha256:${hex('f')}`;

/** COMPARISON is app (base + own layer) against base: the base layer is shared. */
export const COMPARISON: ImageComparison = {
  images: [
    { digest: APP.digest, reference: APP.references[0] ?? null, size: 1_002_000, uniqueSize: 2_000, layers: [BASE_LAYER, APP_LAYER] },
    { digest: BASE.digest, reference: BASE.references[0] ?? null, size: 1_000_000, uniqueSize: 0, layers: [BASE_LAYER] },
  ],
  bands: [
    { digest: BASE_LAYER, size: 1_000_000, uncompressedSize: null, createdBy: 'ADD busybox-static /bin/busybox # strata test base', columns: [0, 1] },
    { digest: APP_LAYER, size: 2_000, uncompressedSize: null, createdBy: 'COPY app.txt /', columns: [0] },
  ],
  sharedBytes: 1_000_000,
  savedOnDisk: 1_000_000,
  savedOnWire: 1_000_000,
  matrix: [
    [1_002_000, 1_000_000],
    [1_000_000, 1_000_000],
  ],
};

export const PUSH_REF = '127.0.0.1:5000/strata-e2e/app:1';

export const PLAN: PushPlanView = {
  references: [PUSH_REF],
  digest: APP.digest,
  blobs: [
    { digest: CONFIG_BLOB, size: 600, mediaType: 'application/vnd.oci.image.config.v1+json', role: 'config', action: 'upload' },
    { digest: BASE_LAYER, size: 1_000_000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', role: 'layer', action: 'mount', from: 'strata-e2e/base' },
    { digest: APP_LAYER, size: 2_000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', role: 'layer', action: 'upload' },
  ],
  bytesToUpload: 2_600,
  bytesTotal: 1_002_600,
};

type Blob = Extract<TransferProgress, { kind: 'blob' }>;

/** blobEvent is one push state change of a PLAN blob. */
export function blobEvent(digest: string, state: Record<string, unknown> & { state: Blob['state'] }): TransferProgress {
  const b = PLAN.blobs.find((x) => x.digest === digest);
  if (!b) throw new Error(`no plan blob ${digest}`);
  return { kind: 'blob', operation: 'push', digest, size: b.size, mediaType: b.mediaType, role: b.role, ...state } as TransferProgress;
}

/** pushEvent wraps progress in a transfer event of transfer id. */
export function pushEvent(id: string, events: TransferProgress[], result?: TransferEvent['result']): TransferEvent {
  return { transferId: id, operation: 'push', reference: PUSH_REF, events, ...(result ? { result } : {}) };
}
