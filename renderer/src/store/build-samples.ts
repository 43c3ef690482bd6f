// Sample engine answers for the Build view's unit tests: a multi-stage Dockerfile's analysis and the
// status events of a build of it, shaped as main/build/solver.ts sends them.
import type { BuildStageState, BuildStatusEvent, BuildStepState, DockerfileAnalysis } from '../../../preload/contract.ts';

export const MULTI_TEXT = `ARG BASE=busybox:latest
FROM \${BASE} AS base
WORKDIR /app
FROM base AS deps
COPY requirements.txt .
FROM base AS docs
COPY docs ./docs
FROM deps AS app
COPY src ./src
COPY --from=docs /app/docs ./docs
FROM app AS test
COPY tests ./tests
`;

/** MULTI_ANALYSIS is what analyzeDockerfile answers for MULTI_TEXT. */
export const MULTI_ANALYSIS: DockerfileAnalysis = {
  ok: true,
  stages: [
    { index: 0, name: 'base', base: '${BASE}', startLine: 2, dependsOn: [], edges: [{ ref: 'busybox:latest', via: 'FROM', line: 2 }], instructions: 2 },
    { index: 1, name: 'deps', base: 'base', startLine: 4, dependsOn: [0], edges: [{ ref: 0, via: 'FROM', line: 4 }], instructions: 2 },
    { index: 2, name: 'docs', base: 'base', startLine: 6, dependsOn: [0], edges: [{ ref: 0, via: 'FROM', line: 6 }], instructions: 2 },
    {
      index: 3,
      name: 'app',
      base: 'deps',
      startLine: 8,
      dependsOn: [1, 2],
      edges: [
        { ref: 1, via: 'FROM', line: 8 },
        { ref: 2, via: 'COPY --from', line: 10 },
      ],
      instructions: 3,
    },
    { index: 4, name: 'test', base: 'app', startLine: 11, dependsOn: [3], edges: [{ ref: 3, via: 'FROM', line: 11 }], instructions: 2 },
  ],
  args: [{ name: 'BASE', defaultValue: 'busybox:latest' }],
  problems: [],
};

/** stage is a stage state of the sample (target app: test is skipped). */
export function stage(index: number, patch: Partial<BuildStageState> = {}): BuildStageState {
  const a = MULTI_ANALYSIS.stages[index];
  if (!a) throw new Error(`no sample stage ${index}`);
  const needed = index !== 4;
  return { index, name: a.name, base: a.base, dependsOn: a.dependsOn, needed, target: index === 3, status: needed ? 'queued' : 'skipped', ...patch };
}

/** step is a queued step of the sample. */
export function step(stageIndex: number, index: number, instruction: string, patch: Partial<BuildStepState> = {}): BuildStepState {
  const kind = instruction.split(' ')[0] as string;
  return {
    id: `${stageIndex}.${index}`,
    stage: stageIndex,
    index,
    kind,
    instruction,
    startLine: 1,
    endLine: 1,
    fsStep: ['FROM', 'COPY', 'ADD', 'RUN', 'WORKDIR'].includes(kind),
    status: 'queued',
    startedAt: null,
    endedAt: null,
    cacheKey: null,
    missReason: null,
    layer: null,
    error: null,
    ...patch,
  };
}

export const BUILD_ID = 'b0b0b0b0b0b0b0b0';

/** FIRST_EVENT carries every stage and step, as the engine's first delta does. */
export const FIRST_EVENT: BuildStatusEvent = {
  buildId: BUILD_ID,
  stages: [0, 1, 2, 3, 4].map((i) => stage(i)),
  steps: [
    step(0, 0, 'FROM ${BASE} AS base', { startLine: 2, endLine: 2 }),
    step(0, 1, 'WORKDIR /app', { startLine: 3, endLine: 3 }),
    step(1, 0, 'FROM base AS deps', { startLine: 4, endLine: 4 }),
    step(1, 1, 'COPY requirements.txt .', { startLine: 5, endLine: 5 }),
    step(2, 0, 'FROM base AS docs', { startLine: 6, endLine: 6 }),
    step(2, 1, 'COPY docs ./docs', { startLine: 7, endLine: 7 }),
    step(3, 0, 'FROM deps AS app', { startLine: 8, endLine: 8 }),
    step(3, 1, 'COPY src ./src', { startLine: 9, endLine: 9 }),
    step(3, 2, 'COPY --from=docs /app/docs ./docs', { startLine: 10, endLine: 10 }),
    step(4, 0, 'FROM app AS test', { startLine: 11, endLine: 11 }),
    step(4, 1, 'COPY tests ./tests', { startLine: 12, endLine: 12 }),
  ],
};
