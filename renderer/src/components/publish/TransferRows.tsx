import { formatBytes, formatPercent } from '../../format/bytes.ts';
import { shortDigest } from '../../format/digest.ts';
import { transferTotals, type Transfer } from '../../store/transfer-state.ts';
import { formatRate, phaseText, rowDetail, rowFraction, STATE_TEXT } from './format-transfer.ts';

export interface TransferRowsProps {
  transfer: Transfer;
  now: number;
  onCancel?(): void;
  /** compact hides the manifest and tag lines (the activity list). */
  compact?: boolean;
}

function Bar({ fraction, label, testId, tone }: { fraction: number; label: string; testId?: string; tone?: string }) {
  const pct = Math.round(fraction * 1000) / 10;
  return (
    <div className={`progress${tone ? ` progress--${tone}` : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-testid={testId}>
      <div className="progress__fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

/** TransferRows shows one push (or pull): the overall bar with bytes and rate, one row per blob with its
 * state (a bar while bytes move, the reason while it retries), then the manifest and the tags. */
export function TransferRows({ transfer: t, now, onCancel, compact = false }: TransferRowsProps) {
  const totals = transferTotals(t);
  const overall = totals.bytesTotal > 0 ? totals.bytesDone / totals.bytesTotal : t.phase === 'succeeded' ? 1 : 0;
  const running = t.phase === 'running';
  let layerNo = 0;
  return (
    <div className={`transfer transfer--${t.phase}`} data-testid="transfer" data-transfer-id={t.id} data-phase={t.phase} data-reference={t.reference}>
      <div className="transfer__head">
        <span className={`transfer__phase transfer__phase--${t.phase}`} data-testid="transfer-phase">
          {running && <i className="spinner" aria-hidden="true" />}
          {t.cancelling && running ? 'Cancelling…' : phaseText(t.phase, t.operation)}
        </span>
        <code className="transfer__ref" title={t.reference}>
          {t.reference}
        </code>
        {running && onCancel && (
          <button type="button" className="button button--small button--danger" onClick={onCancel} disabled={t.cancelling} data-testid="transfer-cancel">
            Cancel
          </button>
        )}
      </div>
      <div className="transfer__overall">
        <Bar fraction={overall} label={`${t.reference}: overall`} testId="transfer-overall" tone={t.phase} />
        <span className="transfer__numbers" data-testid="transfer-numbers">
          {totals.blobs > 0 ? `${totals.blobsDone}/${totals.blobs} blobs · ${formatBytes(totals.bytesDone)} of ${formatBytes(totals.bytesTotal)} (${formatPercent(totals.bytesDone, totals.bytesTotal)})` : 'Starting…'}
          {running && totals.rate > 0 ? ` · ${formatRate(totals.rate)}` : ''}
        </span>
      </div>
      {!compact && (
        <ol className="blob-rows" aria-label="Blobs">
          {t.blobs.map((b) => {
            const label = b.role === 'config' ? 'config' : `layer ${++layerNo}`;
            const moving = b.state === 'uploading' || b.state === 'downloading' || b.state === 'compressing' || b.state === 'retrying';
            return (
              <li key={b.digest} className={`blob-row blob-row--${b.state}`} data-testid="blob-row" data-digest={b.digest} data-role={b.role} data-state={b.state}>
                <span className="blob-row__role">{label}</span>
                <code className="blob-row__digest" title={b.digest}>
                  {shortDigest(b.digest)}
                </code>
                <span className="blob-row__size">{formatBytes(b.size)}</span>
                <span className={`state-badge state-badge--${b.state}`} data-testid="blob-state">
                  {STATE_TEXT[b.state]}
                </span>
                {moving && (
                  <div className="blob-row__bar">
                    <Bar fraction={rowFraction(b)} label={`${label} ${shortDigest(b.digest)}`} tone={b.state} />
                  </div>
                )}
                <span className="blob-row__detail" data-testid="blob-detail">
                  {rowDetail(b, now)}
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {!compact && (t.manifest || t.tags.length > 0) && (
        <ul className="transfer__final" aria-label="Manifest and tags">
          {t.manifest && (
            <li data-testid="transfer-manifest" data-state={t.manifest.state}>
              <span className={`state-badge state-badge--${t.manifest.state}`}>{t.manifest.state}</span>
              <span>
                manifest <code>{shortDigest(t.manifest.digest)}</code>
              </span>
              {t.manifest.error && <span className="blob-row__detail">{t.manifest.error.message}</span>}
            </li>
          )}
          {t.tags.map((tag) => (
            <li key={tag.reference} data-testid="transfer-tag" data-state={tag.state} data-reference={tag.reference}>
              <span className={`state-badge state-badge--${tag.state}`}>{tag.state}</span>
              <span>
                tag <code>{tag.reference}</code>
              </span>
              {tag.error && <span className="blob-row__detail">{tag.error.message}</span>}
            </li>
          ))}
        </ul>
      )}
      {t.error && t.phase !== 'cancelled' && (
        <p className="transfer__error" role="alert" data-testid="transfer-error">
          <code>{t.error.code}</code> {t.error.message}
        </p>
      )}
    </div>
  );
}
