// "did you mean …?" hints, as BuildKit's util/suggest adds them to unknown instructions, flags and keys.

/** levenshtein is the edit distance between two strings, by code point. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

/** suggest finds the option closest to val (distance below 3), or null; an exact match means the
 * error is unrelated to the value, so no hint (BuildKit suggest.Search). Options are tried in order. */
export function suggest(val: string, options: readonly string[], caseSensitive: boolean): string | null {
  const v = caseSensitive ? val : val.toLowerCase();
  let match: string | null = null;
  let minDist = 3;
  for (const option of options) {
    const o = caseSensitive ? option : option.toLowerCase();
    if (o === v) return null;
    const d = levenshtein(v, o);
    if (d < minDist) {
      match = caseSensitive ? o : matchCase(o, val);
      minDist = d;
    }
  }
  return match;
}

/** withSuggestion appends ` (did you mean X?)` to message when an option is close to val. */
export function withSuggestion(message: string, val: string, options: readonly string[], caseSensitive: boolean): string {
  const match = suggest(val, options, caseSensitive);
  return match === null ? message : `${message} (did you mean ${match}?)`;
}
