import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { parseWords } from './index.ts';

const file = conformancePath('buildkit-dockerfile-parser', 'parse-words.json');
const cases: { input: string; expect: string[] }[] = file
  ? (JSON.parse(readFileSync(file, 'utf8')) as { cases: { input: string; expect: string[] }[] }).cases
  : [];

describe('parse-words.json: TestParseWords', { skip: file ? false : NO_CONFORMANCE }, () => {
  for (const c of cases) test(c.input, () => assert.deepEqual(parseWords(c.input), c.expect));
});

describe('parseWords (own cases)', () => {
  test('backtick escape token', () => assert.deepEqual(parseWords('a` b "c`"d" e', '`'), ['a` b', '"c`"d"', 'e']));
  test('empty quotes make a word', () => assert.deepEqual(parseWords('a= "" b'), ['a=', '""', 'b']));
  test('trailing escape is dropped', () => assert.deepEqual(parseWords('a\\'), ['a']));
});
