import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeDockerfile } from './analyze.ts';

test('analyzeDockerfile: stages, edges, args and warnings for the editor', () => {
  const a = analyzeDockerfile('ARG BASE=busybox\nFROM $BASE AS build\nARG VERSION=1\nRUN make\n\nFROM build AS test\nRUN make test\n\nFROM busybox\nCOPY --from=build /out /app\ncmd echo hi\n');
  assert.equal(a.ok, true);
  assert.deepEqual(a.stages.map((s) => [s.index, s.name, s.base, s.startLine, s.dependsOn]), [[0, 'build', '$BASE', 2, []], [1, 'test', 'build', 6, [0]], [2, null, 'busybox', 9, [0]]]);
  assert.deepEqual(a.stages[2]!.edges, [{ ref: 'busybox', via: 'FROM', line: 9 }, { ref: 0, via: 'COPY --from', line: 10 }]);
  assert.deepEqual(a.args, [{ name: 'BASE', defaultValue: 'busybox' }, { name: 'VERSION', defaultValue: '1' }]);
  assert.deepEqual(a.problems.map((p) => [p.line, p.severity]), [[11, 'warning']]);
});

test('analyzeDockerfile: a parse error is a problem on its line, not an exception', () => {
  const a = analyzeDockerfile('FROM busybox\nCOPY --nope=1 a b\n');
  assert.equal(a.ok, false);
  assert.equal(a.problems[0]!.line, 2);
  assert.equal(a.problems[0]!.severity, 'error');
  assert.match(a.problems[0]!.message, /Dockerfile:2: .*nope/);
});
