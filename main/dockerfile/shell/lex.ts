// Dockerfile word expansion, a re-implementation of BuildKit's frontend/dockerfile/shell lexer: quotes,
// the escape token, $VAR and ${VAR...} forms, and shell-like field splitting for ProcessWords.
// It follows BuildKit's control flow closely because its quirks are observable in built images.
import { Env, lookupEnv } from './env.ts';
import { ShellExpansionError, goQuote } from './error.ts';
import { replacePattern, trimPrefix, trimSuffix } from './pattern.ts';
import { EOF, RuneScanner, isDigit, isLetter, isSpace, toRunes } from './runes.ts';

export { ShellExpansionError } from './error.ts';
export { envFromList, type Env } from './env.ts';

/** ShellLexOptions are BuildKit's Lex switches; all default to false (the Dockerfile default). */
export interface ShellLexOptions {
  /** Keep the quote characters in the result (BuildKit RawQuotes). */
  rawQuotes?: boolean;
  /** Keep escape tokens in the result (BuildKit RawEscapes). */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (BuildKit SkipProcessQuotes). */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written, e.g. `${FOO:-x}` (BuildKit SkipUnsetEnv). */
  skipUnsetEnv?: boolean;
}

/** WordMatches is ProcessWordWithMatches' answer: the expansion and which variable names it looked up,
 * split into those that were set (even to "") and those that were not. */
export interface WordMatches {
  result: string;
  matched: Set<string>;
  unmatched: Set<string>;
}

// Deeper ${…${…}…} nesting than this is refused rather than risking the JS stack (Go's stack grows).
const MAX_NESTING = 1000;

/** ShellLex expands Dockerfile words; escapeToken is `\` or the one set by `# escape=`. */
export class ShellLex {
  readonly escapeToken: string;
  private readonly options: Readonly<Required<ShellLexOptions>>;

  constructor(escapeToken = '\\', options: ShellLexOptions = {}) {
    if (toRunes(escapeToken).length !== 1) {
      throw new ShellExpansionError(`escape token must be one character, got ${goQuote(escapeToken)}`, {
        escapeToken,
      });
    }
    this.escapeToken = escapeToken;
    this.options = {
      rawQuotes: options.rawQuotes ?? false,
      rawEscapes: options.rawEscapes ?? false,
      skipProcessQuotes: options.skipProcessQuotes ?? false,
      skipUnsetEnv: options.skipUnsetEnv ?? false,
    };
  }

  /** processWord expands word into one string (BuildKit ProcessWord): no field splitting. */
  processWord(word: string, env: Env): string {
    return this.run(word, env).result;
  }

  /** processWords expands word and splits it into fields like a shell (BuildKit ProcessWords): unquoted
   * expansion results split on whitespace, quoted text does not. */
  processWords(word: string, env: Env): string[] {
    return this.run(word, env).words;
  }

  /** processWordWithMatches expands word into one string and reports the variable names it used. */
  processWordWithMatches(word: string, env: Env): WordMatches {
    const { result, matched, unmatched } = this.run(word, env);
    return { result, matched, unmatched };
  }

  private run(word: string, env: Env): WordMatches & { words: string[] } {
    const sw = new ShellWord(word, env, this.escapeToken, this.options);
    try {
      const { result, words } = sw.processStopOn(EOF, this.options.rawEscapes);
      return { result, words, matched: sw.matched, unmatched: sw.unmatched };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ShellExpansionError(`failed to process ${goQuote(word)}: ${reason}`, { word, reason });
    }
  }
}

function fail(message: string): never {
  throw new ShellExpansionError(message);
}

/** WordBuffer is the word being built; BuildKit shares one between nested scans (see processStopOn). */
interface WordBuffer {
  text: string;
}

/** Words does the field splitting of one scan (BuildKit wordsStruct). */
class Words {
  private readonly words: string[] = [];
  private inWord = false;

  constructor(private readonly buf: WordBuffer) {}

