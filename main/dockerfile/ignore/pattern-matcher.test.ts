import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { ERR_BAD_PATTERN, IgnorePatternError } from './ignore-error.ts';
import { goCleanPath, goDirPath } from './go-text.ts';
import { MatchInfo, PatternMatcher, matches, matchesOrParentMatches } from './pattern-matcher.ts';
import { translateGlob } from './translate.ts';

interface SingleCase { pattern: string; text: string; pass: boolean; platform?: string }
interface MultiCase { patterns: string[]; text: string; pass: boolean }
interface MatchTest { pattern: string; path: string; match: boolean; error: string | null; errorMessage?: string }
interface CompileTest { pattern: string; matchType: string; compiledRegexp: string; windowsCompiledRegexp: string }
interface MiscCase {
  test: string; api: string; path?: string; patterns: string[]; expected?: boolean; expectError?: boolean;
  errorMessage?: string; expectedPatternCount?: number; expectedExclusions?: boolean; newSucceeds?: boolean;
}
interface Vectors {
  matches: { singlePattern: SingleCase[]; multiPattern: MultiCase[] };
  matchTests: { cases: MatchTest[] };
  compileTests: { cases: CompileTest[] };
  misc: { cases: MiscCase[] };
}

const file = conformancePath('patternmatcher', 'patternmatcher-tests.json');
const vectors: Vectors | null = file ? (JSON.parse(readFileSync(file, 'utf8')) as Vectors) : null;

/** quiet mirrors the upstream harness, which ignores errors and compares only the boolean. */
function quiet(f: () => boolean): boolean {
  try {
    return f();
  } catch (err) {
    if (err instanceof IgnorePatternError) return false;
    throw err;
  }
}

/** ancestors lists the parent-walk prefixes the upstream harness visits before `text`. */
function ancestors(text: string): string[] {
  const parent = goDirPath(text);
  if (parent === '.') return [];
  const dirs = parent.split('/');
  return dirs.map((_, i) => dirs.slice(0, i + 1).join('/'));
}

function viaParentResult(pm: PatternMatcher, text: string): boolean {
  let parentMatched = false;
  for (const dir of ancestors(text)) parentMatched = quiet(() => pm.matchesUsingParentResult(dir, parentMatched));
  return quiet(() => pm.matchesUsingParentResult(text, parentMatched));
}

function viaParentResults(pm: PatternMatcher, text: string): boolean {
  let info = MatchInfo.EMPTY;
  for (const dir of ancestors(text)) {
    try {
      info = pm.matchesUsingParentResults(dir, info).info;
    } catch (err) {
      if (!(err instanceof IgnorePatternError)) throw err;
    }
  }
  return quiet(() => pm.matchesUsingParentResults(text, info).matched);
}

const APIS: Record<string, (pm: PatternMatcher, text: string) => boolean> = {
  MatchesOrParentMatches: (pm, text) => quiet(() => pm.matchesOrParentMatches(text)),
  MatchesUsingParentResult: viaParentResult,
  MatchesUsingParentResults: viaParentResults,
  MatchesUsingParentResultsNoContext: (pm, text) => quiet(() => pm.matchesUsingParentResults(text, MatchInfo.EMPTY).matched),
};

function expectBadPattern(f: () => unknown, reason = ERR_BAD_PATTERN): void {
  assert.throws(f, (err: unknown) => err instanceof IgnorePatternError && err.code === 'IGNORE_PATTERN' && err.reason === reason);
}

