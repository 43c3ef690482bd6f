// moby/patternmatcher for Unix paths: the `.dockerignore` semantics BuildKit and the Docker CLI use.
// Patterns are compiled lazily, as upstream does, so a pattern whose regexp is invalid only fails when
// it is first evaluated (and fails the same way every time).

import { ERR_BAD_PATTERN, IgnorePatternError } from './ignore-error.ts';
import { goFilepathMatch } from './glob-syntax.ts';
import { goCleanPath, goDirPath, goTrimSpace, toRunes } from './go-text.ts';
import { compileRe2, type Re2Program } from './re2.ts';
import { translateGlob, type MatchType } from './translate.ts';

/** PatternSource is a raw pattern, optionally tagged with its `.dockerignore` line for error messages. */
export type PatternSource = string | { pattern: string; line?: number | undefined };

type Matcher = (path: string) => boolean;

/** Pattern is one cleaned pattern (patternmatcher.Pattern): String() is the cleaned text without `!`. */
export class Pattern {
  /** dirs is the cleaned pattern split on `/` (used by the deprecated single-parent Matches). */
  readonly dirs: readonly string[];
  private compiled: { matchType: MatchType; matcher: Matcher } | IgnorePatternError | undefined;

  constructor(
    readonly cleanedPattern: string,
    readonly exclusion: boolean,
    /** source is the pattern as written, and line its `.dockerignore` line when known. */
    readonly source: string,
    readonly line?: number,
  ) {
    this.dirs = cleanedPattern.split('/');
  }

  /** toString is the cleaned pattern, as Go's Pattern.String(). */
  toString(): string {
    return this.cleanedPattern;
  }

  /** matchType is the strategy compile chose (compiling on first use); throws if it cannot compile. */
  matchType(): MatchType {
    return this.compile().matchType;
  }

  /** match tests one slash path against this pattern alone; throws IgnorePatternError on a bad regexp. */
  match(path: string): boolean {
    return this.compile().matcher(path);
  }

  private compile(): { matchType: MatchType; matcher: Matcher } {
    if (this.compiled === undefined) this.compiled = this.build();
    if (this.compiled instanceof IgnorePatternError) throw this.compiled;
    return this.compiled;
  }

  private build(): { matchType: MatchType; matcher: Matcher } | IgnorePatternError {
    const p = this.cleanedPattern;
    const { matchType, regexp } = translateGlob(p);
    switch (matchType) {
      case 'exactMatch':
        return { matchType, matcher: (path) => path === p };
      case 'prefixMatch': {
        const prefix = p.slice(0, -2); // strip the trailing `**`
        return { matchType, matcher: (path) => path.startsWith(prefix) };
      }
      case 'suffixMatch':
        return { matchType, matcher: suffixMatcher(p) };
      case 'regexpMatch': {
        const prog: Re2Program | null = compileRe2(toRunes(regexp));
        if (prog === null) {
          return new IgnorePatternError(ERR_BAD_PATTERN, { pattern: this.source, line: this.line });
        }
        return { matchType, matcher: (path) => prog.test(toRunes(path)) };
      }
    }
  }
}

/** suffixMatcher implements `**x` patterns: the path ends in x, or `**\/x` equals x. Go slices the
 * leading `**` off by bytes, which only differs from a string slice after a leading BOM. */
function suffixMatcher(p: string): Matcher {
  if (p.startsWith('\uFEFF')) {
    const suffix = Buffer.from(p, 'utf8').subarray(2);
    return (path) => {
      const b = Buffer.from(path, 'utf8');
      if (b.length >= suffix.length && b.subarray(b.length - suffix.length).equals(suffix)) return true;
      return suffix[0] === 0x2f && b.equals(suffix.subarray(1));
    };
  }
  const suffix = p.slice(2);
  return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
}

/** MatchInfo carries per-pattern parent-directory results between MatchesUsingParentResults calls. */
export class MatchInfo {
  /** EMPTY means "no parent context": the matcher then checks every parent directory itself. */
  static readonly EMPTY = new MatchInfo([]);
  constructor(readonly parentMatched: readonly boolean[]) {}
}

/** MatchResult is MatchesUsingParentResults' answer plus the info to hand to this path's children. */
export interface MatchResult {
  matched: boolean;
  info: MatchInfo;
}

/** PatternMatcher is patternmatcher.PatternMatcher: ordered patterns, later ones override earlier. */
export class PatternMatcher {
  private readonly list: Pattern[] = [];
  private readonly hasExclusions: boolean = false;

