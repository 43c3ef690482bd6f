// A registry that lies: a tiny HTTP server on 127.0.0.1 answering /v2/ and then whatever a test scripts for
// manifests and blobs, including bodies that never end. It counts the bytes it managed to send, so a test can
// prove the client stopped reading (bounded memory) rather than buffering everything.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse, send: Sender) => void | Promise<void>;

export interface Sender {
  /** json sends bytes with a content type and (unless omitted) a content length. */
  body(status: number, contentType: string, bytes: Buffer | string, headers?: Record<string, string>): void;
  /** endless streams chunks until the client hangs up or `limit` bytes went out. */
  endless(status: number, contentType: string, chunk: Buffer, headers?: Record<string, string>, limit?: number): void;
}

export interface FakeRegistry {
  host: string;
  /** bytesSent is what the server wrote for the current route (reset by setRoute). */
  readonly bytesSent: number;
  setRoute(route: Route): void;
  close(): Promise<void>;
}

/** startFakeRegistry listens on a free port of 127.0.0.1. */
export async function startFakeRegistry(): Promise<FakeRegistry> {
  let route: Route = (_req, res) => {
    res.writeHead(404).end();
  };
  let sent = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
      return;
    }
    const send: Sender = {
      body(status, contentType, bytes, headers = {}) {
        const b = Buffer.from(bytes);
        res.writeHead(status, { 'content-type': contentType, 'content-length': String(b.length), ...headers });
        if (req.method === 'HEAD') return void res.end();
        sent += b.length;
        res.end(b);
      },
      endless(status, contentType, chunk, headers = {}, limit = 256 * 1024 * 1024) {
        res.writeHead(status, { 'content-type': contentType, ...headers });
        if (req.method === 'HEAD') return void res.end();
        let out = 0;
        let closed = false;
        res.on('close', () => (closed = true));
        const pump = () => {
          while (!closed && out < limit) {
            out += chunk.length;
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!closed) res.end();
        };
        pump();
      },
    };
    Promise.resolve(route(req, res, send)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    get bytesSent() {
      return sent;
    },
    setRoute(r) {
      route = r;
      sent = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
