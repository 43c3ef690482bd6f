// Go's path/filepath.Match (Unix rules), which patternmatcher.New calls as `Match(p, ".")` purely to
// reject malformed globs. Ported over code points; Go walks bytes, which only matters for matching
// non-ASCII names mid-rune, never for the syntax verdict this module exists for.

const SEP = 0x2f; // '/'
const STAR = 0x2a;
const QUESTION = 0x3f;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const BACKSLASH = 0x5c;
const CARET = 0x5e;
const DASH = 0x2d;

/** GlobResult is Match's (matched, err) pair; `bad` stands for filepath.ErrBadPattern. */
export interface GlobResult {
  matched: boolean;
  bad: boolean;
}

/** codePoints keeps lone surrogates as-is, so a class can reject them like Go rejects invalid UTF-8. */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) ?? 0);
  return out;
}

function isLone(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

interface Chunk {
  star: boolean;
  start: number;
  end: number;
}

/** scanChunk splits off leading stars and the run up to the next unbracketed star. */
function scanChunk(p: number[], from: number): Chunk {
  let i = from;
  let star = false;
  while (i < p.length && p[i] === STAR) {
    i++;
    star = true;
  }
  const start = i;
  let inrange = false;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case BACKSLASH:
        if (i + 1 < p.length) i++;
        break;
      case LBRACKET:
        inrange = true;
        break;
      case RBRACKET:
        inrange = false;
        break;
      case STAR:
        if (!inrange) break scan;
        break;
    }
  }
  return { star, start, end: i };
}

interface Esc {
  r: number;
  next: number;
  bad: boolean;
}

/** getEsc reads one possibly escaped class character; `-`, `]` or the chunk end there are errors. */
function getEsc(p: number[], at: number, end: number): Esc {
  let i = at;
  if (i >= end || p[i] === DASH || p[i] === RBRACKET) return { r: 0, next: i, bad: true };
  if (p[i] === BACKSLASH) {
    i++;
    if (i >= end) return { r: 0, next: i, bad: true };
  }
  const r = p[i] ?? 0;
  i++;
  return { r, next: i, bad: isLone(r) || i >= end };
}

interface ChunkResult {
  rest: number;
  ok: boolean;
  bad: boolean;
}

/** matchChunk matches one chunk at s[si:]; after a mismatch it keeps scanning to validate the chunk. */
function matchChunk(p: number[], c0: number, end: number, s: number[], si0: number): ChunkResult {
  let failed = false;
  let c = c0;
  let si = si0;
  while (c < end) {
    if (!failed && si >= s.length) failed = true;
    const pc = p[c];
    if (pc === LBRACKET) {
      let r = 0;
      if (!failed) r = s[si++] ?? 0;
      c++;
      let negated = false;
      if (c < end && p[c] === CARET) {
        negated = true;
        c++;
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (c < end && p[c] === RBRACKET && nrange > 0) {
          c++;
          break;
        }
        const lo = getEsc(p, c, end);
        if (lo.bad) return { rest: 0, ok: false, bad: true };
        c = lo.next;
        let hi = lo.r;
        if (p[c] === DASH) {
          const h = getEsc(p, c + 1, end);
          if (h.bad) return { rest: 0, ok: false, bad: true };
          c = h.next;
          hi = h.r;
        }
        if (lo.r <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (pc === QUESTION) {
      if (!failed) {
        if (s[si] === SEP) failed = true;
        si++;
      }
      c++;
    } else {
      if (pc === BACKSLASH) {
        c++;
        if (c >= end) return { rest: 0, ok: false, bad: true };
      }
      if (!failed) {
        if (p[c] !== s[si]) failed = true;
        si++;
      }
      c++;
    }
  }
  return failed ? { rest: 0, ok: false, bad: false } : { rest: si, ok: true, bad: false };
}

/** goFilepathMatch is filepath.Match(pattern, name) on Unix: `*`, `?`, `[...]`, `\` escapes. */
export function goFilepathMatch(pattern: string, name: string): GlobResult {
  const p = codePoints(pattern);
  const s = codePoints(name);
  let pi = 0;
  let si = 0;
  outer: while (pi < p.length) {
    const ch = scanChunk(p, pi);
    pi = ch.end;
    if (ch.star && ch.start === ch.end) {
      // A trailing star matches the rest of the name unless it holds a separator.
      return { matched: !s.slice(si).includes(SEP), bad: false };
    }
    const m = matchChunk(p, ch.start, ch.end, s, si);
    if (m.ok && (m.rest === s.length || pi < p.length)) {
      si = m.rest;
      continue;
    }
    if (m.bad) return { matched: false, bad: true };
    if (ch.star) {
      for (let i = si; i < s.length && s[i] !== SEP; i++) {
        const t = matchChunk(p, ch.start, ch.end, s, i + 1);
        if (t.ok) {
          if (pi >= p.length && t.rest < s.length) continue;
          si = t.rest;
          continue outer;
        }
        if (t.bad) return { matched: false, bad: true };
      }
    }
    // Before answering "no match", make sure the rest of the pattern is well-formed.
    while (pi < p.length) {
      const rest = scanChunk(p, pi);
      pi = rest.end;
      if (matchChunk(p, rest.start, rest.end, [], 0).bad) return { matched: false, bad: true };
    }
    return { matched: false, bad: false };
  }
  return { matched: si === s.length, bad: false };
}