  addChar(ch: string): void {
    if (isSpace(ch) && this.inWord) {
      if (this.buf.text.length !== 0) {
        this.words.push(this.buf.text);
        this.buf.text = '';
        this.inWord = false;
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.buf.text += ch;
    this.inWord = true;
  }

  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRawString(text: string): void {
    this.buf.text += text;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.buf.text.length > 0) {
      this.words.push(this.buf.text);
      this.buf.text = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** ShellWord is the state of one expansion (BuildKit shellWord). */
class ShellWord {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly scanner: RuneScanner;
  private readonly wordBuffer: WordBuffer = { text: '' };
  private rawEscapes: boolean;
  private depth = 0;

  constructor(
    word: string,
    private readonly env: Env,
    private readonly escapeToken: string,
    private readonly options: Readonly<Required<ShellLexOptions>>,
  ) {
    this.scanner = new RuneScanner(word);
    this.rawEscapes = options.rawEscapes;
  }

  /** processStopOn scans until stopChar (consumed) or, for EOF, the end of the word. */
  processStopOn(stopChar: string, rawEscapes: boolean): { result: string; words: string[] } {
    if (++this.depth > MAX_NESTING) fail(`substitutions nested deeper than ${MAX_NESTING}`);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.scan(stopChar);
    } finally {
      this.rawEscapes = saved;
      this.depth--;
    }
  }

  private scan(stopChar: string): { result: string; words: string[] } {
    let result = '';
    // BuildKit resets one shared word buffer on every scan, nested ${…} ones included, so ProcessWords
    // drops unquoted text gathered before a ${VAR<op>…} in the same word. Kept: EXPOSE depends on it.
    this.wordBuffer.text = '';
    const words = new Words(this.wordBuffer);
    const quotes = !this.options.skipProcessQuotes;
    while (this.scanner.peek() !== EOF) {
      let ch = this.scanner.peek();
      if (stopChar !== EOF && ch === stopChar) {
        this.scanner.next();
        return { result, words: words.getWords() };
      }
      if (ch === '$') {
        const tmp = this.processDollar();
        result += tmp;
        words.addString(tmp);
      } else if (quotes && (ch === "'" || ch === '"')) {
        const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
        result += tmp;
        words.addRawString(tmp);
      } else {
        ch = this.scanner.next();
        if (ch === this.escapeToken) {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += ch;
          }
          // The escape token escapes the next rune; at the end of the word it vanishes.
          ch = this.scanner.next();
          if (ch === EOF) break;
          words.addRawChar(ch);
        } else {
          words.addChar(ch);
        }
        result += ch;
      }
    }
    if (stopChar !== EOF) fail(`unexpected end of statement while looking for matching ${stopChar}`);
    return { result, words: words.getWords() };
  }

  /** processSingleQuote: everything up to the next `'` is literal; there is no escape. */
  private processSingleQuote(): string {
    let result = '';
    let ch = this.scanner.next();
    if (this.options.rawQuotes) result += ch;
    for (;;) {
      ch = this.scanner.next();
      if (ch === EOF) fail('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.options.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  /** processDoubleQuote: literal except `$` expansions; the escape token only escapes `"`, `$` and itself. */
  private processDoubleQuote(): string {
    let result = '';
    const open = this.scanner.next();
    if (this.options.rawQuotes) result += open;
    for (;;) {
      const peek = this.scanner.peek();
      if (peek === EOF) fail('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        const close = this.scanner.next();
        if (this.options.rawQuotes) result += close;
        return result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.scanner.next();
      if (ch === this.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.scanner.peek();
        if (after === EOF) continue; // an escape at the very end is dropped (the quote is unclosed anyway)
        if (after === '"' || after === '$' || after === this.escapeToken) ch = this.scanner.next();
      }
      result += ch;
    }
  }

  /** processDollar expands `$NAME`, `${NAME}` and `${NAME<op>word}` at the scanner (which is on `$`). */
  private processDollar(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }

    this.scanner.next();
    const first = this.scanner.peek();
    if (first === EOF) fail("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') fail('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.scanner.next();
    // BuildKit reports a word ending here as an unsupported modifier (U+FFFD); say what is wrong instead.
    if (ch === EOF) fail("syntax error: missing '}'");
    let chs = ch;

    if (ch === '}') {
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `\${${name}}`;
      return value ?? '';
    }
    if (ch === '/') return this.processReplace(name);

    let nullIsUnset = false;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.scanner.next();
      chs += ch === EOF ? '\uFFFD' : ch;
    } else if (!'+-?#%'.includes(ch)) {
      fail(`unsupported modifier (${chs}) in substitution`);
    }

    const rawEscapes = ch === '#' || ch === '%';
    if (nullIsUnset && rawEscapes) fail(`unsupported modifier (${chs}) in substitution`);
    let word = this.scanUntil('}', rawEscapes, "syntax error: missing '}'");

    const value = this.getEnv(name);
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}${chs}${word}}`;
    const unsetOrNull = value === undefined || (nullIsUnset && value === '');

    switch (ch) {
      case '-':
        return unsetOrNull ? word : (value ?? '');
      case '+':
        return unsetOrNull ? '' : word;
      case '?':
        if (value === undefined) fail(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') fail(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case '%':
      case '#': {
        // One `%`/`#` removes the shortest match, two the longest.
        const greedy = word.startsWith(ch);
        if (greedy) word = word.slice(1);
        return ch === '%' ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
      }
      default:
        return fail(`unsupported modifier (${chs}) in substitution`);
    }
  }

  /** processReplace is `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`. */
  private processReplace(name: string): string {
    const all = this.scanner.peek() === '/';
    if (all) this.scanner.next();
    const pattern = this.scanUntil('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.scanUntil('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    // BuildKit writes one `/` back even for `//`.
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    return replacePattern(value ?? '', pattern, replacement, all);
  }

  /** scanUntil scans a nested word up to stop; any failure that ran into the end of input becomes atEnd. */
  private scanUntil(stop: string, rawEscapes: boolean, atEnd: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (err) {
      if (this.scanner.peek() === EOF) fail(atEnd);
      throw err;
    }
  }

  /** processName reads a name: a run of digits, one special parameter (@ * # ? - $ ! 0), or
   * letters/digits/underscores. */
  private processName(): string {
    let name = '';
    while (this.scanner.peek() !== EOF) {
      const ch = this.scanner.peek();
      if (name === '' && isDigit(ch)) {
        while (this.scanner.peek() !== EOF && isDigit(this.scanner.peek())) name += this.scanner.next();
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.scanner.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.scanner.next();
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const value = lookupEnv(this.env, name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }
}
