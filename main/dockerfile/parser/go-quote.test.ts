import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goQuote, goQuoteSlice } from './index.ts';

describe('goQuote (strconv.Quote)', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['♥ ☃ é', '"♥ ☃ é"'],
    ['\u00a0\u00ad\u2028', '"\\u00a0\\u00ad\\u2028"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['😀', '"😀"'],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(goQuote(input), want));
  test('slice', () => assert.equal(goQuoteSlice(['--a=1', 'b c']), '["--a=1" "b c"]'));
});
