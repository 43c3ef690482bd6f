// Sample engine answers for the renderer's unit tests: two images sharing a base layer, one untagged.
import type { ImageDetail, ImageSummary, LayerView, StoreUsage } from '../../../preload/contract.ts';

const hex = (c: string) => c.repeat(64);
export const BASE_LAYER = `sha256:${hex('a')}`;
export const APP_LAYER = `sha256:${hex('b')}`;

export const BASE: ImageSummary = {
  digest: `sha256:${hex('1')}`,
  configDigest: `sha256:${hex('c')}`,
  references: ['docker.io/strata-e2e/base:1'],
  familiarReferences: ['strata-e2e/base:1'],
  size: 1_000_000,
  sharedSize: 1_000_000,
  uniqueSize: 0,
  created: '2024-05-29T12:00:00Z',
  architecture: 'amd64',
  os: 'linux',
  layerCount: 1,
};

export const APP: ImageSummary = {
  ...BASE,
  digest: `sha256:${hex('2')}`,
  configDigest: `sha256:${hex('d')}`,
  references: ['docker.io/strata-e2e/app:1', 'localhost:5000/app:latest'],
  familiarReferences: ['strata-e2e/app:1', 'localhost:5000/app:latest'],
  size: 1_002_000,
  uniqueSize: 2_000,
  created: '2024-06-01T11:00:00Z',
  layerCount: 2,
};

export const UNTAGGED: ImageSummary = { ...BASE, digest: `sha256:${hex('3')}`, references: [], familiarReferences: [], sharedSize: 0, uniqueSize: 1_000_000 };

const layer = (index: number, digest: string, size: number, createdBy: string, usedBy: number): LayerView => ({
  index,
  digest,
  diffID: digest,
  mediaType: 'application/vnd.oci.image.layer.v1.tar',
  size,
  uncompressedSize: size,
  createdBy,
  created: '2024-06-01T11:00:00Z',
  comment: null,
  usedBy,
});

export const APP_DETAIL: ImageDetail = {
  ...APP,
  manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  layers: [layer(0, BASE_LAYER, 1_000_000, 'ADD busybox-static /bin/busybox # strata test base', 2), layer(1, APP_LAYER, 2_000, 'COPY app.txt /', 1)],
  history: [
    { created: null, createdBy: 'ADD busybox-static /bin/busybox # strata test base', comment: null, emptyLayer: false, size: 1_000_000, layerDigest: BASE_LAYER },
    { created: null, createdBy: 'COPY app.txt /', comment: null, emptyLayer: false, size: 2_000, layerDigest: APP_LAYER },
    { created: null, createdBy: 'CMD ["sh"]', comment: null, emptyLayer: true, size: 0, layerDigest: null },
  ],
  config: { env: ['PATH=/bin'], cmd: ['sh'], entrypoint: null, user: '', workingDir: '', exposedPorts: [], labels: {}, volumes: [], stopSignal: null },
};

export const USAGE: StoreUsage = { onDisk: 1_003_000, imagesTotal: 2_002_000, savedBySharing: 999_000, images: 2, blobs: 5, unreferencedBytes: 0 };
