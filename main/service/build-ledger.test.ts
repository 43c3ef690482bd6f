import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildStepState } from '../../preload/contract.ts';
import { BuildLedger, FINISHED_BUILDS_KEPT, SNAPSHOT_LOG_CHARS_PER_STEP, SNAPSHOT_LOG_LINES_PER_STEP } from './build-ledger.ts';

const step = (id: string, status: BuildStepState['status']): BuildStepState => ({
  id,
  stage: 0,
  index: Number(id.split('.')[1]),
  kind: 'RUN',
  instruction: `RUN ${id}`,
  startLine: 1,
  endLine: 1,
  fsStep: true,
  status,
  startedAt: null,
  endedAt: null,
  cacheKey: null,
  missReason: null,
  layer: null,
  error: null,
});

describe('build ledger', () => {
  test('merges deltas, numbers events, and ends with the result', () => {
    const l = new BuildLedger();
    l.start('b1', { contextDir: '/ctx', tags: ['a:1'] }, 100);
    assert.equal(l.record({ buildId: 'b1', steps: [step('0.0', 'queued'), step('0.1', 'queued')] }).seq, 1);
    assert.equal(l.record({ buildId: 'b1', steps: [step('0.1', 'running')] }).seq, 2);
    assert.equal(l.record({ buildId: 'other', steps: [] }).seq, undefined, 'unknown builds pass through unnumbered');
    const [s] = l.list();
    assert.deepEqual(s?.steps.map((x) => x.status), ['queued', 'running']);
    assert.deepEqual([s?.dockerfile, s?.tags, s?.finishedAt, s?.seq], ['Dockerfile', ['a:1'], null, 2]);
    l.record({ buildId: 'b1', result: { ok: false, error: { code: 'BUILD_CANCELLED', message: 'x' } } }, 200);
    assert.equal(l.list()[0]?.finishedAt, 200);
  });

  test(`a step's log is bounded: ${SNAPSHOT_LOG_LINES_PER_STEP} lines, ${SNAPSHOT_LOG_CHARS_PER_STEP} characters; the rest counted`, () => {
    const l = new BuildLedger();
    l.start('b', { contextDir: '/c' });
    l.record({ buildId: 'b', logs: Array.from({ length: SNAPSHOT_LOG_LINES_PER_STEP + 7 }, (_, i) => ({ stepId: '0.1', stream: 'stdout' as const, line: `l${i}` })) });
    let s = l.list()[0]!;
    assert.equal(s.logs.length, SNAPSHOT_LOG_LINES_PER_STEP);
    assert.equal(s.logs[0]?.line, 'l7');
    assert.equal(s.droppedLogLines['0.1'], 7);
    l.record({ buildId: 'b', logs: [0, 1, 2].map(() => ({ stepId: '0.2', stream: 'stdout' as const, line: 'x'.repeat(40 * 1024) })) });
    s = l.list()[0]!;
    assert.equal(s.logs.filter((x) => x.stepId === '0.2').length, 1);
    assert.equal(s.droppedLogLines['0.2'], 2);
  });

  test(`keeps running builds and the last ${FINISHED_BUILDS_KEPT} finished, newest first`, () => {
    const l = new BuildLedger();
    l.start('running', { contextDir: '/c' }, 1);
    for (let i = 0; i < FINISHED_BUILDS_KEPT + 3; i++) {
      l.start(`f${i}`, { contextDir: '/c' }, 1);
      l.record({ buildId: `f${i}`, result: { ok: false, error: { code: 'X', message: 'x' } } });
    }
    const ids = l.list().map((b) => b.buildId);
    assert.equal(ids.length, FINISHED_BUILDS_KEPT + 1);
    assert.equal(ids[0], `f${FINISHED_BUILDS_KEPT + 2}`);
    assert.ok(ids.includes('running'));
    assert.ok(!ids.includes('f0'));
  });
});
