// Heredocs (`RUN <<EOF`, `COPY <<a <<b /dst`): detection on the instruction line and the word rules
// of BuildKit's ParseHeredoc / heredocsFromLine / ChompHeredocContent.
import { LexFailure, lexHeredocWords } from './heredoc-lexer.ts';

/** One heredoc attached to an instruction. `content` is the raw body, each line with its newline. */
export interface Heredoc {
  name: string;
  /** the digit before `<<` (`3<<EOF`), 0 when absent */
  fileDescriptor: number;
  /** false when any part of the delimiter word was quoted: the body is taken literally */
  expand: boolean;
  /** `<<-`: the terminator may be indented with tabs; apply chompHeredocContent to the body */
  chomp: boolean;
  content: string;
}

/** The instructions whose shell-form line may open heredocs (ONBUILD is checked through its child). */
export const HEREDOC_KEYWORDS: ReadonlySet<string> = new Set(['ADD', 'COPY', 'RUN']);

const MAX_UINT64 = 18446744073709551615n;

function isAsciiDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isReSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** matchHeredocWord is `^(\d*)<<(-?)\s*([^<]*)$` by hand (linear time). */
function matchHeredocWord(src: string): { fd: string; chomp: boolean; rest: string } | null {
  let i = 0;
  while (i < src.length && isAsciiDigit(src.charCodeAt(i))) i++;
  const fd = src.slice(0, i);
  if (!src.startsWith('<<', i)) return null;
  i += 2;
  const chomp = src.charAt(i) === '-';
  if (chomp) i++;
  while (i < src.length && isReSpace(src.charCodeAt(i))) i++;
  const rest = src.slice(i);
  return rest.includes('<') ? null : { fd, chomp, rest };
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x27) n++;
  }
  return n;
}

/** parseFd is strconv.ParseUint(fd, 10, 0) with the error ignored: "" → 0, overflow → max uint64. */
function parseFd(fd: string): number {
  if (fd === '') return 0;
  const v = BigInt(fd);
  return Number(v > MAX_UINT64 ? MAX_UINT64 : v);
}

/** parseHeredoc reads one word such as `<<EOF`, `3<<-'EOF'`; null when it is not a heredoc word.
 * Throws LexFailure when the delimiter cannot be lexed (e.g. `<<'EOF`). The delimiter is lexed with
 * and without raw quotes: a different number of quotes means part of it was quoted (no expansion). */
export function parseHeredoc(src: string): Omit<Heredoc, 'content'> | null {
  const m = matchHeredocWord(src);
  if (!m || m.rest === '') return null;
  const words = lexHeredocWords(m.rest, { rawQuotes: false, rawEscapes: false });
  if (words.length !== 1) return null;
  const raw = lexHeredocWords(m.rest, { rawQuotes: true, rawEscapes: false });
  if (raw.length !== 1) throw new LexFailure(`internal lexing of heredoc produced inconsistent results: ${m.rest}`);
  const name = words[0] ?? '';
  return {
    name,
    fileDescriptor: parseFd(m.fd),
    expand: countQuotes(name) === countQuotes(raw[0] ?? ''),
    chomp: m.chomp,
  };
}

/** heredocsFromLine lexes a whole instruction line (quotes, escapes and `$X` kept as written) and
 * returns the heredoc words in order; a line that does not lex has none. */
export function heredocsFromLine(line: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = lexHeredocWords(line, { rawQuotes: true, rawEscapes: true });
  } catch {
    return [];
  }
  const docs: Omit<Heredoc, 'content'>[] = [];
  for (const w of words) {
    const h = parseHeredoc(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** chompHeredocContent removes the leading tabs of every line (`<<-` bodies); lines split on \n only,
 * as Go's `(?m)^` does (a JS /m regexp would also split on \r, U+2028 and U+2029). */
export function chompHeredocContent(src: string): string {
  return src
    .split('\n')
    .map((line) => line.replace(/^\t+/, ''))
    .join('\n');
}
