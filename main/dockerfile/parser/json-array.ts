// Exec form: a JSON array of strings (BuildKit parseJSON in line_parsers.go).
import { trimLeftSpace } from './text.ts';

/** The result of reading exec form: the strings, or why it is not exec form. */
export type JsonArrayResult =
  | { kind: 'strings'; values: string[] }
  /** not JSON at all (or malformed): the caller falls back to the shell form */
  | { kind: 'not-json' }
  /** a well-formed JSON array with a non-string element: a hard error upstream */
  | { kind: 'not-strings' };

/** Message of BuildKit's errDockerfileNotStringArray. */
export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** hasOverflow finds numbers that overflowed to ±Infinity: Go's json rejects those with an
 * UnmarshalTypeError, which sends the line back to the shell form. Iterative: nesting is unbounded. */
function hasOverflow(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number' && !Number.isFinite(v)) return true;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return false;
}

/** parseJsonArray reads `rest` as a JSON array of strings, the way BuildKit's parseJSON does. */
export function parseJsonArray(rest: string): JsonArrayResult {
  const s = trimLeftSpace(rest);
  if (!s.startsWith('[')) return { kind: 'not-json' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return { kind: 'not-json' };
  }
  if (!Array.isArray(parsed) || hasOverflow(parsed)) return { kind: 'not-json' };
  const values: string[] = [];
  for (const v of parsed) {
    if (typeof v !== 'string') return { kind: 'not-strings' };
    // Go decodes an unpaired \uD800 escape as U+FFFD.
    values.push(v.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return { kind: 'strings', values };
}
