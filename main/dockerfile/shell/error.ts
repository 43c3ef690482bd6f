import { StrataError } from '../../util/errors.ts';

/** ShellExpansionError reports a Dockerfile word that could not be expanded: bad `${}` syntax, an unclosed
 * quote, a `${VAR?msg}` whose variable is unset, or an invalid `#`/`%`/`/` pattern. */
export class ShellExpansionError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SHELL_EXPANSION', message, details);
  }
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
};

/** goQuote renders text like Go's strconv.Quote, so messages read exactly as BuildKit's `%q` does. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (NAMED_ESCAPES[ch] !== undefined) out += NAMED_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}
