// The OCI distribution API (distribution-spec spec.md) for one registry: auth, redirects, retries with
// backoff, and errors that say what to do. pull.ts and push.ts build on these calls.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createDigester, digestAlgorithm, isDigest, type Digest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.ts';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, isIndexMediaType, isManifestMediaType } from '../oci/media-types.ts';
import { RegistryAuth } from './auth.ts';
import { DockerConfigCredentials, describeIdentity, type CredentialStore, type DockerConfigOptions } from './credentials.ts';
import { RegistryError, registryErrorFromResponse, type ErrorContext } from './errors.ts';
import { checkOutboundUrl, registryEndpoint, type Endpoint } from './hosts.ts';
import { TransportError, drain, header, readBody, sendHttp, type BodySource, type HttpRequest, type HttpResponse } from './http.ts';

/** RetryPolicy bounds retries of network errors, 408, 429 and 5xx. */
export interface RetryPolicy {
  /** attempts is the total number of tries (default 6). */
  attempts?: number;
  /** baseDelayMs is the first backoff (default 250 ms), doubled each time with jitter. */
  baseDelayMs?: number;
  /** maxDelayMs caps one backoff (default 10 s). */
  maxDelayMs?: number;
  /** maxRetryAfterMs is the longest Retry-After we wait for (default 60 s); a longer one fails with TOOMANYREQUESTS. */
  maxRetryAfterMs?: number;
}

/** RetryInfo describes a retry about to happen. */
export interface RetryInfo {
  reason: string;
  /** attempt is the number of the attempt about to start (2 for the first retry). */
  attempt: number;
  /** at is when it starts (epoch ms). */
  at: number;
}

/** RegistryOptions are the transport, auth and retry settings shared by pull, push, tag and login. */
export interface RegistryOptions {
  /** insecureRegistries may be reached over plain HTTP (loopback registries always may). */
  insecureRegistries?: string[];
  /** httpsRegistries are loopback registries that serve HTTPS (loopback is plain HTTP otherwise). */
  httpsRegistries?: string[];
  /** ca adds trusted CA certificates (PEM) for registries with a private CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** credentials is where logins come from (default: docker's config.json and helpers); null is anonymous. */
  credentials?: CredentialStore | null;
  dockerConfig?: DockerConfigOptions;
  retry?: RetryPolicy;
  /** timeoutMs aborts a request whose connection is silent this long (default 60 s). */
  timeoutMs?: number;
  userAgent?: string;
  signal?: AbortSignal;
}

/** ClientRequest is one API call. */
export interface ClientRequest {
  method: string;
  /** path under the registry (`/v2/…`), or a full url (an upload location). */
  path?: string;
  url?: URL;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Uint8Array | BodySource;
  /** expect lists the statuses handed back; any other becomes a RegistryError. */
  expect: readonly number[];
  /** retry: false makes one attempt only (the caller has its own recovery). */
  retry?: boolean;
  repository?: string;
  what?: string;
  action?: ErrorContext['action'];
  onRetry?: (info: RetryInfo) => void;
  onBodyProgress?: (bytesWritten: number) => void;
  /** followRedirects (default true for GET and HEAD). */
  followRedirects?: boolean;
}

/** MANIFEST_ACCEPT is every manifest type we read (OCI and Docker, image and index). */
export const MANIFEST_ACCEPT = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES].join(', ');

const DEFAULT_USER_AGENT = 'strata/0.1';
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** RegistryClient speaks the distribution API to one registry. Reuse it (through a RegistrySession): it keeps
 * the auth scheme and tokens. */
export class RegistryClient {
  readonly endpoint: Endpoint;
  readonly auth: RegistryAuth;
  private readonly opts: RegistryOptions;
  private readonly policy: Required<RetryPolicy>;

