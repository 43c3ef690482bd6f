import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH, type ClientMessage, type ServerMessage } from '../../preload/contract.ts';
import { dispatch } from '../service/dispatch.ts';
import type { Engine } from '../service/engine.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** CSP of the browser mode: the same strict policy as the Electron window, plus the WebSocket back to us. */
function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** MAX_WS_MESSAGE bounds one WebSocket message from the renderer (a Dockerfile being saved fits easily). */
export const MAX_WS_MESSAGE = 1 << 20;

export interface WebServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

/** startWebServer serves the renderer and the engine contract over a WebSocket, on 127.0.0.1 only.
 * Everything lives under /<token>/: a request without the per-run token gets 401 and no data. */
export async function startWebServer(engine: Engine, opts: { port?: number; rendererDir: string; token?: string }): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const prefix = `/${token}/`;
  const tokenOk = (path: string) => {
    const given = Buffer.from(path.slice(1, 1 + token.length));
    const want = Buffer.from(token);
    return given.length === want.length && timingSafeEqual(given, want) && path[1 + token.length] === '/';
  };
  let port = 0;
  const hostOk = (req: IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const deny = (res: ServerResponse, code: number, text: string) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostOk(req)) return deny(res, 421, 'misdirected request\n');
    if (!tokenOk(url.pathname)) return deny(res, 401, 'unauthorized: open the URL Strata printed (it carries a per-run token)\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed\n');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html';
    } catch {
      return deny(res, 400, 'bad request: malformed percent-encoding in the path\n');
    }
    rel = normalize(rel);
    if (rel.startsWith('..') || rel.startsWith(sep)) return deny(res, 404, 'not found\n');
    let file = join(opts.rendererDir, rel);
    let st = await stat(file).catch(() => null);
    if (!st || !st.isFile()) {
      // Client-side routes fall back to the app shell.
      file = join(opts.rendererDir, 'index.html');
      st = await stat(file).catch(() => null);
      if (!st) return deny(res, 500, 'the renderer is not built: run npm run build\n');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'content-security-policy': csp(port),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    // A read error (file removed mid-send) ends this response only.
    pipeline(createReadStream(file), res, () => {});
  };
  // Nothing a client sends may crash the server: every error ends that request or socket only.
  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => {
      if (!res.headersSent) deny(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  // A frame over maxPayload closes that socket with 1009 (message too big); the error event is handled below.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  wss.on('error', () => {});
  server.on('upgrade', (req, socket, head) => {
    // Node drops its own error listener from an upgraded socket: a reset must not become an uncaught error.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const originOk = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (!hostOk(req) || !tokenOk(url.pathname) || url.pathname !== `${prefix}${WS_PATH}` || !originOk) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    // ws emits 'error' for protocol violations (a frame over maxPayload, bad UTF-8, bad opcodes) after it has
    // sent its close frame with the code; it ends the socket when the client answers (or after its close
    // timeout). Terminating here reset the connection under a client still sending, which then saw 1006
    // instead of the code. Only this socket goes, never the process.
    ws.on('error', () => {});
    const send = (m: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      let text: string;
      try {
        text = JSON.stringify(m);
      } catch (e) {
        if (!('id' in m)) return;
        text = JSON.stringify({ id: m.id, ok: false, error: { code: 'INTERNAL', message: `the reply could not be serialized: ${(e as Error).message}` } });
      }
      ws.send(text, () => {});
    };
    const unsubscribe = engine.events.subscribe((event, payload) => send({ event, payload }));
    ws.on('close', unsubscribe);
    ws.on('message', (data) => {
      void answer(String(data)).catch(() => ws.terminate());
    });
    async function answer(text: string): Promise<void> {
      let msg: ClientMessage;
      try {
        msg = JSON.parse(text);
      } catch {
        return send({ id: -1, ok: false, error: { code: 'INVALID_REQUEST', message: 'message is not JSON' } });
      }
      const id = typeof msg?.id === 'number' ? msg.id : -1;
      send({ id, ...(await dispatch(engine, msg?.method, msg?.params)) });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
