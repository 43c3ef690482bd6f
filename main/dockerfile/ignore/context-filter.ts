// The build-context filter of tonistiigi/fsutil's filterFS.Walk (what BuildKit runs over a local
// context): per-path include/exclude decisions made top-down from the parent's results, plus the
// "skip this whole directory" shortcut that is only safe when no `!` exception could reach inside.

import { readIgnoreEntries } from './ignore-file.ts';
import { MatchInfo, PatternMatcher, type Pattern, type PatternSource } from './pattern-matcher.ts';

/** FilterDecision is the verdict for one path; hand it back as `parentResult` for the entries inside
 * that directory. */
export interface FilterDecision {
  /** included: send this entry. A directory that is not included but not skipped is walked anyway,
   * and must still be sent (before its first included descendant) if anything inside is included. */
  readonly included: boolean;
  /** skipDir: a directory nothing beneath which can be included; do not read it at all. */
  readonly skipDir: boolean;
  readonly includeInfo: MatchInfo;
  readonly excludeInfo: MatchInfo;
}

/** ContextFilterOptions adds fsutil's IncludePatterns (a path must match one of them, if any given). */
export interface ContextFilterOptions {
  includePatterns?: Iterable<PatternSource>;
}

// Characters that make a pattern more than a literal path prefix (fsutil, non-Windows).
const PATTERN_CHARS = /[*[\]?^\\]/;

/** patternWithoutTrailingGlob drops one trailing `/**`, then one trailing `/*` (fsutil). */
function patternWithoutTrailingGlob(p: Pattern): string {
  let s = p.toString();
  if (s.endsWith('/**')) s = s.slice(0, -3);
  if (s.endsWith('/*')) s = s.slice(0, -2);
  return s;
}

/** ContextFilter decides, walking a context top-down in lexical order, which entries go into it. */
export class ContextFilter {
  private readonly include: PatternMatcher | null;
  private readonly exclude: PatternMatcher | null;
  private readonly onlyPrefixIncludes: boolean = true;
  private readonly onlyPrefixExcludeExceptions: boolean = true;

  /** constructor takes the exclude patterns (a `.dockerignore` list); throws IgnorePatternError. */
  constructor(excludePatterns: Iterable<PatternSource>, options: ContextFilterOptions = {}) {
    const includes = options.includePatterns ? [...options.includePatterns] : [];
    const excludes = [...excludePatterns];
    this.include = includes.length > 0 ? new PatternMatcher(includes) : null;
    this.exclude = excludes.length > 0 ? new PatternMatcher(excludes) : null;
    if (this.include) {
      this.onlyPrefixIncludes = !this.include
        .patterns()
        .some((p) => !p.exclusion && PATTERN_CHARS.test(patternWithoutTrailingGlob(p)));
    }
    if (this.exclude) {
      this.onlyPrefixExcludeExceptions = !this.exclude
        .patterns()
        .some((p) => p.exclusion && PATTERN_CHARS.test(patternWithoutTrailingGlob(p)));
    }
  }

  /** fromDockerignore builds the filter from `.dockerignore` content (errors name the line). */
  static fromDockerignore(content: string | Uint8Array | null | undefined, options: ContextFilterOptions = {}): ContextFilter {
    return new ContextFilter(readIgnoreEntries(content), options);
  }

  /** includes decides for relPath ("a/b", slash-separated, relative to the context root) given the
   * decision for its parent directory (null at the top level). */
  includes(relPath: string, isDir: boolean, parentResult: FilterDecision | null = null): FilterDecision {
    let included = true;
    let includeInfo = MatchInfo.EMPTY;
    let excludeInfo = MatchInfo.EMPTY;
    const skip = (): FilterDecision => ({ included: false, skipDir: true, includeInfo, excludeInfo });

    if (this.include) {
      const r = this.include.matchesUsingParentResults(relPath, parentResult?.includeInfo ?? MatchInfo.EMPTY);
      includeInfo = r.info;
      if (!r.matched) {
        if (isDir && this.onlyPrefixIncludes && !this.anyPatternUnder(this.include, relPath, false)) return skip();
        included = false;
      }
    }
    if (this.exclude) {
      const r = this.exclude.matchesUsingParentResults(relPath, parentResult?.excludeInfo ?? MatchInfo.EMPTY);
      excludeInfo = r.info;
      if (r.matched) {
        if (isDir && this.onlyPrefixExcludeExceptions) {
          if (!this.exclude.exclusions() || !this.anyPatternUnder(this.exclude, relPath, true)) return skip();
        }
        included = false;
      }
    }
    return { included, skipDir: false, includeInfo, excludeInfo };
  }

  /** anyPatternUnder: does some (exclusion or inclusion) pattern name a path inside dir? */
  private anyPatternUnder(pm: PatternMatcher, dir: string, exclusion: boolean): boolean {
    const dirSlash = dir + '/';
    return pm.patterns().some((p) => p.exclusion === exclusion && (patternWithoutTrailingGlob(p) + '/').startsWith(dirSlash));
  }
}
