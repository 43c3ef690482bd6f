import { ExploreError } from './errors.ts';

/** A compiled path pattern: segments of a glob, `**` standing for any number of directories. */
export interface PathGlob {
  source: string;
  /** test says whether a root-relative path, or one of its parent directories, matches. */
  test(path: string): boolean;
}

type Tok = { t: 'star' } | { t: 'one' } | { t: 'ch'; c: string } | { t: 'set'; ranges: [string, string][]; negate: boolean };
type Seg = { kind: 'any' } | { kind: 'lit'; text: string } | { kind: 'glob'; toks: Tok[] };

/** compileGlob compiles a gitignore-like path pattern: `*` and `?` stay inside one name, `[a-z]` is a class,
 * `**` spans directories, a pattern without `/` matches a name at any depth, one with `/` is anchored at
 * the root (a leading `/` is optional). A directory that matches takes everything below it along.
 * Matching is a table over segments and a star-backtracking matcher inside names: at worst
 * pattern × path steps, whatever the renderer sends. */
export function compileGlob(pattern: string): PathGlob {
  const source = pattern.trim();
  let p = source.replace(/\/+$/, '');
  if (p === '' || p === '/' || p === '**') return { source, test: () => true };
  const anchored = p.includes('/');
  p = p.replace(/^\/+/, '');
  const segs: Seg[] = [];
  if (!anchored) segs.push({ kind: 'any' });
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '**') {
      if (segs[segs.length - 1]?.kind !== 'any') segs.push({ kind: 'any' });
    } else if (!/[*?[\\]/.test(part)) segs.push({ kind: 'lit', text: part });
    else segs.push({ kind: 'glob', toks: tokenize(part, source) });
  }
  const n = segs.length;
  // Two rows of the table, reused for every path (test runs for each of 100,000 files).
  const reach = new Uint8Array(n + 1);
  const next = new Uint8Array(n + 1);
  return {
    source,
    test(path: string): boolean {
      // reach[i]: the first i segments match the names consumed so far; `**` may match no name at all.
      reach.fill(0);
      reach[0] = 1;
      for (let i = 0; i < n && segs[i]?.kind === 'any'; i++) reach[i + 1] = 1;
      let start = 0;
      for (;;) {
        const end = path.indexOf('/', start);
        const name = end < 0 ? path.slice(start) : path.slice(start, end);
        next.fill(0);
        for (let i = 0; i < n; i++) {
          if (!reach[i]) continue;
          const s = segs[i] as Seg;
          if (s.kind === 'any') next[i] = 1;
          else if (s.kind === 'lit' ? s.text === name : matchName(s.toks, name)) next[i + 1] = 1;
        }
        for (let i = 0; i < n; i++) if (next[i] && segs[i]?.kind === 'any') next[i + 1] = 1;
        reach.set(next);
        // A match at this name means this directory matches, and so does everything below it.
        if (reach[n]) return true;
        if (end < 0) return false;
        start = end + 1;
      }
    },
  };
}

function tokenize(part: string, whole: string): Tok[] {
  const toks: Tok[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') {
      if (toks[toks.length - 1]?.t !== 'star') toks.push({ t: 'star' });
    } else if (c === '?') toks.push({ t: 'one' });
    else if (c === '\\') {
      const next = part[++i];
      if (next === undefined) throw new ExploreError('EXPLORE_BAD_PATTERN', `pattern "${whole}": a trailing "\\" escapes nothing`, { pattern: whole });
      toks.push({ t: 'ch', c: next });
    } else if (c === '[') {
      let j = i + 1;
      const negate = part[j] === '!' || part[j] === '^';
      if (negate) j++;
      const ranges: [string, string][] = [];
      let first = true;
      for (; j < part.length && (part[j] !== ']' || first); j++) {
        first = false;
        let lo = part[j] as string;
        if (lo === '\\' && j + 1 < part.length) lo = part[++j] as string;
        let hi = lo;
        if (part[j + 1] === '-' && j + 2 < part.length && part[j + 2] !== ']') {
          hi = part[j + 2] as string;
          if (hi === '\\' && j + 3 < part.length) hi = part[++j + 2] as string;
          j += 2;
        }
        if (hi < lo) throw new ExploreError('EXPLORE_BAD_PATTERN', `pattern "${whole}": range ${lo}-${hi} in "${part}" is backwards`, { pattern: whole });
        ranges.push([lo, hi]);
      }
      if (j >= part.length) throw new ExploreError('EXPLORE_BAD_PATTERN', `pattern "${whole}": "[" at column ${i + 1} of "${part}" has no closing "]"`, { pattern: whole });
      toks.push({ t: 'set', ranges, negate });
      i = j;
    } else toks.push({ t: 'ch', c });
  }
  return toks;
}

function matchOne(tok: Tok, c: string): boolean {
  if (tok.t === 'one') return true;
  if (tok.t === 'ch') return tok.c === c;
  if (tok.t === 'set') return tok.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== tok.negate;
  return false;
}

/** matchName is the classic wildcard matcher: on a mismatch, back up to the last star and let it eat one
 * more character. Worst case tokens × name length. */
function matchName(toks: Tok[], name: string): boolean {
  let t = 0;
  let s = 0;
  let starT = -1;
  let starS = 0;
  while (s < name.length) {
    const tok = toks[t];
    if (tok && tok.t === 'star') {
      starT = t++;
      starS = s;
    } else if (tok && matchOne(tok, name[s] as string)) {
      t++;
      s++;
    } else if (starT >= 0) {
      t = starT + 1;
      s = ++starS;
    } else return false;
  }
  while (toks[t]?.t === 'star') t++;
  return t === toks.length;
}
