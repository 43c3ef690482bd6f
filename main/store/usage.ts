import type { Digest } from '../oci/digest.ts';
import type { Image, Store } from './store.ts';

export interface ImageUsage {
  size: number;
  sharedSize: number;
  uniqueSize: number;
}

export interface UsageReport {
  perImage: Map<Digest, ImageUsage>;
  /** How many distinct images reach each blob. */
  blobUsers: Map<Digest, number>;
  onDisk: number;
  imagesTotal: number;
  savedBySharing: number;
  unreferencedBytes: number;
  blobs: number;
}

/** imageBlobs lists the blobs an image is made of (manifest, config, layers), each once with its size. */
export function imageBlobs(img: Image): Map<Digest, number> {
  const m = new Map<Digest, number>();
  m.set(img.digest, img.manifestDoc.bytes.byteLength);
  m.set(img.manifest.config.digest, img.manifest.config.size);
  for (const l of img.manifest.layers) m.set(l.digest, l.size);
  return m;
}

/** computeUsage measures sharing: an image's size is the bytes of its blobs; bytes it shares are those of blobs
 * another image also uses; the store saves the difference between the sum of image sizes and what is on disk. */
export async function computeUsage(store: Store, images: Image[]): Promise<UsageReport> {
  const blobUsers = new Map<Digest, number>();
  const sizes = new Map<Digest, number>();
  const perBlobs = images.map((img) => imageBlobs(img));
  for (const blobs of perBlobs) {
    for (const [d, size] of blobs) {
      blobUsers.set(d, (blobUsers.get(d) ?? 0) + 1);
      sizes.set(d, size);
    }
  }
  const perImage = new Map<Digest, ImageUsage>();
  let imagesTotal = 0;
  for (const [i, img] of images.entries()) {
    let size = 0;
    let shared = 0;
    for (const [d, s] of perBlobs[i] as Map<Digest, number>) {
      size += s;
      if ((blobUsers.get(d) ?? 0) > 1) shared += s;
    }
    perImage.set(img.digest, { size, sharedSize: shared, uniqueSize: size - shared });
    imagesTotal += size;
  }
  let onDisk = 0;
  let blobs = 0;
  let unreferencedBytes = 0;
  for await (const d of store.blobs.list()) {
    const s = await store.blobs.size(d).catch(() => 0);
    onDisk += s;
    blobs++;
    if (!blobUsers.has(d)) unreferencedBytes += s;
  }
  const referencedOnDisk = [...sizes.values()].reduce((a, b) => a + b, 0);
  return { perImage, blobUsers, onDisk, imagesTotal, savedBySharing: imagesTotal - referencedOnDisk, unreferencedBytes, blobs };
}
