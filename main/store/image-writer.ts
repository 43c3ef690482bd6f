import type { ImageConfig } from '../oci/config.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import type { ImageManifest } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Store } from './store.ts';

/** encodeConfig serialises an image config the way we store it (compact JSON, key order as given). */
export function encodeConfig(config: ImageConfig): Uint8Array {
  return Buffer.from(JSON.stringify(config));
}

/** writeImage stores config and manifest for layers already stored, then tags the image.
 * Order: config blob, manifest blob, then the index entry (a tag only points at something complete). */
export async function writeImage(
  store: Store,
  config: ImageConfig,
  layers: Descriptor[],
  references: string[],
  annotations?: Record<string, string>,
  indexAnnotations?: Record<string, string>,
): Promise<{ descriptor: Descriptor; configDescriptor: Descriptor; moved: { reference: string; from: string }[] }> {
  const configBytes = encodeConfig(config);
  const cfg = await store.blobs.put(configBytes);
  const configDescriptor: Descriptor = { mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDescriptor,
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, ...(l.annotations ? { annotations: l.annotations } : {}) })),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
  const m = await store.blobs.put(Buffer.from(JSON.stringify(manifest)));
  const descriptor: Descriptor = { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size };
  // Index annotations (e.g. when Strata built it) live in the store's index.json, not in the image: the
  // manifest digest stays reproducible.
  const { moved } = await store.addImage(indexAnnotations ? { ...descriptor, annotations: indexAnnotations } : descriptor, references);
  return { descriptor, configDescriptor, moved };
}
