// Shell patterns for ${VAR#pat} ${VAR%pat} ${VAR/pat/repl}, matched as BuildKit does: `*` is any run,
// `?` one rune, `\*` `\?` `\\` literals, `\}` `\/` drop the backslash, no bracket expressions, and (since
// BuildKit compiles to a Go regexp) neither `*` nor `?` crosses a newline. Instead of a backtracking JS
// RegExp (exponential on `*a*a*a…`), a column DP gives RE2's leftmost-first answer in O(pattern × text).
import { ShellExpansionError } from './error.ts';
import { EOF, RuneScanner, isDigit, isLetter } from './runes.ts';

type Token = { kind: 'lit'; rune: string } | { kind: 'any' } | { kind: 'star' };

/** compileShellPattern turns a pattern into tokens; a backslash before anything but * ? \ } / is an error. */
export function compileShellPattern(pattern: string): Token[] {
  const s = new RuneScanner(pattern);
  const tokens: Token[] = [];
  for (let tok = s.next(); tok !== EOF; tok = s.next()) {
    if (tok === '*') tokens.push({ kind: 'star' });
    else if (tok === '?') tokens.push({ kind: 'any' });
    else if (tok === '\\') {
      // `}` and `/` must be escaped inside ${}, but the escape is not part of the pattern.
      if (s.peek() === '}' || s.peek() === '/') continue;
      const escaped = s.next();
      if (escaped !== '*' && escaped !== '?' && escaped !== '\\') {
        throw new ShellExpansionError(`invalid escape '\\${escaped === EOF ? '\uFFFD' : escaped}'`);
      }
      tokens.push({ kind: 'lit', rune: escaped });
    } else tokens.push({ kind: 'lit', rune: tok });
  }
  return tokens;
}

/** matchEnds returns, for every start position in text (in runes), where the preferred match ends, or -1.
 * Stars are greedy or lazy as asked; the result is the match a backtracking engine would find first. */
function matchEnds(tokens: Token[], text: string[], greedy: boolean): Int32Array {
  const p = tokens.length;
  const t = text.length;
  // Lone surrogates compare as U+FFFD, as invalid UTF-8 decodes to RuneError in Go.
  const runes = text.map((r) => (r.length === 1 && r >= '\ud800' && r <= '\udfff' ? '\uFFFD' : r));
  const ends = new Int32Array(t + 1);
  let next = new Int32Array(p + 1); // column ti+1
  let cur = new Int32Array(p + 1); // column ti
  for (let ti = t; ti >= 0; ti--) {
    const ch = ti < t ? runes[ti] : undefined;
    const canStep = ch !== undefined && ch !== '\n';
    cur[p] = ti;
    for (let pi = p - 1; pi >= 0; pi--) {
      const tok = tokens[pi] as Token;
      if (tok.kind === 'lit') cur[pi] = ch !== undefined && ch === tok.rune ? (next[pi + 1] as number) : -1;
      else if (tok.kind === 'any') cur[pi] = canStep ? (next[pi + 1] as number) : -1;
      else {
        const more = canStep ? (next[pi] as number) : -1; // the star takes one more rune
        const done = cur[pi + 1] as number; // the star stops here
        cur[pi] = greedy ? (more !== -1 ? more : done) : done !== -1 ? done : more;
      }
    }
    ends[ti] = cur[0] as number;
    [next, cur] = [cur, next];
  }
  return ends;
}

function patternError(pattern: string, err: unknown): never {
  const why = err instanceof Error ? err.message : String(err);
  throw new ShellExpansionError(`invalid pattern (${pattern}) in substitution: ${why}`);
}

function compileOrFail(pattern: string): Token[] {
  try {
    return compileShellPattern(pattern);
  } catch (err) {
    return patternError(pattern, err);
  }
}

/** trimPrefix removes the shortest (or, greedy, longest) prefix of value matching pattern: ${VAR#pat}. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const tokens = compileOrFail(pattern);
  const text = Array.from(value);
  const end = matchEnds(tokens, text, greedy)[0] as number;
  return end === -1 ? value : text.slice(end).join('');
}

/** reversePattern reverses a pattern rune by rune but keeps each `\x` escape pair in order (a\*c → c\*a). */
export function reversePattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i] as string;
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = runes[i + 1] as string;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

function reverseString(text: string): string {
  return Array.from(text).reverse().join('');
}

/** trimSuffix removes the shortest (or longest) suffix matching pattern: ${VAR%pat}. Like BuildKit, it
 * reverses pattern and value and trims a prefix, so a pattern error names the reversed pattern. */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/** expandTemplate is Go's Regexp.Expand for a regexp without groups: `$$` is `$`, `$0`/`${0}` the match,
 * any other well-formed `$name`/`${name}` is empty, a malformed `$` stays literal. */
export function expandTemplate(template: string, match: string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at === -1) break;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractRef(rest);
    if (ref === null) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    if (ref.num === 0) out += match;
  }
  return out + rest;
}

function extractRef(str: string): { num: number; rest: string } | null {
  let s = str;
  const brace = s.startsWith('{');
  if (brace) s = s.slice(1);
  let i = 0;
  for (const ch of s) {
    if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
    i += ch.length;
  }
  if (i === 0) return null;
  const name = s.slice(0, i);
  if (brace) {
    if (s[i] !== '}') return null;
    i++;
  }
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 0x30 || c > 0x39 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 0x30);
  }
  if (name[0] === '0' && name.length > 1) num = -1;
  return { num, rest: s.slice(i) };
}

/** replacePattern is ${VAR/pat/repl} (first match, replacement literal) and ${VAR//pat/repl} (every match,
 * with Go's ReplaceAllString rules: `$` references expanded, an empty match right after a match skipped). */
export function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const tokens = compileOrFail(pattern);
  const text = Array.from(value);
  const ends = matchEnds(tokens, text, true);
  const t = text.length;
  // offset[i]: UTF-16 index of rune i, so slices keep the value's exact text.
  const offset = new Int32Array(t + 1);
  for (let i = 0; i < t; i++) offset[i + 1] = (offset[i] as number) + (text[i] as string).length;
  const cut = (from: number, to: number): string => value.slice(offset[from], offset[to]);
  // firstStart[i]: the leftmost start >= i that has a match, or -1.
  const firstStart = new Int32Array(t + 2).fill(-1);
  for (let i = t; i >= 0; i--) firstStart[i] = (ends[i] as number) !== -1 ? i : (firstStart[i + 1] as number);
  if (!all) {
    const a0 = firstStart[0] as number;
    if (a0 === -1) return value;
    return cut(0, a0) + replacement + cut(ends[a0] as number, t);
  }
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= t) {
    const a0 = firstStart[searchPos] as number;
    if (a0 === -1) break;
    const a1 = ends[a0] as number;
    out += cut(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += expandTemplate(replacement, cut(a0, a1));
    lastMatchEnd = a1;
    const width = searchPos < t ? 1 : 0;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + cut(lastMatchEnd, t);
}
