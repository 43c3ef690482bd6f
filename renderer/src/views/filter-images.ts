import type { ImageSummary } from '../../../preload/contract.ts';

/** filterImages keeps the images whose reference (full or familiar) or digest contains the query. */
export function filterImages(images: readonly ImageSummary[], query: string): readonly ImageSummary[] {
  const q = query.trim().toLowerCase();
  if (!q) return images;
  return images.filter(
    (i) =>
      i.digest.includes(q) ||
      i.configDigest.includes(q) ||
      i.references.some((r) => r.toLowerCase().includes(q)) ||
      i.familiarReferences.some((r) => r.toLowerCase().includes(q)) ||
      (i.references.length === 0 && '<none>'.includes(q)),
  );
}
