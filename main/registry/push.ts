// Push (distribution-spec "Pushing blobs/manifests"): HEAD every blob (and the target's manifest) at once,
// then for each missing blob a cross-repository mount, else a resumable upload (one PATCH of the whole blob, or chunks); the manifest is put only once every blob is confirmed, then each tag. A push
// that fails leaves no tag pointing at an incomplete image.
import { PassThrough } from 'node:stream';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { parseDockerRef, trimNamed, withTag, type Reference } from '../oci/reference.ts';
import type { ImageManifest } from '../oci/manifest.ts';
import { distributable, isUncompressedLayer, knownTwin, rememberTwin, twinBytes } from '../store/layer-twins.ts';
import type { Image, Lease, Store } from '../store/store.ts';
import { serializeError } from '../util/errors.ts';
import { mountCandidates, recordBlobSources } from './blob-sources.ts';
import { RegistrySession, pullScope, pushScope, type RegistryClient, type RegistryOptions, type RetryInfo } from './client.ts';
import { RegistryError } from './errors.ts';
import { mapLimit } from './pool.ts';
import { ProgressBatcher, RateMeter, type BlobProgress, type BlobRole, type ProgressSink } from './progress.ts';
import { REFERENCE_OPTIONS } from './pull.ts';

/** DEFAULT_CHUNK_SIZE is the PATCH size used when a registry refuses a whole blob in one PATCH (HTTP 413).
 * By default a blob goes up in one PATCH (as docker and skopeo send it): a drop still resumes from the
 * registry's offset, and no round trip or hash-state save per 8 MiB is spent on the way. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

export interface PushOptions extends RegistryOptions {
  /** source is the local image to push (a name, digest or ID); default: the target reference itself. */
  source?: string;
  /** tags are more tags to put in the same repository (`['1.2', 'latest']`). */
  tags?: string[];
  /** chunkSize of each PATCH (raised to the registry's OCI-Chunk-Min-Length); default: the whole blob in one
   * PATCH, falling back to DEFAULT_CHUNK_SIZE chunks when the registry answers 413. */
  chunkSize?: number;
  /** concurrency of blob transfers (default 3). */
  concurrency?: number;
  /** mount: try cross-repository mounts from repositories the store knows a blob came from (default true). */
  mount?: boolean;
  onProgress?: ProgressSink;
  session?: RegistrySession;
}

/** PushedBlob says what happened to one blob. */
export interface PushedBlob {
  digest: Digest;
  size: number;
  mediaType: string;
  role: BlobRole;
  action: 'exists' | 'mounted' | 'uploaded';
  /** from is the repository a mounted blob came from. */
  from?: string;
  /** bytesSent counts every body byte put on the wire for this blob, resends included. */
  bytesSent: number;
  /** restarts counts uploads that had to start over from byte 0 (the session was lost). */
  restarts: number;
}

export interface PushResult {
  /** references are the full references now pointing at the image in the registry. */
  references: string[];
  /** digest of the manifest the registry holds: the stored image's own, or, when the image carries
   * uncompressed layers (a built image), that of its form with gzip twins (docker's "repo digest"). */
  digest: Digest;
  mediaType: string;
  size: number;
  blobs: PushedBlob[];
  bytesUploaded: number;
}

/** PlannedBlob is one line of a dry run. */
export interface PlannedBlob {
  digest: Digest;
  size: number;
  mediaType: string;
  role: BlobRole;
  action: 'exists' | 'mount' | 'upload';
  from?: string;
}

export interface PushPlan {
  references: string[];
  digest: Digest;
  mediaType: string;
  blobs: PlannedBlob[];
  /** bytesToUpload is the sum of the blobs that need an upload. */
  bytesToUpload: number;
  bytesTotal: number;
}

interface Target {
  ref: Reference;
  registry: string;
  repository: string;
  /** tags (or the digest, for a push by digest) to put the manifest under. */
  names: string[];
  references: string[];
}

