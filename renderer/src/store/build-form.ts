import type { BuildRequestParams, DockerfileAnalysis } from '../../../preload/contract.ts';

/** BuildArgRow is one row of the build-args form: from the Dockerfile's ARGs, or added by hand. */
export interface BuildArgRow {
  id: number;
  name: string;
  value: string;
  /** The ARG's default in the Dockerfile (null: declared without one, or a row added by hand). */
  defaultValue: string | null;
  fromDockerfile: boolean;
  /** Whether the user changed the value (an edited row is sent even when it equals the default). */
  edited: boolean;
}

/** BuildTag is a tag the user added, with the normalized name the engine gave for it. */
export interface BuildTag {
  name: string;
  normalized: string;
}

export interface BuildForm {
  tags: BuildTag[];
  args: BuildArgRow[];
  /** The target stage's name; '' builds the last stage. */
  target: string;
  noCache: boolean;
}

export const EMPTY_FORM: BuildForm = { tags: [], args: [], target: '', noCache: false };

/** mergeArgs refreshes the ARG rows from a new analysis: new ARGs appear with their default, ARGs gone
 * from the Dockerfile leave unless the user edited them, and hand-added rows stay. */
export function mergeArgs(rows: readonly BuildArgRow[], args: DockerfileAnalysis['args'], nextId: () => number): BuildArgRow[] {
  const declared = new Map(args.map((a) => [a.name, a.defaultValue]));
  const out: BuildArgRow[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (declared.has(r.name)) {
      const def = declared.get(r.name) ?? null;
      seen.add(r.name);
      // A row the user never touched follows the Dockerfile's default as it changes.
      out.push(r.edited ? { ...r, defaultValue: def, fromDockerfile: true } : { ...r, defaultValue: def, value: def ?? '', fromDockerfile: true });
    } else if (!r.fromDockerfile || r.edited) {
      out.push(r.fromDockerfile ? { ...r, fromDockerfile: false, defaultValue: null } : r);
    }
  }
  for (const a of args) {
    if (seen.has(a.name)) continue;
    out.push({ id: nextId(), name: a.name, value: a.defaultValue ?? '', defaultValue: a.defaultValue, fromDockerfile: true, edited: false });
  }
  return out;
}

/** targetNames is every stage a build can target (only named stages: docker targets by name). */
export function targetNames(analysis: DockerfileAnalysis | null): string[] {
  return (analysis?.stages ?? []).flatMap((s) => (s.name ? [s.name] : []));
}

/** buildArgsOf is what the form sends as build args: rows with a name whose value differs from the
 * Dockerfile's default, or that the user set by hand. */
export function buildArgsOf(rows: readonly BuildArgRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const name = r.name.trim();
    if (!name) continue;
    if (r.fromDockerfile && !r.edited && r.value === (r.defaultValue ?? '')) continue;
    out[name] = r.value;
  }
  return out;
}

/** buildRequest turns the form into the engine's build request. */
export function buildRequest(contextDir: string, dockerfile: string, form: BuildForm): BuildRequestParams {
  const req: BuildRequestParams = { contextDir, dockerfile };
  if (form.tags.length) req.tags = form.tags.map((t) => t.name);
  const args = buildArgsOf(form.args);
  if (Object.keys(args).length) req.buildArgs = args;
  if (form.target) req.target = form.target;
  if (form.noCache) req.noCache = true;
  return req;
}
