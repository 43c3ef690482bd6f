// npm run bench: Strata against BuildKit (dockerd 20.10), buildah and podman on generated contexts, cold,
// warm and touched, alternating tool by tool; then push/pull against a local registry; then Strata's internals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { saveDockerArchive } from '../store/archive/save.ts';
import { Store } from '../store/store.ts';
import { TWIN_GZIP_LEVEL } from '../store/layer-twins.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startRegistry } from '../testing/registry/registry.ts';
import { BASE, CONTEXTS, makeContext, touch, type BenchContext, type ContextName } from './contexts.ts';
import { contextInternals, PHASES, type ContextInternals } from './internals.ts';
import { markdownTable, mbps, median, ratio, seconds } from './stats.ts';
import { startBuilders, BuildKitBuilder, STANDALONE, StrataBuilder, type Builder, type Unavailable } from './tools.ts';
import { dockerTransfer, skopeoTransfer, strataTransfer, type TransferTiming, type TransferTool } from './transfer.ts';

type Figure = 'cold' | 'warm' | 'touched';
const FIGURES: Figure[] = ['cold', 'warm', 'touched'];
type TransferFigure = 'firstPush' | 'rePush' | 'pull';

interface ContextResult {
  files: number;
  bytes: number;
  /** builds[figure][tool] = ms of each timed run (the warm-up is not kept). */
  builds: Record<Figure, Record<string, number[]>>;
  transfer: Record<string, Record<TransferFigure | 'inAppRePush' | 'rePushStandalone', number[]>>;
  /** strataMaxRssKb: peak RSS of each cold Strata build (the engine's, which runs it). */
  strataMaxRssKb: number[];
  internals?: ContextInternals;
}

export interface BenchReport {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; kernel: string; node: string };
  /** loadAverage: the 1-minute load at the start and the end (other work on the machine skews absolute times). */
  loadAverage: { start: number; end: number };
  runs: number;
  tools: Record<string, string>;
  unavailable: Unavailable[];
  contexts: Partial<Record<ContextName, ContextResult>>;
}

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function usage(): never {
  process.stderr.write(`usage: npm run bench -- [--runs N] [--only seed,multi,many] [--peers buildkit,buildah,podman]
                       [--json FILE] [--markdown FILE] [--no-transfer] [--no-internals] [--keep]
  --runs N       timed runs per tool and figure after one warm-up (default 5)
  --only LIST    contexts to run (default: seed,multi,many)
  --peers LIST   peers to start (default: every peer found)
  --json FILE    write the full results (every sample) as JSON
  --markdown FILE  write the tables with the machine they ran on
`);
  process.exit(2);
}

