import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyBuildStatus, newBuildRun, type BuildRun } from '../../store/build-status.ts';
import { BUILD_ID, FIRST_EVENT, MULTI_ANALYSIS, MULTI_TEXT, stage, step } from '../../store/build-samples.ts';
import { columnCount, fitSizes, LAYOUT_SIZES, layoutGraph, neededBy, stageGraph } from './stage-graph.ts';

const run = (): BuildRun => applyBuildStatus({ ...newBuildRun({ contextDir: '/c', dockerfile: 'Dockerfile', text: MULTI_TEXT, now: 0 }), buildId: BUILD_ID }, FIRST_EVENT);

describe('stageGraph', () => {
  test('before a build: the plan, edges merged per pair with every way they read', () => {
    const g = stageGraph(MULTI_ANALYSIS, null, '');
    assert.equal(g.fromBuild, false);
    assert.deepEqual(
      g.nodes.map((n) => [n.label, n.status, n.needed, n.target]),
      [
        ['base', 'idle', true, false],
        ['deps', 'idle', true, false],
        ['docs', 'idle', true, false],
        ['app', 'idle', true, false],
        ['test', 'idle', true, true],
      ],
    );
    assert.equal(g.nodes[0]?.baseImage, 'busybox:latest');
    assert.equal(g.nodes[1]?.baseImage, null);
    assert.deepEqual(
      g.edges.map((e) => [e.from, e.to, e.via]),
      [
        [0, 1, ['FROM']],
        [0, 2, ['FROM']],
        [1, 3, ['FROM']],
        [2, 3, ['COPY --from']],
        [3, 4, ['FROM']],
      ],
    );
  });

  test('a target marks what it does not need, before any build', () => {
    const g = stageGraph(MULTI_ANALYSIS, null, 'deps');
    assert.deepEqual(
      g.nodes.filter((n) => n.needed).map((n) => n.label),
      ['base', 'deps'],
    );
    assert.deepEqual(
      g.nodes.filter((n) => n.target).map((n) => n.label),
      ['deps'],
    );
  });

  test('during a build the engine’s statuses, needed and target win', () => {
    const r = applyBuildStatus(run(), { buildId: BUILD_ID, stages: [stage(0, { status: 'running' })], steps: [step(0, 1, 'WORKDIR /app', { status: 'running' })] });
    const g = stageGraph(MULTI_ANALYSIS, r, '');
    assert.equal(g.fromBuild, true);
    assert.deepEqual(
      g.nodes.map((n) => [n.label, n.status, n.needed, n.target]),
      [
        ['base', 'running', true, false],
        ['deps', 'queued', true, false],
        ['docs', 'queued', true, false],
        ['app', 'queued', true, true],
        ['test', 'skipped', false, false],
      ],
    );
    assert.deepEqual(g.nodes[0]?.steps, { total: 2, finished: 0, cached: 0, running: 1, failed: 0 });
  });

  test('after a build, statuses stay while the stages still match, and go when they do not', () => {
    const r: BuildRun = { ...run(), phase: 'succeeded' };
    assert.equal(stageGraph(MULTI_ANALYSIS, r, '').fromBuild, true);
    const renamed = { ...MULTI_ANALYSIS, stages: MULTI_ANALYSIS.stages.map((s) => (s.index === 2 ? { ...s, name: 'manual' } : s)) };
    assert.equal(stageGraph(renamed, r, '').fromBuild, false);
  });

  test('a Dockerfile that does not parse keeps the build’s graph, or shows nothing', () => {
    const broken = { ok: false, stages: [], args: [], problems: [] };
    const g = stageGraph(broken, { ...run(), phase: 'failed' }, '');
    assert.equal(g.nodes.length, 5);
    assert.deepEqual(
      g.edges.map((e) => [e.from, e.to, e.via]),
      [
        [0, 1, ['depends']],
        [0, 2, ['depends']],
        [1, 3, ['depends']],
        [2, 3, ['depends']],
        [3, 4, ['depends']],
      ],
    );
    assert.deepEqual(stageGraph(broken, null, ''), { nodes: [], edges: [], fromBuild: false });
  });
});

describe('neededBy', () => {
  const deps = new Map([
    [1, [0]],
    [2, [0]],
    [3, [1, 2]],
    [4, [3, 4]],
  ]);
  const cases: [number, number[]][] = [
    [0, [0]],
    [1, [0, 1]],
    [3, [0, 1, 2, 3]],
    [4, [0, 1, 2, 3, 4]],
  ];
  for (const [t, want] of cases) test(`target ${t}`, () => assert.deepEqual([...neededBy(t, deps)].sort(), want));
});

describe('layoutGraph', () => {
  const { nodeWidth: w, nodeHeight: h, columnGap: cg, rowGap: rg, padding: p } = LAYOUT_SIZES;
  const g = stageGraph(MULTI_ANALYSIS, null, '');
  const l = layoutGraph(g.nodes, g.edges);

  test('a stage sits one column right of the longest chain it reads from', () =>
    assert.deepEqual(
      l.boxes.map((b) => [b.index, b.column, b.row]),
      [
        [0, 0, 0],
        [1, 1, 0],
        [2, 1, 1],
        [3, 2, 0],
        [4, 3, 0],
      ],
    ));

  test('a column shorter than the tallest is centred', () => {
    assert.equal(l.boxes[0]?.y, p + (h + rg) / 2);
    assert.equal(l.boxes[1]?.y, p);
    assert.equal(l.boxes[2]?.y, p + h + rg);
  });

  test('every edge runs from a right side to a left side, left to right', () => {
    for (const e of l.edges) {
      const m = /^M(\S+) (\S+) C.* (\S+) (\S+)$/.exec(e.path);
      assert.ok(m, e.path);
      assert.ok(Number(m[1]) < Number(m[3]), `${e.from}→${e.to} points right`);
    }
    assert.equal(l.edges[0]?.path.startsWith(`M${p + w} `), true);
  });

  test('the size fits every box', () => {
    assert.equal(l.width, 2 * p + 4 * w + 3 * cg);
    assert.equal(l.height, 2 * p + 2 * h + rg);
  });

  test('a cycle (text mid-edit) still lays out', () => {
    const c = layoutGraph([{ index: 0 }, { index: 1 }], [
      { from: 0, to: 1, via: ['FROM'] },
      { from: 1, to: 0, via: ['COPY --from'] },
    ]);
    assert.equal(c.boxes.length, 2);
  });

  test('no stages, no size', () => assert.deepEqual(layoutGraph([], []), { boxes: [], edges: [], width: 0, height: 0 }));
});

describe('fitSizes', () => {
  const { nodeWidth, columnGap, padding } = LAYOUT_SIZES;
  const cases: [string, number, number, number][] = [
    ['room to spare keeps the full width', 2, 2000, nodeWidth],
    ['a narrow panel narrows the nodes to fit', 4, 2 * padding + 3 * columnGap + 4 * 160, 160],
    ['never below the minimum (the graph scrolls)', 6, 300, 148],
    ['an unmeasured panel keeps the full width', 3, 0, nodeWidth],
  ];
  for (const [name, cols, width, want] of cases) test(name, () => assert.equal(fitSizes(cols, width).nodeWidth, want));
  test('the sample needs four columns', () => {
    const g = stageGraph(MULTI_ANALYSIS, null, '');
    assert.equal(columnCount(g.nodes, g.edges), 4);
  });
});
