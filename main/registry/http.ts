// A small HTTP transport over node:http(s) rather than fetch: uploads need an exact Content-Length and a
// count of the bytes handed to the socket, stalls need an idle timeout (not a whole-request one), and an
// insecure-marked or private-CA registry needs TLS options without importing undici.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { forbiddenAddressReason } from './hosts.ts';

/** BodySource is a request body that can be opened again (a retry re-sends it). Without a length it goes
 * out chunked (Transfer-Encoding: chunked): a body made while it is sent, such as a layer being gzipped. */
export interface BodySource {
  length: number | undefined;
  open(): Readable;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array | BodySource;
  /** idleTimeoutMs aborts when the socket is silent this long (a stalled peer). */
  idleTimeoutMs?: number;
  /** ca adds trusted certificates (a private registry's CA); system roots stay trusted. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** onBodyProgress is told the total bytes of the body written so far. */
  onBodyProgress?: (bytesWritten: number) => void;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  body: IncomingMessage;
}

/** TransportError is a failure below HTTP: connection refused or reset, TLS, timeout, forbidden address. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'tls' | 'forbidden-address' | 'aborted',
    message: string,
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** guardedLookup resolves like dns.lookup but refuses link-local and metadata addresses, so a host name
 * that resolves to 169.254.169.254 is refused as the literal address is. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as unknown as LookupAddress[];
    for (const a of list) {
      const why = forbiddenAddressReason(a.address);
      if (why) {
        const e = new TransportError('forbidden-address', `${hostname} resolves to ${why} (${a.address}); refused`);
        return callback(e as unknown as NodeJS.ErrnoException, '', 0);
      }
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_NOT_YET_VALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);

function classify(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') return new TransportError('aborted', 'the request was cancelled', code);
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(e?.message ?? '')) return new TransportError('tls', e.message, code);
  return new TransportError('network', e?.message || String(err), code || undefined);
}

/** sendHttp sends one request (no redirects, no retries) and resolves with the response head; the body is
 * left to the caller to read, drain or pipe. */
export function sendHttp(req: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const isHttps = req.url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    const body = req.body;
    const length = body === undefined ? undefined : body instanceof Uint8Array ? body.byteLength : body.length;
    if (length !== undefined) headers['Content-Length'] = String(length);
    else if (body === undefined && req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE') headers['Content-Length'] = '0';
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      reject(classify(e));
    };
    const r = mod.request(
      req.url,
      {
        method: req.method,
        headers,
        agent: isHttps ? agents.https : agents.http,
        lookup: guardedLookup,
        ...(isHttps ? { ca: req.ca ? mergeCa(req.ca) : undefined, rejectUnauthorized: true } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      (res) => {
        if (settled) {
          res.resume();
          return;
        }
        settled = true;
        // Errors after the head (a reset mid-body) surface on the body stream.
        r.on('error', (e) => res.destroy(classify(e)));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res });
      },
    );
    r.on('error', fail);
    if (req.idleTimeoutMs && req.idleTimeoutMs > 0) {
      r.setTimeout(req.idleTimeoutMs, () => {
        const e = new TransportError('timeout', `no data from ${req.url.host} for ${Math.round(req.idleTimeoutMs! / 1000)} s`, 'ETIMEDOUT');
        fail(e);
        r.destroy(e);
      });
    }
    if (body === undefined) {
      r.end();
    } else if (body instanceof Uint8Array) {
      r.end(body, () => req.onBodyProgress?.(body.byteLength));
    } else {
      let written = 0;
      const src = body.open();
      src.on('data', (chunk: Buffer) => {
        written += chunk.byteLength;
        const upTo = written;
        const ok = r.write(chunk, () => req.onBodyProgress?.(upTo));
        if (!ok) {
          src.pause();
          r.once('drain', () => src.resume());
        }
      });
      src.on('end', () => r.end());
      src.on('error', (e) => {
        fail(e);
        r.destroy(e);
      });
      r.on('close', () => src.destroy());
    }
  });
}

function mergeCa(extra: string | Buffer | Array<string | Buffer>): Array<string | Buffer> {
  // Passing `ca` replaces Node's roots; keep them so a private CA is added, not substituted.
  return [...rootCertificates, ...(Array.isArray(extra) ? extra : [extra])];
}

/** header returns a response header as one string (the first value of a repeated header). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** headerAll returns every value of a response header (WWW-Authenticate may repeat). */
export function headerAll(res: HttpResponse, name: string): string[] {
  const v = res.headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** readBody reads the whole body, refusing more than limit bytes (a hostile registry cannot fill memory). */
export async function readBody(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      res.body.destroy();
      throw new TransportError('network', `response from ${res.url.host} is larger than ${limit} bytes`, 'ETOOBIG');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** drain discards a response body so the connection can be reused. */
export async function drain(res: HttpResponse): Promise<void> {
  if (res.body.readableEnded || res.body.destroyed) return;
  try {
    let n = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      n += chunk.byteLength;
      // An error page is small; a big body is not worth reading to reuse the socket.
      if (n > 1 << 20) {
        res.body.destroy();
        return;
      }
    }
  } catch {
    /* the connection is gone: nothing to reuse */
  }
}

/** bufferSource wraps bytes as a BodySource. */
export function bufferSource(data: Uint8Array): BodySource {
  return { length: data.byteLength, open: () => Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]) };
}