describe('patternmatcher conformance (moby/patternmatcher patternmatcher_test.go)', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  if (!vectors) return;

  describe('TestMatches single pattern, four APIs', () => {
    vectors.matches.singlePattern.forEach((c, i) => {
      for (const [api, run] of Object.entries(APIS)) {
        test(`[${i}] ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.text)} via ${api}`, () => {
          assert.equal(run(new PatternMatcher([c.pattern]), c.text), c.pass);
        });
      }
    });
  });

  describe('TestMatches multi pattern, three APIs', () => {
    vectors.matches.multiPattern.forEach((c, i) => {
      for (const api of ['MatchesOrParentMatches', 'MatchesUsingParentResults', 'MatchesUsingParentResultsNoContext']) {
        test(`[${i}] ${JSON.stringify(c.patterns)} on ${JSON.stringify(c.text)} via ${api}`, () => {
          assert.equal(APIS[api]!(new PatternMatcher(c.patterns), c.text), c.pass);
        });
      }
    });
  });

  describe('TestMatch (filepath.Match table) via deprecated Matches', () => {
    vectors.matchTests.cases.forEach((c, i) => {
      test(`[${i}] Matches(${JSON.stringify(c.path)}, [${JSON.stringify(c.pattern)}])`, () => {
        if (c.error === null) assert.equal(matches(c.path, [c.pattern]), c.match);
        else expectBadPattern(() => matches(c.path, [c.pattern]), c.errorMessage);
      });
    });
  });

  describe('TestMatch table via package-level MatchesOrParentMatches (derived check in the vectors)', () => {
    vectors.matchTests.cases.forEach((c, i) => {
      test(`[${i}] MatchesOrParentMatches(${JSON.stringify(c.path)}, [${JSON.stringify(c.pattern)}])`, () => {
        if (c.error === null) assert.equal(matchesOrParentMatches(c.path, [c.pattern]), c.match);
        else expectBadPattern(() => matchesOrParentMatches(c.path, [c.pattern]), c.errorMessage);
      });
    });
  });

  // Our translation is the upstream one, so the informative compile table is asserted too.
  describe('TestCompile (slash and backslash separators)', () => {
    vectors.compileTests.cases.forEach((c, i) => {
      test(`[${i}] compile(${JSON.stringify(c.pattern)}, "/")`, () => {
        const got = translateGlob(goCleanPath(c.pattern), '/');
        assert.equal(got.matchType, c.matchType);
        assert.equal(got.regexp, c.matchType === 'regexpMatch' ? c.compiledRegexp : '');
      });
      test(`[${i}] compile(${JSON.stringify(c.pattern)}, backslash)`, () => {
        const got = translateGlob(goCleanPath(c.pattern).replaceAll('/', '\\'), '\\');
        assert.equal(got.matchType, c.matchType);
        assert.equal(got.regexp, c.matchType === 'regexpMatch' ? c.windowsCompiledRegexp : '');
      });
    });
  });

  describe('imperative tests (misc)', () => {
    for (const c of vectors.misc.cases) {
      test(c.test, () => {
        if (c.api === 'Matches') {
          const run = (): boolean => matches(c.path ?? '', c.patterns);
          if (c.expectError) {
            const reason = c.errorMessage ?? ERR_BAD_PATTERN;
            expectBadPattern(run, reason);
          } else {
            assert.equal(run(), c.expected);
          }
        } else if (c.api === 'New(patterns).Patterns()') {
          assert.equal(new PatternMatcher(c.patterns).patterns().length, c.expectedPatternCount);
        } else if (c.api === 'New(patterns).Exclusions()') {
          assert.equal(new PatternMatcher(c.patterns).exclusions(), c.expectedExclusions);
        } else if (c.api === 'New(patterns)') {
          assert.equal(c.expectError, true);
          assert.throws(() => new PatternMatcher(c.patterns), IgnorePatternError);
        } else if (c.api.startsWith('New(patterns) then MatchesOrParentMatches')) {
          const pm = new PatternMatcher(c.patterns); // must pass initial validation
          expectBadPattern(() => pm.matchesOrParentMatches(c.path ?? ''), c.errorMessage);
          expectBadPattern(() => pm.matchesOrParentMatches(c.path ?? ''), c.errorMessage);
        } else {
          assert.fail(`unknown api ${c.api}`);
        }
      });
    }
  });
});

// Expectations below were recorded by running upstream patternmatcher (Go regexp, and filepath.Match
// with the whole-pattern syntax check of current Go) on these inputs; they pin Docker's quirks.
const DIALECT: [pattern: string, path: string, expected: boolean | string][] = [
  ['[[:alpha:]]*', 'a', true],
  ['[[:alpha:]]*', '1', false],
  ['[[:^digit:]]?', 'ab', true],
  ['[[:^digit:]]?', '1b', false],
  ['a\\d', 'a5', true],
  ['a\\d', 'ad', false],
  ['a\\s*', 'a\t', true],
  ['a\\s*', 'a\v', false],
  ['[a*]', 'a', false], // the class closes at the `]` of the `[^/]` that `*` became
  ['[a*]', ']', true],
  ['[a*]', '^]', true],
  ['[a?]b', 'a]b', true],
  ['[a?]b', 'ab', false],
  ['\\Qa*', 'a*', false], // \Q makes the rest of the regexp literal
  ['\\Qa*', 'a[^/]*$x', true],
  ['x|*', 'a/b', true], // `|` is not escaped: alternation
  ['a{2}*', 'aa', true], // nor are braces: counted repetition
  ['a{2}*', 'a{2}', false],
  ['a{1,2}b*', 'aaab', false],
  ['a{1001}*', 'a', 'match: syntax error in pattern'],
  ['\\x41*', 'Ab', true],
  ['\\x41*', 'x41', false],
  ['\\101?', 'AB', true],
  ['\\pL*', 'é1', true],
  ['\\pL*', '1', false],
  ['\\PN?', '1b', false],
  ['\\p{Greek}*', 'αβ', true],
  ['\\p{Greek}*', 'ab', false],
  ['\\p{Grek}*', 'α', 'match: syntax error in pattern'],
  ['\\q*', 'q', 'match: syntax error in pattern'],
  ['\\é*', 'é', 'match: syntax error in pattern'],
  ['\\1*', '1', 'match: syntax error in pattern'],
  ['[[:foo:]]*', 'f', 'match: syntax error in pattern'],
  ['a\\C*', 'a', 'match: syntax error in pattern'],
  ['a\\b*', 'a', true],
  ['a\\b*', 'ab', false],
  ['*\\z', 'abc', true],
  ['?\\A', 'a', false],
  ['\uFEFF**/x', 'x', false], // the regexp skips a leading BOM, the suffix compare does not
  ['\uFEFF**/x', '\uFEFF**/x', true],
  ['\uFEFFa*', 'ab', true],
  ['\uFEFFa*', '\uFEFFab', false],
  ['*[\\]a]', 'x]', true],
  ['**\\/x', 'a/x', false],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['[!a]*', '!x', true],
  ['[!a]*', 'bx', false],
  ['a^*', 'a^', false],
  ['^s*\\x41BA[[:', 'x', 'new: syntax error in pattern'],
];

