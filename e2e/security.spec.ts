import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { e2eEnv } from './support/strata.ts';

/** upgrade tries a WebSocket handshake and reports whether it opened or the HTTP status it got instead. */
function upgrade(url: string, origin: string): Promise<{ opened: true; ws: WebSocket } | { opened: false; status: number | null; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? null, body }));
    });
    ws.once('error', () => resolve({ opened: false, status: null, body: '' }));
  });
}

/** target is the running server: its page URL, origin, token and socket URL (read at test time: the
 * server starts in global setup, after the files are collected). */
function target() {
  const { url } = e2eEnv();
  const origin = new URL(url).origin;
  const token = new URL(url).pathname.split('/')[1] as string;
  const wsOrigin = origin.replace(/^http/, 'ws');
  return { url, origin, token, wsOrigin, wsUrl: new URL('ws', url).toString().replace(/^http/, 'ws'), wrong: '0'.repeat(token.length) };
}

test.describe('browser mode guards', () => {
  test('the page answers with the token, and carries a strict CSP', async ({ request }) => {
    const res = await request.get(target().url);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
  });

  const denied: [string, (t: ReturnType<typeof target>) => string][] = [
    ['no token', () => '/'],
    ['no token, asset path', () => '/assets/index.js'],
    ['a wrong token', (t) => `/${t.wrong}/`],
    ['the token without its slash', (t) => `/${t.token}`],
    ['the token as a query', (t) => `/?token=${t.token}`],
  ];
  for (const [name, path] of denied) {
    test(`401 and no data for ${name}`, async ({ request }) => {
      const t = target();
      const res = await request.get(t.origin + path(t));
      expect(res.status()).toBe(401);
      const body = await res.text();
      expect(body).not.toContain('<html');
      expect(body).not.toContain('sha256:');
    });
  }

  test('a WebSocket with the token and our origin opens and answers', async () => {
    const t = target();
    const r = await upgrade(t.wsUrl, t.origin);
    expect(r.opened).toBe(true);
    if (!r.opened) return;
    const reply = await new Promise<{ id: number; ok: boolean; result?: unknown[] }>((resolve) => {
      r.ws.once('message', (d) => resolve(JSON.parse(String(d))));
      r.ws.send(JSON.stringify({ id: 7, method: 'listImages', params: {} }));
    });
    r.ws.close();
    expect(reply.id).toBe(7);
    expect(reply.ok).toBe(true);
    expect(Array.isArray(reply.result)).toBe(true);
  });

  const refused: [string, (t: ReturnType<typeof target>) => [url: string, origin: string]][] = [
    ['without the token', (t) => [`${t.wsOrigin}/ws`, t.origin]],
    ['with a wrong token', (t) => [`${t.wsOrigin}/${t.wrong}/ws`, t.origin]],
    ['with the token on another path', (t) => [`${t.wsOrigin}/${t.token}/socket`, t.origin]],
    ['from a foreign Origin', (t) => [t.wsUrl, 'http://evil.example']],
    ['from another local port', (t) => [t.wsUrl, 'http://127.0.0.1:1']],
  ];
  for (const [name, make] of refused) {
    test(`a WebSocket upgrade ${name} is refused`, async () => {
      const r = await upgrade(...make(target()));
      expect(r.opened).toBe(false);
      if (!r.opened) expect(r.status).toBe(401);
    });
  }
});
