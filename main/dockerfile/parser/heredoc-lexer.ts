// The slice of BuildKit's shell lexer (shell/lex.go ProcessWords) that heredoc detection uses:
// escape token `\`, no environment, SkipUnsetEnv (so `$X` stays `$X`), optional RawQuotes and
// RawEscapes, and `<<` swallowing the blanks after it. Full word expansion lives in ../shell/.

import { goQuote } from './go-quote.ts';

const EOF = '';

/** Options of one lexing pass. */
export interface HeredocLexOptions {
  rawQuotes: boolean;
  rawEscapes: boolean;
}

/** LexFailure is a lexing error (unterminated quote, bad ${...}); internal to this module's callers. */
export class LexFailure extends Error {}

const DIGIT = /^\p{Nd}$/u;
const LETTER = /^\p{L}$/u;

function isUnicodeSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Word accumulator: wordsStruct in lex.go. */
class Words {
  private word = '';
  private inWord = false;
  readonly words: string[] = [];
  addChar(ch: string): void {
    if (isUnicodeSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else this.addRawChar(ch);
  }
  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }
  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  constructor(input: string, private readonly rawQuotes: boolean, rawEscapes: boolean) {
    this.chars = Array.from(input);
    if (this.chars[0] === '\uFEFF') this.pos = 1; // text/scanner skips a leading BOM
    this.rawEscapes = rawEscapes;
  }
  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }
  private next(): string {
    const ch = this.chars[this.pos] ?? EOF;
    if (ch !== EOF) this.pos++;
    return ch;
  }

  processStopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      while (this.peek() !== EOF) {
        let ch = this.peek();
        if (stop !== EOF && ch === stop) {
          this.next();
          return { result, words: words.finish() };
        }
        if (ch === '$' || ch === "'" || ch === '"' || ch === '<') {
          const tmp =
            ch === '$' ? this.processDollar() : ch === "'" ? this.processSingleQuote() : ch === '"' ? this.processDoubleQuote() : this.processPossibleHeredoc();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        ch = this.next();
        if (ch === '\\') {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += ch;
          }
          ch = this.next();
          if (ch === EOF) break;
          words.addRawChar(ch);
        } else words.addChar(ch);
        result += ch;
      }
      if (stop !== EOF) throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    let result = '';
    let ch = this.next();
    if (this.rawQuotes) result += ch;
    for (;;) {
      ch = this.next();
      if (ch === EOF) throw new LexFailure('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    let ch = this.next();
    if (this.rawQuotes) result += ch;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new LexFailure('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        ch = this.next();
        if (this.rawQuotes) result += ch;
        return result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      ch = this.next();
      if (ch === '\\') {
        if (this.rawEscapes) result += ch;
        const q = this.peek();
        if (q === EOF) continue; // ignore \ at end of word
        if (q === '"' || q === '$' || q === '\\') ch = this.next();
      }
      result += ch;
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      return name === '' ? '$' : '$' + name; // unset, and SkipUnsetEnv keeps it as written
    }
    this.next();
    const p = this.peek();
    if (p === EOF) throw new LexFailure("syntax error: missing '}'");
    if (p === '{' || p === '}' || p === ':') throw new LexFailure('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    let chs = ch === EOF ? '\uFFFD' : ch;
    if (ch === '}') return '${' + name + '}';
    if (ch === ':') {
      ch = this.next();
      chs += ch === EOF ? '\uFFFD' : ch;
    } else if (ch === '/') {
      if (this.peek() === '/') this.next();
      const pattern = this.subWord('/', true, "syntax error: missing '/' in ${}");
      const replacement = this.subWord('}', true, "syntax error: missing '}'");
      return '${' + name + '/' + pattern + '/' + replacement + '}';
    } else if (ch !== '+' && ch !== '-' && ch !== '?' && ch !== '#' && ch !== '%') {
      throw new LexFailure(`unsupported modifier (${chs}) in substitution`);
    }
    const word = this.subWord('}', ch === '#' || ch === '%', "syntax error: missing '}'");
    return '${' + name + chs + word + '}';
  }

  private subWord(stop: string, rawEscapes: boolean, atEof: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (err) {
      if (err instanceof LexFailure && this.peek() === EOF) throw new LexFailure(atEof);
      throw err;
    }
  }

  private processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === '' && DIGIT.test(ch)) {
        while (this.peek() !== EOF && DIGIT.test(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.next();
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    // Blanks after << belong to the same word, so `<<  EOF` stays one word.
    let space = '';
    while (this.peek() === ' ' || this.peek() === '\t') space += this.next();
    return '<<' + space;
  }
}

/** lexHeredocWords is ProcessWords(input) with the options above; throws LexFailure on a lexing error.
 * Deep `${...${...}}` nesting that exhausts the JS stack is reported as a LexFailure too. */
export function lexHeredocWords(input: string, opts: HeredocLexOptions): string[] {
  try {
    return new Lexer(input, opts.rawQuotes, opts.rawEscapes).processStopOn(EOF, opts.rawEscapes).words;
  } catch (err) {
    if (err instanceof LexFailure) throw new LexFailure(`failed to process ${goQuote(input)}: ${err.message}`);
    if (err instanceof RangeError) throw new LexFailure(`failed to process input: ${err.message}`);
    throw err;
  }
}
