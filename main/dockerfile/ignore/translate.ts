// patternmatcher's Pattern.compile: turns one cleaned glob into a match strategy, and for real globs
// into a Go regexp string. Kept byte-for-byte faithful (compileTests pin these strings), including its
// quirks: user `[...]` and `\x` pass into the regexp untouched, and a leading BOM is skipped.

import { toRunes } from './go-text.ts';

/** MatchType is patternmatcher's matchType, named as in Go. */
export type MatchType = 'exactMatch' | 'prefixMatch' | 'suffixMatch' | 'regexpMatch';

/** Translation is the chosen strategy plus the Go regexp source (empty unless regexpMatch). */
export interface Translation {
  matchType: MatchType;
  regexp: string;
}

// Go's escapeBytes is meant to cover `.+()|{}$`, but its bitmap shift overflows a byte for runes of
// 64 and up, so `|`, `{` and `}` are never escaped: Docker passes them into the regexp as operators.
const SHOULD_ESCAPE = new Set(['.', '+', '(', ')', '$']);

/** translateGlob is Pattern.compile(sl) for a cleaned pattern; sl is the path separator ("/" or "\\"). */
export function translateGlob(cleaned: string, sl: '/' | '\\' = '/'): Translation {
  const runes = toRunes(cleaned).map((c) => String.fromCodePoint(c));
  let k = runes[0] === '\uFEFF' ? 1 : 0; // text/scanner drops one leading byte-order mark
  const escSL = sl === '\\' ? '\\\\' : sl;
  let re = '^';
  let type: MatchType = 'exactMatch';
  for (let i = 0; k < runes.length; i++) {
    const ch = runes[k++]!;
    if (ch === '*') {
      if (runes[k] === '*') {
        k++;
        if (runes[k] === sl) k++; // treat `**/` as `**`
        if (k >= runes.length) {
          // `**` at the end: gitignore-style "everything below"
          if (type === 'exactMatch') type = 'prefixMatch';
          else {
            re += '.*';
            type = 'regexpMatch';
          }
        } else {
          re += `(.*${escSL})?`;
          type = 'regexpMatch';
        }
        if (i === 0) type = 'suffixMatch';
      } else {
        re += `[^${escSL}]*`;
        type = 'regexpMatch';
      }
    } else if (ch === '?') {
      re += `[^${escSL}]`;
      type = 'regexpMatch';
    } else if (SHOULD_ESCAPE.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (sl === '\\') {
        re += escSL; // Windows: a backslash is the separator, never an escape
        continue;
      }
      if (k < runes.length) {
        re += '\\' + runes[k++]!;
        type = 'regexpMatch';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      type = 'regexpMatch';
    } else {
      re += ch;
    }
  }
  if (type !== 'regexpMatch') return { matchType: type, regexp: '' };
  return { matchType: type, regexp: re + '$' };
}
