import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { applyBuildStatus, newBuildRun, type BuildRun } from '../../store/build-status.ts';
import { BUILD_ID, FIRST_EVENT, MULTI_ANALYSIS, MULTI_TEXT, stage, step } from '../../store/build-samples.ts';
import { BuildSummary } from './BuildSummary.tsx';
import { stageGraph } from './stage-graph.ts';
import { StageGraphView } from './StageGraphView.tsx';
import { StepList } from './StepList.tsx';

const NOW = 10_000;
const layer = { digest: 'sha256:' + 'e'.repeat(64), size: 2_048, uncompressedSize: 4_096 };

/** A build of the sample with target app, caught mid-way: one step of each state. */
function midway(): BuildRun {
  const run = applyBuildStatus({ ...newBuildRun({ contextDir: '/c', dockerfile: 'Dockerfile', text: MULTI_TEXT, now: 9_000 }), buildId: BUILD_ID }, FIRST_EVENT);
  return applyBuildStatus(run, {
    buildId: BUILD_ID,
    stages: [stage(0, { status: 'done' }), stage(1, { status: 'running' }), stage(2, { status: 'failed' })],
    steps: [
      step(0, 0, 'FROM ${BASE} AS base', { status: 'done', startedAt: 9_000, endedAt: 9_010 }),
      step(0, 1, 'WORKDIR /app', { status: 'cached', startedAt: 9_010, endedAt: 9_020, layer }),
      step(1, 0, 'FROM base AS deps', { status: 'cached', startedAt: 9_020, endedAt: 9_020 }),
      step(1, 1, 'COPY requirements.txt .', { status: 'running', startedAt: 8_800, missReason: 'requirements.txt changed' }),
      step(2, 1, 'COPY docs ./docs', { status: 'failed', startedAt: 9_020, endedAt: 9_100, error: 'Dockerfile:7: COPY docs: not found', startLine: 7 }),
    ],
    logs: [{ stepId: '2.1', stream: 'stderr', line: 'no such file: docs' }],
  });
}

/** rows pulls each step row's id, status and visible texts. */
function rows(html: string): Record<string, string>[] {
  return html
    .split('data-testid="step" ')
    .slice(1)
    .map((row) => {
      const out: Record<string, string> = { id: /data-step-id="([^"]+)"/.exec(row)?.[1] ?? '', status: /data-status="([^"]+)"/.exec(row)?.[1] ?? '' };
      for (const m of row.matchAll(/data-testid="(step-[a-z-]+)"[^>]*>([^<]*)/g)) if (m[2]) out[m[1] as string] = (m[2] as string).trim();
      return out;
    });
}

describe('StepList', () => {
  const html = renderToStaticMarkup(createElement(StepList, { run: midway(), now: NOW, onReveal: () => {} }));
  const byId = new Map(rows(html).map((r) => [r.id, r]));
  const cases: [string, string, Record<string, string>][] = [
    ['a cached step says CACHED with its layer size', '0.1', { status: 'cached', 'step-status': 'CACHED' }],
    ['a running step shows its live time and why it was not cached', '1.1', { status: 'running', 'step-time': '1.2 s', 'step-status': 'running', 'step-miss-reason': 'requirements.txt changed' }],
    ['a finished step shows its time', '0.0', { status: 'done', 'step-time': '0.01 s', 'step-status': 'done' }],
    ['a failed step shows its error', '2.1', { status: 'failed', 'step-status': 'failed', 'step-error': 'Dockerfile:7: COPY docs: not found' }],
    ['a queued step says so, with no time', '3.1', { status: 'queued', 'step-status': 'queued' }],
  ];
  for (const [name, id, want] of cases) {
    test(name, () => {
      const row = byId.get(id);
      assert.ok(row, `row ${id}`);
      for (const [k, v] of Object.entries(want)) assert.equal(row[k], v, k);
      if (want.status === 'queued') assert.equal(row['step-time'], undefined);
    });
  }

  test('a cached step carries its layer size', () => assert.match(html, /data-step-id="0.1"[\s\S]*?2.05 kB[\s\S]*?CACHED/));
  test('a failed step with output opens its log by itself', () => assert.match(html, /data-testid="step-log"[\s\S]*?no such file: docs/));
  test('a skipped stage lists no steps and says why', () => {
    assert.match(html, /data-stage="test" data-status="skipped"[\s\S]*?Not built: the target does not need this stage./);
    assert.equal(byId.has('4.1'), false);
  });
});

describe('BuildSummary', () => {
  const render = (run: BuildRun) => renderToStaticMarkup(createElement(BuildSummary, { run, now: NOW, onCancel: () => {}, onOpenImage: () => {} }));

  test('while running: the live time and Cancel', () => {
    const html = render(midway());
    assert.match(html, /data-phase="running"/);
    assert.match(html, /data-testid="build-elapsed">1.0 s</);
    assert.match(html, /data-testid="cancel-build"/);
    assert.doesNotMatch(html, /open-in-images/);
  });

  test('when built: digest, cache count and Open in Images', () => {
    const run = applyBuildStatus(midway(), { buildId: BUILD_ID, result: { ok: true, value: { digest: 'sha256:' + 'd'.repeat(64), configDigest: 'sha256:c', references: ['docker.io/library/app:1'], cachedSteps: 2, fsSteps: 4, durationMs: 1234 } } });
    const html = render(run);
    assert.match(html, /data-phase="succeeded"/);
    assert.match(html, /data-testid="build-digest"[^>]*>sha256:d{64}</);
    assert.match(html, /data-testid="build-cache-count">2 of 4 steps cached</);
    assert.match(html, /data-testid="open-in-images"/);
    assert.doesNotMatch(html, /cancel-build/);
  });

  test('when failed: the engine error with its code', () => {
    const run = applyBuildStatus(midway(), { buildId: BUILD_ID, result: { ok: false, error: { code: 'BUILD_SOURCE_NOT_FOUND', message: 'Dockerfile:7: COPY docs: not found', details: { line: 7 } } } });
    const html = render(run);
    assert.match(html, /data-testid="error-code">BUILD_SOURCE_NOT_FOUND</);
  });

  test('when cancelled: no error banner, the phase says it', () => {
    const run = applyBuildStatus(midway(), { buildId: BUILD_ID, result: { ok: false, error: { code: 'BUILD_CANCELLED', message: 'build cancelled' } } });
    const html = render(run);
    assert.match(html, /data-phase="cancelled"/);
    assert.doesNotMatch(html, /error-banner/);
  });
});

describe('StageGraphView', () => {
  const html = renderToStaticMarkup(createElement(StageGraphView, { graph: stageGraph(MULTI_ANALYSIS, midway(), '') }));
  test('one node per stage with its status, the target marked', () => {
    const nodes = [...html.matchAll(/data-stage="([^"]+)" data-status="([^"]+)" data-needed="([^"]+)" data-target="([^"]+)"/g)].map((m) => m.slice(1).join(' '));
    assert.deepEqual(nodes, ['base done true false', 'deps running true false', 'docs failed true false', 'app queued true true', 'test skipped false false']);
  });
  test('one edge per pair, COPY --from drawn dashed', () => {
    assert.equal(html.match(/data-testid="stage-edge"/g)?.length, 5);
    assert.match(html, /data-from="docs" data-to="app" data-via="COPY --from"><title>[^<]*<\/title><path [^>]*class="graph__edge graph__edge--copy"/);
  });
});
