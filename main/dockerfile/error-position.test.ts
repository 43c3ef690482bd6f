import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StrataError } from '../util/errors.ts';
import { formatErrorPosition, placeError } from './error-position.ts';
import { parseStages } from './instructions/stages.ts';
import { analyzeDockerfile } from '../build/analyze.ts';

/** parse a Dockerfile and return the placed error's position. */
function position(text: string): { line: number; column: number; sourceLine: string; file: string } {
  try {
    parseStages(text, { file: 'app/Dockerfile' });
  } catch (e) {
    assert.ok(e instanceof StrataError, String(e));
    placeError(e, text, 'app/Dockerfile');
    return e.details as { line: number; column: number; sourceLine: string; file: string };
  }
  assert.fail('expected a parse error');
}

describe('Dockerfile errors name file, line and column', () => {
  const cases: [name: string, text: string, line: number, column: number][] = [
    ['unknown instruction: the keyword', 'FROM busybox\n  FORM x\n', 2, 3],
    ['unknown flag: the flag', 'FROM busybox\nRUN --foo=bar echo hi\n', 2, 5],
    ['bad network mode: the value', 'FROM busybox\nRUN --network=x true\n', 2, 15],
    ['JSON array of non-strings: the instruction', 'FROM x\nCMD ["a", 1]\n', 2, 1],
    ['a bad stage name: the name', 'FROM busybox AS -bad\n', 1, 17],
    ['instruction before FROM', 'RUN true\nFROM x\n', 1, 1],
    ['a tab-indented line', 'FROM x\n\tFORM y\n', 2, 2],
  ];
  for (const [name, text, line, column] of cases) {
    test(name, () => {
      const p = position(text);
      assert.equal(p.file, 'app/Dockerfile');
      assert.equal(p.line, line);
      assert.equal(p.column, column, `column on ${JSON.stringify(p.sourceLine)}`);
      assert.equal(p.sourceLine, text.split('\n')[line - 1]);
    });
  }

  test('the editor analysis reports the column of a graph error', () => {
    const a = analyzeDockerfile('FROM busybox AS a\nCOPY --from=2 /x /y\n', 'Dockerfile');
    assert.equal(a.ok, false);
    assert.deepEqual({ line: a.problems[0]!.line, column: a.problems[0]!.column }, { line: 2, column: 1 });
  });

  test('formatErrorPosition draws the line with a caret under the column', () => {
    const e = new StrataError('X', 'Dockerfile:2: unknown instruction: FORM', { line: 2, reason: 'unknown instruction: FORM' });
    placeError(e, 'FROM x\n\tFORM y\n');
    assert.equal(formatErrorPosition(e.details), '  --> Dockerfile:2:2\n 2 | \tFORM y\n   | \t^\n');
  });

  test('errors without a line stay as they are', () => {
    const e = new StrataError('X', 'no line', { other: 1 });
    placeError(e, 'FROM x\n');
    assert.deepEqual(e.details, { other: 1 });
    assert.equal(formatErrorPosition(e.details), '');
  });
});
