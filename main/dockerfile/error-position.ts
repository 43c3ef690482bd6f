// Where in the Dockerfile an error points: the errors of the parser, the instruction parsers and the build
// carry a line; this places the column on it (the offending word when the message names one, else the
// instruction's first character) and keeps the source line so every door can show it.
import { StrataError } from '../util/errors.ts';

/** ErrorPosition is what placeError adds to an error's details. */
export interface ErrorPosition {
  file: string;
  line: number;
  /** 1-based, in characters of the source line */
  column: number;
  /** the source line as written (capped), for a caret under the column */
  sourceLine: string;
}

const MAX_SOURCE_LINE = 240;

/** candidates are the words of a message that may be written on the line: quoted names, flags, variables,
 * and the word after "unknown instruction:". Longest first, so `--mount=type=x` wins over `x`. */
function candidates(reason: string): string[] {
  const out = new Set<string>();
  for (const m of reason.matchAll(/unknown instruction: (\S+)/gi)) out.add(m[1]!);
  for (const m of reason.matchAll(/"([^"\n]{1,200})"|'([^'\n]{1,200})'/g)) out.add((m[1] ?? m[2])!);
  for (const m of reason.matchAll(/(--[a-z][a-z0-9-]*)/gi)) out.add(m[1]!);
  for (const m of reason.matchAll(/(\$\{[^}\n]{1,200}\}|\$[A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1]!);
  return [...out].filter((c) => c.trim().length > 0).sort((a, b) => b.length - a.length);
}

/** columnOf finds where on the source line an error points (1-based). */
export function columnOf(sourceLine: string, reason: string): number {
  for (const c of candidates(reason)) {
    const i = sourceLine.indexOf(c);
    if (i >= 0) return i + 1;
  }
  const first = sourceLine.search(/\S/);
  return first >= 0 ? first + 1 : 1;
}

/** placeError fills in file, column and source line of a Dockerfile error (any StrataError whose details
 * carry a `line`) from the Dockerfile's text. Other errors are left alone. Returns the error. */
export function placeError<E>(err: E, text: string, file = 'Dockerfile'): E {
  if (!(err instanceof StrataError) || !err.details) return err;
  const d = err.details as Record<string, unknown>;
  const line = d.line;
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 1) return err;
  const lines = text.split(/\r?\n/);
  const src = lines[line - 1];
  if (src === undefined) return err;
  // An error of another text (an ONBUILD trigger of the base image) is not placed on this one.
  if (typeof d.file === 'string' && d.file !== file) return err;
  d.file = file;
  const reason = typeof d.reason === 'string' ? d.reason : err.message.replace(/^[^:]*:\d+: /, '');
  if (typeof d.column !== 'number') d.column = columnOf(src, reason);
  d.sourceLine = src.length > MAX_SOURCE_LINE ? src.slice(0, MAX_SOURCE_LINE) + '…' : src;
  return err;
}

/** formatErrorPosition renders the place of an error as a compiler does: `--> file:line:col`, the source
 * line and a caret. Empty when the error carries no position. */
export function formatErrorPosition(details: Record<string, unknown> | undefined): string {
  if (!details || typeof details.line !== 'number' || typeof details.column !== 'number' || typeof details.sourceLine !== 'string') return '';
  const file = typeof details.file === 'string' ? details.file : 'Dockerfile';
  const n = String(details.line);
  const pad = ' '.repeat(n.length);
  // Tabs keep their width in the caret line so the caret lands under the right character.
  const lead = details.sourceLine.slice(0, details.column - 1).replace(/[^\t]/g, ' ');
  return ` ${pad}--> ${file}:${details.line}:${details.column}\n ${n} | ${details.sourceLine}\n ${pad} | ${lead}^\n`;
}
