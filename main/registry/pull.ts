// Pull (distribution-spec "Pulling manifests/blobs"): manifest or index, a platform chosen from an index,
// layers fetched three at a time, every byte checked against its digest and size while it streams into the
// store, nothing wrong kept; the manifest is stored with its exact bytes and the tag is written last.
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parseConfig } from '../oci/config.ts';
import { createDigester, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { parseManifestDocument, type ManifestDocument } from '../oci/manifest.ts';
import { MediaType, isGzipLayer, isIndexMediaType, isManifestMediaType } from '../oci/media-types.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, type Platform } from '../oci/platform.ts';
import { parseDockerRef, type Reference } from '../oci/reference.ts';
import { validateOciDocument } from '../oci/validate.ts';
import { recordLayerInfo } from '../store/layer-writer.ts';
import type { Store } from '../store/store.ts';
import { StrataError, serializeError } from '../util/errors.ts';
import { recordBlobSources } from './blob-sources.ts';
import { RegistrySession, type RegistryClient, type RegistryOptions, type RetryInfo } from './client.ts';
import { RegistryError } from './errors.ts';
import { TransportError, header } from './http.ts';
import { mapLimit } from './pool.ts';
import { ProgressBatcher, RateMeter, type BlobProgress, type BlobRole, type ProgressSink } from './progress.ts';

/** REFERENCE_OPTIONS accept sha512 digests in references, as OCI allows. */
export const REFERENCE_OPTIONS = { digestAlgorithms: ['sha256', 'sha512'] as const };

/** MAX_CONFIG_BYTES bounds an image config (it is read into memory and validated before it is stored). */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface PullOptions extends RegistryOptions {
  /** platform to pick from an index (`linux/arm64`, or a Platform); default the host's. */
  platform?: Platform | string;
  /** concurrency of layer downloads (default 3). */
  concurrency?: number;
  /** onProgress receives batched per-blob events (~100 ms). */
  onProgress?: ProgressSink;
  /** session reuses clients (auth, tokens) across calls. */
  session?: RegistrySession;
  /** tag: false stores the image untagged (a build's FROM may want only the digest). */
  tag?: boolean;
}

/** PulledBlob says what happened to one blob of the image. */
export interface PulledBlob {
  digest: Digest;
  size: number;
  role: BlobRole;
  /** fetched: downloaded now (false: it was already in the store). */
  fetched: boolean;
}

export interface PullResult {
  /** reference is the full reference the image is stored under (`docker.io/library/busybox:latest`). */
  reference: string;
  /** digest is the image manifest's digest (the platform's manifest when the reference named an index). */
  digest: Digest;
  mediaType: string;
  /** indexDigest is the index the manifest was chosen from, if any. */
  indexDigest?: Digest;
  platform?: Platform;
  config: Digest;
  blobs: PulledBlob[];
  bytesDownloaded: number;
}

/** pull fetches `ref` into the store and tags it (docker pull). */
export async function pull(store: Store, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const parsed = parseDockerRef(ref, REFERENCE_OPTIONS);
  const session = opts.session ?? new RegistrySession(opts);
  const client = session.client(parsed.domain);
  const repository = parsed.path;
  const want = typeof opts.platform === 'string' ? parsePlatform(opts.platform) : (opts.platform ?? hostPlatform());
  const progress = new ProgressBatcher(opts.onProgress);
  const lease = await store.lease(`pull-${repository}`);
  const reference = parsed.toString();
  try {
    const top = await fetchManifest(client, repository, parsed.digest ?? parsed.tag ?? 'latest', undefined);
    let doc = top;
    let indexDigest: Digest | undefined;
    if (doc.kind === 'index') {
      indexDigest = doc.digest;
      const chosen = choosePlatform(doc.index.manifests, want, `${client.registry}/${repository}`);
      doc = await fetchManifest(client, repository, chosen.digest, chosen);
      if (doc.kind !== 'manifest') throw new RegistryError('NOT_AN_IMAGE', `${reference} for ${formatPlatform(want)} is a nested index: not supported`, { registry: client.registry, repository });
    }
    const manifest = doc.manifest;
    progress.emit({ kind: 'manifest', operation: 'pull', digest: doc.digest, mediaType: doc.mediaType, state: 'done' });
    const configDesc = manifest.config;
    if (configDesc.mediaType !== MediaType.ociConfig && configDesc.mediaType !== MediaType.dockerConfig) {
      throw new RegistryError('NOT_AN_IMAGE', `${reference} is not a container image (its config is ${configDesc.mediaType}${manifest.artifactType ? `, artifact ${manifest.artifactType}` : ''}): Strata pulls images only`, { registry: client.registry, repository });
    }
    const config = await fetchConfig(store, client, repository, configDesc, progress);
    await lease.add(configDesc.digest);
    const diffIds = parseConfig(config).config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new RegistryError('NOT_AN_IMAGE', `${reference}: the manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length}: the image is broken`, { registry: client.registry, repository });
    }
    let bytesDownloaded = 0;
    const layers = await mapLimit(manifest.layers, Math.max(1, opts.concurrency ?? 3), async (layer, i) => {
      const r = await fetchLayer(store, client, repository, layer, diffIds[i] as Digest, progress);
      bytesDownloaded += r.bytes;
      await lease.add(layer.digest);
      return { digest: layer.digest, size: layer.size, role: 'layer' as const, fetched: r.fetched };
    });
    // Blobs first, then the manifest with its exact bytes, then the tag (a tag only points at something complete).
    await store.blobs.put(doc.bytes, { digest: doc.digest, size: doc.bytes.byteLength });
    await lease.add(doc.digest);
    const descriptor: Descriptor = { mediaType: doc.mediaType, digest: doc.digest, size: doc.bytes.byteLength };
    await store.addImage(descriptor, opts.tag === false ? [] : [reference]);
    if (opts.tag !== false) progress.emit({ kind: 'tag', operation: 'pull', reference, digest: doc.digest, state: 'done' });
    await recordBlobSources(store, [configDesc.digest, ...manifest.layers.map((l) => l.digest)], client.registry, repository);
    const chosenPlatform: Platform | undefined = indexDigest ? want : undefined;
    return {
      reference,
      digest: doc.digest,
      mediaType: doc.mediaType,
      ...(indexDigest ? { indexDigest } : {}),
      ...(chosenPlatform ? { platform: chosenPlatform } : {}),
      config: configDesc.digest,
      blobs: [{ digest: configDesc.digest, size: configDesc.size, role: 'config', fetched: true }, ...layers],
      bytesDownloaded: bytesDownloaded + configDesc.size,
    };
  } finally {
    progress.flush();
    await lease.release();
  }
}

