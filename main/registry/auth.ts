// The registry auth flow (distribution docs/spec/auth/token.md): learn the scheme from a 401's
// WWW-Authenticate, then send Basic credentials, or fetch a Bearer token from the realm for the scopes a
// request needs and cache it per scope set until it expires.
import type { Challenge } from './challenge.ts';
import { mergeScopes, parseWwwAuthenticate } from './challenge.ts';
import { describeIdentity, type Credential } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { checkOutboundUrl, type Endpoint } from './hosts.ts';
import { drain, headerAll, readBody, type HttpRequest, type HttpResponse } from './http.ts';

/** What a 401 told us, for the caller's next step. */
export interface UnauthorizedOutcome {
  /** retry: sending the request again with new authorization may succeed. */
  retry: boolean;
  /** insufficientScope: the token server gave a token without the rights asked for. */
  insufficientScope: boolean;
}

export interface AuthDeps {
  endpoint: Endpoint;
  /** credential returns the login to use (resolved once per RegistryAuth), or null for anonymous. */
  credential: () => Promise<Credential | null>;
  /** send is the raw transport (no auth, no retries). */
  send: (req: HttpRequest) => Promise<HttpResponse>;
  insecureRegistries: readonly string[];
  userAgent: string;
  /** now is the clock (tests move it). */
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** MIN_TOKEN_SECONDS is the lifetime assumed when a token server gives less or none (token.md says 60). */
const MIN_TOKEN_SECONDS = 60;
/** Tokens are renewed this long before they expire, so one does not run out mid-request. */
const EXPIRY_MARGIN_MS = 5_000;

/** RegistryAuth holds one registry's auth state: its scheme, the login, and the Bearer tokens per scope set. */
export class RegistryAuth {
  private scheme: 'none' | 'basic' | 'bearer' | null = null;
  private realm: URL | null = null;
  private service: string | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** In-flight token requests per scope set: parallel requests share one. */
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private credentialPromise: Promise<Credential | null> | null = null;
  /** firstContact settles once the first request of a logged-in session has had its answer handled. */
  private firstContact: Promise<void> | null = null;
  /** tokenRequests counts requests to the token server (tests check the cache with it). */
  tokenRequests = 0;

  constructor(private readonly deps: AuthDeps) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** credential is the login in use (looked up once). */
  credential(): Promise<Credential | null> {
    this.credentialPromise ??= this.deps.credential();
    return this.credentialPromise;
  }

  /** identity names the login for messages (`alice (from docker-credential-pass)`), or undefined if anonymous. */
  async identity(): Promise<string | undefined> {
    const c = await this.credential().catch(() => null);
    return c ? describeIdentity(c) : undefined;
  }

  /** turn orders the first requests of a session: while the scheme is unknown and a login is on file, the
   * first request learns it alone (one 401, not one per parallel request) and the others wait for its answer.
   * It returns the release to call once this request's answer is handled, or undefined. */
  async turn(): Promise<(() => void) | undefined> {
    if (this.scheme !== null) return undefined;
    if (this.firstContact) {
      await this.firstContact;
      return undefined;
    }
    let release!: () => void;
    this.firstContact = new Promise<void>((r) => (release = r));
    // Anonymous: nothing to send once the scheme is known, so nobody needs to wait.
    if (!(await this.credential().catch(() => null))) {
      release();
      return undefined;
    }
    return release;
  }