interface LocalImage {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
  manifest: ImageManifest;
  blobs: { desc: Descriptor; role: BlobRole }[];
  /** storedDigest is the stored image's manifest digest (differs from digest once layers were compressed). */
  storedDigest: Digest;
}

function resolveTarget(ref: string, extraTags: readonly string[] = []): Target {
  const parsed = parseDockerRef(ref, REFERENCE_OPTIONS);
  const base = trimNamed(parsed);
  const names: string[] = [];
  if (parsed.digest) names.push(parsed.digest);
  else if (parsed.tag) names.push(parsed.tag);
  for (const t of extraTags) {
    const tagged = withTag(base, t);
    if (!names.includes(tagged.tag!)) names.push(tagged.tag!);
  }
  const references = names.map((n) => (n.includes(':') ? `${base.name}@${n}` : `${base.name}:${n}`));
  return { ref: parsed, registry: parsed.domain, repository: parsed.path, names, references };
}

function blobsOf(manifest: ImageManifest): { desc: Descriptor; role: BlobRole }[] {
  const blobs: { desc: Descriptor; role: BlobRole }[] = [{ desc: manifest.config, role: 'config' }];
  const seen = new Set<string>([manifest.config.digest]);
  for (const l of manifest.layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    blobs.push({ desc: l, role: 'layer' });
  }
  return blobs;
}

/** loadLocal reads the image to push in the form the registry gets: a built image's uncompressed layers are
 * replaced by their gzip twins, made now if no push made them before (reported as 'compressing', then
 * 'compressed' into the twin's digest); the lease keeps new twins until their layer's image reaches them. */
async function loadLocal(store: Store, img: Image, lease: Lease, progress?: ProgressBatcher): Promise<LocalImage> {
  const bytes = await store.blobs.read(img.digest);
  const stored = { digest: img.digest, mediaType: img.manifestDoc.mediaType, bytes, manifest: img.manifest, storedDigest: img.digest };
  if (!img.manifest.layers.some((l) => isUncompressedLayer(l.mediaType))) return { ...stored, blobs: blobsOf(img.manifest) };
  const reports = new Map<Digest, CompressionReport>();
  const out = await distributable(store, bytes, img.manifest, {
    ...(progress
      ? {
          onTwin: (l: Descriptor, done: number) => {
            let r = reports.get(l.digest);
            if (!r) reports.set(l.digest, (r = compressionReport(progress, l)));
            r.reading(done);
          },
        }
      : {}),
    made: async (twin, layer) => {
      await lease.add(twin.digest);
      reports.get(layer.digest)?.compressed(twin);
    },
  });
  return { ...stored, digest: sha256Digest(out.bytes), bytes: out.bytes, manifest: out.manifest, blobs: blobsOf(out.manifest) };
}

interface CompressionReport {
  /** reading: bytes of the layer's tar gzipped so far. */
  reading(done: number): void;
  /** compressed: the twin the push sends instead of the layer from here on. */
  compressed(twin: Descriptor): void;
}

/** compressionReport reports a layer being gzipped into its twin: 'compressing', then 'compressed' into the twin's digest. */
function compressionReport(progress: ProgressBatcher, layer: Descriptor): CompressionReport {
  const rate = new RateMeter();
  const base = { kind: 'blob' as const, operation: 'push' as const, digest: layer.digest, size: layer.size, mediaType: layer.mediaType, role: 'layer' as const };
  return {
    reading: (done) => progress.emit({ ...base, state: 'compressing', bytesDone: done, total: layer.size, rate: rate.record(done) }),
    compressed: (twin) => progress.emit({ ...base, state: 'compressed', into: twin.digest, intoSize: twin.size, intoMediaType: twin.mediaType }),
  };
}

/** planPush is the dry run of push: which blobs the registry has, which can be mounted, and the bytes to upload. */
export async function planPush(store: Store, ref: string, opts: PushOptions = {}): Promise<PushPlan> {
  const target = resolveTarget(ref, opts.tags);
  const lease = await store.lease('push-plan');
  try {
    return await plan(store, target, await loadLocal(store, await store.resolve(opts.source ?? ref), lease), opts);
  } finally {
    await lease.release();
  }
}

