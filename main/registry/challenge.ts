/** Challenge is one `WWW-Authenticate` challenge (RFC 7235 §4.1): a scheme and its auth-params. */
export interface Challenge {
  /** scheme in lower case: `basic`, `bearer`, … */
  scheme: string;
  /** params with lower-case names (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/** parseWwwAuthenticate reads every challenge from one or more `WWW-Authenticate` header values, e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"`. Malformed parts
 * are skipped rather than thrown: a registry's odd header must not hide the challenges we can use. */
export function parseWwwAuthenticate(values: string | string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of Array.isArray(values) ? values : [values]) parseOne(value, out);
  return out;
}

function parseOne(s: string, out: Challenge[]): void {
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string | null => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(s);
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string | null => {
    if (s[i] !== '"') return null;
    i++;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    if (s[i] !== '"') return null;
    i++;
    return v;
  };
  let current: Challenge | null = null;
  while (i < s.length) {
    skipSpace();
    if (s[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const name = token();
    if (name === null) {
      // Unreadable text: skip to the next comma.
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    skipSpace();
    if (s[i] === '=' && current) {
      i++;
      skipSpace();
      const v = quoted() ?? token() ?? '';
      current.params[name.toLowerCase()] = v;
      continue;
    }
    if (s[i] === '=' && !current) {
      i = start;
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    // A token not followed by '=' starts a new challenge (token68 forms are kept as `token68`).
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    skipSpace();
    const save = i;
    const t68 = /[A-Za-z0-9\-._~+/]+=*/y;
    t68.lastIndex = i;
    const m = t68.exec(s);
    if (m) {
      const after = i + m[0].length;
      let j = after;
      while (j < s.length && (s[j] === ' ' || s[j] === '\t')) j++;
      if (j >= s.length || s[j] === ',') {
        current.params.token68 = m[0];
        i = after;
        continue;
      }
    }
    i = save;
  }
}

/** Scope is a registry token scope (`repository:library/busybox:pull,push`), docs/spec/auth/scope.md. */
export interface ParsedScope {
  type: string;
  name: string;
  actions: string[];
}

/** repositoryScope builds `repository:NAME:ACTIONS`. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${[...actions].join(',')}`;
}

/** parseScope splits `type:name:actions`; the name may itself hold a colon (a registry with a port). */
export function parseScope(scope: string): ParsedScope | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

/** mergeScopes unions the actions of scopes naming the same resource and sorts the result, so equal sets of
 * rights give equal cache keys (`pull` then `push` widened to `pull,push`). Space-separated input is split. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, { type: string; name: string; actions: Set<string> }>();
  const opaque = new Set<string>();
  for (const raw of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const p = parseScope(raw);
    if (!p) {
      opaque.add(raw);
      continue;
    }
    const key = `${p.type}:${p.name}`;
    const entry = byResource.get(key) ?? { type: p.type, name: p.name, actions: new Set<string>() };
    for (const a of p.actions) entry.actions.add(a);
    byResource.set(key, entry);
  }
  const out = [...byResource.values()].map((e) => `${e.type}:${e.name}:${[...e.actions].sort().join(',')}`);
  return [...out, ...opaque].sort();
}

/** scopeCovers says whether granted scopes include every action of wanted. */
export function scopeCovers(granted: readonly string[], wanted: readonly string[]): boolean {
  const have = new Map<string, Set<string>>();
  for (const s of mergeScopes(granted)) {
    const p = parseScope(s);
    if (p) have.set(`${p.type}:${p.name}`, new Set(p.actions));
  }
  for (const s of mergeScopes(wanted)) {
    const p = parseScope(s);
    if (!p) continue;
    const h = have.get(`${p.type}:${p.name}`);
    if (!h || !p.actions.every((a) => h.has(a) || h.has('*'))) return false;
  }
  return true;
}
