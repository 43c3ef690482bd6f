import type { ImageDetail } from '../../../preload/contract.ts';
import type { EngineError } from '../ipc/engine-error.ts';
import { formatBytes } from '../format/bytes.ts';
import { NONE, primaryReference, shortDigest } from '../format/digest.ts';
import { formatAgo, formatTimestamp } from '../format/time.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { LayerStack } from './LayerStack.tsx';
import { PublishPanel } from './publish/PublishPanel.tsx';
import { RunButton, RunPanel } from './run/RunPanel.tsx';
import { useStrata } from '../store/store.ts';
import type { StrataState } from '../store/types.ts';
import { ImageTags } from './tags/ImageTags.tsx';

export interface ImageDetailPanelProps {
  digest: string;
  detail: ImageDetail | null;
  loading: boolean;
  error: EngineError | null;
  onClose(): void;
  onRetry(): void;
  /** onCompare opens the Compare view with this image picked. */
  onCompare?(): void;
  /** onExplore opens this image in the layer explorer (files per layer, waste). */
  onExplore?(): void;
}

const selectDetailTab = (s: StrataState) => s.detailTab;
const selectSetDetailTab = (s: StrataState) => s.setDetailTab;

/** DETAIL_TABS are the detail panel's tabs: what the image is, its names, and pushing it. */
export const DETAIL_TABS = [
  ['layers', 'Layers'],
  ['tags', 'Tags'],
  ['publish', 'Publish'],
] as const;
export type DetailTab = (typeof DETAIL_TABS)[number][0];

/** ConfigSummary is what the image runs with: Entrypoint, Cmd, WorkingDir, User and Ports always (with the
 * runtime's default when unset), then Env, Volumes, StopSignal and Labels when the image sets them. */
export function ConfigSummary({ detail }: { detail: Pick<ImageDetail, 'config'> }) {
  const c = detail.config;
  const rows: [string, string, string][] = [
    ['Entrypoint', c.entrypoint ? JSON.stringify(c.entrypoint) : '', 'none'],
    ['Cmd', c.cmd ? JSON.stringify(c.cmd) : '', 'none'],
    ['WorkingDir', c.workingDir, '/ (default)'],
    ['User', c.user, 'root (default)'],
    ['Ports', c.exposedPorts.join(', '), 'none exposed'],
    ['Env', c.env.join('\n'), ''],
    ['Volumes', c.volumes.join(', '), ''],
    ['StopSignal', c.stopSignal ?? '', ''],
    ['Labels', Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join('\n'), ''],
  ];
  const shown = rows.filter(([, v, unset]) => v || unset);
  return (
    <>
      <h3 className="section-title">Config</h3>
      <dl className="kv" aria-label="Runtime config" data-testid="config-summary">
        {shown.map(([k, v, unset]) => (
          <div key={k} className="kv__row" data-testid="config-row" data-key={k} data-set={!!v}>
            <dt>{k}</dt>
            <dd>{v ? <code>{v}</code> : <span className="muted">{unset}</span>}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** ImageDetailPanel shows the selected image: its names, digest, totals and layer stack, and tabs to tag
 * and publish it. */
export function ImageDetailPanel({ digest, detail, loading, error, onClose, onRetry, onCompare, onExplore }: ImageDetailPanelProps) {
  const name = detail ? primaryReference(detail.familiarReferences) : shortDigest(digest);
  // The tab lives in the store: the push shortcut and the menu open Publish.
  const stored = useStrata(selectDetailTab);
  const setTab = useStrata(selectSetDetailTab);
  const tab: DetailTab = DETAIL_TABS.some(([id]) => id === stored) ? (stored as DetailTab) : 'layers';
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
          <div className="detail__bar">
            <div className="detail-tabs" role="tablist" aria-label="Image">
              {DETAIL_TABS.map(([id, label]) => (
                <button
                  key={id}
                  type="button"
                  role="tab"
                  aria-selected={tab === id}
                  className={`detail-tab${tab === id ? ' is-active' : ''}`}
                  onClick={() => setTab(id)}
                  data-testid={`detail-tab-${id}`}
                >
                  {label}
                  {id === 'tags' && <span className="count">{detail.references.length}</span>}
                </button>
              ))}
            </div>
            <div className="detail__actions" data-testid="image-actions">
              <RunButton digest={digest} />
              {onExplore && (
                <button type="button" className="button button--small" onClick={onExplore} data-testid="image-explore" title="Every file of every layer, and the bytes this image wastes">
                  Explore
                </button>
              )}
              {onCompare && (
                <button type="button" className="button button--small" onClick={onCompare} data-testid="image-compare" title="Compare this image with others">
                  Compare…
                </button>
              )}
            </div>
          </div>
          <RunPanel digest={digest} entrypoint={detail.config.entrypoint} cmd={detail.config.cmd} />
          {tab === 'layers' && (
            <div role="tabpanel" aria-label="Layers" className="detail__tabpanel">
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
                <span className="section-title__note">base at the bottom · height by size</span>
              </h3>
              <LayerStack detail={detail} />
              <ConfigSummary detail={detail} />
            </div>
          )}
          {tab === 'tags' && (
            <div role="tabpanel" aria-label="Tags" className="detail__tabpanel">
              <ImageTags detail={detail} />
            </div>
          )}
          {tab === 'publish' && (
            <div role="tabpanel" aria-label="Publish" className="detail__tabpanel">
              <PublishPanel detail={detail} />
            </div>
          )}
        </>
      )}
    </aside>
  );
}
