import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyBuildStatus, errorLines, isActive, MAX_LOG_LINES, newBuildRun, type BuildRun } from './build-status.ts';
import { BUILD_ID, FIRST_EVENT, step } from './build-samples.ts';

const started = (): BuildRun => ({ ...newBuildRun({ contextDir: '/ctx', dockerfile: 'Dockerfile', text: 'FROM x\n', now: 1 }), buildId: BUILD_ID });

describe('applyBuildStatus', () => {
  test('the first event brings every stage and step, in order, and the run is running', () => {
    const run = applyBuildStatus(started(), { ...FIRST_EVENT, steps: [...(FIRST_EVENT.steps ?? [])].reverse() });
    assert.equal(run.phase, 'running');
    assert.equal(run.stages.length, 5);
    assert.deepEqual(
      run.steps.map((s) => s.id),
      ['0.0', '0.1', '1.0', '1.1', '2.0', '2.1', '3.0', '3.1', '3.2', '4.0', '4.1'],
    );
  });

  test('a delta replaces only the steps and stages it names, and leaves the old run alone', () => {
    const first = applyBuildStatus(started(), FIRST_EVENT);
    const next = applyBuildStatus(first, {
      buildId: BUILD_ID,
      steps: [step(0, 1, 'WORKDIR /app', { status: 'cached' })],
      stages: [{ ...(first.stages[0] as BuildRun['stages'][number]), status: 'running' }],
    });
    assert.equal(next.steps.find((s) => s.id === '0.1')?.status, 'cached');
    assert.equal(next.steps.find((s) => s.id === '0.0')?.status, 'queued');
    assert.equal(next.stages[0]?.status, 'running');
    assert.equal(next.stages.length, 5);
    assert.equal(first.steps.find((s) => s.id === '0.1')?.status, 'queued', 'the previous run is not mutated');
    assert.notEqual(next.steps, first.steps);
  });

  test('log lines append per step', () => {
    let run = applyBuildStatus(started(), FIRST_EVENT);
    run = applyBuildStatus(run, { buildId: BUILD_ID, logs: [{ stepId: '0.1', stream: 'stdout', line: 'a' }, { stepId: '1.1', stream: 'stderr', line: 'x' }] });
    const before = run.logs;
    run = applyBuildStatus(run, { buildId: BUILD_ID, logs: [{ stepId: '0.1', stream: 'stdout', line: 'b' }] });
    assert.deepEqual(run.logs['0.1'], [{ stream: 'stdout', line: 'a' }, { stream: 'stdout', line: 'b' }]);
    assert.deepEqual(run.logs['1.1'], [{ stream: 'stderr', line: 'x' }]);
    assert.equal(before['0.1']?.length, 1, 'the previous logs are not mutated');
  });

  test('a step keeps at most MAX_LOG_LINES lines and counts the dropped ones', () => {
    const many = Array.from({ length: MAX_LOG_LINES + 3 }, (_, i) => ({ stepId: '0.1', stream: 'stdout' as const, line: String(i) }));
    const run = applyBuildStatus(started(), { buildId: BUILD_ID, logs: many });
    assert.equal(run.logs['0.1']?.length, MAX_LOG_LINES);
    assert.equal(run.logs['0.1']?.[0]?.line, '3');
    assert.equal(run.droppedLogLines['0.1'], 3);
  });

  const results: [string, Parameters<typeof applyBuildStatus>[1]['result'], BuildRun['phase']][] = [
    ['success', { ok: true, value: { digest: 'sha256:1', configDigest: 'sha256:2', references: [], cachedSteps: 1, fsSteps: 2, durationMs: 5 } }, 'succeeded'],
    ['failure', { ok: false, error: { code: 'BUILD_STEP_FAILED', message: 'Dockerfile:3: RUN false: exited with code 1', details: { line: 3 } } }, 'failed'],
    ['cancel', { ok: false, error: { code: 'BUILD_CANCELLED', message: 'build cancelled' } }, 'cancelled'],
  ];
  for (const [name, result, phase] of results) {
    test(`a result ends the run: ${name}`, () => {
      const run = applyBuildStatus(applyBuildStatus(started(), FIRST_EVENT), { buildId: BUILD_ID, result }, 99);
      assert.equal(run.phase, phase);
      assert.equal(run.finishedAt, 99);
      assert.equal(isActive(run), false);
      if (result?.ok) assert.equal(run.result?.digest, 'sha256:1');
      else assert.equal(run.error?.code, result?.error.code);
    });
  }
});

describe('errorLines', () => {
  test('a failed step is blamed on its lines', () => {
    let run = applyBuildStatus(started(), FIRST_EVENT);
    run = applyBuildStatus(run, {
      buildId: BUILD_ID,
      steps: [step(3, 1, 'COPY src ./src', { status: 'failed', startLine: 9, endLine: 9, error: 'Dockerfile:9: COPY src: not found' })],
      result: { ok: false, error: { code: 'BUILD_SOURCE_NOT_FOUND', message: 'Dockerfile:9: COPY src: not found', details: { line: 9 } } },
    });
    assert.deepEqual(errorLines(run), [{ line: 9, endLine: 9, message: 'Dockerfile:9: COPY src: not found' }]);
  });

  test('an error before any step (a bad Dockerfile) is blamed on its details.line', () => {
    const run = applyBuildStatus(started(), { buildId: BUILD_ID, result: { ok: false, error: { code: 'DOCKERFILE_INVALID', message: 'Dockerfile:2: bad', details: { line: 2, endLine: 3 } } } });
    assert.deepEqual(errorLines(run), [{ line: 2, endLine: 3, message: 'Dockerfile:2: bad' }]);
  });

  test('nothing is blamed for a cancelled or running build', () => {
    assert.deepEqual(errorLines(applyBuildStatus(started(), FIRST_EVENT)), []);
    assert.deepEqual(errorLines(null), []);
  });
});
