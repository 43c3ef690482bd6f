// moby/patternmatcher/ignorefile.ReadAll: `.dockerignore` text to the pattern list given to the matcher.

import { IgnorePatternError } from './ignore-error.ts';
import { goCleanPath, goTrimSpace } from './go-text.ts';

/** IgnoreEntry is one pattern with the 1-based `.dockerignore` line it came from. */
export interface IgnoreEntry {
  pattern: string;
  line: number;
}

// bufio.Scanner's default token limit: a line of this many bytes (without "\n") aborts ReadAll.
const MAX_LINE_BYTES = 64 * 1024;

/** splitLines is bufio.ScanLines: split on "\n", drop one trailing "\r", no empty token at the end. */
function splitLines(content: string | Uint8Array): string[] {
  const lines: string[] = [];
  const tooLong = (n: number, text: string): never => {
    throw new IgnorePatternError('error reading .dockerignore: bufio.Scanner: token too long', { pattern: text.slice(0, 64) + '…', line: n });
  };
  if (typeof content === 'string') {
    const parts = content.split('\n');
    if (parts[parts.length - 1] === '') parts.pop();
    parts.forEach((line, i) => {
      if (line.length >= MAX_LINE_BYTES / 3 && Buffer.byteLength(line, 'utf8') >= MAX_LINE_BYTES) tooLong(i + 1, line);
      lines.push(line);
    });
  } else {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let start = 0;
    while (start < content.length) {
      let end = content.indexOf(0x0a, start);
      const last = end < 0;
      if (last) end = content.length;
      const line = decoder.decode(content.subarray(start, end));
      if (end - start >= MAX_LINE_BYTES) tooLong(lines.length + 1, line);
      lines.push(line);
      start = last ? end : end + 1;
    }
  }
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** readIgnoreEntries is ignorefile.ReadAll keeping line numbers: a BOM is stripped from line 1, lines
 * starting with `#` are comments (checked before trimming), the rest is trimmed, `!` split off and
 * re-trimmed, then Clean'ed with one leading `/` removed. A lone `!` is kept; the matcher rejects it. */
export function readIgnoreEntries(content: string | Uint8Array | null | undefined): IgnoreEntry[] {
  if (content === null || content === undefined) return [];
  const out: IgnoreEntry[] = [];
  splitLines(content).forEach((text, index) => {
    let pattern = index === 0 && text.startsWith('\uFEFF') ? text.slice(1) : text;
    if (pattern.startsWith('#')) return;
    pattern = goTrimSpace(pattern);
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goCleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    if (invert) pattern = '!' + pattern;
    out.push({ pattern, line: index + 1 });
  });
  return out;
}

/** readIgnoreFile is ignorefile.ReadAll: the pattern list, ready for `new PatternMatcher(...)`. */
export function readIgnoreFile(content: string | Uint8Array | null | undefined): string[] {
  return readIgnoreEntries(content).map((e) => e.pattern);
}
