import { StrataError } from '../../util/errors.ts';

/** IgnorePatternError reports a `.dockerignore` pattern Docker would reject: a lone `!`, a glob that Go's
 * filepath.Match refuses, a pattern whose regexp translation does not compile, or an unreadable line.
 * `details.reason` carries the exact upstream error text (e.g. "syntax error in pattern"). */
export class IgnorePatternError extends StrataError {
  constructor(reason: string, where: { pattern: string; line?: number | undefined }) {
    const at = where.line !== undefined ? `.dockerignore line ${where.line}: ` : '';
    super('IGNORE_PATTERN', `${at}invalid pattern ${JSON.stringify(where.pattern)}: ${reason}`, {
      pattern: where.pattern,
      ...(where.line !== undefined ? { line: where.line } : {}),
      reason,
    });
  }

  /** reason is the upstream error text, e.g. "syntax error in pattern" for filepath.ErrBadPattern. */
  get reason(): string {
    return String(this.details?.reason ?? '');
  }
}

/** ERR_BAD_PATTERN is the text of Go's filepath.ErrBadPattern, which patternmatcher returns for bad globs. */
export const ERR_BAD_PATTERN = 'syntax error in pattern';
