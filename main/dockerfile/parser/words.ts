// parseWords: BuildKit's word splitter for ENV/LABEL/ARG. Quotes and escapes stay in the words;
// the shell lexer removes them later.
import { isSpace } from './text.ts';

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

/** parseWords splits rest on Unicode whitespace outside quotes, keeping quotes and escapes. */
export function parseWords(rest: string, escapeToken = '\\'): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  const n = chars.length;
  let phase = IN_SPACES;
  let quote = '';
  let blankOK = false;
  let word = '';
  for (let pos = 0; pos <= n; pos++) {
    let ch = pos < n ? (chars[pos] ?? '') : '';
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch.charCodeAt(0))) continue;
      phase = IN_WORD;
    }
    if (pos === n) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch.charCodeAt(0))) {
        phase = IN_SPACES;
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
      }
      if (ch === escapeToken) {
        if (pos + 1 === n) continue; // an escape at the very end is dropped
        // Outside quotes the escape and the next character are kept together, even a quote.
        word += ch;
        pos++;
        ch = chars[pos] ?? '';
      }
      word += ch;
      continue;
    }
    // IN_QUOTE
    if (ch === quote) phase = IN_WORD;
    // The escape token means nothing inside single quotes.
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === n) {
        phase = IN_WORD;
        continue;
      }
      pos++;
      word += ch;
      ch = chars[pos] ?? '';
    }
    word += ch;
  }
  return words;
}