  /** authorization is the Authorization header for a request needing scopes, or undefined (anonymous, or
   * the scheme is not known yet: the first 401 teaches it). */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === 'basic') {
      const c = await this.credential();
      return c?.password !== undefined ? basicHeader(c.username, c.password) : undefined;
    }
    if (this.scheme === 'bearer') {
      const key = mergeScopes(scopes).join(' ');
      const cached = this.tokens.get(key);
      if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > this.now()) return `Bearer ${cached.token}`;
      let p = this.pending.get(key);
      if (!p) {
        p = this.fetchToken(mergeScopes(scopes)).finally(() => this.pending.delete(key));
        this.pending.set(key, p);
      }
      const fresh = await p;
      this.tokens.set(key, fresh);
      return `Bearer ${fresh.token}`;
    }
    return undefined;
  }

  /** onUnauthorized learns from a 401 and says whether a retry can help. `sent` is the Authorization we sent. */
  async onUnauthorized(res: HttpResponse, scopes: readonly string[], sent: string | undefined): Promise<UnauthorizedOutcome> {
    const challenges = parseWwwAuthenticate(headerAll(res, 'www-authenticate'));
    await drain(res);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) return this.learnBearer(bearer, scopes, sent);
    if (basic) {
      this.scheme = 'basic';
      // Our credentials were refused, or we have none to offer: a retry cannot help.
      if (sent?.startsWith('Basic ')) return { retry: false, insufficientScope: false };
      const c = await this.credential();
      return { retry: c?.password !== undefined, insufficientScope: false };
    }
    return { retry: false, insufficientScope: false };
  }

  private learnBearer(ch: Challenge, scopes: readonly string[], sent: string | undefined): UnauthorizedOutcome {
    const realmText = ch.params.realm;
    if (!realmText) throw new RegistryError('REGISTRY_PROTOCOL', `${this.deps.endpoint.registry} asked for a Bearer token without a realm`, { registry: this.deps.endpoint.registry });
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw new RegistryError('UNSAFE_AUTH_REALM', `${this.deps.endpoint.registry} gave a token realm that is not a URL`, { registry: this.deps.endpoint.registry });
    }
    checkOutboundUrl(realm, this.deps.endpoint, 'realm', this.deps.insecureRegistries);
    const changed = this.scheme !== 'bearer' || this.realm?.href !== realm.href || this.service !== ch.params.service;
    this.scheme = 'bearer';
    this.realm = realm;
    this.service = ch.params.service;
    if (changed) this.tokens.clear();
    const insufficientScope = ch.params.error === 'insufficient_scope';
    if (!sent?.startsWith('Bearer ')) return { retry: true, insufficientScope };
    // We sent a token and it was refused: drop it. A different scope in the challenge is worth one retry.
    const key = mergeScopes(scopes).join(' ');
    this.tokens.delete(key);
    const wanted = ch.params.scope ? mergeScopes([...scopes, ch.params.scope]) : mergeScopes(scopes);
    if (insufficientScope) return { retry: wanted.join(' ') !== key, insufficientScope };
    return { retry: true, insufficientScope };
  }

  /** fetchToken asks the realm for a token (token.md; OAuth2 refresh-token grant when the login is an identity token). */
  private async fetchToken(scopes: string[]): Promise<CachedToken> {
    const realm = this.realm!;
    const registry = this.deps.endpoint.registry;
    const c = await this.credential();
    const url = new URL(realm.href);
    const headers: Record<string, string> = { 'User-Agent': this.deps.userAgent, Accept: 'application/json' };
    let req: HttpRequest;
    if (c?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'strata' });
      if (this.service) form.set('service', this.service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      req = { method: 'POST', url, headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) };
    } else {
      if (this.service) url.searchParams.set('service', this.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (c?.username) url.searchParams.set('account', c.username);
      if (c?.password !== undefined) headers.Authorization = basicHeader(c.username, c.password);
      req = { method: 'GET', url, headers };
    }
    this.tokenRequests++;
    const res = await this.deps.send(req);
    if (res.status === 401 || res.status === 403) {
      await drain(res);
      const who = c ? describeIdentity(c) : undefined;
      throw new RegistryError(
        'UNAUTHORIZED',
        who
          ? `the auth server of ${registry} (${realm.host}) refused the credentials of ${who} (HTTP ${res.status}): log in again with \`strata login ${registry}\``
          : `the auth server of ${registry} (${realm.host}) wants a login (HTTP ${res.status}): run \`strata login ${registry}\``,
        { registry, status: res.status },
      );
    }
    if (res.status !== 200) {
      await drain(res);
      throw new RegistryError('REGISTRY_ERROR', `the auth server of ${registry} (${realm.host}) answered HTTP ${res.status} for a token${res.status >= 500 ? ': try again later' : ''}`, { registry, status: res.status });
    }
    let body: Buffer;
    try {
      body = await readBody(res, MAX_TOKEN_BYTES);
    } catch (e) {
      const tooBig = (e as { errno?: string }).errno === 'ETOOBIG';
      throw new RegistryError('REGISTRY_PROTOCOL', `the auth server of ${registry} (${realm.host}) ${tooBig ? `answered with more than ${MAX_TOKEN_BYTES} bytes for a token: stopped reading` : `broke off its answer (${(e as Error).message})`}`, { registry }, { cause: e });
    }
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      json = JSON.parse(body.toString('utf8')) as typeof json;
    } catch {
      throw new RegistryError('REGISTRY_PROTOCOL', `the auth server of ${registry} (${realm.host}) answered with something that is not JSON`, { registry });
    }
    const token = typeof json.token === 'string' && json.token ? json.token : typeof json.access_token === 'string' && json.access_token ? json.access_token : null;
    if (!token) throw new RegistryError('REGISTRY_PROTOCOL', `the auth server of ${registry} (${realm.host}) answered without a token`, { registry });
    const seconds = typeof json.expires_in === 'number' && json.expires_in > MIN_TOKEN_SECONDS ? json.expires_in : MIN_TOKEN_SECONDS;
    const issued = typeof json.issued_at === 'string' ? Date.parse(json.issued_at) : NaN;
    // A server clock far from ours must not make a fresh token look expired: trust issued_at only when close.
    const start = Number.isFinite(issued) && Math.abs(issued - this.now()) < 5 * 60_000 ? issued : this.now();
    return { token, expiresAt: start + seconds * 1000 };
  }
}

/** MAX_TOKEN_BYTES bounds a token answer (a hostile auth server cannot fill memory). */
const MAX_TOKEN_BYTES = 1 << 20;

/** basicHeader builds `Basic base64(user:password)`. */
export function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
