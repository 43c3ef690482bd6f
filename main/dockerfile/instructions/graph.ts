// The stage graph: which stages and images each stage needs, resolved as BuildKit's dockerfile2llb does
// (FROM sees earlier stage names; COPY --from takes an index, then a name, else an image; RUN --mount
// from= takes a name, else an image).
import type { ArgScope } from './args.ts';
import { DockerfileError } from './errors.ts';
import type { SourceLocation, Stage, StageInstruction } from './types.ts';

/** A dependency: another stage (by index) or an external image reference. */
export type StageRef = number | string;

/** One edge with the instruction that made it. */
export interface StageEdge {
  stage: number;
  ref: StageRef;
  /** how the stage refers to it */
  via: 'FROM' | 'COPY --from' | 'RUN --mount';
  /** the reference as written (after FROM expansion) */
  name: string;
  loc: SourceLocation;
  instruction?: StageInstruction;
}

export interface StageGraphOptions {
  /** expands FROM lines (ARG before FROM); without it base names are taken as written */
  scope?: ArgScope;
  file?: string;
}

/** The image `FROM scratch` names: an empty filesystem, not a dependency. */
export const SCRATCH = 'scratch';

function err(reason: string, loc: SourceLocation, instruction: string, file: string | undefined): DockerfileError {
  const where: ConstructorParameters<typeof DockerfileError>[1] = { loc, instruction };
  if (file !== undefined) where.file = file;
  return new DockerfileError(reason, where);
}

/** goAtoi is strconv.Atoi for what --from can hold: optional sign, decimal digits. */
function goAtoi(s: string): number | null {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : null;
}

/** stageLabel is how BuildKit names a stage in messages: its name, else `stage-N`. */
export function stageLabel(stage: Stage): string {
  return stage.name ?? `stage-${stage.index}`;
}

/** stageEdges lists every dependency edge, in Dockerfile order. Throws DockerfileError for a
 * `COPY --from=N` out of range. */
export function stageEdges(stages: readonly Stage[], opts: StageGraphOptions = {}): StageEdge[] {
  const byName = new Map<string, number>();
  for (const s of stages) if (s.name !== undefined) byName.set(s.name, s.index);
  const edges: StageEdge[] = [];
  for (const s of stages) {
    const base = opts.scope ? opts.scope.expandFrom(s.from, opts.file !== undefined ? { file: opts.file } : {}).instruction.baseName : s.baseName;
    // FROM matches the expanded base name exactly against stages defined before this one.
    const earlier = byName.get(base);
    if (earlier !== undefined && earlier < s.index) edges.push({ stage: s.index, ref: earlier, via: 'FROM', name: base, loc: s.loc });
    else if (base !== SCRATCH) edges.push({ stage: s.index, ref: base, via: 'FROM', name: base, loc: s.loc });

    for (const inst of s.instructions) {
      if (inst.kind === 'COPY' && inst.from !== undefined) {
        const index = goAtoi(inst.from);
        let ref: StageRef;
        if (index !== null) {
          if (index < 0 || index >= stages.length) throw err(`invalid stage index ${index}`, inst.loc, 'COPY', opts.file);
          ref = index;
        } else ref = byName.get(inst.from.toLowerCase()) ?? inst.from;
        edges.push({ stage: s.index, ref, via: 'COPY --from', name: inst.from, loc: inst.loc, instruction: inst });
      } else if (inst.kind === 'RUN') {
        for (const m of inst.mounts) {
          if (m.from === undefined || m.from === '') continue;
          const ref = byName.get(m.from.toLowerCase()) ?? m.from;
          edges.push({ stage: s.index, ref, via: 'RUN --mount', name: m.from, loc: inst.loc, instruction: inst });
        }
      }
    }
  }
  return edges;
}

/** stageDependencies maps each stage index to the stages (indexes) and external images (references) it
 * needs: its FROM base and every COPY --from / RUN --mount from=. `FROM scratch` adds nothing. Throws
 * DockerfileError for an out-of-range index and for a circular dependency. */
