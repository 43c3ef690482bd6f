/** Env is where the lexer looks variables up: a function (undefined = unset), a Map, or a plain record.
 * A name present with "" is SET but empty, which matters for ${VAR-x} versus ${VAR:-x}. */
export type Env =
  | ((name: string) => string | undefined)
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>;

/** lookupEnv reads one name from an Env; undefined means unset. */
export function lookupEnv(env: Env, name: string): string | undefined {
  if (typeof env === 'function') return env(name);
  if (env instanceof Map) return env.get(name);
  const record = env as Readonly<Record<string, string>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** envFromList builds an Env from `K=V` entries like BuildKit's EnvsFromSlice: split at the first `=`,
 * an entry without `=` sets the name to "", and the last entry for a name wins. */
export function envFromList(list: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of list) {
    const at = entry.indexOf('=');
    if (at === -1) env.set(entry, '');
    else env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return env;
}
