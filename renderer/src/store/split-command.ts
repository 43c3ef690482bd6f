/** splitCommand splits a command line into argv as a POSIX shell would for plain words: whitespace
 * separates, single quotes keep everything, double quotes keep all but \" and \\, a backslash escapes the
 * next character. No variables, globs or operators: the words go to the program as typed. */
export function splitCommand(text: string): { ok: true; argv: string[] } | { ok: false; error: string } {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  let quoteAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoteAt = i;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { ok: false, error: 'the command ends with a lone backslash' };
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `the ${quote === '"' ? 'double' : 'single'} quote at column ${quoteAt + 1} is not closed` };
  if (inWord) argv.push(word);
  return { ok: true, argv };
}

/** joinCommand writes argv back as a command line splitCommand reads the same (for the field's placeholder). */
export function joinCommand(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
