import type { DockerfileAnalysis, StageStatus } from '../../../../preload/contract.ts';
import { isActive, type BuildRun } from '../../store/build-status.ts';

/** GraphNode is one stage as the graph draws it. */
export interface GraphNode {
  index: number;
  label: string;
  name: string | null;
  /** The FROM operand as written. */
  base: string;
  /** The image the FROM line names, as the engine read it (args expanded with their defaults); null for a stage. */
  baseImage: string | null;
  /** The engine's status in the build shown; 'idle' when no build is shown. */
  status: StageStatus | 'idle';
  /** Whether the target needs the stage: the engine's word during a build, else read off the analysis. */
  needed: boolean;
  target: boolean;
  steps: { total: number; finished: number; cached: number; running: number; failed: number } | null;
}

/** GraphEdge is "to reads from": one per pair of stages, with every way it does (FROM, COPY --from…). */
export interface GraphEdge {
  from: number;
  to: number;
  via: string[];
}

export interface StageGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Whether statuses come from a build (otherwise the graph is the Dockerfile's plan). */
  fromBuild: boolean;
}

/** sameStages says whether a run's stages are still the Dockerfile's (so its statuses still fit the graph). */
function sameStages(run: BuildRun, analysis: DockerfileAnalysis | null): boolean {
  if (!analysis?.ok) return true;
  return run.stages.length === analysis.stages.length && run.stages.every((s, i) => s.name === analysis.stages[i]?.name);
}

/** neededBy is every stage the target reaches through the dependency edges (the target included). */
export function neededBy(target: number, dependsOn: ReadonlyMap<number, readonly number[]>): Set<number> {
  const seen = new Set<number>();
  const stack = [target];
  while (stack.length) {
    const i = stack.pop() as number;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const d of dependsOn.get(i) ?? []) stack.push(d);
  }
  return seen;
}

/** stageGraph is the graph the view draws: the Dockerfile's stages and edges from the analysis, with the
 * statuses of the build shown (while it runs, or after it while the stages still match). */
export function stageGraph(analysis: DockerfileAnalysis | null, run: BuildRun | null, target: string): StageGraph {
  const useRun = !!run && run.stages.length > 0 && (isActive(run) || sameStages(run, analysis));
  const planned = analysis?.ok ? analysis.stages : [];
  if (!planned.length && !useRun) return { nodes: [], edges: [], fromBuild: false };

  const edges = new Map<string, GraphEdge>();
  const addEdge = (from: number, to: number, via: string) => {
    const key = `${from}>${to}`;
    const e = edges.get(key) ?? { from, to, via: [] };
    if (!e.via.includes(via)) e.via.push(via);
    edges.set(key, e);
  };
  for (const s of planned) for (const e of s.edges) if (typeof e.ref === 'number') addEdge(e.ref, s.index, e.via);
  if (useRun && run) for (const s of run.stages) for (const d of s.dependsOn) if (!edges.has(`${d}>${s.index}`)) addEdge(d, s.index, 'depends');

  const stagesOfRun = new Map((useRun && run ? run.stages : []).map((s) => [s.index, s]));
  const base = planned.length ? planned.map((s) => ({ index: s.index, name: s.name, base: s.base, edges: s.edges, dependsOn: s.dependsOn })) : [...stagesOfRun.values()].map((s) => ({ ...s, edges: [] as DockerfileAnalysis['stages'][number]['edges'] }));
  const wanted = target ? base.find((s) => s.name === target)?.index : undefined;
  const targetIndex = wanted ?? base[base.length - 1]?.index ?? 0;
  const preview = neededBy(targetIndex, new Map(base.map((s) => [s.index, s.dependsOn])));

  const nodes = base.map((s): GraphNode => {
    const live = stagesOfRun.get(s.index);
    const steps = useRun && run ? run.steps.filter((x) => x.stage === s.index) : [];
    const fromImage = s.edges.find((e) => e.via === 'FROM' && typeof e.ref === 'string');
    return {
      index: s.index,
      label: s.name ?? `stage ${s.index}`,
      name: s.name,
      base: s.base,
      baseImage: fromImage ? String(fromImage.ref) : null,
      status: live?.status ?? 'idle',
      needed: live ? live.needed : preview.has(s.index),
      target: live ? live.target : s.index === targetIndex,
      steps: steps.length
        ? {
            total: steps.length,
            finished: steps.filter((x) => x.status === 'done' || x.status === 'cached').length,
            cached: steps.filter((x) => x.status === 'cached').length,
            running: steps.filter((x) => x.status === 'running').length,
            failed: steps.filter((x) => x.status === 'failed').length,
          }
        : null,
    };
  });
  return { nodes, edges: [...edges.values()], fromBuild: useRun };
}