export function stageDependencies(stages: readonly Stage[], opts: StageGraphOptions = {}): Map<number, Set<StageRef>> {
  const edges = stageEdges(stages, opts);
  const deps = new Map<number, Set<StageRef>>();
  for (const s of stages) deps.set(s.index, new Set());
  for (const e of edges) deps.get(e.stage)?.add(e.ref);
  checkCycles(stages, edges, opts.file);
  return deps;
}

/** checkCycles refuses a stage that (through others) depends on itself (BuildKit
 * validateCircularDependency), naming the stage and the instruction that closes the loop. */
function checkCycles(stages: readonly Stage[], edges: readonly StageEdge[], file: string | undefined): void {
  const out = new Map<number, StageEdge[]>();
  for (const e of edges) if (typeof e.ref === 'number') (out.get(e.stage) ?? out.set(e.stage, []).get(e.stage))?.push(e);
  const visited = new Set<number>();
  const onPath = new Set<number>();
  const visit = (n: number): StageEdge | null => {
    if (visited.has(n)) return null;
    visited.add(n);
    onPath.add(n);
    for (const e of out.get(n) ?? []) {
      const to = e.ref as number;
      if (onPath.has(to)) return e;
      const found = visit(to);
      if (found) return found;
    }
    onPath.delete(n);
    return null;
  };
  for (const s of stages) {
    const closing = visit(s.index);
    if (closing) {
      throw err(`circular dependency detected on stage: ${stageLabel(s)}`, closing.loc, closing.instruction?.kind ?? 'FROM', file);
    }
  }
}

/** resolveTarget finds the stage `--target` names (case-insensitive), or the last stage when none. */
export function resolveTarget(stages: readonly Stage[], target?: string): Stage {
  if (target === undefined || target === '') {
    const last = stages[stages.length - 1];
    if (!last) throw new Error('resolveTarget: no stages');
    return last;
  }
  const found = stages.find((s) => s.name === target.toLowerCase());
  if (!found) {
    const first = stages[0];
    throw err(`target stage ${JSON.stringify(target)} could not be found`, first?.loc ?? { startLine: 1, endLine: 1 }, '', undefined);
  }
  return found;
}

/** stagesNeeded lists, in Dockerfile order, the stages the target needs (itself included): stages it
 * does not reach are not built. A needed stage may only use stages defined before it, as BuildKit builds
 * them in order; otherwise this throws BuildKit's "needs to be defined before" error. */
export function stagesNeeded(stages: readonly Stage[], target: Stage | number, opts: StageGraphOptions = {}): number[] {
  const edges = stageEdges(stages, opts);
  checkCycles(stages, edges, opts.file);
  const start = typeof target === 'number' ? target : target.index;
  const byStage = new Map<number, StageEdge[]>();
  for (const e of edges) (byStage.get(e.stage) ?? byStage.set(e.stage, []).get(e.stage))?.push(e);
  const needed = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const n = stack.pop() as number;
    if (needed.has(n)) continue;
    needed.add(n);
    for (const e of byStage.get(n) ?? []) if (typeof e.ref === 'number') stack.push(e.ref);
  }
  const order = [...needed].sort((a, b) => a - b);
  for (const n of order) {
    for (const e of byStage.get(n) ?? []) {
      if (typeof e.ref !== 'number' || e.ref < n) continue;
      const from = stages[e.ref];
      const current = stages[n];
      if (!from || !current) continue;
      if (e.via === 'COPY --from') {
        throw err(`cannot copy from stage ${JSON.stringify(e.name)}, it needs to be defined before current stage ${JSON.stringify(stageLabel(current))}`, e.loc, 'COPY', opts.file);
      }
      const target = e.instruction?.kind === 'RUN' ? e.instruction.mounts.find((m) => m.from === e.name)?.target ?? '' : '';
      throw err(`cannot mount from stage ${JSON.stringify(e.name)} to ${JSON.stringify(target)}, stage needs to be defined before current command`, e.loc, 'RUN', opts.file);
    }
  }
  return order;
}
