import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { NO_CONFORMANCE, conformancePath } from '../../util/conformance.ts';
import { StrataError } from '../../util/errors.ts';
import { Env, ShellExpansionError, ShellLex, envFromList } from './lex.ts';

const WINDOWS_ONLY = 'Windows-only case; Strata builds Linux images';

function loadVectors<T>(file: string): T | null {
  const path = conformancePath('buildkit-shell-lexer', file);
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

/** expectExpansionError runs fn and checks it throws a ShellExpansionError (and nothing else). */
function expectExpansionError(fn: () => unknown, contains?: string): ShellExpansionError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ShellExpansionError, `expected ShellExpansionError, got ${String(caught)}`);
  assert.equal(caught.code, 'SHELL_EXPANSION');
  if (contains !== undefined) assert.ok(caught.message.includes(contains), `message ${JSON.stringify(caught.message)}`);
  return caught;
}

const sorted = (names: Iterable<string>): string[] => [...names].sort();

interface EnvVarVectors {
  env: [string, string][];
  cases: { line: number; platform: 'A' | 'U' | 'W'; input: string; expectError: boolean; expected?: string }[];
}
const envVar = loadVectors<EnvVarVectors>('envVarTest.json');

describe('BuildKit envVarTest (ProcessWord)', { skip: envVar ? false : NO_CONFORMANCE }, () => {
  if (!envVar) return;
  const lex = new ShellLex('\\');
  const env = new Map(envVar.env);
  for (const c of envVar.cases) {
    const name = `line ${c.line} [${c.platform}]: ${JSON.stringify(c.input)}`;
    test(name, { skip: c.platform === 'W' ? WINDOWS_ONLY : false }, () => {
      if (c.expectError) expectExpansionError(() => lex.processWord(c.input, env));
      else assert.equal(lex.processWord(c.input, env), c.expected);
    });
  }
});

interface WordsVectors {
  cases: { line: number; input: string; env: string[]; expectError: boolean; expected?: string[] }[];
}
const words = loadVectors<WordsVectors>('wordsTest.json');

describe('BuildKit wordsTest (ProcessWords)', { skip: words ? false : NO_CONFORMANCE }, () => {
  if (!words) return;
  const lex = new ShellLex('\\');
  for (const c of words.cases) {
    test(`line ${c.line}: ${JSON.stringify(c.input)}`, () => {
      const env = envFromList(c.env);
      if (c.expectError) expectExpansionError(() => lex.processWords(c.input, env));
      else assert.deepEqual(lex.processWords(c.input, env), c.expected);
    });
  }
});

interface MatchesVectors {
  cases: {
    input: string;
    env: Record<string, string>;
    expectError: boolean;
    expected?: string;
    matched?: string[];
    unmatched?: string[];
  }[];
}
const matches = loadVectors<MatchesVectors>('process-word-with-matches.json');

describe('BuildKit TestProcessWithMatches (ProcessWordWithMatches)', { skip: matches ? false : NO_CONFORMANCE }, () => {
  if (!matches) return;
  const lex = new ShellLex('\\');
  matches.cases.forEach((c, i) => {
    test(`#${i + 1} ${JSON.stringify(c.input)} env=${JSON.stringify(c.env)}`, () => {
      if (c.expectError) {
        expectExpansionError(() => lex.processWordWithMatches(c.input, c.env));
        return;
      }
      const got = lex.processWordWithMatches(c.input, c.env);
      assert.equal(got.result, c.expected);
      assert.deepEqual(sorted(got.matched), sorted(c.matched ?? []));
      assert.deepEqual(sorted(got.unmatched), sorted(c.unmatched ?? []));
    });
  });
});

interface MiscVectors {
  mandatoryEnvVars: {
    cases: { input: string; env: string[]; expectError: boolean; expected?: string; errorContains?: string }[];
  };
  platformFilename: { cases: { input: string; env: Record<string, string>; expected: string }[] };
  envLookup: { cases: { env: string[]; name: string; value: string }[] };
}
const misc = loadVectors<MiscVectors>('misc.json');

describe('BuildKit lex_test.go imperative tests', { skip: misc ? false : NO_CONFORMANCE }, () => {
  if (!misc) return;
  const lex = new ShellLex('\\');
  describe('TestShellParserMandatoryEnvVars', () => {
    for (const c of misc.mandatoryEnvVars.cases) {
      test(`${JSON.stringify(c.input)} env=${JSON.stringify(c.env)}`, () => {
        const env = envFromList(c.env);
        if (c.expectError) expectExpansionError(() => lex.processWord(c.input, env), c.errorContains);
        else assert.equal(lex.processWord(c.input, env), c.expected);
      });
    }
  });
  describe('TestProcessWithMatchesPlatform', () => {
    for (const c of misc.platformFilename.cases) {
      test(`env=${JSON.stringify(c.env)}`, () => {
        assert.equal(lex.processWordWithMatches(c.input, c.env).result, c.expected);
      });
    }
  });
  describe('TestGetEnv', () => {
    for (const c of misc.envLookup.cases) {
      test(`${c.name} in ${JSON.stringify(c.env)}`, () => {
        assert.equal(envFromList(c.env).get(c.name) ?? '', c.value);
      });
    }
  });
});