async function plan(store: Store, target: Target, local: LocalImage, opts: PushOptions): Promise<PushPlan> {
  checkDigestTarget(target, local);
  const client = (opts.session ?? new RegistrySession(opts)).client(target.registry);
  const blobs = await mapLimit(local.blobs, Math.max(1, opts.concurrency ?? 3), async ({ desc, role }): Promise<PlannedBlob> => {
    const base = { digest: desc.digest, size: desc.size, mediaType: desc.mediaType, role };
    if ((await client.headBlob(target.repository, desc.digest)) !== null) return { ...base, action: 'exists' };
    if (opts.mount !== false) {
      for (const from of (await mountCandidates(store, desc.digest, client.registry, target.repository)).slice(0, 3)) {
        const there = await client.headBlob(from, desc.digest, [pullScope(from)]).catch(() => null);
        if (there !== null) return { ...base, action: 'mount', from };
      }
    }
    return { ...base, action: 'upload' };
  });
  const bytesToUpload = blobs.filter((b) => b.action === 'upload').reduce((n, b) => n + b.size, 0);
  return { references: target.references, digest: local.digest, mediaType: local.mediaType, blobs, bytesToUpload, bytesTotal: blobs.reduce((n, b) => n + b.size, 0) };
}

function checkDigestTarget(target: Target, local: LocalImage): void {
  if (target.ref.digest && target.ref.digest !== local.digest) {
    const stored = local.storedDigest !== local.digest ? ` (stored as ${local.storedDigest}, its layers compressed for the registry)` : '';
    throw new RegistryError('DIGEST_INVALID', `cannot push ${target.ref}: the local image's manifest is ${local.digest}${stored}, not that digest`, { registry: target.registry, repository: target.repository });
  }
}

/** push sends a stored image to `ref` (docker push), putting the manifest under every tag once all blobs are there.
 * A built image's layers that no push compressed yet are gzipped straight into their upload (one pass: the
 * twin is hashed, stored and sent at once, as docker push and skopeo stream theirs); the manifest, which names
 * the twins, is known once they are all made. A push by digest makes the twins first (the digest must match
 * before anything is sent). */