  constructor(registry: string, opts: RegistryOptions = {}) {
    this.opts = opts;
    this.endpoint = registryEndpoint(registry, opts.insecureRegistries ?? [], opts.httpsRegistries ?? []);
    this.policy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000, ...(opts.retry ?? {}) };
    const store = opts.credentials === undefined ? new DockerConfigCredentials(opts.dockerConfig) : opts.credentials;
    this.auth = new RegistryAuth({
      endpoint: this.endpoint,
      credential: async () => (store ? store.get(this.endpoint.registry) : null),
      send: (req) => this.send(req),
      insecureRegistries: opts.insecureRegistries ?? [],
      userAgent: this.userAgent,
    });
  }

  /** registry is the reference domain this client talks to. */
  get registry(): string {
    return this.endpoint.registry;
  }

  private get userAgent(): string {
    return this.opts.userAgent ?? DEFAULT_USER_AGENT;
  }

  private send(req: HttpRequest): Promise<HttpResponse> {
    return sendHttp({
      ...req,
      idleTimeoutMs: this.opts.timeoutMs ?? 60_000,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  /** request sends one API call with auth, redirects and retries; it returns responses whose status is in
   * `expect` (body unread) and throws RegistryError for the rest. */
  async request(req: ClientRequest): Promise<HttpResponse> {
    let url = req.url ?? new URL(req.path ?? '/v2/', this.endpoint.base);
    let method = req.method;
    let body = req.body;
    const ctx: ErrorContext = { registry: this.registry, ...(req.repository ? { repository: req.repository } : {}), ...(req.what ? { what: req.what } : {}), ...(req.action ? { action: req.action } : {}) };
    const follow = req.followRedirects ?? (method === 'GET' || method === 'HEAD');
    const retryable = req.retry !== false;
    let attempt = 1;
    let authRounds = 0;
    let redirects = 0;
    let insufficientScope = false;
    for (;;) {
      if (this.opts.signal?.aborted) throw new RegistryError('ABORTED', `cancelled: ${req.what ?? req.method} on ${this.registry}`, { registry: this.registry });
      const ownHost = url.host === this.endpoint.base.host;
      let res: HttpResponse;
      let sentAuth: string | undefined;
      let release: (() => void) | undefined;
      try {
        release = ownHost ? await this.auth.turn() : undefined;
        // Credentials go to the registry's own host only, never to a redirect target elsewhere.
        sentAuth = ownHost ? await this.auth.authorization(req.scopes) : undefined;
        const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...(req.headers ?? {}) };
        if (sentAuth) headers.Authorization = sentAuth;
        res = await this.send({ method, url, headers, ...(body !== undefined ? { body } : {}), ...(req.onBodyProgress ? { onBodyProgress: req.onBodyProgress } : {}) });
      } catch (e) {
        release?.();
        if (e instanceof TransportError && (e.kind === 'network' || e.kind === 'timeout') && retryable && attempt < this.policy.attempts) {
          await this.backoff(attempt, e.kind === 'timeout' ? `timed out: ${e.message}` : `network error: ${e.errno ?? e.message}`, undefined, req.onRetry);
          attempt++;
          continue;
        }
        throw this.transportError(e, ctx);
      }
      if (res.status === 401 && ownHost && authRounds < 2) {
        const outcome = await this.auth.onUnauthorized(res, req.scopes, sentAuth).finally(() => release?.());
        insufficientScope ||= outcome.insufficientScope;
        if (outcome.retry) {
          authRounds++;
          continue;
        }
        const identity = await this.auth.identity();
        throw registryErrorFromResponse(401, '', { ...ctx, insufficientScope, ...(identity ? { identity } : {}) });
      }
      release?.();
      if (follow && [301, 302, 303, 307, 308].includes(res.status)) {
        const loc = header(res, 'location');
        await drain(res);
        if (!loc || redirects >= 10) throw new RegistryError('REGISTRY_PROTOCOL', `${this.registry} redirected ${req.what ?? url.pathname} ${loc ? 'too many times' : 'without a Location'}`, { registry: this.registry, status: res.status });
        const next = new URL(loc, url);
        checkOutboundUrl(next, this.endpoint, 'redirect', this.opts.insecureRegistries ?? []);
        if (res.status === 303) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        redirects++;
        continue;
      }
      if (req.expect.includes(res.status)) return res;
      if (RETRY_STATUS.has(res.status) && retryable && attempt < this.policy.attempts) {
        const retryAfter = parseRetryAfter(header(res, 'retry-after'));
        await drain(res);
        if (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterMs) {
          throw registryErrorFromResponse(res.status, '', { ...ctx, retryAfterSeconds: Math.ceil(retryAfter / 1000) });
        }
        await this.backoff(attempt, `HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`, retryAfter, req.onRetry);
        attempt++;
        continue;
      }
      const text = method === 'HEAD' ? '' : (await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
      if (method === 'HEAD') await drain(res);
      const identity = res.status === 401 || res.status === 403 ? await this.auth.identity() : undefined;
      const retryAfter = parseRetryAfter(header(res, 'retry-after'));
      throw registryErrorFromResponse(res.status, text, {
        ...ctx,
        insufficientScope,
        ...(identity ? { identity } : {}),
        ...(retryAfter !== undefined ? { retryAfterSeconds: Math.ceil(retryAfter / 1000) } : {}),
      });
    }
  }

  /** backoff waits before attempt+1: Retry-After when given, else exponential backoff with jitter. */
  private async backoff(attempt: number, reason: string, retryAfterMs: number | undefined, onRetry?: (i: RetryInfo) => void): Promise<void> {
    const exp = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    const delay = retryAfterMs ?? Math.round(exp / 2 + Math.random() * (exp / 2));
    onRetry?.({ reason, attempt: attempt + 1, at: Date.now() + delay });
    await sleep(delay, this.opts.signal);
  }

  /** waitBeforeRetry runs the backoff for callers with their own retry loop (uploads, resumed downloads). */
  async waitBeforeRetry(attempt: number, reason: string, onRetry?: (i: RetryInfo) => void, retryAfterMs?: number): Promise<void> {
    await this.backoff(attempt, reason, retryAfterMs, onRetry);
  }

  /** maxAttempts is the retry policy's number of tries. */
  get maxAttempts(): number {
    return this.policy.attempts;
  }

  /** transportError explains a failure below HTTP. */
  transportError(e: unknown, ctx: ErrorContext): RegistryError {
    if (e instanceof RegistryError) return e;
    const host = this.endpoint.base.host;
    const details = { registry: this.registry, ...(ctx.repository ? { repository: ctx.repository } : {}) };
    if (e instanceof TransportError) {
      switch (e.kind) {
        case 'timeout':
          return new RegistryError('REGISTRY_TIMEOUT', `${host} stopped answering (${e.message}): check the network and try again`, details, { cause: e });
        case 'tls':
          return new RegistryError('REGISTRY_TLS', `TLS with ${host} failed (${e.errno ?? e.message}): if the registry uses a private CA, add its certificate; mark it insecure only on a network you trust`, details, { cause: e });
        case 'forbidden-address':
          return new RegistryError('UNSAFE_REDIRECT', `refused to connect: ${e.message}`, details, { cause: e });
        case 'aborted':
          return new RegistryError('ABORTED', `cancelled while talking to ${host}`, details, { cause: e });
        default: {
          const why = e.errno === 'ECONNREFUSED' ? 'connection refused' : e.errno === 'ENOTFOUND' || e.errno === 'EAI_AGAIN' ? 'host name not found' : e.errno ?? e.message;
          const hint = this.endpoint.base.protocol === 'https:' && e.errno === 'ECONNREFUSED' ? '; if it serves plain HTTP, mark it insecure' : '';
          return new RegistryError('REGISTRY_UNREACHABLE', `cannot reach registry ${this.registry} at ${this.endpoint.base.origin} (${why}): check the name and that it is running${hint}`, details, { cause: e });
        }
      }
    }
    const msg = e instanceof Error ? e.message : String(e);
    return new RegistryError('REGISTRY_UNREACHABLE', `talking to ${host} failed: ${msg}`, details, { cause: e });
  }

  // ----- API calls -------------------------------------------------------------------------------

  /** ping checks that the registry speaks the v2 API and that the login (if any) is accepted (GET /v2/). */
  async ping(action: ErrorContext['action'] = 'check'): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/', scopes: [], expect: [200], action, what: 'API check' });
    await drain(res);
  }

  /** getManifest fetches a manifest or index with its exact bytes, checking them against the digest asked
   * for (or the Docker-Content-Digest the registry sent). */
  async getManifest(repository: string, reference: string, opts: { action?: ErrorContext['action']; onRetry?: (i: RetryInfo) => void; maxBytes?: number } = {}): Promise<{ bytes: Buffer; mediaType: string | undefined; digest: Digest }> {
    const what = `manifest ${reference}`;
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      scopes: [pullScope(repository)],
      headers: { Accept: MANIFEST_ACCEPT },
      expect: [200],
      repository,
      what,
      action: opts.action ?? 'pull',
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
    const declared = opts.maxBytes !== undefined && opts.maxBytes >= 0 && opts.maxBytes < MAX_MANIFEST_BYTES;
    const limit = declared ? (opts.maxBytes as number) : MAX_MANIFEST_BYTES;
    let bytes: Buffer;
    try {
      bytes = await readBody(res, limit);
    } catch (e) {
      const tooBig = e instanceof TransportError && e.errno === 'ETOOBIG';
      if (tooBig && declared) {
        throw new RegistryError('BLOB_SIZE_MISMATCH', `${what} of ${this.registry}/${repository} is larger than the ${limit} bytes its descriptor says: stopped reading, refused`, { registry: this.registry, repository, expectedSize: limit }, { cause: e });
      }
      const why = tooBig ? `is larger than ${limit} bytes` : `was cut off (${(e as Error).message})`;
      throw new RegistryError('MANIFEST_INVALID', `${what} of ${this.registry}/${repository} ${why}: refused`, { registry: this.registry, repository }, { cause: e });
    }
    const contentType = header(res, 'content-type')?.split(';')[0]?.trim();
    const mediaType = contentType && (isManifestMediaType(contentType) || isIndexMediaType(contentType)) ? contentType : undefined;
    const digest = verifyBytes(bytes, isDigest(reference) ? (reference as Digest) : undefined, header(res, 'docker-content-digest'), `${what} of ${this.registry}/${repository}`, { registry: this.registry, repository });
    return { bytes, mediaType, digest };
  }

  /** headManifest says whether a manifest exists and its digest, without fetching it. */
  async headManifest(repository: string, reference: string, scopes = [pullScope(repository)]): Promise<{ digest: Digest | undefined; mediaType: string | undefined; size: number | undefined } | null> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/manifests/${reference}`, scopes, headers: { Accept: MANIFEST_ACCEPT }, expect: [200, 404], repository, what: `manifest ${reference}` });
    await drain(res);
    if (res.status === 404) return null;
    const d = header(res, 'docker-content-digest');
    const len = Number(header(res, 'content-length'));
    return { digest: d && isDigest(d) ? d : undefined, mediaType: header(res, 'content-type')?.split(';')[0]?.trim(), size: Number.isFinite(len) ? len : undefined };
  }

  /** putManifest uploads manifest bytes under a tag or digest and returns the digest the registry computed. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string, opts: { onRetry?: (i: RetryInfo) => void; action?: ErrorContext['action'] } = {}): Promise<Digest> {
    const res = await this.request({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${reference}`,
      scopes: [pushScope(repository)],
      headers: { 'Content-Type': mediaType },
      body: bytes,
      expect: [200, 201, 202],
      repository,
      what: `manifest ${reference}`,
      action: opts.action ?? 'push',
      ...(opts.onRetry ? { onRetry: opts.onRetry } : {}),
    });
    await drain(res);
    const local = createDigester('sha256');
    local.update(bytes);
    const ours = local.digest();
    const theirs = header(res, 'docker-content-digest');
    if (theirs && isDigest(theirs) && digestAlgorithm(theirs) === 'sha256' && theirs !== ours) {
      throw new RegistryError('REGISTRY_PROTOCOL', `${this.registry} stored manifest ${reference} of ${repository} as ${theirs}, but its bytes hash to ${ours}: the registry rewrote it`, { registry: this.registry, repository, expected: ours, actual: theirs });
    }
    return ours;
  }

  /** headBlob returns a blob's size when the repository has it, else null. */
  async headBlob(repository: string, digest: Digest, scopes = [pullScope(repository)], onRetry?: (i: RetryInfo) => void): Promise<number | null> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scopes, expect: [200, 404], repository, what: `blob ${digest}`, ...(onRetry ? { onRetry } : {}) });
    await drain(res);
    if (res.status === 404) return null;
    const len = Number(header(res, 'content-length'));
    return Number.isFinite(len) ? len : -1;
  }

  /** getBlob opens a blob from offset (a Range request when offset > 0); the caller reads the body. */
  async getBlob(repository: string, digest: Digest, offset = 0, onRetry?: (i: RetryInfo) => void): Promise<HttpResponse> {
    return this.request({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scopes: [pullScope(repository)],
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      expect: offset > 0 ? [200, 206] : [200],
      repository,
      what: `blob ${digest}`,
      ...(onRetry ? { onRetry } : {}),
    });
  }

  /** startUpload opens an upload session, or mounts the blob from another repository of this registry
   * (201: done; 202: the registry could not mount and gave a session instead). */
  async startUpload(repository: string, opts: { mount?: { digest: Digest; from: string }; onRetry?: (i: RetryInfo) => void } = {}): Promise<{ mounted: true } | { mounted: false; location: URL; minChunk: number | undefined }> {
    const path = opts.mount ? `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(opts.mount.digest)}&from=${encodeURIComponent(opts.mount.from)}` : `/v2/${repository}/blobs/uploads/`;
    const scopes = opts.mount ? [pushScope(repository), pullScope(opts.mount.from)] : [pushScope(repository)];
    const res = await this.request({ method: 'POST', path, scopes, expect: [201, 202], repository, what: opts.mount ? `mount of blob ${opts.mount.digest}` : 'upload', action: 'push', ...(opts.onRetry ? { onRetry: opts.onRetry } : {}) });
    await drain(res);
    if (res.status === 201) return { mounted: true };
    const loc = header(res, 'location');
    if (!loc) throw new RegistryError('REGISTRY_PROTOCOL', `${this.registry} opened an upload without a Location header`, { registry: this.registry, repository });
    const min = Number(header(res, 'oci-chunk-min-length'));
    return { mounted: false, location: this.uploadUrl(loc, res.url), minChunk: Number.isFinite(min) && min > 0 ? min : undefined };
  }

  /** uploadStatus asks an upload session how many bytes it holds (GET on the upload URL; Range `0-N`). */
  async uploadStatus(repository: string, location: URL): Promise<{ offset: number; location: URL }> {
    const res = await this.request({ method: 'GET', url: location, scopes: [pushScope(repository)], expect: [204, 200], repository, what: 'upload status', action: 'push', retry: false });
    await drain(res);
    return { offset: rangeEnd(header(res, 'range')), location: this.uploadUrl(header(res, 'location') ?? location.href, res.url) };
  }

  /** uploadChunk sends bytes [start, start+length) of a file with PATCH and Content-Range; one attempt only
   * (push.ts recovers by asking uploadStatus where to go on). */
  async uploadChunk(repository: string, location: URL, file: string, start: number, length: number, onBytes?: (n: number) => void): Promise<{ offset: number; location: URL }> {
    const body = { length, open: () => createReadStream(file, { start, end: start + length - 1, highWaterMark: 256 * 1024 }) };
    const r = await this.patchUpload(repository, location, { 'Content-Range': `${start}-${start + length - 1}` }, body, 'blob chunk', onBytes);
    // `0-0` after sending a single first byte means one byte, not an empty session.
    const offset = !r.range ? start + length : start + length === 1 && rangeEnd(r.range) === 0 ? 1 : rangeEnd(r.range);
    return { offset, location: r.location };
  }

  /** uploadStream sends a body of unknown length (made while it goes out) in one chunked PATCH, with no
   * Content-Range; one attempt only, and the source can be read once: push.ts falls back to a resumable
   * upload of the stored blob when this fails. Returns the offset the registry reports (its Range). */
  async uploadStream(repository: string, location: URL, source: Readable, onBytes?: (n: number) => void): Promise<{ offset: number; location: URL }> {
    let opened = false;
    const body = {
      length: undefined,
      open: () => {
        if (opened) throw new RegistryError('BLOB_UPLOAD_INVALID', 'a streamed upload cannot be sent twice', { registry: this.registry, repository });
        opened = true;
        return source;
      },
    };
    const r = await this.patchUpload(repository, location, {}, body, 'streamed blob', onBytes);
    return { offset: r.range ? rangeEnd(r.range) : 0, location: r.location };
  }

  /** patchUpload sends one PATCH of an upload session (no retry, no redirect) and returns its Range and next Location. */
  private async patchUpload(repository: string, location: URL, headers: Record<string, string>, body: BodySource, what: string, onBytes?: (n: number) => void): Promise<{ range: string | undefined; location: URL }> {
    const res = await this.request({
      method: 'PATCH',
      url: location,
      scopes: [pushScope(repository)],
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      body,
      expect: [202, 204],
      repository,
      what,
      action: 'push',
      retry: false,
      followRedirects: false,
      ...(onBytes ? { onBodyProgress: onBytes } : {}),
    });
    await drain(res);
    return { range: header(res, 'range'), location: this.uploadUrl(header(res, 'location') ?? location.href, res.url) };
  }

  /** completeUpload closes an upload with PUT ?digest=. */
  async completeUpload(repository: string, location: URL, digest: Digest): Promise<void> {
    const url = new URL(location.href);
    url.searchParams.set('digest', digest);
    const res = await this.request({ method: 'PUT', url, scopes: [pushScope(repository)], headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(0), expect: [201, 204], repository, what: `blob ${digest}`, action: 'push', retry: false, followRedirects: false });
    await drain(res);
  }

  /** cancelUpload drops an upload session (best effort). */
  async cancelUpload(repository: string, location: URL): Promise<void> {
    try {
      const res = await this.request({ method: 'DELETE', url: location, scopes: [pushScope(repository)], expect: [204, 200, 202, 404], repository, retry: false });
      await drain(res);
    } catch {
      /* the session expires on its own */
    }
  }

  private uploadUrl(location: string, base: URL): URL {
    const url = new URL(location, base);
    checkOutboundUrl(url, this.endpoint, 'redirect', this.opts.insecureRegistries ?? []);
    return url;
  }

  /** whoami names the login in use for messages (never the secret). */
  async whoami(): Promise<string | undefined> {
    const c = await this.auth.credential();
    return c ? describeIdentity(c) : undefined;
  }
}

