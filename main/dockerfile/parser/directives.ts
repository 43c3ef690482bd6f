// Parser directives (`# syntax=`, `# escape=`, `# check=`) and the escape token they set
// (BuildKit parser/directives.go and setEscapeToken in parser.go).
import { LineError } from './errors.ts';
import { trimLeftSpace } from './text.ts';

export type DirectiveName = 'syntax' | 'escape' | 'check';

/** One accepted directive, with its 1-based line. */
export interface Directive {
  name: DirectiveName;
  value: string;
  line: number;
}

/** The directives found at the top of a Dockerfile; `list` keeps their order. */
export interface ParsedDirectives {
  syntax?: string;
  escape?: string;
  check?: string;
  list: Directive[];
}

const VALID: ReadonlySet<string> = new Set(['syntax', 'escape', 'check']);

/** Go regexp `\s`: ASCII only, without \v. */
function isReSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || (c >= 0x30 && c <= 0x39);
}

/** matchDirective is `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` written by hand (no backtracking). */
export function matchDirective(s: string): { key: string; value: string } | null {
  if (s.length === 0 || !isAlpha(s.charCodeAt(0))) return null;
  let i = 1;
  while (i < s.length && isAlnum(s.charCodeAt(i))) i++;
  const key = s.slice(0, i);
  while (i < s.length && isReSpace(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 0x3d) return null;
  i++;
  for (let k = i; k < s.length; k++) if (s.charCodeAt(k) === 0x0a) return null; // `.` never matches \n
  let end = s.length;
  while (end > i && isReSpace(s.charCodeAt(end - 1))) end--;
  let start = i;
  while (start < end && isReSpace(s.charCodeAt(start))) start++;
  if (start < end) return { key, value: s.slice(start, end) };
  // Only whitespace after '=': the lazy `.+?` takes the last character.
  if (s.length > i) return { key, value: s.slice(s.length - 1) };
  return null;
}

/** DirectiveParser accepts directives until the first line that is not one (BuildKit DirectiveParser). */
export class DirectiveParser {
  private done = false;
  private readonly seen = new Set<string>();

  /** parseLine returns the directive on this line, null if none; throws LineError on a repeated one. */
  parseLine(line: string, lineNo: number): Directive | null {
    if (this.done) return null;
    if (!line.startsWith('#')) {
      this.done = true;
      return null;
    }
    const m = matchDirective(trimLeftSpace(line.slice(1)));
    const key = m?.key.toLowerCase();
    if (!m || key === undefined || !VALID.has(key)) {
      this.done = true;
      return null;
    }
    if (this.seen.has(key)) throw new LineError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    return { name: key as DirectiveName, value: m.value, line: lineNo };
  }
}

/** Directives is the per-parse state: the escape token and the directives seen so far. */
export class Directives {
  escapeToken = '\\';
  private readonly parser = new DirectiveParser();
  readonly parsed: ParsedDirectives = { list: [] };

  /** setEscapeToken accepts only ` and \ (BuildKit setEscapeToken). */
  setEscapeToken(s: string): void {
    if (s !== '`' && s !== '\\') throw new LineError(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
  }

  /** possibleDirective records a directive on this (already trimmed) line; true when it was one. */
  possibleDirective(line: string, lineNo: number): boolean {
    const d = this.parser.parseLine(line, lineNo);
    if (!d) return false;
    if (d.name === 'escape') this.setEscapeToken(d.value);
    this.parsed.list.push(d);
    this.parsed[d.name] = d.value;
    return true;
  }

  /** trimContinuation strips a trailing escape token (plus spaces/tabs) unless it is itself escaped.
   * Same as BuildKit's `([^E])E[ \t]*$|^E[ \t]*$` replaced by `$1`; eol is false when the line continues. */
  trimContinuation(line: string): { line: string; eol: boolean } {
    let end = line.length;
    while (end > 0) {
      const c = line.charCodeAt(end - 1);
      if (c !== 0x20 && c !== 0x09) break;
      end--;
    }
    if (end === 0 || line[end - 1] !== this.escapeToken) return { line, eol: true };
    if (end === 1) return { line: '', eol: false };
    if (line[end - 2] === this.escapeToken) return { line, eol: true };
    return { line: line.slice(0, end - 1), eol: false };
  }
}
