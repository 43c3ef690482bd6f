import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { parseJsonArray } from './index.ts';

interface JsonFile {
  valid: { input: string; expected: string[] }[];
  invalid: string[];
}
const file = conformancePath('buildkit-dockerfile-parser', 'json-arrays.json');
const v: JsonFile | null = file ? (JSON.parse(readFileSync(file, 'utf8')) as JsonFile) : null;

describe('json-arrays.json: TestJSONArraysOfStrings', { skip: file ? false : NO_CONFORMANCE }, () => {
  for (const c of v?.valid ?? []) {
    test(`valid ${c.input}`, () => assert.deepEqual(parseJsonArray(c.input), { kind: 'strings', values: c.expected }));
  }
  for (const input of v?.invalid ?? []) {
    test(`invalid ${input}`, () => assert.deepEqual(parseJsonArray(input), { kind: 'not-strings' }));
  }
});

describe('parseJsonArray (own cases)', () => {
  test('malformed JSON falls back', () => {
    for (const s of ['', 'echo', '["a"', "['a']", '["a"] x', '[\v"a"]']) assert.deepEqual(parseJsonArray(s), { kind: 'not-json' });
  });
  test('an overflowing number is a decode error in Go, not a type error', () => {
    assert.deepEqual(parseJsonArray('["a", 1e400]'), { kind: 'not-json' });
  });
  test('an unpaired surrogate escape decodes to U+FFFD', () => {
    assert.deepEqual(parseJsonArray('["\\ud800x"]'), { kind: 'strings', values: ['\uFFFDx'] });
  });
});
