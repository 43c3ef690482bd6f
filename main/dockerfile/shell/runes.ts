// Rune-level helpers that mirror Go's text/scanner and unicode package, so the lexer walks a word
// the way BuildKit does (by Unicode code point, never by UTF-16 unit).

/** EOF is the scanner's end marker (Go's scanner.EOF); every real rune is a non-empty string. */
export const EOF = '';

/** toRunes splits text into code points; a lone surrogate becomes U+FFFD, as invalid UTF-8 does in Go. */
export function toRunes(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out.push(ch.length === 1 && c >= 0xd800 && c <= 0xdfff ? '\uFFFD' : ch);
  }
  return out;
}

/** RuneScanner is the Peek/Next subset of Go's text/scanner; like it, it skips a BOM at the very start. */
export class RuneScanner {
  private readonly runes: string[];
  private pos: number;

  constructor(text: string) {
    this.runes = toRunes(text);
    this.pos = this.runes[0] === '\uFEFF' ? 1 : 0;
  }

  /** peek returns the next rune without consuming it, or EOF. */
  peek(): string {
    return this.runes[this.pos] ?? EOF;
  }

  /** next consumes and returns the next rune, or EOF. */
  next(): string {
    const ch = this.runes[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
// Go's unicode.IsSpace: the Latin-1 spaces plus the White_Space property; unlike JS \s, not U+FEFF.
const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/** isLetter is Go's unicode.IsLetter (general category L). */
export function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

/** isDigit is Go's unicode.IsDigit (general category Nd). */
export function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** isSpace is Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}
