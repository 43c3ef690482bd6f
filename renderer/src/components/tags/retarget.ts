// Names for the same image in another registry, from its full normalized name (docker.io/library/app:1).

/** splitReference cuts a full normalized name into registry, repository path and tag (or digest suffix). */
export function splitReference(normalized: string): { registry: string; path: string; suffix: string } {
  const slash = normalized.indexOf('/');
  const registry = slash < 0 ? 'docker.io' : normalized.slice(0, slash);
  const rest = slash < 0 ? normalized : normalized.slice(slash + 1);
  const at = rest.indexOf('@');
  const nameEnd = at >= 0 ? at : rest.lastIndexOf(':');
  return nameEnd >= 0 ? { registry, path: rest.slice(0, nameEnd), suffix: rest.slice(nameEnd) } : { registry, path: rest, suffix: ':latest' };
}

/** retarget names the image in another registry as docker users write it: the same repository and tag
 * under the new host, without Docker Hub's `library/` prefix (docker.io/library/app:1 → host:5000/app:1). */
export function retarget(normalized: string, registry: string): string {
  const { registry: from, path, suffix } = splitReference(normalized);
  const repo = from === 'docker.io' && registry !== 'docker.io' ? path.replace(/^library\//, '') : path;
  const tag = suffix.startsWith('@') ? ':latest' : suffix;
  return `${registry}/${repo}${tag}`;
}

/** registryOf is the registry part of a full normalized name. */
export function registryOf(normalized: string): string {
  return splitReference(normalized).registry;
}

/** knownRegistries lists registries worth offering: logged-in ones first, then those the store's names use. */
export function knownRegistries(loggedIn: readonly string[], references: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of [...loggedIn, ...references.map(registryOf), 'docker.io']) if (r && !out.includes(r)) out.push(r);
  return out;
}
