import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** FaultAction is what the proxy does to a request a rule matches. */
export type FaultAction =
  /** Read this many body bytes, then cut the client's connection; nothing reaches the registry (as a
   * buffering reverse proxy in front of a registry behaves). */
  | { kind: 'drop'; afterBytes: number }
  /** Read the body, then answer this status without asking the registry. */
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  /** Read the body and never answer (until the client gives up or the proxy stops). */
  | { kind: 'stall' }
  /** Forward the request, then cut the connection instead of answering. */
  | { kind: 'drop-response' }
  /** Forward the request, pass this many bytes of the answer's body, then cut the connection. */
  | { kind: 'cut-response'; afterBytes: number }
  /** Forward the request and flip one byte of the answer's body (a corrupting middlebox). */
  | { kind: 'corrupt'; atByte?: number }
  /** Forward the request after waiting this long (to make concurrency visible). */
  | { kind: 'delay'; ms: number }
  /** Forward the request and add headers to the answer (e.g. OCI-Chunk-Min-Length). */
  | { kind: 'add-header'; headers: Record<string, string> }
  /** Answer with this response, registry not asked. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body: string | Buffer };

export interface FaultRule {
  method?: string;
  path?: RegExp;
  /** minLength matches only requests whose Content-Length is at least this (a big chunk, not a config). */
  minLength?: number;
  /** chunked matches only requests sent with Transfer-Encoding: chunked (true) or only those without (false). */
  chunked?: boolean;
  /** skip lets the first `skip` matching requests through untouched. */
  skip?: number;
  /** times the rule fires (default 1). */
  times?: number;
  action: FaultAction;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  /** bodyBytes the client sent in this request (also for cut ones). */
  bodyBytes: number;
  /** responseBytes of body the proxy passed back. */
  responseBytes: number;
  fault?: FaultAction['kind'];
  status?: number;
  /** start and end (ms, monotonic) of the exchange, for concurrency checks. */
  start: number;
  end?: number;
}

export interface FaultProxy {
  host: string;
  url: string;
  /** rules are matched in order; change them between steps. */
  rules: FaultRule[];
  log: ProxyLogEntry[];
  /** bodyBytes sums request body bytes received per method. */
  bodyBytes(method: string): number;
  /** responseBytes sums response body bytes passed back for a method (and path). */
  responseBytes(method: string, path?: RegExp): number;
  faults(): number;
  /** maxOverlap is the most exchanges matching filter that were under way at once. */
  maxOverlap(filter: (e: ProxyLogEntry) => boolean): number;
  stop(): Promise<void>;
}

/** startFaultProxy puts an HTTP proxy on 127.0.0.1 in front of target (`127.0.0.1:PORT`), keeping the Host
 * header so the registry's Location URLs point back at the proxy, and injecting faults by rule. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const rules: FaultRule[] = [];
  const state = new Map<FaultRule, { seen: number; fired: number }>();
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];

  const pick = (req: IncomingMessage): FaultAction | null => {
    for (const r of rules) {
      if (r.method && r.method !== req.method) continue;
      if (r.path && !r.path.test(req.url ?? '')) continue;
      if (r.minLength !== undefined && Number(req.headers['content-length'] ?? 0) < r.minLength) continue;
      if (r.chunked !== undefined && (req.headers['transfer-encoding'] === 'chunked') !== r.chunked) continue;
      const s = state.get(r) ?? { seen: 0, fired: 0 };
      state.set(r, s);
      s.seen++;
      if (s.seen <= (r.skip ?? 0)) continue;
      if (s.fired >= (r.times ?? 1)) continue;
      s.fired++;
      return r.action;
    }
    return null;
  };

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const entry: ProxyLogEntry = { method: req.method ?? '', path: req.url ?? '', bodyBytes: 0, responseBytes: 0, start: performance.now() };
    res.on('close', () => (entry.end = performance.now()));
    log.push(entry);
    const action = pick(req);
    if (action) entry.fault = action.kind;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      entry.bodyBytes += c.byteLength;
      chunks.push(c);
      if (action?.kind === 'drop' && entry.bodyBytes >= action.afterBytes) req.socket.destroy();
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (action?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action?.kind === 'stall') return;
      if (action?.kind === 'status') {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (action.retryAfter !== undefined) headers['Retry-After'] = String(action.retryAfter);
        entry.status = action.status;
        res.writeHead(action.status, headers);
        res.end(action.body ?? JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${action.status}` }] }));
        return;
      }
      if (action?.kind === 'respond') {
        entry.status = action.status;
        res.writeHead(action.status, action.headers ?? {});
        res.end(action.body);
        return;
      }
      const forward = () => {
        const up = http.request({ host: targetHost, port: targetPort, method: req.method, path: req.url, headers: req.headers, agent: false }, (upRes) => {
          entry.status = upRes.statusCode;
          if (action?.kind === 'drop-response') {
            upRes.resume();
            upRes.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, ...(action?.kind === 'add-header' ? action.headers : {}) });
          if (action?.kind === 'cut-response') {
            upRes.on('data', (c: Buffer) => {
              const room = action.afterBytes - entry.responseBytes;
              if (room <= 0) return;
              const part = c.subarray(0, room);
              entry.responseBytes += part.byteLength;
              res.write(part, () => {
                if (entry.responseBytes >= action.afterBytes) {
                  upRes.destroy();
                  req.socket.destroy();
                }
              });
            });
            return;
          }
          if (action?.kind === 'corrupt') {
            let pos = 0;
            const at = action.atByte ?? 0;
            upRes.on('data', (c: Buffer) => {
              if (at >= pos && at < pos + c.byteLength) {
                c = Buffer.from(c);
                c[at - pos] = (c[at - pos] ?? 0) ^ 0xff;
              }
              pos += c.byteLength;
              entry.responseBytes += c.byteLength;
              res.write(c);
            });
            upRes.on('end', () => res.end());
            return;
          }
          upRes.on('data', (c: Buffer) => (entry.responseBytes += c.byteLength));
          upRes.pipe(res);
        });
        up.on('error', () => req.socket.destroy());
        up.end(Buffer.concat(chunks));
      };
      if (action?.kind === 'delay') setTimeout(forward, action.ms);
      else forward();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    rules,
    log,
    bodyBytes: (method) => log.filter((e) => e.method === method).reduce((n, e) => n + e.bodyBytes, 0),
    responseBytes: (method, path) => log.filter((e) => e.method === method && (!path || path.test(e.path))).reduce((n, e) => n + e.responseBytes, 0),
    faults: () => log.filter((e) => e.fault).length,
    maxOverlap: (filter) => {
      const xs = log.filter(filter);
      let best = 0;
      for (const a of xs) best = Math.max(best, xs.filter((b) => b.start <= a.start && (b.end ?? Infinity) > a.start).length);
      return best;
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
