import type { ImageDetail } from '../../../preload/contract.ts';
import type { EngineError } from '../ipc/engine-error.ts';
import { formatBytes } from '../format/bytes.ts';
import { NONE, primaryReference, shortDigest } from '../format/digest.ts';
import { formatAgo, formatTimestamp } from '../format/time.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { LayerStack } from './LayerStack.tsx';

export interface ImageDetailPanelProps {
  digest: string;
  detail: ImageDetail | null;
  loading: boolean;
  error: EngineError | null;
  onClose(): void;
  onRetry(): void;
}

function ConfigSummary({ detail }: { detail: ImageDetail }) {
  const c = detail.config;
  const rows: [string, string][] = [
    ['Entrypoint', c.entrypoint ? JSON.stringify(c.entrypoint) : ''],
    ['Cmd', c.cmd ? JSON.stringify(c.cmd) : ''],
    ['WorkingDir', c.workingDir],
    ['User', c.user],
    ['Ports', c.exposedPorts.join(', ')],
    ['Env', c.env.join('\n')],
  ];
  const shown = rows.filter(([, v]) => v);
  if (!shown.length) return null;
  return (
    <dl className="kv" aria-label="Runtime config" data-testid="config-summary">
      {shown.map(([k, v]) => (
        <div key={k} className="kv__row">
          <dt>{k}</dt>
          <dd>
            <code>{v}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** ImageDetailPanel shows the selected image: its names, digest, totals and layer stack. */
export function ImageDetailPanel({ digest, detail, loading, error, onClose, onRetry }: ImageDetailPanelProps) {
  const name = detail ? primaryReference(detail.familiarReferences) : shortDigest(digest);
  return (
    <aside className="detail" aria-label={`Image ${name}`} aria-busy={loading} data-testid="image-detail">
      <header className="detail__header">
        <div className="detail__title">
          <h2 className={name === NONE ? 'ref--none' : undefined} data-testid="detail-reference">
            {name}
          </h2>
          <code className="detail__digest" title={digest}>
            {digest}
          </code>
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close layer stack" title="Close (Esc)">
          ×
        </button>
      </header>
      {error && <ErrorBanner title="Could not open this image" error={error} onRetry={onRetry} />}
      {!detail && !error && <div className="placeholder">Loading layers…</div>}
      {detail && (
        <>
          {detail.familiarReferences.length > 1 && (
            <ul className="tags" aria-label="Tags">
              {detail.familiarReferences.map((r) => (
                <li key={r} className="chip">
                  {r}
                </li>
              ))}
            </ul>
          )}
          <dl className="facts">
            <div>
              <dt>Size</dt>
              <dd>{formatBytes(detail.size)}</dd>
            </div>
            <div>
              <dt>Shared</dt>
              <dd>{formatBytes(detail.sharedSize)}</dd>
            </div>
            <div>
              <dt>Unique</dt>
              <dd>{formatBytes(detail.uniqueSize)}</dd>
            </div>
            <div>
              <dt>Platform</dt>
              <dd>
                {detail.os}/{detail.architecture}
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd title={formatTimestamp(detail.created)}>{formatAgo(detail.created)}</dd>
            </div>
          </dl>
          <h3 className="section-title">
            Layers <span className="count">{detail.layers.length}</span>
          </h3>
          <LayerStack detail={detail} />
          <ConfigSummary detail={detail} />
        </>
      )}
    </aside>
  );
}
