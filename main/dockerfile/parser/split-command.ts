// splitCommand / extractBuilderFlags (BuildKit parser/split_command.go): keyword, leading --flags, rest.
import { isSpace, splitTokenWhitespace, trimSpace } from './text.ts';

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

/** extractBuilderFlags takes the leading `--flag` words (quotes removed, `\` escapes applied, a lone
 * `--` ends them) and returns the rest of the line. Upstream walks bytes; we walk UTF-16 units, which
 * only differs for non-ASCII text inside flags (Go splits inside multi-byte runes there). */
export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const words: string[] = [];
  const n = line.length;
  let phase = IN_SPACES;
  let word = '';
  let quote = '';
  let blankOK = false;
  for (let pos = 0; pos <= n; pos++) {
    let ch = pos < n ? line.charAt(pos) : '';
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch.charCodeAt(0))) continue;
      // Only keep going while the next word starts with --
      if (ch !== '-' || pos + 1 === n || line.charAt(pos + 1) !== '-') return { rest: line.slice(pos), flags: words };
      phase = IN_WORD;
    }
    if (pos === n) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch.charCodeAt(0))) {
        phase = IN_SPACES;
        if (word === '--') return { rest: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === '\\') {
        if (pos + 1 === n) continue; // a \ at the end is dropped
        pos++;
        ch = line.charAt(pos);
      }
      word += ch;
      continue;
    }
    // IN_QUOTE
    if (ch === quote) {
      phase = IN_WORD;
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === n) {
        phase = IN_WORD;
        continue;
      }
      pos++;
      ch = line.charAt(pos);
    }
    word += ch;
  }
  return { rest: '', flags: words };
}

/** splitCommand splits a logical line into the keyword as written, its builder flags and the trimmed rest. */
export function splitCommand(line: string): { cmd: string; flags: string[]; args: string } {
  const parts = splitTokenWhitespace(trimSpace(line), 2);
  const cmd = parts[0] ?? '';
  if (parts.length < 2) return { cmd, flags: [], args: '' };
  const { rest, flags } = extractBuilderFlags(parts[1] ?? '');
  return { cmd, flags, args: trimSpace(rest) };
}
