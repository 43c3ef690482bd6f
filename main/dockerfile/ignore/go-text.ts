// Go standard-library string helpers that .dockerignore handling depends on, ported for Unix paths.

/** GO_SPACE holds the runes Go's unicode.IsSpace accepts (strings.TrimSpace trims exactly these). */
const GO_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** goTrimSpace is strings.TrimSpace: unlike String.prototype.trim it keeps U+FEFF and trims U+0085. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && GO_SPACE.has(s.charCodeAt(start))) start++;
  while (end > start && GO_SPACE.has(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** goCleanPath is path/filepath.Clean on Unix: lexical `.`/`..` and duplicate-slash removal. */
export function goCleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined === '' ? '.' : joined;
}

/** goDirPath is path/filepath.Dir on Unix: everything before the last slash, cleaned. */
export function goDirPath(p: string): string {
  const i = p.lastIndexOf('/');
  return goCleanPath(p.slice(0, i + 1));
}

/** toRunes splits text into code points; a lone surrogate becomes U+FFFD, as invalid UTF-8 does in Go. */
export function toRunes(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0xfffd;
    out.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
  return out;
}
