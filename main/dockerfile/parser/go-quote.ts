// Go strconv.Quote, the quoting of BuildKit's Node.Dump(): not JSON (NUL is \x00, U+00A0 is \u00a0).

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const HEX = '0123456789abcdef';

function hex(n: number, width: number): string {
  let s = '';
  for (let shift = (width - 1) * 4; shift >= 0; shift -= 4) s += HEX[(n >> shift) & 0xf];
  return s;
}

/** isGoPrint is strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isGoPrint(cp: number, ch: string): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return PRINTABLE.test(ch);
}

/** goQuote is Go's strconv.Quote(s). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (isGoPrint(cp, ch)) out += ch;
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate: print the bytes of its WTF-8 form, as Go prints invalid UTF-8.
      out += '\\xed\\x' + hex(0x80 | ((cp >> 6) & 0x3f), 2) + '\\x' + hex(0x80 | (cp & 0x3f), 2);
    } else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + '"';
}

/** goQuoteSlice is fmt.Sprintf("%q", []string{...}): `["a" "b"]`. */
export function goQuoteSlice(items: readonly string[]): string {
  return '[' + items.map(goQuote).join(' ') + ']';
}