/** pullScope and pushScope are the token scopes of reading and writing a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/** parseRetryAfter reads Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

/** rangeEnd turns an upload's `Range: 0-N` into the byte count N+1 (`0-0` from a fresh session means 0). */
export function rangeEnd(range: string | undefined): number {
  const m = /^(?:bytes=)?(\d+)-(\d+)$/.exec(range?.trim() ?? '');
  if (!m) return 0;
  const end = Number(m[2]);
  // distribution answers `0-0` for an empty session; an upload of exactly one byte is indistinguishable, and
  // resending one byte is harmless only if we under-count, so read 0-0 as empty.
  return end === 0 ? 0 : end + 1;
}

/** verifyBytes checks manifest bytes against the digest the caller expects and the one the registry claims. */
function verifyBytes(bytes: Uint8Array, expected: Digest | undefined, claimed: string | undefined, what: string, details: Record<string, unknown>): Digest {
  const sha = createDigester('sha256');
  sha.update(bytes);
  const sha256 = sha.digest();
  if (expected) {
    const d = createDigester(digestAlgorithm(expected));
    d.update(bytes);
    const actual = d.digest();
    if (actual !== expected) throw new RegistryError('BLOB_DIGEST_MISMATCH', `${what} hashes to ${actual}, not the ${expected} asked for: refused`, { ...details, expected, actual });
    return expected;
  }
  if (claimed && isDigest(claimed) && digestAlgorithm(claimed) === 'sha256' && claimed !== sha256) {
    throw new RegistryError('BLOB_DIGEST_MISMATCH', `${what} hashes to ${sha256}, but the registry said ${claimed}: refused`, { ...details, expected: claimed, actual: sha256 });
  }
  return sha256;
}

/** sleep waits ms (cancelled by signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RegistryError('ABORTED', 'cancelled'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new RegistryError('ABORTED', 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** RegistrySession keeps one client per registry, so auth schemes and tokens are learned once per session
 * (the engine keeps one for its lifetime; a CLI command makes one). */
export class RegistrySession {
  private readonly clients = new Map<string, RegistryClient>();
  constructor(readonly options: RegistryOptions = {}) {}
  /** client returns this session's client for a registry domain. */
  client(registry: string): RegistryClient {
    const key = registryEndpoint(registry, this.options.insecureRegistries ?? [], this.options.httpsRegistries ?? []).registry;
    let c = this.clients.get(key);
    if (!c) {
      c = new RegistryClient(key, this.options);
      this.clients.set(key, c);
    }
    return c;
  }
}
