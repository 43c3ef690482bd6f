// Which repositories a stored blob is known to exist in, so a push to another repository of the same
// registry can mount it instead of uploading it (docker's v2 metadata service does the same).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestAlgorithm, digestHex, type Digest } from '../oci/digest.ts';
import type { Store } from '../store/store.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { mapLimit } from './pool.ts';

/** BlobSource is one repository a blob was pulled from or pushed to. */
export interface BlobSource {
  registry: string;
  repository: string;
  /** seen is when (ISO time) the blob was last known there (refreshed at most daily). */
  seen: string;
}

/** MAX_SOURCES bounds what we remember per blob (the most recent win). */
const MAX_SOURCES = 16;
/** SEEN_REFRESH_MS is how old a source's `seen` may get before a push or pull that confirms it rewrites it. */
const SEEN_REFRESH_MS = 24 * 60 * 60 * 1000;

function sourcesPath(store: Store, digest: Digest): string {
  return join(store.home, 'meta', 'blob-sources', digestAlgorithm(digest), `${digestHex(digest)}.json`);
}

/** blobSources lists where a blob is known to exist, most recent first. */
export async function blobSources(store: Store, digest: Digest): Promise<BlobSource[]> {
  try {
    const json = JSON.parse(await readFile(sourcesPath(store, digest), 'utf8')) as { sources?: unknown };
    if (!Array.isArray(json.sources)) return [];
    return json.sources.filter(
      (s): s is BlobSource => !!s && typeof s === 'object' && typeof (s as BlobSource).registry === 'string' && typeof (s as BlobSource).repository === 'string',
    );
  } catch {
    return [];
  }
}

/** recordBlobSources notes that blobs exist in registry/repository (after a pull or a push). */
export async function recordBlobSources(store: Store, digests: readonly Digest[], registry: string, repository: string): Promise<void> {
  const seen = new Date().toISOString();
  // One file per blob: written side by side, so a push of many layers does not wait on one fsync after another.
  await mapLimit([...new Set(digests)], 8, async (digest) => {
    const before = await blobSources(store, digest);
    // Already the most recent source, and recently: a re-push or re-pull writes nothing.
    const head = before[0];
    if (head && head.registry === registry && head.repository === repository && Date.now() - Date.parse(head.seen) < SEEN_REFRESH_MS) return;
    const rest = before.filter((s) => !(s.registry === registry && s.repository === repository));
    const next = [{ registry, repository, seen }, ...rest].slice(0, MAX_SOURCES);
    const path = sourcesPath(store, digest);
    await mkdir(join(store.home, 'meta', 'blob-sources', digestAlgorithm(digest)), { recursive: true });
    // A hint, not a record: no fsync (a file torn by a crash reads as no sources, and the blob is uploaded).
    await writeFileAtomic(path, JSON.stringify({ sources: next }), store.tmpDir, { sync: false });
  });
}

/** mountCandidates are the other repositories of the same registry a blob can be mounted from. */
export async function mountCandidates(store: Store, digest: Digest, registry: string, repository: string): Promise<string[]> {
  return (await blobSources(store, digest)).filter((s) => s.registry === registry && s.repository !== repository).map((s) => s.repository);
}