export async function push(store: Store, ref: string, opts: PushOptions = {}): Promise<PushResult> {
  const target = resolveTarget(ref, opts.tags);
  const progress = new ProgressBatcher(opts.onProgress);
  const lease = await store.lease('push');
  try {
    const img = await store.resolve(opts.source ?? ref);
    const split = target.ref.digest ? null : await splitLayers(store, img.manifest);
    const first = split && split.fresh.length > 0 ? null : await loadLocal(store, img, lease, progress);
    if (first) checkDigestTarget(target, first);
    const known = first ? first.blobs : split!.known;
    const fresh = first ? [] : split!.fresh;
    const client = (opts.session ?? new RegistrySession(opts)).client(target.registry);
    const scopes = [pushScope(target.repository)];
    // Every HEAD in one wave (blobs and the target names' manifests): a re-push is one round trip.
    const [present, named] = await Promise.all([
      mapLimit(known, HEAD_CONCURRENCY, ({ desc, role }) => checkBlob(client, target.repository, desc, role, progress)),
      first ? Promise.all(target.names.map((name) => client.headManifest(target.repository, name, scopes).then((m) => m?.digest === first.digest, () => false))) : target.names.map(() => false),
    ]);
    const sent = new Map<Digest, PushedBlob>();
    // The missing blobs go largest first: the longest upload starts at once instead of after a wave of small ones.
    const jobs = [
      ...known
        .filter((_, i) => !present[i])
        .map(({ desc, role }) => ({ size: desc.size, run: async () => void sent.set(desc.digest, await pushBlob(store, client, target.repository, desc, role, opts, progress)) })),
      ...fresh.map((layer) => ({ size: layer.size, run: async () => void sent.set(...(await streamTwin(store, client, target.repository, layer, opts, progress, lease))) })),
    ].sort((a, b) => b.size - a.size);
    await mapLimit(jobs, Math.max(1, opts.concurrency ?? 3), (j) => j.run());
    // Every twin is made now: the manifest the registry gets.
    const local = first ?? (await loadLocal(store, img, lease));
    const blobs: PushedBlob[] = local.blobs.map(({ desc, role }) => sent.get(desc.digest) ?? { digest: desc.digest, size: desc.size, mediaType: desc.mediaType, role, action: 'exists', bytesSent: 0, restarts: 0 });
    // Every blob is confirmed: only now may a manifest (and so a tag) name them. A name that already holds
    // this very manifest (and no blob had to be sent) is left as it is: putting it again changes nothing.
    const unchanged = (i: number) => fresh.length === 0 && present.every(Boolean) && named[i] === true;
    if (!target.names.every((_, i) => unchanged(i))) progress.emit({ kind: 'manifest', operation: 'push', digest: local.digest, mediaType: local.mediaType, state: 'putting' });
    for (const [i, name] of target.names.entries()) {
      try {
        if (!unchanged(i)) await client.putManifest(target.repository, name, local.bytes, local.mediaType);
      } catch (e) {
        if (i === 0) progress.emit({ kind: 'manifest', operation: 'push', digest: local.digest, mediaType: local.mediaType, state: 'failed', error: serializeError(e) });
        progress.emit({ kind: 'tag', operation: 'push', reference: target.references[i]!, digest: local.digest, state: 'failed', error: serializeError(e) });
        throw e;
      }
      if (i === 0) progress.emit({ kind: 'manifest', operation: 'push', digest: local.digest, mediaType: local.mediaType, state: 'done' });
      progress.emit({ kind: 'tag', operation: 'push', reference: target.references[i]!, digest: local.digest, state: 'done' });
    }
    await recordBlobSources(store, local.blobs.map((b) => b.desc.digest), client.registry, target.repository);
    return {
      references: target.references,
      digest: local.digest,
      mediaType: local.mediaType,
      size: local.bytes.byteLength,
      blobs,
      bytesUploaded: blobs.reduce((n, b) => n + b.bytesSent, 0),
    };
  } finally {
    progress.flush();
    await lease.release();
  }
}

/** splitLayers sorts an image's blobs into those whose registry form is known (the config, gzip layers, and
 * uncompressed layers with a twin) and the uncompressed layers no push compressed yet. */
async function splitLayers(store: Store, manifest: ImageManifest): Promise<{ known: { desc: Descriptor; role: BlobRole }[]; fresh: Descriptor[] }> {
  const known: { desc: Descriptor; role: BlobRole }[] = [];
  const fresh: Descriptor[] = [];
  for (const b of blobsOf(manifest)) {
    const twin = b.role === 'layer' && isUncompressedLayer(b.desc.mediaType) ? await knownTwin(store, b.desc) : b.desc;
    if (!twin) fresh.push(b.desc);
    else if (!known.some((k) => k.desc.digest === twin.digest)) known.push({ desc: twin, role: b.role });
  }
  return { known, fresh };
}

/** streamTwin gzips an uncompressed layer into its twin and sends it while it is made: one chunked PATCH of
 * the gzip stream, which is hashed and stored on the way (the twin is kept), closed by PUT ?digest= once the
 * digest is known. If the stream cannot go up (no session, a dropped connection, a registry that wants
 * Content-Range), the twin is still made, and goes up by the resumable upload (pushBlob). */