export interface LayoutBox {
  index: number;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface LayoutEdge extends GraphEdge {
  /** An SVG path from the right side of `from` to the left side of `to`. */
  path: string;
  /** Where a label sits (the path's middle). */
  labelX: number;
  labelY: number;
}

export interface GraphLayout {
  boxes: LayoutBox[];
  edges: LayoutEdge[];
  width: number;
  height: number;
}

export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  padding: number;
}

export const LAYOUT_SIZES: LayoutSizes = { nodeWidth: 196, nodeHeight: 70, columnGap: 44, rowGap: 14, padding: 10 };

/** fitSizes narrows the nodes (down to minWidth) so that `columns` columns fit `width` pixels. */
export function fitSizes(columns: number, width: number, base: LayoutSizes = LAYOUT_SIZES, minWidth = 148): LayoutSizes {
  if (columns < 1 || !(width > 0)) return base;
  const fit = Math.floor((width - 2 * base.padding - (columns - 1) * base.columnGap) / columns);
  return { ...base, nodeWidth: Math.max(minWidth, Math.min(base.nodeWidth, fit)) };
}

/** columnCount is how many layers a graph needs (the longest chain of stages). */
export function columnCount(nodes: readonly Pick<GraphNode, 'index'>[], edges: readonly GraphEdge[]): number {
  return new Set(layoutGraph(nodes, edges).boxes.map((b) => b.column)).size;
}

/** layoutGraph places stages in layers, left to right: a stage's column is the longest chain of stages
 * it reads from, so every edge points right; a column's stages stack in Dockerfile order, centred. */
export function layoutGraph(nodes: readonly Pick<GraphNode, 'index'>[], edges: readonly GraphEdge[], sizes: LayoutSizes = LAYOUT_SIZES): GraphLayout {
  const { nodeWidth: w, nodeHeight: h, columnGap, rowGap, padding } = sizes;
  const known = new Set(nodes.map((n) => n.index));
  const parents = new Map<number, number[]>();
  for (const e of edges) if (known.has(e.from) && known.has(e.to) && e.from !== e.to) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const column = new Map<number, number>();
  const visiting = new Set<number>();
  const columnOf = (i: number): number => {
    const c = column.get(i);
    if (c !== undefined) return c;
    // A cycle (the engine rejects them, but the text may be mid-edit) is cut where it closes.
    if (visiting.has(i)) return 0;
    visiting.add(i);
    const v = Math.max(-1, ...(parents.get(i) ?? []).map(columnOf)) + 1;
    visiting.delete(i);
    column.set(i, v);
    return v;
  };
  const columns = new Map<number, number[]>();
  for (const n of [...nodes].sort((a, b) => a.index - b.index)) {
    const c = columnOf(n.index);
    columns.set(c, [...(columns.get(c) ?? []), n.index]);
  }
  const tallest = Math.max(0, ...[...columns.values()].map((c) => c.length));
  const boxes: LayoutBox[] = [];
  for (const [c, members] of columns) {
    const offset = ((tallest - members.length) * (h + rowGap)) / 2;
    members.forEach((index, row) => boxes.push({ index, column: c, row, x: padding + c * (w + columnGap), y: padding + offset + row * (h + rowGap) }));
  }
  boxes.sort((a, b) => a.index - b.index);
  const at = new Map(boxes.map((b) => [b.index, b]));
  const laid: LayoutEdge[] = [];
  for (const e of edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + w;
    const y1 = a.y + h / 2;
    const x2 = b.x;
    const y2 = b.y + h / 2;
    const dx = Math.max(24, (x2 - x1) / 2);
    laid.push({ ...e, path: `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 });
  }
  const columnsUsed = columns.size;
  return {
    boxes,
    edges: laid,
    width: columnsUsed ? padding * 2 + columnsUsed * w + (columnsUsed - 1) * columnGap : 0,
    height: tallest ? padding * 2 + tallest * h + (tallest - 1) * rowGap : 0,
  };
}
