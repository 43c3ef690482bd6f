// The registry global-setup starts: the CNCF docker-registry with one htpasswd user, on 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const REGISTRY_USER = 'strata-e2e';
/** A fixed test password: the registry lives only as long as the suite, on loopback. */
export const REGISTRY_PASSWORD = 'e2e-secret-7d1c';

/** e2eRegistry is the registry's host (127.0.0.1:PORT) and the DOCKER_CONFIG folder the server logs in to. */
export function e2eRegistry(): { host: string; dockerConfig: string } {
  const host = process.env.STRATA_E2E_REGISTRY;
  const dockerConfig = process.env.DOCKER_CONFIG;
  if (!host || !dockerConfig) throw new Error('STRATA_E2E_REGISTRY/DOCKER_CONFIG unset: run through e2e/playwright.config.ts (its global setup starts the registry)');
  return { host, dockerConfig };
}

/** dockerConfigAuths lists the registries the e2e DOCKER_CONFIG holds a login for. */
export async function dockerConfigAuths(): Promise<string[]> {
  try {
    const cfg = JSON.parse(await readFile(join(e2eRegistry().dockerConfig, 'config.json'), 'utf8')) as { auths?: Record<string, unknown> };
    return Object.keys(cfg.auths ?? {});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** registryTags asks the registry itself (as the e2e user) which tags a repository has. */
export async function registryTags(repository: string): Promise<string[]> {
  const res = await fetch(`http://${e2eRegistry().host}/v2/${repository}/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}` },
  });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`tags/list of ${repository}: HTTP ${res.status}`);
  return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
}