/** fetchManifest gets, checks and parses a manifest or index; `expect` is the descriptor it was chosen by. */
async function fetchManifest(client: RegistryClient, repository: string, reference: string, expect: Descriptor | undefined): Promise<ManifestDocument> {
  // A manifest chosen by descriptor is read up to its size only (one byte more proves it lies).
  const got = await client.getManifest(repository, reference, expect ? { maxBytes: expect.size } : {});
  const where = `${client.registry}/${repository}`;
  if (expect && got.bytes.byteLength !== expect.size) {
    throw new RegistryError('BLOB_SIZE_MISMATCH', `manifest ${expect.digest} of ${where} has ${got.bytes.byteLength} bytes, the index says ${expect.size}: refused`, { registry: client.registry, repository });
  }
  let doc: ManifestDocument;
  try {
    doc = parseManifestDocument(got.bytes, got.mediaType ?? expect?.mediaType);
    validateOciDocument(doc.mediaType, got.bytes);
  } catch (e) {
    throw new RegistryError('MANIFEST_INVALID', `${where} sent an invalid manifest for ${reference}: ${(e as Error).message}`, { registry: client.registry, repository }, { cause: e });
  }
  // Digests are over bytes: keep the one we verified (it may be sha512 when the reference asked for it).
  return { ...doc, digest: got.digest } as ManifestDocument;
}

/** choosePlatform picks the index entry for a platform (an exact variant first); attestations are skipped. */
export function choosePlatform(manifests: readonly Descriptor[], want: Platform, where: string): Descriptor {
  const images = manifests.filter((m) => isManifestMediaType(m.mediaType) && m.platform && m.platform.os !== 'unknown');
  const matching = images.filter((m) => platformMatches(want, m.platform));
  const exact = matching.find((m) => (m.platform?.variant ?? '') === (want.variant ?? ''));
  const chosen = exact ?? matching[0];
  if (chosen) return chosen;
  const nested = manifests.filter((m) => isIndexMediaType(m.mediaType));
  const available = images.map((m) => formatPlatform(m.platform!));
  throw new RegistryError(
    'PLATFORM_NOT_FOUND',
    `${where} has no image for ${formatPlatform(want)}${available.length ? `; it has ${[...new Set(available)].join(', ')}: choose one with --platform` : nested.length ? ' (only nested indexes)' : ''}`,
    { platform: formatPlatform(want), available },
  );
}

function blobEvent(desc: Descriptor, role: BlobRole) {
  return { kind: 'blob' as const, operation: 'pull' as const, digest: desc.digest, size: desc.size, mediaType: desc.mediaType, role };
}

