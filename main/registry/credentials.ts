// Credentials as docker keeps them (docker/cli cli/config): ~/.docker/config.json `auths` (base64
// user:password), `credHelpers` per registry and a default `credsStore`, both run as `docker-credential-NAME`
// with the server URL on stdin. A user's existing `docker login` just works.
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { tempName } from '../util/fs-atomic.ts';
import { RegistryError } from './errors.ts';
import { DOCKER_HUB_CONFIG_KEY, normalizeRegistry } from './hosts.ts';

/** CredentialSource says where a credential lives (shown by `listCredentials`, never the secret). */
export type CredentialSource =
  | { kind: 'docker-config'; path: string }
  | { kind: 'credential-helper'; helper: string; path: string }
  | { kind: 'explicit' }
  | { kind: 'custom'; name: string };

/** Credential is a username with a password, or an identity (refresh) token as `docker login` may store. */
export interface Credential {
  username: string;
  password?: string;
  identityToken?: string;
  source: CredentialSource;
}

/** CredentialEntry is one saved login, as listCredentials shows it. */
export interface CredentialEntry {
  registry: string;
  username: string | null;
  source: CredentialSource;
}

/** CredentialStore is where logins are kept: docker's config by default; the app may plug in its own
 * (Electron safeStorage) with the same four calls. */
export interface CredentialStore {
  get(registry: string): Promise<Credential | null>;
  save(registry: string, username: string, secret: string): Promise<CredentialSource>;
  erase(registry: string): Promise<{ removed: boolean; source: CredentialSource | null }>;
  list(): Promise<CredentialEntry[]>;
}

export interface DockerConfigOptions {
  /** configPath overrides $DOCKER_CONFIG/config.json and ~/.docker/config.json. */
  configPath?: string;
  /** env is the environment for helper programs (PATH) and for finding the config. */
  env?: NodeJS.ProcessEnv;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

/** DockerConfigFile is the part of config.json we read and write; unknown fields are kept as they are. */
export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

/** dockerConfigPath is where docker keeps config.json: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigPath(opts: DockerConfigOptions = {}): string {
  if (opts.configPath) return opts.configPath;
  const env = opts.env ?? process.env;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/** readDockerConfig reads config.json ({} when there is none). */
export async function readDockerConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RegistryError('DOCKER_CONFIG_INVALID', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
  if (!text.trim()) return {};
  try {
    const json = JSON.parse(text) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object');
    return json as DockerConfigFile;
  } catch (e) {
    throw new RegistryError('DOCKER_CONFIG_INVALID', `${path} is not valid JSON (${(e as Error).message}): fix or remove it`, { path });
  }
}

/** configKey is the key docker uses for a registry in `auths` and helpers (Docker Hub's is its v1 URL). */
export function configKey(registry: string): string {
  const r = normalizeRegistry(registry);
  return r === 'docker.io' ? DOCKER_HUB_CONFIG_KEY : r;
}

/** keyRegistry maps a config key (`https://index.docker.io/v1/`, `http://host:5000`) to its registry, or null. */
function keyRegistry(key: string): string | null {
  try {
    return normalizeRegistry(key);
  } catch {
    return null;
  }
}

function decodeAuth(entry: AuthEntry): { username: string; password: string } | null {
  if (typeof entry.auth === 'string' && entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\0+$/, '') };
    return null;
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return null;
}

/** helperFor says which credential helper docker would ask for a registry: credHelpers, then credsStore. */
export function helperFor(config: DockerConfigFile, registry: string): string | null {
  const r = normalizeRegistry(registry);
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (keyRegistry(key) === r && helper) return helper;
  }
  return config.credsStore || null;
}

/** runCredentialHelper runs `docker-credential-NAME ACTION` with input on stdin and returns stdout.
 * Its stdout may hold a secret: it is never put into an error. */