/** main runs the benchmark from command-line arguments and prints the tables. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      peers: { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      'no-transfer': { type: 'boolean' },
      'no-internals': { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) usage();
  const runs = values.runs ? Number(values.runs) : 5;
  if (!Number.isInteger(runs) || runs < 1) usage();
  const only = values.only ? (values.only.split(',') as ContextName[]) : CONTEXTS;
  if (only.some((c) => !CONTEXTS.includes(c))) usage();
  const peers = values.peers ? values.peers.split(',') : null;

  const root = join(import.meta.dirname, '..', '..');
  log('bundling the CLI (node main/tools/build.mjs --node-only)');
  const b = spawnSync(process.execPath, [join(root, 'main', 'tools', 'build.mjs'), '--node-only'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('building dist/cli.mjs failed');

  const work = mkdtempSync('/var/tmp/strata-bench-');
  log(`work folder ${work}`);
  const cleanups: (() => Promise<void>)[] = [];
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? '?', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version },
    loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
    runs,
    tools: {},
    unavailable: [],
    contexts: {},
  };
  try {
    // One base image for every tool: Strata writes it, the peers load Strata's `docker save` of it.
    const baseTar = join(work, 'base.tar');
    const baseStore = await Store.open(join(work, 'base-home'));
    await makeBusyboxImage(baseStore, [BASE]);
    await saveDockerArchive(baseStore, [BASE], baseTar);
    rmSync(join(work, 'base-home'), { recursive: true, force: true });

    const started = await startBuilders(work, baseTar, peers, log);
    const builders = started.builders;
    report.unavailable = started.unavailable;
    cleanups.push(async () => {
      for (const x of builders) await x.stop().catch((e) => log(`stopping ${x.name}: ${(e as Error).message}`));
    });
    for (const x of builders) report.tools[x.name] = x.version;
    const strata = builders[0] as StrataBuilder;

    for (const name of only) {
      const ctx = makeContext(name, join(work, 'contexts', name));
      log(`context ${name}: ${ctx.files} files, ${(ctx.bytes / 1e6).toFixed(1)} MB`);
      const res: ContextResult = { files: ctx.files, bytes: ctx.bytes, builds: { cold: {}, warm: {}, touched: {} }, transfer: {}, strataMaxRssKb: [] };
      report.contexts[name] = res;
      await buildFigures(ctx, builders, runs, res, report);
      if (!values['no-transfer']) await transferFigures(ctx, strata, builders, runs, res, work);
      if (!values['no-internals']) {
        log(`${name}: Strata internals (in-process, ${runs} runs)`);
        res.internals = await contextInternals(ctx, baseTar, join(work, 'internals'), runs);
      }
    }
  } finally {
    for (const c of cleanups.reverse()) await c();
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  report.loadAverage.end = loadavg()[0] ?? 0;

  const md = renderMarkdown(report);
  process.stdout.write('\n' + md);
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  if (values.markdown) writeFileSync(values.markdown, md);
}

/** buildFigures times cold, warm and touched builds: run 0 is the warm-up, then tools alternate run by run. */
async function buildFigures(ctx: BenchContext, builders: Builder[], runs: number, res: ContextResult, report: BenchReport): Promise<void> {
  const tag = `localhost/bench/${ctx.name}:latest`;
  const active = [...builders];
  const fail = (bd: Builder, e: unknown) => {
    log(`${bd.name} failed on ${ctx.name}: ${(e as Error).message}`);
    report.unavailable.push({ name: bd.name, reason: `failing on ${ctx.name}: ${(e as Error).message.split('\n').slice(0, 4).join(' ')}` });
    active.splice(active.indexOf(bd), 1);
  };
  for (const fig of FIGURES) {
    for (let i = 0; i <= runs; i++) {
      if (fig === 'touched') touch(ctx);
      for (const bd of [...active]) {
        if (bd.figures && !bd.figures.includes(fig)) continue;
        try {
          if (fig === 'cold') await bd.reset();
          const t = await bd.build(ctx, tag, { memory: fig === 'cold' && bd.name === 'strata' });
          if (i > 0) {
            (res.builds[fig][bd.name] ??= []).push(t.ms);
            if (t.maxRssKb) res.strataMaxRssKb.push(t.maxRssKb);
          }
          log(`${ctx.name} ${fig} ${i === 0 ? 'warm-up' : `run ${i}`}: ${bd.name} ${seconds(t.ms)} s`);
        } catch (e) {
          if (bd instanceof StrataBuilder) throw e;
          fail(bd, e);
        }
      }
    }
  }
}