async function streamTwin(store: Store, client: RegistryClient, repository: string, layer: Descriptor, opts: PushOptions, progress: ProgressBatcher, lease: Lease): Promise<[Digest, PushedBlob]> {
  const report = compressionReport(progress, layer);
  report.reading(0);
  const wire = new PassThrough({ highWaterMark: 1 << 20 });
  let bytesSent = 0;
  let sending: Promise<{ offset: number; location: URL }> | null = null;
  let location: URL | null = null;
  try {
    const s = await client.startUpload(repository);
    if (!s.mounted) {
      location = s.location;
      sending = client.uploadStream(repository, s.location, wire, (n) => (bytesSent = n));
      sending.catch(() => {}); // awaited below; a failure only means the resumable upload goes instead
    }
  } catch {
    /* no session now: the twin is made, then uploaded the usual way */
  }
  if (!sending) wire.destroy();
  async function* tee(): AsyncGenerator<Buffer> {
    for await (const chunk of twinBytes(store, layer, report.reading)) {
      if (!wire.destroyed && !wire.write(chunk)) await drainedOrClosed(wire);
      yield chunk;
    }
    if (!wire.destroyed) wire.end();
  }
  let twin: Descriptor;
  try {
    const blob = await store.blobs.write(tee());
    await lease.add(blob.digest);
    twin = await rememberTwin(store, layer, blob);
  } catch (e) {
    wire.destroy();
    if (location) await client.cancelUpload(repository, location);
    throw e;
  }
  report.compressed(twin);
  if (sending) {
    try {
      const r = await sending;
      // The registry's Range is the truth: all of the twin, or the resumable upload sends it.
      if (r.offset !== 0 && r.offset !== twin.size) throw new RegistryError('BLOB_UPLOAD_INVALID', `the registry kept ${r.offset} of ${twin.size} bytes of ${twin.digest}`, { registry: client.registry, repository });
      await client.completeUpload(repository, r.location, twin.digest);
      progress.emit({ kind: 'blob', operation: 'push', digest: twin.digest, size: twin.size, mediaType: twin.mediaType, role: 'layer', state: 'done' });
      return [twin.digest, { digest: twin.digest, size: twin.size, mediaType: twin.mediaType, role: 'layer', action: 'uploaded', bytesSent, restarts: 0 }];
    } catch (e) {
      if (location) await client.cancelUpload(repository, location);
      const reason = `the streamed upload failed (${e instanceof Error ? e.message : String(e)}): sending the stored twin`;
      progress.emit({ kind: 'blob', operation: 'push', digest: twin.digest, size: twin.size, mediaType: twin.mediaType, role: 'layer', state: 'retrying', reason, attempt: 1, at: Date.now() });
    }
  }
  const pushed = await pushBlob(store, client, repository, twin, 'layer', { ...opts, mount: false }, progress);
  return [twin.digest, { ...pushed, bytesSent: pushed.bytesSent + bytesSent, restarts: pushed.restarts + (sending ? 1 : 0) }];
}

/** drainedOrClosed waits until a stream wants more, or is gone. */
function drainedOrClosed(s: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
  });
}

/** HEAD_CONCURRENCY bounds the existence checks in flight (small requests; uploads keep opts.concurrency). */
const HEAD_CONCURRENCY = 8;

/** blobEmitter reports one blob's states to the batcher. */
function blobEmitter(progress: ProgressBatcher, desc: Descriptor, role: BlobRole) {
  const base = { kind: 'blob' as const, operation: 'push' as const, digest: desc.digest, size: desc.size, mediaType: desc.mediaType, role };
  return (s: Record<string, unknown> & { state: BlobProgress['state'] }) => progress.emit({ ...base, ...s } as BlobProgress);
}

/** checkBlob asks whether the repository already has a blob (HEAD), reporting checking, then exists. */
async function checkBlob(client: RegistryClient, repository: string, desc: Descriptor, role: BlobRole, progress: ProgressBatcher): Promise<boolean> {
  const emit = blobEmitter(progress, desc, role);
  const onRetry = (i: RetryInfo) => emit({ state: 'retrying', reason: i.reason, attempt: i.attempt, at: i.at });
  try {
    emit({ state: 'checking' });
    if ((await client.headBlob(repository, desc.digest, [pushScope(repository)], onRetry)) === null) return false;
    emit({ state: 'exists' });
    return true;
  } catch (e) {
    emit({ state: 'failed', error: serializeError(e) });
    throw e;
  }
}

