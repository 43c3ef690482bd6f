// strata analyze and strata diff: the layer explorer, waste report, CI gate and image diff in a terminal.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { shortDigest } from '../oci/digest.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { Explorer, parseRatio, parseSize, type ChangeKind, type ImageDiff, type WasteReport } from '../explore/index.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { StrataError } from '../util/errors.ts';
import { formatBytes, table } from './format.ts';

export { EXPLORE_USAGE } from './usage.ts';

class UsageError extends StrataError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

type Out = { out: (s: string) => void; err: (s: string) => void };

/** Where the store is: tests pass a home, the CLI uses $STRATA_HOME. */
export interface ExploreCliOptions {
  home?: string;
}

function opts<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** usageValue turns a size/ratio parse failure into a usage error (exit 2) naming the flag. */
function usageValue<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const familiar = (refs: string[], digest: string) => (refs[0] ? parseDockerRef(refs[0]).familiarString() : shortDigest(digest));
const oneLine = (s: string | null, max = 60) => {
  const t = (s ?? '').replace(/\s+/g, ' ').replace(/^RUN \/bin\/sh -c /, 'RUN ').replace(/ # buildkit$/, '');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
};

/** CiRule is one threshold of the CI gate and how the image fared. */
export interface CiRule {
  rule: 'lowest-efficiency' | 'highest-wasted-bytes' | 'highest-user-wasted-percent';
  limit: number;
  value: number;
  pass: boolean;
}

/** ciRules evaluates the gate as dive's CI mode does; a rule set to "disabled" is left out. */
function ciRules(r: WasteReport, v: { 'lowest-efficiency'?: string | undefined; 'highest-wasted-bytes'?: string | undefined; 'highest-user-wasted-percent'?: string | undefined }): CiRule[] {
  const rules: CiRule[] = [];
  const given = (flag: keyof typeof v, dflt: string | null) => {
    const s = v[flag] ?? dflt;
    return s === null || s.trim().toLowerCase() === 'disabled' ? null : s;
  };
  const eff = given('lowest-efficiency', '0.9');
  if (eff !== null) {
    const limit = usageValue('lowest-efficiency', () => parseRatio(eff, 'lowest efficiency'));
    rules.push({ rule: 'lowest-efficiency', limit, value: r.efficiency, pass: r.efficiency >= limit });
  }
  const bytes = given('highest-wasted-bytes', null);
  if (bytes !== null) {
    const limit = usageValue('highest-wasted-bytes', () => parseSize(bytes, 'highest wasted bytes'));
    rules.push({ rule: 'highest-wasted-bytes', limit, value: r.wastedBytes, pass: r.wastedBytes <= limit });
  }
  const user = given('highest-user-wasted-percent', '0.1');
  if (user !== null) {
    const limit = usageValue('highest-user-wasted-percent', () => parseRatio(user, 'highest user wasted percent'));
    rules.push({ rule: 'highest-user-wasted-percent', limit, value: r.userWastedPercent, pass: r.userWastedPercent <= limit });
  }
  return rules;
}

function describeRule(c: CiRule): string {
  if (c.rule === 'highest-wasted-bytes') return `${c.rule}: ${formatBytes(c.value)} wasted ${c.pass ? '<=' : '>'} ${formatBytes(c.limit)}`;
  if (c.rule === 'lowest-efficiency') return `${c.rule}: efficiency ${pct(c.value)} ${c.pass ? '>=' : '<'} ${pct(c.limit)}`;
  return `${c.rule}: user waste ${pct(c.value)} ${c.pass ? '<=' : '>'} ${pct(c.limit)}`;
}

/** analyzeCmd is `strata analyze`: the waste report (with the CI gate), or one layer's files with --layer.
 * Returns the exit code: 0, or 1 when a CI threshold is crossed. */
export async function analyzeCmd(args: string[], io: Out, options: ExploreCliOptions = {}): Promise<number> {
  const { values, positionals } = opts(args, {
    json: { type: 'boolean' },
    top: { type: 'string' },
    ci: { type: 'boolean' },
    'lowest-efficiency': { type: 'string' },
    'highest-wasted-bytes': { type: 'string' },
    'highest-user-wasted-percent': { type: 'string' },
    layer: { type: 'string' },
    view: { type: 'string' },
    changes: { type: 'string' },
    pattern: { type: 'string' },
    'min-size': { type: 'string' },
    sort: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(`"strata analyze" requires exactly one image. See 'strata --help'.`);
  const ref = positionals[0] as string;
  const explorer = new Explorer(await Store.open(options.home ?? defaultStrataHome()));
  if (values.layer !== undefined) return layerFiles(explorer, ref, values, io);
  const top = values.top !== undefined ? Number(values.top) : 10;
  if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top must be a whole number, not "${values.top}"`);
  const ci = !!values.ci || values['lowest-efficiency'] !== undefined || values['highest-wasted-bytes'] !== undefined || values['highest-user-wasted-percent'] !== undefined;
  // Thresholds are checked before the (possibly long) first indexing of a big image.
  const rulesFor = (r: WasteReport) => (ci ? ciRules(r, values) : []);
  if (ci) rulesFor({ efficiency: 1, wastedBytes: 0, userWastedPercent: 0 } as WasteReport);
  const report = await explorer.analyzeImage({ ref, top });
  const rules = rulesFor(report);
  const pass = rules.every((c) => c.pass);
  if (values.json) {
    io.out(JSON.stringify(ci ? { ...report, ci: { pass, rules } } : report, null, 2) + '\n');
    return pass ? 0 : 1;
  }
  io.out(`Image: ${familiar(report.image.references, report.image.digest)} (${report.image.digest})\n\n`);
  io.out(
    table(
      ['LAYER', 'SIZE', 'FILES', 'WASTED', 'LINE', 'INSTRUCTION'],
      report.layers.map((l) => [String(l.index), formatBytes(l.fileBytes), String(l.files), formatBytes(l.wastedBytes), l.source ? `${l.source.file}:${l.source.line}` : l.base ? '(base)' : '', oneLine(l.createdBy)]),
    ),
  );
  io.out(`\nEfficiency:   ${pct(report.efficiency)}\n`);
  io.out(`Wasted:       ${formatBytes(report.wastedBytes)} of ${formatBytes(report.totalBytes)} (${report.wasteCount} cop${report.wasteCount === 1 ? 'y' : 'ies'})\n`);
  io.out(`User wasted:  ${pct(report.userWastedPercent)} of ${formatBytes(report.userBytes)} above the ${report.baseLayers}-layer base\n`);
  if (report.topFiles.length) {
    const line = (i: number) => {
      const l = report.layers[i];
      return l?.source ? `${l.source.file}:${l.source.line}` : `layer ${i}`;
    };
    io.out('\nTop wasted files:\n');
    io.out(
      table(
        ['SIZE', 'WASTE', 'PATH', 'WRITTEN BY', 'WASTED BY'],
        report.topFiles.map((w) => [formatBytes(w.size), w.kind === 'overwritten' && w.sameContent ? 'rewritten' : w.kind, w.path, line(w.layer), w.kind === 'duplicate' ? `copy of ${w.original} (${line(w.byLayer)})` : line(w.byLayer)]),
      ),
    );
  }
  if (report.advice.length) {
    io.out('\nAdvice:\n');
    for (const a of report.advice) io.out(`  - ${a.message}\n`);
  }
  if (ci) {
    io.out('\nCI:\n');
    for (const c of rules) io.out(`  ${c.pass ? 'PASS' : 'FAIL'}  ${describeRule(c)}\n`);
    io.out(`Result: ${pass ? 'PASS' : 'FAIL'}\n`);
    if (!pass) io.err(`strata analyze: CI threshold crossed: ${rules.filter((c) => !c.pass).map((c) => c.rule).join(', ')}\n`);
  }
  return pass ? 0 : 1;
}

const CHANGES: readonly ChangeKind[] = ['added', 'modified', 'deleted', 'unchanged'];
const CHANGE_MARK: Record<ChangeKind, string> = { added: 'A', modified: 'M', deleted: 'D', unchanged: ' ' };

async function layerFiles(explorer: Explorer, ref: string, v: Record<string, string | boolean | undefined>, io: Out): Promise<number> {
  const layer = Number(v.layer);
  if (!Number.isInteger(layer) || layer < 0) throw new UsageError(`--layer must be a layer index (0 is the base), not "${v.layer}"`);
  const view = (v.view as string | undefined) ?? 'layer';
  if (view !== 'layer' && view !== 'image') throw new UsageError(`--view must be layer or image, not "${view}"`);
  const sort = (v.sort as string | undefined) ?? 'path';
  if (sort !== 'path' && sort !== 'size') throw new UsageError(`--sort must be path or size, not "${sort}"`);
  const changes = v.changes ? (v.changes as string).split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  for (const c of changes ?? []) if (!CHANGES.includes(c as ChangeKind)) throw new UsageError(`--changes takes ${CHANGES.join(', ')}; "${c}" is none of them`);
  const minSize = v['min-size'] ? usageValue('min-size', () => parseSize(v['min-size'] as string, 'min size')) : undefined;
  const r = await explorer.exploreFiles({
    ref,
    layer,
    view,
    sort,
    limit: Number.MAX_SAFE_INTEGER,
    ...(changes ? { changes: changes as ChangeKind[] } : {}),
    ...(v.pattern ? { pattern: v.pattern as string } : {}),
    ...(minSize !== undefined ? { minSize } : {}),
  });
  if (v.json) {
    io.out(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  const mode = (m: number, type: string) => {
    const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'char' ? 'c' : type === 'block' ? 'b' : type === 'fifo' ? 'p' : '-';
    const bits = 'rwxrwxrwx'.split('').map((ch, i) => (m & (1 << (8 - i)) ? ch : '-')).join('');
    return t + bits;
  };
  io.out(
    table(
      ['', 'MODE', 'UID:GID', 'SIZE', 'PATH'],
      r.entries.map((e) => [CHANGE_MARK[e.change], mode(e.mode, e.type), `${e.uid}:${e.gid}`, formatBytes(e.size), e.linkTarget && e.type === 'symlink' ? `${e.path} -> ${e.linkTarget}` : e.path]),
    ),
  );
  io.out(`${r.total} file${r.total === 1 ? '' : 's'}, ${formatBytes(r.totalSize)}\n`);
  return 0;
}

/** diffCmd is `strata diff A B`: what changed from image A to image B. Returns 0. */
export async function diffCmd(args: string[], io: Out, options: ExploreCliOptions = {}): Promise<number> {
  const { values, positionals } = opts(args, { json: { type: 'boolean' } });
  if (positionals.length !== 2) throw new UsageError(`"strata diff" requires two images. See 'strata --help'.`);
  const explorer = new Explorer(await Store.open(options.home ?? defaultStrataHome()));
  const d: ImageDiff = await explorer.diffImages({ a: positionals[0] as string, b: positionals[1] as string });
  if (values.json) {
    io.out(JSON.stringify(d, null, 2) + '\n');
    return 0;
  }
  const name = (s: ImageDiff['a']) => `${familiar(s.references, s.digest)} (${shortDigest(s.digest)})`;
  io.out(`A: ${name(d.a)}\nB: ${name(d.b)}\n\n`);
  io.out(`Layers: ${d.commonLayers.length} in common (the bottom ${d.sharedPrefix} in order); A has ${d.a.layers - d.commonLayers.length} of its own, B ${d.b.layers - d.commonLayers.length}\n`);
  const s = d.summary;
  io.out(`Files:  ${s.added} added (${formatBytes(s.addedBytes)}), ${s.removed} removed (${formatBytes(s.removedBytes)}), ${s.changed} changed\n`);
  if (d.files.length) {
    io.out('\n');
    const mark = { added: 'A', removed: 'D', changed: 'C' } as const;
    io.out(
      table(
        ['', 'PATH', 'SIZE', 'WHAT'],
        d.files.map((f) => [mark[f.change], f.path, f.change === 'added' ? formatBytes(f.sizeB ?? 0) : f.change === 'removed' ? formatBytes(f.sizeA ?? 0) : `${formatBytes(f.sizeA ?? 0)} -> ${formatBytes(f.sizeB ?? 0)}`, f.what?.join(', ') ?? '']),
      ),
    );
  }
  if (d.config.length) {
    io.out('\nConfig:\n');
    const show = (v: unknown) => (v === null || v === undefined ? '(unset)' : typeof v === 'string' ? JSON.stringify(v) : v === true ? 'exposed' : JSON.stringify(v));
    for (const c of d.config) io.out(`  ${c.field}${c.key !== undefined ? ` ${c.key}` : ''}: ${show(c.a)} -> ${show(c.b)}\n`);
  }
  return 0;
}
