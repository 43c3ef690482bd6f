import { ArgScope } from '../dockerfile/instructions/args.ts';
import { stageEdges } from '../dockerfile/instructions/graph.ts';
import { parseStages } from '../dockerfile/instructions/stages.ts';
import type { DockerfileAnalysis } from '../../preload/contract.ts';
import { StrataError } from '../util/errors.ts';
import { placeError } from '../dockerfile/error-position.ts';

/** analyzeDockerfile parses a Dockerfile for the editor: stages and their edges, build args, and every
 * problem with its line (parse errors as errors, lint findings as warnings). Never throws. */
export function analyzeDockerfile(text: string, file = 'Dockerfile'): DockerfileAnalysis {
  try {
    const parsed = parseStages(text, { file });
    const scope = ArgScope.create(parsed.metaArgs, { escapeToken: parsed.escapeToken, file });
    const edges = stageEdges(parsed.stages, { scope, file });
    const args = new Map<string, string | null>();
    for (const a of parsed.metaArgs) for (const d of a.args) args.set(d.key, d.value ?? null);
    for (const s of parsed.stages) for (const i of s.instructions) if (i.kind === 'ARG') for (const d of i.args) if (!args.has(d.key)) args.set(d.key, d.value ?? null);
    return {
      ok: true,
      stages: parsed.stages.map((s) => ({
        index: s.index,
        name: s.name ?? null,
        base: s.baseName,
        startLine: s.loc.startLine,
        dependsOn: [...new Set(edges.filter((e) => e.stage === s.index && typeof e.ref === 'number').map((e) => e.ref as number))],
        edges: edges.filter((e) => e.stage === s.index).map((e) => ({ ref: e.ref, via: e.via, line: e.loc.startLine })),
        instructions: s.instructions.length + 1,
      })),
      args: [...args].map(([name, defaultValue]) => ({ name, defaultValue })),
      problems: parsed.warnings.map((w) => ({ line: w.line, endLine: w.line, severity: 'warning' as const, message: w.short })),
    };
  } catch (e) {
    placeError(e, text, file);
    const d = (e instanceof StrataError ? e.details : undefined) as { line?: number; endLine?: number; column?: number } | undefined;
    const problem = { line: d?.line ?? 1, endLine: d?.endLine ?? d?.line ?? 1, severity: 'error' as const, message: (e as Error).message };
    return { ok: false, stages: [], args: [], problems: [typeof d?.column === 'number' ? { ...problem, column: d.column } : problem] };
  }
}