/** pushBlob makes one blob the HEAD did not find present in the repository: mount, else upload. */
async function pushBlob(store: Store, client: RegistryClient, repository: string, desc: Descriptor, role: BlobRole, opts: PushOptions, progress: ProgressBatcher): Promise<PushedBlob> {
  const emit = blobEmitter(progress, desc, role);
  const onRetry = (i: RetryInfo) => emit({ state: 'retrying', reason: i.reason, attempt: i.attempt, at: i.at });
  const result = { digest: desc.digest, size: desc.size, mediaType: desc.mediaType, role, bytesSent: 0, restarts: 0 };
  try {
    let session: { location: URL; minChunk: number | undefined } | undefined;
    if (opts.mount !== false) {
      for (const from of (await mountCandidates(store, desc.digest, client.registry, repository)).slice(0, 3)) {
        emit({ state: 'mounting', from });
        try {
          const r = await client.startUpload(repository, { mount: { digest: desc.digest, from }, onRetry });
          if (r.mounted) {
            emit({ state: 'mounted', from });
            emit({ state: 'done' });
            return { ...result, action: 'mounted', from };
          }
          // The registry could not mount (202) and opened an upload session instead: use it.
          session = { location: r.location, minChunk: r.minChunk };
          break;
        } catch (e) {
          // No right to read the source repository, or it is gone: try the next, then upload.
          if (!(e instanceof RegistryError) || !['DENIED', 'UNAUTHORIZED', 'NAME_UNKNOWN', 'BLOB_UNKNOWN', 'UNSUPPORTED'].includes(e.code)) throw e;
        }
      }
    }
    await upload(store, client, repository, desc, opts, session, result, emit, onRetry);
    emit({ state: 'done' });
    return { ...result, action: 'uploaded' };
  } catch (e) {
    emit({ state: 'failed', error: serializeError(e) });
    throw e;
  }
}

type UploadRecovery = 'resume' | 'restart' | 'fatal';

/** recoveryFor decides how an upload goes on after an error: ask the session for its offset and continue,
 * start a new session, or give up. */
function recoveryFor(e: unknown): { how: UploadRecovery; reason: string; retryAfterMs?: number } {
  if (!(e instanceof RegistryError)) return { how: 'fatal', reason: String(e) };
  switch (e.code) {
    case 'REGISTRY_UNREACHABLE':
    case 'REGISTRY_TIMEOUT':
      return { how: 'resume', reason: e.code === 'REGISTRY_TIMEOUT' ? 'the connection stalled' : 'the connection dropped' };
    case 'TOOMANYREQUESTS': {
      const s = e.details.retryAfterSeconds;
      return { how: 'resume', reason: 'rate limited (HTTP 429)', ...(typeof s === 'number' ? { retryAfterMs: s * 1000 } : {}) };
    }
    case 'BLOB_UPLOAD_INVALID':
    case 'BLOB_UPLOAD_UNKNOWN':
    case 'DIGEST_INVALID':
    case 'SIZE_INVALID':
      return { how: 'restart', reason: `the registry lost the upload session (${e.code})` };
    default:
      if (e.status === 408 || e.status === 416 || (e.status !== undefined && e.status >= 500)) return { how: 'resume', reason: `HTTP ${e.status}` };
      return { how: 'fatal', reason: e.message };
  }
}

/** upload sends a blob in PATCH requests with Content-Range (one for the whole blob unless chunked); after a failure it asks the upload URL for its
 * offset (GET → Range) and continues from there, starting a new session only when the old one is gone. */