export function runCredentialHelper(helper: string, action: 'get' | 'store' | 'erase' | 'list', input: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    return Promise.reject(new RegistryError('CREDENTIAL_HELPER', `credential helper name "${helper}" is not valid`, { helper }));
  }
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new RegistryError('CREDENTIAL_HELPER', missing ? `credential helper ${program} is not installed (named in docker's config): install it, or remove it from the config` : `credential helper ${program} failed to start: ${e.message}`, { helper }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => {
      /* the helper may exit before reading */
    });
    child.stdin.end(input);
  });
}

function helperFailure(helper: string, action: string, stderr: string, stdout: string): RegistryError {
  // Helpers print their message on stdout or stderr; keep one line and nothing that could be a secret.
  const line = (stderr.trim() || stdout.trim()).split('\n')[0]?.slice(0, 160) ?? '';
  return new RegistryError('CREDENTIAL_HELPER', `docker-credential-${helper} ${action} failed${line ? `: ${line}` : ''}`, { helper, action });
}

const NOT_FOUND = /credentials not found|not found in native keychain|no credentials/i;

/** DockerConfigCredentials reads and writes logins exactly where docker does. */
export class DockerConfigCredentials implements CredentialStore {
  readonly path: string;
  private readonly env: NodeJS.ProcessEnv;
  constructor(opts: DockerConfigOptions = {}) {
    this.path = dockerConfigPath(opts);
    this.env = opts.env ?? process.env;
  }

  /** get finds the credential for a registry: its helper if one is configured, else `auths`. */
  async get(registry: string): Promise<Credential | null> {
    const config = await readDockerConfig(this.path);
    const r = normalizeRegistry(registry);
    const helper = helperFor(config, r);
    if (helper) {
      const res = await runCredentialHelper(helper, 'get', configKey(r), this.env);
      if (res.code !== 0) {
        if (NOT_FOUND.test(res.stdout + res.stderr)) return this.fromAuths(config, r);
        throw helperFailure(helper, 'get', res.stderr, res.stdout);
      }
      let parsed: { Username?: unknown; Secret?: unknown };
      try {
        parsed = JSON.parse(res.stdout) as typeof parsed;
      } catch {
        throw new RegistryError('CREDENTIAL_HELPER', `docker-credential-${helper} get printed something that is not JSON`, { helper });
      }
      if (typeof parsed.Secret !== 'string' || !parsed.Secret) return this.fromAuths(config, r);
      const source: CredentialSource = { kind: 'credential-helper', helper, path: this.path };
      const username = typeof parsed.Username === 'string' ? parsed.Username : '';
      // docker stores identity tokens with the username "<token>".
      if (username === '<token>') return { username: '', identityToken: parsed.Secret, source };
      return { username, password: parsed.Secret, source };
    }
    return this.fromAuths(config, r);
  }

  private fromAuths(config: DockerConfigFile, registry: string): Credential | null {
    for (const [key, entry] of Object.entries(config.auths ?? {})) {
      if (keyRegistry(key) !== registry || !entry || typeof entry !== 'object') continue;
      const source: CredentialSource = { kind: 'docker-config', path: this.path };
      const pair = decodeAuth(entry);
      if (typeof entry.identitytoken === 'string' && entry.identitytoken) {
        return { username: pair?.username ?? '', identityToken: entry.identitytoken, source };
      }
      if (pair) return { ...pair, source };
    }
    return null;
  }