/** transferFigures pushes each tool's image to a fresh registry (first push, re-push) and pulls it back. */
async function transferFigures(ctx: BenchContext, strata: StrataBuilder, builders: Builder[], runs: number, res: ContextResult, work: string): Promise<void> {
  const image = `localhost/bench/${ctx.name}:latest`;
  const repo = `bench/${ctx.name}`;
  const layout = join(work, 'layouts', ctx.name);
  rmSync(layout, { recursive: true, force: true });
  await strata.cli(['save', '--format', 'oci', '-o', layout, image]);
  const tools: TransferTool[] = [strataTransfer(strata, image, repo, join(work, 'pull-home'))];
  if (spawnSync('/usr/bin/skopeo', ['--version']).status === 0) tools.push(skopeoTransfer(layout, repo, join(work, 'pull-oci')));
  const bk = builders.find((x) => x instanceof BuildKitBuilder) as BuildKitBuilder | undefined;
  if (bk) tools.push(dockerTransfer(bk, image, repo));
  for (let i = 0; i <= runs; i++) {
    for (const tool of tools) {
      const reg = await startRegistry(join(work, 'registry'));
      let t: TransferTiming;
      try {
        t = await tool.run(reg.host);
      } finally {
        await reg.stop();
      }
      log(`${ctx.name} push ${i === 0 ? 'warm-up' : `run ${i}`}: ${tool.name} first ${seconds(t.firstPush)} s, again ${seconds(t.rePush)} s${t.pull !== null ? `, pull ${seconds(t.pull)} s` : ''}`);
      if (i === 0) continue;
      const r = (res.transfer[tool.name] ??= { firstPush: [], rePush: [], pull: [], inAppRePush: [], rePushStandalone: [] });
      r.firstPush.push(t.firstPush);
      r.rePush.push(t.rePush);
      if (t.pull !== null) r.pull.push(t.pull);
      if (t.inAppRePush !== undefined) r.inAppRePush.push(t.inAppRePush);
      if (t.rePushStandalone !== undefined) r.rePushStandalone.push(t.rePushStandalone);
    }
  }
}

