// `docker login` / `docker logout`: check the credentials against the registry (GET /v2/ with them, through
// Basic or the token flow), then keep them where docker keeps them (a credential helper, else config.json).
import { RegistryClient, type RegistryOptions } from './client.ts';
import { DockerConfigCredentials, staticCredentials, type CredentialEntry, type CredentialSource, type CredentialStore, type DockerConfigOptions } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { normalizeRegistry } from './hosts.ts';

export interface LoginOptions extends Omit<RegistryOptions, 'credentials'> {
  /** store keeps the login (default: docker's config.json or its credential helper). */
  store?: CredentialStore;
  /** verify: false saves without asking the registry (default true). */
  verify?: boolean;
}

export interface LoginResult {
  registry: string;
  username: string;
  /** source says where the login was saved (never the secret). */
  source: CredentialSource;
}

function storeOf(opts: { store?: CredentialStore; dockerConfig?: DockerConfigOptions }): CredentialStore {
  return opts.store ?? new DockerConfigCredentials(opts.dockerConfig);
}

/** login checks username/password against the registry and saves them, as docker login does. */
export async function login(registry: string, username: string, password: string, opts: LoginOptions = {}): Promise<LoginResult> {
  const domain = normalizeRegistry(registry);
  if (!username) throw new RegistryError('UNAUTHORIZED', `login to ${domain}: a username is needed`, { registry: domain });
  if (!password) throw new RegistryError('UNAUTHORIZED', `login to ${domain} as ${username}: a password (or token) is needed`, { registry: domain });
  if (opts.verify !== false) {
    const client = new RegistryClient(domain, { ...opts, credentials: staticCredentials(domain, username, password) });
    try {
      await client.ping('login');
    } catch (e) {
      if (e instanceof RegistryError && (e.code === 'UNAUTHORIZED' || e.code === 'DENIED')) {
        throw new RegistryError('UNAUTHORIZED', `login to ${domain} as ${username} failed${e.status ? ` (HTTP ${e.status})` : ''}: the username or password is wrong`, { registry: domain, ...(e.status ? { status: e.status } : {}) }, { cause: e });
      }
      throw e;
    }
  }
  const source = await storeOf(opts).save(domain, username, password);
  return { registry: domain, username, source };
}

/** logout removes a saved login for a registry; removed is false when there was none. */
export async function logout(registry: string, opts: { store?: CredentialStore; dockerConfig?: DockerConfigOptions } = {}): Promise<{ registry: string; removed: boolean; source: CredentialSource | null }> {
  const domain = normalizeRegistry(registry);
  const r = await storeOf(opts).erase(domain);
  return { registry: domain, ...r };
}

/** listCredentials names every saved login and where it comes from (usernames only, never secrets). */
export async function listCredentials(opts: { store?: CredentialStore; dockerConfig?: DockerConfigOptions } = {}): Promise<CredentialEntry[]> {
  return storeOf(opts).list();
}
