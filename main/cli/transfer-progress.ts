import type { ProgressEvent } from '../registry/progress.ts';
import { formatBytes } from './format.ts';

type Write = (s: string) => void;

const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

function describe(e: ProgressEvent): string {
  if (e.kind === 'manifest') return `manifest ${short(e.digest)}: ${e.state}${e.error ? ` (${e.error.message})` : ''}`;
  if (e.kind === 'tag') return `${e.reference}: ${e.state === 'done' ? 'tagged' : `failed (${e.error?.message ?? ''})`}`;
  const head = `${short(e.digest)} ${e.role}`;
  switch (e.state) {
    case 'checking':
      return `${head}: checking`;
    case 'exists':
      return `${head}: already exists`;
    case 'mounting':
      return `${head}: mounting from ${e.from}`;
    case 'mounted':
      return `${head}: mounted from ${e.from}`;
    case 'uploading':
    case 'downloading':
    case 'compressing':
      return `${head}: ${e.state} ${formatBytes(e.bytesDone)}/${formatBytes(e.total)} ${formatBytes(e.rate)}/s`;
    case 'compressed':
      return `${head}: compressed to ${short(e.into)} (${formatBytes(e.intoSize)})`;
    case 'retrying':
      return `${head}: retrying (attempt ${e.attempt}, ${e.reason})`;
    case 'done':
      return `${head}: done`;
    case 'failed':
      return `${head}: failed: ${e.error.message}`;
  }
}

/** PlainTransfer prints one line per state change (byte counts only when a blob finishes). */
export class PlainTransfer {
  constructor(private readonly write: Write) {}
  handle(events: ProgressEvent[]): void {
    for (const e of events) {
      if (e.kind === 'blob' && (e.state === 'uploading' || e.state === 'downloading' || e.state === 'compressing')) continue;
      this.write(describe(e) + '\n');
    }
  }
}

/** TtyTransfer draws a progress bar per blob, redrawn in place. */
export class TtyTransfer {
  private rows = new Map<string, ProgressEvent>();
  private drawn = 0;
  constructor(private readonly write: Write, private readonly columns = process.stderr.columns || 100) {}
  handle(events: ProgressEvent[]): void {
    for (const e of events) this.rows.set(e.kind === 'blob' ? e.digest : e.kind === 'tag' ? `tag:${e.reference}` : 'manifest', e);
    const lines = [...this.rows.values()].map((e) => {
      if (e.kind === 'blob' && (e.state === 'uploading' || e.state === 'downloading' || e.state === 'compressing')) {
        const width = 30;
        const fill = Math.round((e.bytesDone / Math.max(1, e.total)) * width);
        return `${short(e.digest)}: ${e.state === 'compressing' ? 'gzip ' : ''}[${'='.repeat(Math.max(0, fill - 1))}${fill ? '>' : ''}${' '.repeat(width - fill)}] ${formatBytes(e.bytesDone)}/${formatBytes(e.total)}`;
      }
      return describe(e).slice(0, this.columns - 1);
    });
    this.write((this.drawn ? `\x1b[${this.drawn}A` : '') + lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
    this.drawn = lines.length;
  }
}
