import { randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { libtrustKeyId, makeCert, type TestCert } from './certs.ts';

/** Grant decides which actions a user (null: anonymous) gets on a resource. */
export type Grant = (user: string | null, type: string, name: string, actions: string[]) => string[];

export interface TokenServerOptions {
  /** users and their passwords (Basic auth to the token endpoint). */
  users: Record<string, string>;
  grant?: Grant;
  /** which field(s) carry the token: `token` (docker), `access_token` (OAuth2), or both. */
  field?: 'token' | 'access_token' | 'both';
  /** expiresIn seconds (default 300). */
  expiresIn?: number;
  service?: string;
  issuer?: string;
}

export interface TokenRequest {
  user: string | null;
  scopes: string[];
  service: string | null;
  /** authorization tells whether credentials were sent (never the value). */
  hadCredentials: boolean;
}

export interface TokenServer {
  realm: string;
  /** field can be switched between requests. */
  field: 'token' | 'access_token' | 'both';
  service: string;
  issuer: string;
  cert: TestCert;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** startTokenServer runs the registry token service of docs/spec/auth/token.md on 127.0.0.1: it checks Basic
 * credentials, grants actions per `grant`, and signs RS256 JWTs whose `kid` is the libtrust id of its cert. */
export async function startTokenServer(dir: string, opts: TokenServerOptions): Promise<TokenServer> {
  const cert = makeCert(dir, 'token-signer');
  const kid = libtrustKeyId(cert.cert);
  const service = opts.service ?? 'strata-test-registry';
  const issuer = opts.issuer ?? 'strata-test-issuer';
  const grant: Grant = opts.grant ?? ((user, _t, _n, actions) => (user ? actions : actions.filter((a) => a === 'pull')));
  const requests: TokenRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const auth = req.headers.authorization;
    let user: string | null = null;
    if (auth?.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      const p = rest.join(':');
      if (!u || opts.users[u] === undefined || opts.users[u] !== p) {
        requests.push({ user: u ?? null, scopes, service: url.searchParams.get('service'), hadCredentials: true });
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = u;
    }
    requests.push({ user, scopes, service: url.searchParams.get('service'), hadCredentials: !!auth });
    const access = scopes
      .map((s) => {
        const first = s.indexOf(':');
        const last = s.lastIndexOf(':');
        const type = s.slice(0, first);
        const name = s.slice(first + 1, last);
        return { type, name, actions: grant(user, type, name, s.slice(last + 1).split(',')) };
      })
      .filter((a) => a.actions.length);
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = opts.expiresIn ?? 300;
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user ?? '', aud: service, exp: now + expiresIn, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), cert.key));
    const token = `${header}.${claims}.${signature}`;
    const field = api.field;
    const body: Record<string, unknown> = { expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() };
    if (field !== 'access_token') body.token = token;
    if (field !== 'token') body.access_token = token;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const api: TokenServer = {
    field: opts.field ?? 'token',
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    cert,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return api;
}
