// What `strata inspect` says about an image's layers: the numbers the Compare view must agree with.
import { cliImages, strata } from './strata.ts';

/** cliLayers is the manifest's layer list of an image, base first, with compressed sizes. */
export async function cliLayers(ref: string): Promise<{ digest: string; size: number }[]> {
  const [img] = JSON.parse(await strata('inspect', ref)) as { Manifest: { layers: { digest: string; size: number }[] } }[];
  if (!img) throw new Error(`strata inspect ${ref} printed nothing`);
  return img.Manifest.layers.map((l) => ({ digest: l.digest, size: l.size }));
}

/** cliDigest is the manifest digest a name points at (from `strata images --json`). */
export async function cliDigest(ref: string): Promise<string | null> {
  return (await cliImages()).find((r) => r.familiarReference === ref || r.reference === ref)?.digest ?? null;
}