describe('Docker glob-to-regexp quirks (recorded from upstream)', () => {
  DIALECT.forEach(([pattern, path, expected], i) => {
    test(`[${i}] ${JSON.stringify(pattern)} on ${JSON.stringify(path)}`, () => {
      if (typeof expected === 'boolean') {
        assert.equal(new PatternMatcher([pattern]).matchesOrParentMatches(path), expected);
      } else if (expected.startsWith('new: ')) {
        expectBadPattern(() => new PatternMatcher([pattern]), expected.slice(5));
      } else {
        const pm = new PatternMatcher([pattern]);
        expectBadPattern(() => pm.matchesOrParentMatches(path), expected.slice(7));
      }
    });
  });
});

describe('errors and robustness', () => {
  test('errors name the pattern and its .dockerignore line', () => {
    assert.throws(
      () => new PatternMatcher([{ pattern: 'ok' }, { pattern: 'a[', line: 7 }]),
      (err: unknown) =>
        err instanceof IgnorePatternError &&
        err.message === '.dockerignore line 7: invalid pattern "a[": syntax error in pattern' &&
        err.details?.line === 7,
    );
    assert.throws(() => new PatternMatcher([' ! ']), /illegal exclusion pattern: "!"/);
  });

  test('a pattern that never gets evaluated never fails (compilation is lazy, as upstream)', () => {
    const pm = new PatternMatcher(['!\\q*', 'a']); // the exclusion is only tried once something matched
    assert.equal(pm.matchesOrParentMatches('q'), false);
    assert.equal(pm.matchesOrParentMatches('a'), true); // `a` matched after the exclusion: never compiled
    const later = new PatternMatcher(['a', '!\\q*']);
    assert.equal(later.matchesOrParentMatches('b'), false);
    expectBadPattern(() => later.matchesOrParentMatches('a'));
  });

  test('nested ** patterns stay linear on long paths (no regexp backtracking)', () => {
    const pm = new PatternMatcher(['**/'.repeat(40) + 'x*y', 'a' + '*a'.repeat(40) + 'b']);
    const long = Array.from({ length: 300 }, () => 'a').join('/');
    const start = process.hrtime.bigint();
    assert.equal(pm.matchesOrParentMatches(long), false);
    assert.equal(pm.matchesExact('a'.repeat(2000)), false);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e9 < 5, 'took too long');
  });

  test('maximal counted repetition is bounded like Go (expression too large)', () => {
    const pm = new PatternMatcher(['a{1000}'.repeat(4000) + '*']);
    expectBadPattern(() => pm.matchesExact('a'));
    assert.equal(new PatternMatcher(['a{1000}b*']).matchesExact('a'.repeat(1000) + 'b'), true);
  });

  test('random patterns and paths only ever raise IgnorePatternError', () => {
    const alphabet = [...'ab/*?[]^-\\.!:{}()|$+ dpLQExz07', '**', '[:', ':]', '\\p', '{2}', 'é', '\uFEFF', '\ud800'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 48271) + 1) % 2147483647;
      return Math.abs(seed) % n;
    };
    const word = (max: number): string => Array.from({ length: rnd(max) }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const patterns = [word(10), word(6)];
      try {
        const pm = new PatternMatcher(patterns);
        for (let k = 0; k < 3; k++) {
          const path = word(8);
          for (const f of [
            () => pm.matchesOrParentMatches(path),
            () => pm.matches(path),
            () => pm.matchesUsingParentResults(path).matched,
          ]) {
            try {
              f();
            } catch (err) {
              assert.ok(err instanceof IgnorePatternError, `${JSON.stringify(patterns)} ${JSON.stringify(path)}: ${String(err)}`);
            }
          }
        }
      } catch (err) {
        assert.ok(err instanceof IgnorePatternError, `${JSON.stringify(patterns)}: ${String(err)}`);
      }
    }
  });
});
