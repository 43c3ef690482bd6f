import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineSplitter, MAX_LINE_CHARS } from './lines.ts';

describe('LineSplitter', () => {
  const cases: { name: string; chunks: (string | Buffer)[]; lines: string[] }[] = [
    { name: 'one chunk, several lines', chunks: ['a\nb\nc\n'], lines: ['a', 'b', 'c'] },
    { name: 'a line across chunks', chunks: ['ab', 'c\nd', 'e\n'], lines: ['abc', 'de'] },
    { name: 'last line without newline', chunks: ['a\nb'], lines: ['a', 'b'] },
    { name: 'empty lines are kept', chunks: ['\n\nx\n'], lines: ['', '', 'x'] },
    { name: 'CRLF keeps the CR', chunks: ['a\r\n'], lines: ['a\r'] },
    { name: 'UTF-8 split inside a character', chunks: [Buffer.from([0xc3]), Buffer.from([0xa9, 0x0a])], lines: ['é'] },
    { name: 'no output, no lines', chunks: [], lines: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got: string[] = [];
      const s = new LineSplitter((l) => got.push(l));
      for (const ch of c.chunks) s.push(Buffer.isBuffer(ch) ? ch : Buffer.from(ch));
      s.end();
      assert.deepEqual(got, c.lines);
    });
  }

  test('lines come as soon as their newline does', () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push(Buffer.from('first\nsec'));
    assert.deepEqual(got, ['first']);
    s.push(Buffer.from('ond\n'));
    assert.deepEqual(got, ['first', 'second']);
  });

  test('a very long line is passed on in pieces', () => {
    const got: string[] = [];
    const s = new LineSplitter((l) => got.push(l));
    s.push(Buffer.from('x'.repeat(MAX_LINE_CHARS * 2 + 5)));
    assert.equal(got.length, 2);
    s.push(Buffer.from('\n'));
    s.end();
    assert.deepEqual(got.map((l) => l.length), [MAX_LINE_CHARS, MAX_LINE_CHARS, 5]);
  });
});