  /** save stores a login as `docker login` does: in the registry's helper, else base64 in `auths`. */
  async save(registry: string, username: string, secret: string): Promise<CredentialSource> {
    const config = await readDockerConfig(this.path);
    const r = normalizeRegistry(registry);
    const key = configKey(r);
    const helper = helperFor(config, r);
    if (helper) {
      const res = await runCredentialHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: secret }), this.env);
      if (res.code !== 0) throw helperFailure(helper, 'store', res.stderr, res.stdout);
      // docker keeps an empty entry in auths so `docker info`/logout know a login exists.
      config.auths = { ...(config.auths ?? {}), [key]: {} };
      await this.write(config);
      return { kind: 'credential-helper', helper, path: this.path };
    }
    const auths = { ...(config.auths ?? {}) };
    for (const k of Object.keys(auths)) if (keyRegistry(k) === r) delete auths[k];
    auths[key] = { auth: Buffer.from(`${username}:${secret}`).toString('base64') };
    config.auths = auths;
    await this.write(config);
    return { kind: 'docker-config', path: this.path };
  }

  /** erase removes a login from the helper and from `auths`. */
  async erase(registry: string): Promise<{ removed: boolean; source: CredentialSource | null }> {
    const config = await readDockerConfig(this.path);
    const r = normalizeRegistry(registry);
    const helper = helperFor(config, r);
    let removed = false;
    let source: CredentialSource | null = null;
    if (helper) {
      const res = await runCredentialHelper(helper, 'erase', configKey(r), this.env);
      if (res.code === 0) {
        removed = true;
        source = { kind: 'credential-helper', helper, path: this.path };
      } else if (!NOT_FOUND.test(res.stdout + res.stderr)) {
        throw helperFailure(helper, 'erase', res.stderr, res.stdout);
      }
    }
    const auths = { ...(config.auths ?? {}) };
    for (const k of Object.keys(auths)) {
      if (keyRegistry(k) !== r) continue;
      const hadSecret = !!decodeAuth(auths[k] ?? {}) || !!auths[k]?.identitytoken;
      delete auths[k];
      if (hadSecret || !helper) {
        removed = true;
        source ??= { kind: 'docker-config', path: this.path };
      }
    }
    if (config.auths && Object.keys(auths).length !== Object.keys(config.auths).length) {
      config.auths = auths;
      await this.write(config);
    }
    return { removed, source };
  }

  /** list names every saved login and where it lives (usernames only). */
  async list(): Promise<CredentialEntry[]> {
    const config = await readDockerConfig(this.path);
    const out = new Map<string, CredentialEntry>();
    for (const [key, entry] of Object.entries(config.auths ?? {})) {
      const r = keyRegistry(key);
      if (!r || !entry) continue;
      const pair = decodeAuth(entry);
      if (pair || entry.identitytoken) out.set(r, { registry: r, username: pair?.username ?? null, source: { kind: 'docker-config', path: this.path } });
    }
    const helpers = new Set<string>(Object.values(config.credHelpers ?? {}));
    if (config.credsStore) helpers.add(config.credsStore);
    for (const helper of helpers) {
      let listed: Record<string, string> = {};
      try {
        const res = await runCredentialHelper(helper, 'list', '', this.env);
        if (res.code === 0) listed = JSON.parse(res.stdout || '{}') as Record<string, string>;
      } catch {
        continue; // a missing helper lists nothing; get() reports it when it matters
      }
      for (const [url, username] of Object.entries(listed)) {
        const r = keyRegistry(url);
        if (!r || helperFor(config, r) !== helper) continue;
        out.set(r, { registry: r, username: typeof username === 'string' ? username : null, source: { kind: 'credential-helper', helper, path: this.path } });
      }
    }
    return [...out.values()].sort((a, b) => a.registry.localeCompare(b.registry));
  }

  private async write(config: DockerConfigFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // config.json may hold base64 passwords: created 0600 (never briefly wider), then renamed into place.
    const tmp = tempName(dirname(this.path), 'config.json');
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(config, null, '\t') + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}

/** staticCredentials is a store holding one explicit login (tests, `--creds`), saving nothing. */
export function staticCredentials(registry: string, username: string, password: string): CredentialStore {
  const r = normalizeRegistry(registry);
  const source: CredentialSource = { kind: 'explicit' };
  return {
    get: async (reg) => (normalizeRegistry(reg) === r ? { username, password, source } : null),
    save: async () => source,
    erase: async () => ({ removed: false, source: null }),
    list: async () => [{ registry: r, username, source }],
  };
}

/** describeIdentity names a credential and its origin for messages (`alice (from ~/.docker/config.json)`). */
export function describeIdentity(c: Credential): string {
  const who = c.username || 'an identity token';
  switch (c.source.kind) {
    case 'docker-config':
      return `${who} (from ${c.source.path})`;
    case 'credential-helper':
      return `${who} (from docker-credential-${c.source.helper})`;
    case 'custom':
      return `${who} (from ${c.source.name})`;
    default:
      return who;
  }
}