/** renderMarkdown prints the report as tables (medians, ratios Strata/peer) with the machine it ran on. */
export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; 1-minute load average ${r.loadAverage.start.toFixed(1)} at the start, ${r.loadAverage.end.toFixed(1)} at the end; ${r.date}; ${r.runs} timed runs per figure after a warm-up, tools alternating.\n`);
  out.push(`Tools: ${Object.entries(r.tools).map(([k, v]) => `${k} (${v})`).join(', ')}.\n`);
  if (r.unavailable.length) out.push(`Not measured: ${r.unavailable.map((u) => `${u.name}: ${u.reason}`).join('; ')}.\n`);
  const peers = Object.keys(r.tools).filter((t) => t !== 'strata' && t !== STANDALONE);
  const first = peers[0];
  const rows: string[][] = [];
  for (const [name, c] of Object.entries(r.contexts)) {
    for (const fig of FIGURES) {
      const s = median(c.builds[fig].strata ?? []);
      const row = [name, fig, seconds(s)];
      for (const p of peers) {
        const v = median(c.builds[fig][p] ?? []);
        row.push(seconds(v), ratio(s, v));
      }
      const alone = c.builds[fig][STANDALONE];
      row.push(alone?.length ? seconds(median(alone)) : '—', alone?.length && first ? ratio(median(alone), median(c.builds[fig][first] ?? [])) : '—');
      rows.push(row);
    }
  }
  out.push('\n### Builds (median seconds; whole CLI process for every tool: Strata\'s CLI with its engine running, as docker\'s with dockerd)\n\n');
  out.push(markdownTable(['context', 'figure', 'strata', ...peers.flatMap((p) => [p, `strata/${p}`]), 'strata, no engine', `no engine/${first ?? '—'}`], rows));

  const trows: string[][] = [];
  for (const [name, c] of Object.entries(r.contexts)) {
    const s = c.transfer.strata;
    if (!s) continue;
    const sk = c.transfer.skopeo;
    const dk = c.transfer['docker push'];
    for (const fig of ['firstPush', 'rePush', 'pull'] as const) {
      const sv = median(s[fig]);
      trows.push([
        name,
        fig === 'firstPush' ? 'first push' : fig === 'rePush' ? 're-push' : 'pull (empty store, no engine)',
        seconds(sv),
        fig === 'rePush' ? `${median(s.inAppRePush).toFixed(0)} ms` : '',
        fig === 'rePush' && s.rePushStandalone?.length ? seconds(median(s.rePushStandalone)) : '',
        sk ? seconds(median(sk[fig])) : '—',
        sk ? ratio(sv, median(sk[fig])) : '—',
        dk && fig !== 'pull' ? seconds(median(dk[fig])) : '—',
        dk && fig !== 'pull' ? ratio(sv, median(dk[fig])) : '—',
      ]);
    }
  }
  if (trows.length) {
    out.push('\n### Push and pull, local registry (median seconds; a fresh registry per run)\n\n');
    out.push(markdownTable(['context', 'figure', 'strata CLI', 'strata in-app', 'strata CLI, no engine', 'skopeo (OCI layout)', 'strata/skopeo', 'docker push', 'strata/docker'], trows));
  }

  const mem = Object.entries(r.contexts).map(([n, c]) => `${n} ${(median(c.strataMaxRssKb) / 1024).toFixed(0)} MB`);
  if (mem.length) out.push(`\nPeak RSS of the engine during a cold \`strata build\` (VmHWM, reset before each build): ${mem.join(', ')}.\n`);

  const irows: string[][] = [];
  const rrows: string[][] = [];
  for (const [name, c] of Object.entries(r.contexts)) {
    const i = c.internals;
    if (!i) continue;
    for (const [fig, b] of [['cold', i.cold], ['touched', i.touched]] as const) {
      const cell = (p: (typeof PHASES)[number]) => {
        const x = b.phases[p];
        if (!x) return '—';
        return `${x.ms.toFixed(0)}${x.bytes ? ` (${mbps(x.bytes, x.ms)})` : ''}`;
      };
      irows.push([name, fig, b.totalMs.toFixed(0), ...PHASES.map(cell), b.otherMs.toFixed(0)]);
    }
    irows.push([name, 'warm (in-app)', i.warmInAppMs.toFixed(0), ...PHASES.map(() => ''), '']);
    if (i.raw) {
      const x = i.raw;
      rrows.push([name, `${(x.bytes / 1e6).toFixed(1)} MB`, x.sha256Node.toFixed(0), x.sha256Openssl.toFixed(0), x.gzipNode.toFixed(0), x.gzipCli.toFixed(0), x.gzipNodeLevel1.toFixed(0), x.gunzipNode.toFixed(0)]);
    }
    if (i.runSplit) {
      const s = i.runSplit;
      const split = `${s.mode === 'overlay' ? 'overlay mount' : 'copy'} ${s.copyMs.toFixed(0)}, sandbox start ${s.sandboxStartMs.toFixed(0)}, command ${s.commandMs.toFixed(0)}, ${s.mode === 'overlay' ? 'changes + unmount + move-in' : 'diff'} ${s.diffMs.toFixed(0)}`;
      irows.push([name, 'RUN replayed', (s.copyMs + s.sandboxStartMs + s.commandMs + s.diffMs).toFixed(0), ...PHASES.map((p) => (p === 'run' ? split : '')), '']);
    }
  }
  if (irows.length) {
    out.push('\n### Strata internals per build (in-process, median ms; throughput in parentheses)\n\n');
    out.push('Builds run in one process as the app runs them (contexts opened through the engine\'s watcher). Phases: context = walking the context; hash = hashing COPY sources; checkout = materializing a root filesystem; copy = COPY/ADD/WORKDIR writes; run = the rest of a RUN step (mount specs, user lookup); snapshot = a RUN\'s root (overlay mount or copy, reading the changes, unmount, moving untouched entries in); sandbox = bwrap start and the command; layer = tar + sha256 of the changes of a step (stored and carried by the image uncompressed: a push gzips them); other = parsing, cache lookups, image write.\n\n');
    out.push(markdownTable(['context', 'figure', 'total', ...PHASES, 'other'], irows));
  }
  if (rrows.length) {
    out.push("\n### This machine's raw rates on the same bytes (the image's largest layer tar, MB/s)\n\n");
    out.push(markdownTable(['context', 'tar', 'sha256 node', 'sha256 openssl', `gzip-${TWIN_GZIP_LEVEL} node`, `gzip -${TWIN_GZIP_LEVEL} CLI`, 'gzip-1 node', 'gunzip node'], rrows));
  }
  return out.join('');
}