describe('ShellLex behaviour beyond the vectors', () => {
  const lex = new ShellLex('\\');

  test('errors are ShellExpansionError (a StrataError) and say what failed', () => {
    const unset = expectExpansionError(() => lex.processWord('${VAR?}', {}));
    assert.ok(unset instanceof StrataError);
    assert.equal(unset.message, 'failed to process "${VAR?}": VAR: is not allowed to be unset');
    assert.deepEqual(unset.details, { word: '${VAR?}', reason: 'VAR: is not allowed to be unset' });
    expectExpansionError(() => lex.processWord('${VAR:?}', { VAR: '' }), 'VAR: is not allowed to be empty');
    expectExpansionError(() => lex.processWord('${VAR?need a VAR}', {}), 'VAR: need a VAR');
    expectExpansionError(() => lex.processWord('${VAR', {}), "syntax error: missing '}'");
    expectExpansionError(() => lex.processWord('${VAR:-x', {}), "syntax error: missing '}'");
    expectExpansionError(() => lex.processWord('${}', {}), 'syntax error: bad substitution');
    expectExpansionError(() => lex.processWord('${VAR/x', {}), "syntax error: missing '/' in ${}");
    expectExpansionError(() => lex.processWord('"abc', {}), 'matching double-quote');
    expectExpansionError(() => lex.processWord("'abc", {}), 'matching single-quote');
    expectExpansionError(() => lex.processWord('${V#a\\x}', { V: 'a' }), "invalid pattern (a\\x) in substitution: invalid escape '\\x'");
  });

  test('the backtick escape token (# escape=`)', () => {
    const tick = new ShellLex('`');
    assert.equal(tick.processWord('C:\\path`$PWD', { PWD: 'x' }), 'C:\\path$PWD');
    assert.equal(tick.processWord('"a`"b"', {}), 'a"b');
    assert.deepEqual(tick.processWords('a` b c', {}), ['a b', 'c']);
    expectExpansionError(() => new ShellLex('ab'), 'escape token must be one character');
  });

  test('env may be a function, a Map or a record', () => {
    const fn: Env = (name) => (name === 'A' ? '1' : undefined);
    for (const env of [fn, new Map([['A', '1']]), { A: '1' }]) {
      assert.deepEqual(lex.processWordWithMatches('$A-$B', env), {
        result: '1-',
        matched: new Set(['A']),
        unmatched: new Set(['B']),
      });
    }
    // Inherited object properties are not variables.
    assert.equal(lex.processWord('${toString:-unset}', {}), 'unset');
  });

  test('shortest/longest prefix and suffix removal, replace first/all', () => {
    const env = { F: 'archive.tar.gz', P: '/usr/local/bin' };
    assert.equal(lex.processWord('${F%.*}|${F%%.*}|${F#*.}|${F##*.}', env), 'archive.tar|archive|tar.gz|gz');
    assert.equal(lex.processWord('${P/\\//:}|${P//\\//:}', env), ':usr/local/bin|:usr:local:bin');
    // As in Go's ReplaceAllString, $0 in a // replacement is the match; quoting hides it from the lexer,
    // while a backslash stays in the text (the replacement is scanned with raw escapes).
    assert.equal(lex.processWord("${F//a/<'$0'>}", env), '<a>rchive.t<a>r.gz');
    assert.equal(lex.processWord('${F//a/<\\$0>}', env), '<\\a>rchive.t<\\a>r.gz');
    assert.equal(lex.processWord("${F/a/<'$0'>}", env), '<$0>rchive.tar.gz');
  });

  test('skipUnsetEnv and rawQuotes keep what they cannot expand', () => {
    const keep = new ShellLex('\\', { skipUnsetEnv: true, rawQuotes: true });
    assert.equal(keep.processWord('$A ${B} ${C:-x} ${D//a/b} "q" \'s\'', { A: '1' }), '1 ${B} ${C:-x} ${D/a/b} "q" \'s\'');
  });

  test('ProcessWords keeps BuildKit\'s shared word buffer: text before ${V<op>…} in a word is dropped', () => {
    // Observed in BuildKit: ProcessWords("hello${x:-y}") == ["y"] while ProcessWord gives "helloy".
    assert.deepEqual(lex.processWords('hello${x:-y}', {}), ['y']);
    assert.equal(lex.processWord('hello${x:-y}', {}), 'helloy');
    assert.deepEqual(lex.processWords('a "" b', {}), ['a', 'b']);
  });

  test('pathological patterns and nesting finish without hanging or overflowing', () => {
    const value = 'a'.repeat(20000);
    const star = '*a'.repeat(30) + '*b';
    assert.equal(lex.processWord(`\${V#${star}}`, { V: value }), value);
    assert.equal(lex.processWord(`\${V//${star}/x}`, { V: value }), value);
    assert.equal(lex.processWord('${V//a/bb}', { V: value }).length, 40000);
    const nested = (n: number): string => '${X:-'.repeat(n) + 'end' + '}'.repeat(n);
    assert.equal(lex.processWord(nested(200), {}), 'end');
    expectExpansionError(() => lex.processWord(nested(20000), {}), 'nested deeper');
  });
});
