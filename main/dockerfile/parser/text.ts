// Go string helpers the parser needs to match BuildKit byte for byte on text.

/** isSpace is Go's unicode.IsSpace (all such runes are in the BMP, so a UTF-16 unit test is exact). */
export function isSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** trimLeftSpace is Go's strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i === 0 ? s : s.slice(i);
}

/** trimRightSpace is Go's strings.TrimRightFunc(s, unicode.IsSpace). */
export function trimRightSpace(s: string): string {
  let j = s.length;
  while (j > 0 && isSpace(s.charCodeAt(j - 1))) j--;
  return j === s.length ? s : s.slice(0, j);
}

/** trimSpace is Go's strings.TrimSpace. */
export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** trimNewline drops every trailing \r and \n (BuildKit trimNewline). */
export function trimNewline(s: string): string {
  let j = s.length;
  while (j > 0) {
    const c = s.charCodeAt(j - 1);
    if (c !== 0x0a && c !== 0x0d) break;
    j--;
  }
  return j === s.length ? s : s.slice(0, j);
}

function isTokenSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/** splitTokenWhitespace is Go's regexp `[\t\v\f\r ]+`.Split(s, n), quirks included (leading/trailing ""). */
export function splitTokenWhitespace(s: string, n: number): string[] {
  if (n === 0) return [];
  if (s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  let i = 0;
  while (i < s.length) {
    if (!isTokenSpace(s.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && isTokenSpace(s.charCodeAt(j))) j++;
    if (n > 0 && out.length === n - 1) break;
    end = i;
    out.push(s.slice(beg, end));
    beg = j;
    i = j;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/** lowerGo is Go's strings.ToLower: per-rune simple case mapping (no final-sigma rule, İ → i). */
export function lowerGo(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/** utf8Length is the UTF-8 byte length of s (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