/** fetchConfig reads the config into memory (it is small), checks digest and size, validates it, then stores it. */
async function fetchConfig(store: Store, client: RegistryClient, repository: string, desc: Descriptor, progress: ProgressBatcher): Promise<Uint8Array> {
  const base = blobEvent(desc, 'config');
  if (desc.size > MAX_CONFIG_BYTES) throw new RegistryError('NOT_AN_IMAGE', `the image config of ${client.registry}/${repository} is ${desc.size} bytes: refused (limit ${MAX_CONFIG_BYTES})`, { registry: client.registry, repository });
  if (await store.blobs.has(desc.digest)) {
    progress.emit({ ...base, state: 'exists' });
    return store.blobs.read(desc.digest);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  await streamBlob(client, repository, desc, base, progress, async (source) => {
    for await (const c of source) {
      received += c.byteLength;
      // Stop at the first byte past the descriptor's size: an endless body must not fill memory.
      if (received > desc.size) {
        throw new RegistryError('BLOB_SIZE_MISMATCH', `${client.registry}/${repository} sent more than the ${desc.size} bytes of the image config ${desc.digest}: stopped reading, nothing was kept`, { registry: client.registry, repository, digest: desc.digest, expectedSize: desc.size });
      }
      chunks.push(Buffer.from(c));
    }
  });
  const bytes = Buffer.concat(chunks);
  const d = createDigester(desc.digest.slice(0, desc.digest.indexOf(':')));
  d.update(bytes);
  const actual = d.digest();
  if (bytes.byteLength !== desc.size || actual !== desc.digest) {
    const e = new RegistryError(actual !== desc.digest ? 'BLOB_DIGEST_MISMATCH' : 'BLOB_SIZE_MISMATCH', `${client.registry}/${repository} sent the image config ${desc.digest} with wrong content (${bytes.byteLength} bytes hashing to ${actual}): nothing was kept`, { registry: client.registry, repository, expected: desc.digest, actual });
    progress.emit({ ...base, state: 'failed', error: serializeError(e) });
    throw e;
  }
  try {
    validateOciDocument(desc.mediaType, bytes);
    parseConfig(bytes);
  } catch (e) {
    const err = new RegistryError('NOT_AN_IMAGE', `${client.registry}/${repository} sent an invalid image config ${desc.digest}: ${(e as Error).message}`, { registry: client.registry, repository }, { cause: e });
    progress.emit({ ...base, state: 'failed', error: serializeError(err) });
    throw err;
  }
  await store.blobs.put(bytes, { digest: desc.digest, size: desc.size });
  progress.emit({ ...base, state: 'done' });
  return bytes;
}

/** fetchLayer streams a layer into the store (digest and size checked by the store), computing its diffID on
 * the way when it is gzip, and checks that against the config. */
async function fetchLayer(store: Store, client: RegistryClient, repository: string, desc: Descriptor, diffId: Digest, progress: ProgressBatcher): Promise<{ fetched: boolean; bytes: number }> {
  const base = blobEvent(desc, 'layer');
  progress.emit({ ...base, state: 'checking' });
  if (await store.blobs.has(desc.digest)) {
    progress.emit({ ...base, state: 'exists' });
    return { fetched: false, bytes: 0 };
  }
  let uncompressed: { diffID: Digest; size: number } | null = null;
  await streamBlob(client, repository, desc, base, progress, async (source) => {
    const gz = isGzipLayer(desc.mediaType) ? diffIdTap() : null;
    // Network reads are ~64 KB: joined into 1 MB chunks, gunzip and the file writes take ~16x fewer
    // thread-pool round trips. (Progress still counts network reads, in streamBlob.)
    const tapped = gz ? gz.wrap(coalesce(source, 1 << 20)) : source;
    try {
      await store.blobs.write(tapped, { digest: desc.digest, size: desc.size });
    } catch (e) {
      gz?.abort();
      if (e instanceof StrataError && (e.code === 'BLOB_DIGEST_MISMATCH' || e.code === 'BLOB_SIZE_MISMATCH')) {
        throw new RegistryError(e.code, `${client.registry}/${repository} sent layer ${desc.digest} with wrong content (${e.message}): nothing was kept`, { registry: client.registry, repository, digest: desc.digest }, { cause: e });
      }
      throw e;
    }
    if (gz) uncompressed = await gz.result();
  });
  const u = uncompressed as { diffID: Digest; size: number } | null;
  const actualDiff = u ? u.diffID : desc.mediaType === MediaType.ociLayer ? desc.digest : null;
  if (actualDiff && actualDiff !== diffId) {
    const e = new RegistryError('NOT_AN_IMAGE', `layer ${desc.digest} of ${client.registry}/${repository} unpacks to ${actualDiff}, but the image config says ${diffId}: the image is broken`, { registry: client.registry, repository, digest: desc.digest });
    progress.emit({ ...base, state: 'failed', error: serializeError(e) });
    throw e;
  }
  if (u) await recordLayerInfo(store, desc.digest, { diffID: u.diffID, uncompressedSize: u.size });
  progress.emit({ ...base, state: 'done' });
  return { fetched: true, bytes: desc.size };
}

/** streamBlob hands `consume` the blob's bytes; when the connection drops mid-body it reconnects with a Range
 * request and goes on from the byte it had reached (a 200 instead of 206 is skipped forward). */
async function streamBlob(
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  base: Omit<BlobProgress, 'state'>,
  progress: ProgressBatcher,
  consume: (source: AsyncIterable<Uint8Array>) => Promise<void>,
): Promise<void> {
  const rate = new RateMeter();
  const onRetry = (i: RetryInfo) => progress.emit({ ...base, state: 'retrying', reason: i.reason, attempt: i.attempt, at: i.at } as BlobProgress);
  let done = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    let attempt = 1;
    progress.emit({ ...base, state: 'downloading', bytesDone: 0, total: desc.size, rate: 0 } as BlobProgress);
    for (;;) {
      const res = await client.getBlob(repository, desc.digest, done, onRetry);
      let skip = 0;
      if (done > 0 && res.status === 206) {
        const m = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
        if (!m || Number(m[1]) !== done) {
          res.body.destroy();
          throw new RegistryError('REGISTRY_PROTOCOL', `${client.registry} answered a range request for ${desc.digest} from the wrong offset`, { registry: client.registry, repository });
        }
      } else if (done > 0) {
        skip = done;
      }
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          let c = chunk;
          if (skip > 0) {
            if (c.byteLength <= skip) {
              skip -= c.byteLength;
              continue;
            }
            c = c.subarray(skip);
            skip = 0;
          }
          done += c.byteLength;
          progress.emit({ ...base, state: 'downloading', bytesDone: done, total: desc.size, rate: rate.record(done) } as BlobProgress);
          yield c;
        }
        return;
      } catch (e) {
        if (e instanceof StrataError || attempt >= client.maxAttempts) throw client.transportError(e, { registry: client.registry, repository, what: `blob ${desc.digest}` });
        const why = e instanceof TransportError ? e.message : (e as Error).message;
        await client.waitBeforeRetry(attempt, `connection lost at byte ${done}: ${why}`, onRetry);
        attempt++;
      }
    }
  }
  try {
    await consume(source());
  } catch (e) {
    progress.emit({ ...base, state: 'failed', error: serializeError(e) } as BlobProgress);
    throw e;
  }
}