async function upload(
  store: Store,
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  opts: PushOptions,
  session: { location: URL; minChunk: number | undefined } | undefined,
  result: { bytesSent: number; restarts: number },
  emit: (s: Record<string, unknown> & { state: BlobProgress['state'] }) => void,
  onRetry: (i: RetryInfo) => void,
): Promise<void> {
  const file = store.blobs.path(desc.digest);
  const localSize = await store.blobs.size(desc.digest);
  if (localSize !== desc.size) throw new RegistryError('BLOB_SIZE_MISMATCH', `stored blob ${desc.digest} has ${localSize} bytes, its descriptor says ${desc.size}: run \`strata fsck\``, { digest: desc.digest });
  const size = desc.size;
  const rate = new RateMeter();
  let location = session?.location;
  // Whole blob in one PATCH unless the user chose a chunk size (or the registry refuses it, below).
  let monolithic = opts.chunkSize === undefined;
  let minChunk = session?.minChunk ?? 0;
  let chunkSize = Math.max(1, opts.chunkSize ?? size, minChunk);
  let offset = 0;
  let phase: 'open' | 'status' | 'send' = location ? 'send' : 'open';
  let attempt = 1;
  let reachedAtFailure = 0;
  for (;;) {
    try {
      if (phase === 'open') {
        // After a lost session the blob may have landed anyway (the final PUT's answer was lost).
        if (attempt > 1 && (await client.headBlob(repository, desc.digest, [pushScope(repository)])) !== null) return;
        const s = await client.startUpload(repository, { onRetry });
        if (s.mounted) return;
        if (location) result.restarts++;
        location = s.location;
        minChunk = Math.max(minChunk, s.minChunk ?? 0);
        chunkSize = Math.max(chunkSize, minChunk);
        offset = 0;
        phase = 'send';
      } else if (phase === 'status') {
        const st = await client.uploadStatus(repository, location!);
        if (st.offset > size) throw new RegistryError('BLOB_UPLOAD_INVALID', `the upload session of ${desc.digest} holds more bytes than the blob`, { registry: client.registry, repository });
        location = st.location;
        offset = st.offset;
        phase = 'send';
      }
      emit({ state: 'uploading', bytesDone: offset, total: size, rate: rate.record(offset) });
      while (offset < size) {
        const start = offset;
        const length = Math.min(chunkSize, size - start);
        let written = 0;
        const r = await client.uploadChunk(repository, location!, file, start, length, (n) => {
          result.bytesSent += n - written;
          written = n;
          emit({ state: 'uploading', bytesDone: start + n, total: size, rate: rate.record(start + n) });
        });
        if (r.offset > size) throw new RegistryError('BLOB_UPLOAD_INVALID', `the upload session of ${desc.digest} holds more bytes than the blob`, { registry: client.registry, repository });
        if (r.offset <= start) throw new RegistryError('BLOB_UPLOAD_INVALID', `the registry kept none of the chunk at ${start} of ${desc.digest}`, { registry: client.registry, repository });
        location = r.location;
        // The registry's Range is the truth: it may have kept less than we sent.
        offset = r.offset;
      }
      await client.completeUpload(repository, location!, desc.digest);
      emit({ state: 'uploading', bytesDone: size, total: size, rate: rate.record(size) });
      return;
    } catch (e) {
      if (monolithic && e instanceof RegistryError && e.status === 413) {
        // The registry (or a proxy before it) caps a request's body: go on in fixed chunks from its offset.
        monolithic = false;
        chunkSize = Math.max(DEFAULT_CHUNK_SIZE, minChunk);
        phase = location ? 'status' : 'open';
        await client.waitBeforeRetry(1, `the registry refused the whole blob in one request (HTTP 413): sending ${DEFAULT_CHUNK_SIZE / (1024 * 1024)} MiB chunks`, onRetry, 0);
        continue;
      }
      const rec = recoveryFor(e);
      // Progress since the last failure earns a fresh set of attempts: a huge blob on a flaky link gets there.
      if (offset > reachedAtFailure) attempt = 1;
      reachedAtFailure = Math.max(reachedAtFailure, offset);
      if (rec.how === 'fatal' || attempt >= client.maxAttempts) throw e;
      // A status query that finds no session means it is gone: open a new one.
      phase = rec.how === 'restart' || !location ? 'open' : 'status';
      await client.waitBeforeRetry(attempt, rec.reason, onRetry, rec.retryAfterMs);
      attempt++;
    }
  }
}
