// A layer's gzip twin: the form a registry receives. Images Strata builds carry their layers uncompressed
// (`application/vnd.oci.image.layer.v1.tar`, digest = diffID), as docker's and podman's local stores keep
// them: a build never gzips. A push compresses each uncompressed layer once, deterministically
// (parallelGzip at TWIN_GZIP_LEVEL, TWIN_FORMAT), and the twin is remembered here, so a re-push knows every digest without
// reading a byte, and the same local image always goes out as the same manifest. A twin lives as long as its
// layer does (Store.reachable keeps the twins of reachable uncompressed layers).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parallelGzipFile, PGZIP_FORMAT } from '../layer/parallel-gzip.ts';
import { digestHex, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import type { ImageManifest } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { recordLayerInfo } from './layer-writer.ts';
import type { Store } from './store.ts';

const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';

/** TWIN_OF maps an uncompressed layer media type to the media type of its gzip twin. */
const TWIN_OF: Record<string, string> = {
  [MediaType.ociLayer]: MediaType.ociLayerGzip,
  [DOCKER_LAYER]: MediaType.dockerLayerGzip,
};

/** isUncompressedLayer says whether a layer goes out as a gzip twin. */
export function isUncompressedLayer(mediaType: string): boolean {
  return mediaType in TWIN_OF;
}

/** TWIN_GZIP_LEVEL is zlib's level for twins. 5, not zlib's default 6: measured by hand on every layer of
 * the benchmark's images (skopeo's sizes read from the registry it pushed to), level 5 is as small as
 * skopeo's gzip of the same layer or smaller (a 3.8 MB tar of
 * sources: 1.02 MB, skopeo 1.03 MB, level 6 0.94 MB; 18 MB of 10,000 small files: 3.27 / 3.33 / 3.02 MB),
 * for a quarter less CPU than level 6 (0.43 against 0.58 s for seed's three layers on this VM). */
export const TWIN_GZIP_LEVEL = 5;
/** TWIN_FORMAT names the twins this code makes: the block scheme and the level. */
export const TWIN_FORMAT = `${PGZIP_FORMAT}-level${TWIN_GZIP_LEVEL}`;

interface TwinRecord {
  digest: Digest;
  size: number;
  format: string;
}

/** twinRecordsDir is where a store home keeps its twin records (forgetting them makes the next push compress again). */
export function twinRecordsDir(home: string): string {
  return join(home, 'meta', 'twins');
}

function recordPath(store: Store, layer: Digest): string {
  return join(twinRecordsDir(store.home), `${digestHex(layer)}.json`);
}

/** currentRecord is a layer's twin record when this format made it (an older way's twin is made again). */
async function currentRecord(store: Store, layer: Digest): Promise<TwinRecord | null> {
  try {
    const rec = JSON.parse(await readFile(recordPath(store, layer), 'utf8')) as TwinRecord;
    return rec.format === TWIN_FORMAT ? rec : null;
  } catch {
    return null;
  }
}

/** twinsOf are the recorded twins of a manifest's uncompressed layers, whether or not their blobs are still
 * there: gc and fsck count them as reachable with their layers. */
export async function twinsOf(store: Store, layers: readonly Descriptor[]): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const l of layers) {
    const rec = isUncompressedLayer(l.mediaType) ? await currentRecord(store, l.digest) : null;
    if (rec) out.push(rec.digest);
  }
  return out;
}

/** knownTwin is the twin's descriptor when it was made before and its blob is still stored. */
export async function knownTwin(store: Store, layer: Descriptor): Promise<Descriptor | null> {
  const rec = await currentRecord(store, layer.digest);
  if (!rec || !(await store.blobs.has(rec.digest))) return null;
  return twinDescriptor(layer, rec);
}

function twinDescriptor(layer: Descriptor, rec: TwinRecord): Descriptor {
  return { ...layer, mediaType: TWIN_OF[layer.mediaType] ?? MediaType.ociLayerGzip, digest: rec.digest, size: rec.size };
}

/** twinBytes is the gzip twin of an uncompressed layer blob as it is made (parallelGzip of the stored tar);
 * onBytes reports the uncompressed bytes read so far. */
export function twinBytes(store: Store, layer: Descriptor, onBytes?: (done: number) => void): AsyncGenerator<Buffer> {
  return parallelGzipFile(store.blobs.path(layer.digest), { level: TWIN_GZIP_LEVEL, memLevel: 9 }, onBytes);
}

/** rememberTwin records a stored blob (made from twinBytes) as the layer's twin and returns its descriptor. */
export async function rememberTwin(store: Store, layer: Descriptor, blob: { digest: Digest; size: number }): Promise<Descriptor> {
  await recordLayerInfo(store, blob.digest, { diffID: layer.digest, uncompressedSize: layer.size });
  const rec: TwinRecord = { digest: blob.digest, size: blob.size, format: TWIN_FORMAT };
  await mkdir(twinRecordsDir(store.home), { recursive: true });
  await writeFileAtomic(recordPath(store, layer.digest), JSON.stringify(rec), store.tmpDir);
  return twinDescriptor(layer, rec);
}

/** makeTwin compresses an uncompressed layer blob into its gzip twin (or returns the one made before).
 * onBytes reports the uncompressed bytes read so far. The caller leases the result until something reaches it. */
export async function makeTwin(store: Store, layer: Descriptor, onBytes?: (done: number) => void): Promise<Descriptor> {
  const known = await knownTwin(store, layer);
  if (known) return known;
  const blob = await store.blobs.write(twinBytes(store, layer, onBytes));
  return rememberTwin(store, layer, blob);
}

/** Distributable is a manifest in the form a registry gets: every uncompressed layer replaced by its twin. */
export interface Distributable {
  manifest: ImageManifest;
  /** bytes of the manifest to put; the stored manifest's own bytes when no layer changed. */
  bytes: Uint8Array;
  /** twins maps each replaced layer's digest to its twin. */
  twins: Map<Digest, Descriptor>;
}

/** distributable rewrites a stored manifest for a registry, making the twins that are missing (makeTwin).
 * The same stored manifest always gives the same bytes: only the layers' mediaType, digest and size change,
 * in place, key order kept. */
export async function distributable(
  store: Store,
  bytes: Uint8Array,
  manifest: ImageManifest,
  hooks: { onTwin?: (layer: Descriptor, done: number) => void; made?: (twin: Descriptor, layer: Descriptor) => Promise<void> } = {},
): Promise<Distributable> {
  const twins = new Map<Digest, Descriptor>();
  for (const l of manifest.layers) {
    if (!isUncompressedLayer(l.mediaType) || twins.has(l.digest)) continue;
    const twin = await makeTwin(store, l, hooks.onTwin ? (n) => hooks.onTwin!(l, n) : undefined);
    await hooks.made?.(twin, l);
    twins.set(l.digest, twin);
  }
  if (twins.size === 0) return { manifest, bytes, twins };
  const doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as { layers: Record<string, unknown>[] };
  for (const l of doc.layers) {
    const twin = twins.get(l.digest as Digest);
    if (!twin) continue;
    l.mediaType = twin.mediaType;
    l.digest = twin.digest;
    l.size = twin.size;
  }
  const out = { ...manifest, layers: manifest.layers.map((l) => twins.get(l.digest) ?? l) };
  return { manifest: out, bytes: Buffer.from(JSON.stringify(doc)), twins };
}
