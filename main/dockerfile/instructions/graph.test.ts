import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArgScope, DockerfileError, parseStages, resolveTarget, stageDependencies, stageEdges, stagesNeeded, type StageRef } from './index.ts';

/** deps renders stageDependencies as plain arrays: [[stage, [refs…]], …]. */
function deps(text: string, withScope = false): [number, StageRef[]][] {
  const r = parseStages(text);
  const opts = withScope ? { scope: ArgScope.create(r.metaArgs, { buildPlatform: 'linux/amd64' }) } : {};
  return [...stageDependencies(r.stages, opts)].map(([k, v]) => [k, [...v]]);
}

describe('stageDependencies', () => {
  const cases: { name: string; text: string; want: [number, StageRef[]][]; scope?: boolean }[] = [
    { name: 'FROM base AS x, then FROM x', text: 'FROM alpine AS x\nFROM x\n', want: [[0, ['alpine']], [1, [0]]] },
    { name: 'COPY --from=name (case-insensitive)', text: 'FROM a AS build\nFROM b\nCOPY --from=BUILD /o /o\n', want: [[0, ['a']], [1, ['b', 0]]] },
    { name: 'COPY --from=N by index', text: 'FROM a\nFROM b\nFROM c\nCOPY --from=1 /o /o\nCOPY --from=0 /p /p\n', want: [[0, ['a']], [1, ['b']], [2, ['c', 1, 0]]] },
    { name: 'COPY --from=image', text: 'FROM a\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n', want: [[0, ['a', 'nginx:1.27']]] },
    { name: 'FROM scratch adds nothing', text: 'FROM scratch AS s\nFROM s\n', want: [[0, []], [1, [0]]] },
    { name: 'FROM a stage defined later is an image', text: 'FROM later\nFROM b AS later\n', want: [[0, ['later']], [1, ['b']]] },
    { name: 'FROM matches the stage name exactly (stage names are lowercase)', text: 'FROM a AS x\nFROM X\n', want: [[0, ['a']], [1, ['X']]] },
    { name: 'RUN --mount from= a stage or an image; no index lookup', text: 'FROM a AS x\nFROM b\nRUN --mount=from=x,target=/x --mount=type=cache,from=0,target=/c --mount=type=cache,target=/d true\n', want: [[0, ['a']], [1, ['b', 0, '0']]] },
    { name: 'FROM ${ARG} resolved with the meta scope', text: 'ARG B=builder\nFROM alpine AS builder\nFROM $B\n', want: [[0, ['alpine']], [1, [0]]], scope: true },
    { name: 'without a scope FROM is taken as written', text: 'ARG B=builder\nFROM alpine AS builder\nFROM $B\n', want: [[0, ['alpine']], [1, ['$B']]] },
    { name: 'the same dependency twice is one entry', text: 'FROM a AS x\nFROM b\nCOPY --from=x /1 /1\nCOPY --from=0 /2 /2\n', want: [[0, ['a']], [1, ['b', 0]]] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(deps(c.text, c.scope), c.want));

  test('COPY --from=N out of range', () => {
    assert.throws(() => deps('FROM a\nCOPY --from=3 /x /x\n'), (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:2: invalid stage index 3' && err.details.instruction === 'COPY');
    assert.throws(() => deps('FROM a\nCOPY --from=-1 /x /x\n'), /invalid stage index -1/);
  });

  test('a stage copying from itself is circular', () => {
    assert.throws(() => deps('FROM a AS x\nCOPY --from=x /a /b\n'), (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:2: circular dependency detected on stage: x');
  });

  test('two stages copying from each other are circular', () => {
    assert.throws(() => deps('FROM a AS one\nCOPY --from=two /a /a\nFROM a AS two\nCOPY --from=one /b /b\n'), /circular dependency detected on stage: one/);
  });

  test('edges keep the instruction and how it referred to the stage', () => {
    const r = parseStages('FROM a AS x\nFROM x\nCOPY --from=x /a /a\nRUN --mount=from=x,target=/m true\n');
    const edges = stageEdges(r.stages).map((e) => [e.stage, e.ref, e.via, e.name, e.loc.startLine]);
    assert.deepEqual(edges, [
      [0, 'a', 'FROM', 'a', 1],
      [1, 0, 'FROM', 'x', 2],
      [1, 0, 'COPY --from', 'x', 3],
      [1, 0, 'RUN --mount', 'x', 4],
    ]);
  });
});

describe('stagesNeeded and resolveTarget', () => {
  const text = 'FROM a AS base\nFROM base AS test\nRUN make test\nFROM b AS build\nCOPY --from=base /x /x\nFROM scratch AS final\nCOPY --from=build /out /\n';

  test('the target and what it reaches, in order; unreached stages are pruned', () => {
    const r = parseStages(text);
    assert.deepEqual(stagesNeeded(r.stages, resolveTarget(r.stages)), [0, 2, 3]);
    assert.deepEqual(stagesNeeded(r.stages, resolveTarget(r.stages, 'TEST')), [0, 1]);
    assert.deepEqual(stagesNeeded(r.stages, 0), [0]);
  });

  test('an unknown --target', () => {
    const r = parseStages(text);
    assert.throws(() => resolveTarget(r.stages, 'nope'), (err: unknown) => err instanceof DockerfileError && /target stage "nope" could not be found/.test(err.message));
  });

  test('a needed stage may not copy from a later stage', () => {
    const r = parseStages('FROM a AS one\nCOPY --from=two /a /a\nFROM b AS two\n');
    assert.throws(
      () => stagesNeeded(r.stages, 0),
      (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:2: cannot copy from stage "two", it needs to be defined before current stage "one"',
    );
  });

  test('nor mount from one', () => {
    const r = parseStages('FROM a\nRUN --mount=from=two,target=/t true\nFROM b AS two\n');
    assert.throws(() => stagesNeeded(r.stages, 0), /cannot mount from stage "two" to "\/t", stage needs to be defined before current command/);
  });

  test('a forward reference in a stage that is not needed does no harm', () => {
    const r = parseStages('FROM a AS one\nCOPY --from=two /a /a\nFROM b AS two\n');
    assert.deepEqual(stagesNeeded(r.stages, 1), [1]);
  });
});