  /** constructor is patternmatcher.New: trims, drops empties, Cleans, splits off `!`, checks syntax. */
  constructor(patterns: Iterable<PatternSource>) {
    for (const src of patterns) {
      const raw = typeof src === 'string' ? src : src.pattern;
      const line = typeof src === 'string' ? undefined : src.line;
      let p = goTrimSpace(String(raw));
      if (p === '') continue;
      p = goCleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new IgnorePatternError('illegal exclusion pattern: "!"', { pattern: raw, line });
        exclusion = true;
        p = p.slice(1);
        this.hasExclusions = true;
      }
      if (goFilepathMatch(p, '.').bad) throw new IgnorePatternError(ERR_BAD_PATTERN, { pattern: raw, line });
      this.list.push(new Pattern(p, exclusion, raw, line));
    }
  }

  /** exclusions tells whether any pattern starts with `!`. */
  exclusions(): boolean {
    return this.hasExclusions;
  }

  /** patterns lists the active (non-empty) patterns in order. */
  patterns(): readonly Pattern[] {
    return this.list;
  }

  /** matches is the deprecated Matches: besides the path, checks only the parent prefix with as many
   * components as the pattern has. Kept for fidelity; use matchesOrParentMatches. */
  matches(file: string): boolean {
    let matched = false;
    const parentPath = goDirPath(file);
    const parentDirs = parentPath.split('/');
    for (const pattern of this.list) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.match(file);
      if (!match && parentPath !== '.' && pattern.dirs.length <= parentDirs.length) {
        match = quietMatch(pattern, parentDirs.slice(0, pattern.dirs.length).join('/'));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /** matchesExact matches the path itself, never its parents. */
  matchesExact(file: string): boolean {
    let matched = false;
    for (const pattern of this.list) {
      if (pattern.exclusion !== matched) continue;
      if (pattern.match(file)) matched = !pattern.exclusion;
    }
    return matched;
  }

  /** matchesOrParentMatches is true when the last pattern matching the path or any parent directory
   * is not an exclusion: the `.dockerignore` rule. */
  matchesOrParentMatches(file: string): boolean {
    let matched = false;
    const parentPath = goDirPath(file);
    const parentDirs = parentPath.split('/');
    for (const pattern of this.list) {
      if (pattern.exclusion !== matched) continue;
      let match = pattern.match(file);
      if (!match && parentPath !== '.') match = matchesAnyParent(pattern, parentDirs);
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  /** matchesUsingParentResult is the deprecated single-boolean parent walk (buggy upstream, see
   * docker/buildx#850); kept for fidelity. */
  matchesUsingParentResult(file: string, parentMatched: boolean): boolean {
    let matched = parentMatched;
    for (const pattern of this.list) {
      if (pattern.exclusion !== matched) continue;
      if (pattern.match(file)) matched = !pattern.exclusion;
    }
    return matched;
  }

  /** matchesUsingParentResults answers for `file` given its parent directory's MatchInfo (EMPTY for no
   * context, which falls back to checking every parent); walkers pass `info` down to children. */
  matchesUsingParentResults(file: string, parentInfo: MatchInfo = MatchInfo.EMPTY): MatchResult {
    const parentMatched = parentInfo.parentMatched;
    if (parentMatched.length !== 0 && parentMatched.length !== this.list.length) {
      throw new IgnorePatternError('wrong number of values in parentMatched', { pattern: file });
    }
    let matched = false;
    const out: boolean[] = new Array<boolean>(this.list.length).fill(false);
    let parentDirs: string[] | null | undefined;
    this.list.forEach((pattern, i) => {
      let match = parentMatched.length !== 0 ? parentMatched[i] === true : false;
      if (!match) {
        if (pattern.exclusion !== matched) return;
        match = pattern.match(file);
        if (!match && parentMatched.length === 0) {
          if (parentDirs === undefined) {
            const parentPath = goDirPath(file);
            parentDirs = parentPath === '.' ? null : parentPath.split('/');
          }
          if (parentDirs !== null) match = matchesAnyParent(pattern, parentDirs);
        }
      }
      out[i] = match;
      if (match) matched = !pattern.exclusion;
    });
    return { matched, info: new MatchInfo(out) };
  }
}

/** matchesAnyParent tries each ancestor prefix, shortest first; upstream ignores errors there. */
function matchesAnyParent(pattern: Pattern, parentDirs: readonly string[]): boolean {
  for (let i = 0; i < parentDirs.length; i++) {
    if (quietMatch(pattern, parentDirs.slice(0, i + 1).join('/'))) return true;
  }
  return false;
}

function quietMatch(pattern: Pattern, path: string): boolean {
  try {
    return pattern.match(path);
  } catch (err) {
    if (err instanceof IgnorePatternError) return false;
    throw err;
  }
}

/** matches is the deprecated package-level Matches(file, patterns): Cleans the file, "." never matches. */
export function matches(file: string, patterns: Iterable<PatternSource>): boolean {
  const pm = new PatternMatcher(patterns);
  const clean = goCleanPath(file);
  return clean === '.' ? false : pm.matches(clean);
}

/** matchesOrParentMatches is the package-level MatchesOrParentMatches(file, patterns). */
export function matchesOrParentMatches(file: string, patterns: Iterable<PatternSource>): boolean {
  const pm = new PatternMatcher(patterns);
  const clean = goCleanPath(file);
  return clean === '.' ? false : pm.matchesOrParentMatches(clean);
}
