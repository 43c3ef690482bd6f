import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { IgnorePatternError } from './ignore-error.ts';
import { readIgnoreEntries, readIgnoreFile } from './ignore-file.ts';
import { PatternMatcher } from './pattern-matcher.ts';

interface Case { input: string | null; expected: string[]; comment?: string }

const file = conformancePath('patternmatcher', 'ignorefile-tests.json');
const cases: Case[] | null = file ? (JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] }).cases : null;

describe('ignorefile.ReadAll conformance (moby/patternmatcher ignorefile_test.go)', { skip: cases ? false : NO_CONFORMANCE }, () => {
  cases?.forEach((c, i) => {
    test(`[${i}] ${c.comment ?? JSON.stringify(c.input).slice(0, 40)}`, () => {
      assert.deepEqual(readIgnoreFile(c.input), c.expected);
    });
  });
});

// Expectations checked against upstream ignorefile.ReadAll (Go) on the same inputs.
describe('ReadAll line handling', () => {
  test('CRLF, BOM on line 1 only, comments only in column 1, Go whitespace rules', () => {
    const text = '\uFEFF# comment\r\n #not-a-comment\r\n\u0085x\u0085\n\u00a0\n\uFEFFy\n!!x\n! /\n\t!\t/a/../b/\n';
    assert.deepEqual(readIgnoreFile(text), ['#not-a-comment', 'x', '\uFEFFy', '!!x', '!/', '!b']);
  });

  test('entries keep their 1-based line numbers; bytes and text read alike', () => {
    const text = 'a\n\n# c\n  /b/ \n!c';
    const expected = [
      { pattern: 'a', line: 1 },
      { pattern: 'b', line: 4 },
      { pattern: '!c', line: 5 },
    ];
    assert.deepEqual(readIgnoreEntries(text), expected);
    assert.deepEqual(readIgnoreEntries(new TextEncoder().encode(text)), expected);
    assert.deepEqual(readIgnoreEntries(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a])), [{ pattern: 'a', line: 1 }]);
  });

  test('a line of 64 KiB or more fails like bufio.Scanner (token too long)', () => {
    assert.equal(readIgnoreFile('a'.repeat(65535) + '\nb').length, 2);
    for (const text of ['ok\n' + 'a'.repeat(65536), 'a'.repeat(65535) + '\r\n']) {
      assert.throws(
        () => readIgnoreFile(text),
        (err: unknown) =>
          err instanceof IgnorePatternError && err.reason === 'error reading .dockerignore: bufio.Scanner: token too long',
      );
    }
    assert.throws(() => readIgnoreEntries(new Uint8Array(70000).fill(0x61)), IgnorePatternError);
  });

  test('a lone "!" survives reading and is rejected by the matcher, naming its line', () => {
    const entries = readIgnoreEntries('a\n!\n');
    assert.deepEqual(entries, [{ pattern: 'a', line: 1 }, { pattern: '!', line: 2 }]);
    assert.throws(() => new PatternMatcher(entries), /^IgnorePatternError: \.dockerignore line 2: invalid pattern "!"/);
  });
});
