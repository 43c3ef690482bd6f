import { formatBytes } from '../../format/bytes.ts';
import type { BlobRow, TransferPhase } from '../../store/transfer-state.ts';

/** STATE_TEXT is how a blob's state reads in a progress row. */
export const STATE_TEXT: Record<BlobRow['state'], string> = {
  queued: 'queued',
  checking: 'checking',
  exists: 'exists',
  mounting: 'mounting',
  mounted: 'mounted',
  uploading: 'uploading',
  downloading: 'downloading',
  compressing: 'compressing',
  compressed: 'compressed',
  retrying: 'retrying',
  done: 'done',
  failed: 'failed',
};

export const PHASE_TEXT: Record<TransferPhase, string> = {
  running: 'Pushing',
  succeeded: 'Pushed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** phaseText names a transfer's phase for its operation (Pushing/Pulling …). */
export function phaseText(phase: TransferPhase, operation: 'push' | 'pull'): string {
  if (operation === 'push') return PHASE_TEXT[phase];
  return { running: 'Pulling', succeeded: 'Pulled', failed: 'Failed', cancelled: 'Cancelled' }[phase];
}

/** formatRate prints bytes per second ("12.3 MB/s"); nothing for a rate of 0. */
export function formatRate(rate: number): string {
  return rate > 0 ? `${formatBytes(Math.round(rate))}/s` : '';
}

/** rowDetail is the words beside a row's bar: bytes moved, where a mount came from, why it retries. */
export function rowDetail(b: BlobRow, now: number): string {
  switch (b.state) {
    case 'uploading':
    case 'downloading': {
      const rate = formatRate(b.rate);
      return `${formatBytes(b.bytesDone)} of ${formatBytes(b.size)}${rate ? ` · ${rate}` : ''}`;
    }
    case 'compressing': {
      const rate = formatRate(b.rate);
      return `gzip: ${formatBytes(b.bytesDone)} of ${formatBytes(b.size)} read${rate ? ` · ${rate}` : ''}`;
    }
    case 'retrying': {
      const r = b.retry;
      if (!r) return 'retrying';
      const wait = Math.max(0, Math.ceil((r.at - now) / 1000));
      return `${r.reason} · attempt ${r.attempt}${wait > 0 ? ` in ${wait} s` : ''}`;
    }
    case 'mounting':
      return b.from ? `from ${b.from}` : '';
    case 'mounted':
      return b.from ? `mounted from ${b.from}` : 'mounted';
    case 'exists':
      return 'already in the registry';
    case 'done':
      return b.mounted ? `mounted from ${b.from ?? 'another repository'}` : `${formatBytes(b.size)} sent${b.retries ? ` · ${b.retries} retr${b.retries === 1 ? 'y' : 'ies'}` : ''}`;
    case 'failed':
      return b.error ? b.error.message : 'failed';
    case 'queued':
      return b.planned === 'exists' ? 'planned: already there' : b.planned === 'mount' ? `planned: mount${b.from ? ` from ${b.from}` : ''}` : b.planned === 'upload' ? 'planned: upload' : '';
    default:
      return '';
  }
}

/** rowFraction is how full a row's bar is (0..1). */
export function rowFraction(b: BlobRow): number {
  if (b.state === 'exists' || b.state === 'mounted' || b.state === 'done') return 1;
  return b.size > 0 ? Math.min(1, b.bytesDone / b.size) : 0;
}

/** PLAN_TEXT is how a planned action reads. */
export const PLAN_TEXT = { exists: 'already there', mount: 'mount', upload: 'upload' } as const;