/** coalesce re-cuts a byte stream into chunks of about `size` bytes (bigger ones pass as they are); every
 * chunk it yields is a fresh buffer, since consumers (zlib) keep them after the yield. */
async function* coalesce(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buf: Buffer | null = null;
  let fill = 0;
  for await (const chunk of source) {
    if (fill > 0 && fill + chunk.byteLength > size) {
      yield buf!.subarray(0, fill);
      buf = null;
      fill = 0;
    }
    if (chunk.byteLength >= size) {
      yield chunk;
      continue;
    }
    buf ??= Buffer.allocUnsafe(size);
    buf.set(chunk, fill);
    fill += chunk.byteLength;
  }
  if (fill > 0) yield buf!.subarray(0, fill);
}

/** diffIdTap hashes the gunzipped stream of a layer while it passes through, with backpressure. */
function diffIdTap() {
  // 256 KB output chunks: each is a thread-pool round trip, and at zlib's default 16 KB those hops cost more
  // main-thread time than the hashing (a 20 MB layer: ~1300 of them).
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const h = createDigester('sha256');
  let size = 0;
  let failed: Error | null = null;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      size += chunk.byteLength;
      cb();
    },
  });
  gunzip.on('error', (e) => (failed ??= e));
  const finished = new Promise<void>((resolve) => {
    counter.on('finish', () => resolve());
    gunzip.on('error', () => resolve());
  });
  gunzip.pipe(counter);
  return {
    wrap(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
      return (async function* () {
        for await (const c of source) {
          if (!failed && !gunzip.write(c)) {
            await new Promise<void>((r) => {
              const done = () => {
                gunzip.off('drain', done);
                gunzip.off('error', done);
                gunzip.off('close', done);
                r();
              };
              gunzip.on('drain', done);
              gunzip.on('error', done);
              gunzip.on('close', done);
            });
          }
          yield c;
        }
        if (!failed) gunzip.end();
      })();
    },
    abort() {
      gunzip.destroy();
    },
    async result(): Promise<{ diffID: Digest; size: number } | null> {
      await finished;
      if (failed) throw new RegistryError('NOT_AN_IMAGE', `a gzip layer does not decompress: ${failed.message}`);
      return { diffID: h.digest(), size };
    },
  };
}
