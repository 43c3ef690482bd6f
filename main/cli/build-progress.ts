import type { BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';

type Write = (s: string) => void;

function label(step: BuildStepState, steps: Map<string, BuildStepState>, stageNames: Map<number, string>): string {
  const total = [...steps.values()].filter((s) => s.stage === step.stage).length;
  return `[${stageNames.get(step.stage) ?? `stage-${step.stage}`} ${step.index + 1}/${total}] ${step.instruction}`;
}

const secs = (s: BuildStepState) => (s.startedAt && s.endedAt ? ((s.endedAt - s.startedAt) / 1000).toFixed(1) + 's' : '');

/** PlainProgress prints BuildKit's plain progress: numbered steps, CACHED or DONE, logs, miss reasons. */
export class PlainProgress {
  private steps = new Map<string, BuildStepState>();
  private stageNames = new Map<number, string>();
  private numbers = new Map<string, number>();
  private printed = new Map<string, string>();
  private next = 1;
  constructor(private readonly write: Write) {}

  private num(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) {
      n = this.next++;
      this.numbers.set(id, n);
    }
    return n;
  }

  handle(e: BuildStatusEvent): void {
    for (const s of e.stages ?? []) this.stageNames.set(s.index, s.name ?? `stage-${s.index}`);
    for (const s of e.steps ?? []) this.steps.set(s.id, s);
    // Log lines first: they were written before the status changes that close this batch.
    for (const l of e.logs ?? []) this.write(`#${this.num(l.stepId)} ${l.line}\n`);
    for (const s of e.steps ?? []) {
      const prev = this.printed.get(s.id);
      if (s.status === 'queued' || prev === s.status) continue;
      if (s.status === 'cancelled' && (!prev || prev === 'queued')) continue; // never started
      const n = this.num(s.id);
      if (!prev || prev === 'queued') this.write(`#${n} ${label(s, this.steps, this.stageNames)}\n`);
      if (s.missReason && prev !== 'running' && s.status !== 'cached') this.write(`#${n} cache miss: ${s.missReason}\n`);
      if (s.status === 'cached') this.write(`#${n} CACHED\n`);
      else if (s.status === 'done') this.write(`#${n} DONE ${secs(s)}\n`);
      else if (s.status === 'failed') this.write(`#${n} ERROR: ${s.error}\n`);
      else if (s.status === 'cancelled') this.write(`#${n} CANCELED\n`);
      this.printed.set(s.id, s.status);
    }
    if (e.result?.ok) {
      const r = e.result.value;
      this.write(`#${this.next} writing image ${r.digest} done (${r.cachedSteps}/${r.fsSteps} steps cached, ${(r.durationMs / 1000).toFixed(1)}s)\n`);
      for (const ref of r.references) this.write(`#${this.next} naming to ${ref} done\n`);
    }
  }
}

/** TtyProgress redraws the step list in place on a terminal: one line per step with status and time. */
export class TtyProgress {
  private steps = new Map<string, BuildStepState>();
  private stageNames = new Map<number, string>();
  private lastLog = new Map<string, string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private result: BuildStatusEvent['result'] | null = null;
  constructor(private readonly write: Write, private readonly columns = process.stdout.columns || 100) {}

  handle(e: BuildStatusEvent): void {
    for (const s of e.stages ?? []) this.stageNames.set(s.index, s.name ?? `stage-${s.index}`);
    for (const s of e.steps ?? []) this.steps.set(s.id, s);
    for (const l of e.logs ?? []) this.lastLog.set(l.stepId, l.line);
    if (e.result) this.result = e.result;
    this.draw();
    if (!this.timer && !e.result) this.timer = setInterval(() => this.draw(), 250);
    if (e.result && this.timer) clearInterval(this.timer);
  }

  private draw(): void {
    const lines: string[] = [];
    const visible = [...this.steps.values()].filter((s) => s.status !== 'queued');
    const now = Date.now();
    for (const s of visible) {
      const t = s.status === 'running' && s.startedAt ? `${((now - s.startedAt) / 1000).toFixed(1)}s` : secs(s);
      const state = s.status === 'cached' ? 'CACHED' : s.status === 'done' ? 'DONE' : s.status === 'failed' ? 'ERROR' : s.status === 'cancelled' ? 'CANCELED' : '';
      const head = `${s.status === 'running' ? '=> ' : ' => '}${label(s, this.steps, this.stageNames)}`;
      const tail = `${state} ${t}`.trim();
      const width = Math.max(20, this.columns - tail.length - 2);
      lines.push(`${head.length > width ? head.slice(0, width - 1) + '…' : head.padEnd(width)} ${tail}`);
      if (s.status === 'running' && this.lastLog.has(s.id)) lines.push(`   ${(this.lastLog.get(s.id) as string).slice(0, this.columns - 4)}`);
      if (s.missReason && s.status !== 'cached' && s.status !== 'queued') lines.push(`   \x1b[2mcache miss: ${s.missReason.slice(0, this.columns - 16)}\x1b[0m`);
    }
    if (this.result?.ok) lines.push(` => writing image ${this.result.value.digest}`, ...this.result.value.references.map((r) => ` => naming to ${r}`));
    let out = this.drawn ? `\x1b[${this.drawn}A` : '';
    out += lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n';
    this.drawn = lines.length;
    this.write(out);
  }
}
