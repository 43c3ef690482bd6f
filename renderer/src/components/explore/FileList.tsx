import type { ExploreFileList } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { modeString, ownerString } from '../../store/explore-tree.ts';

/** FileList is the layer's files as one flat list (paged), in the order the filters ask: by path or
 * largest first; each row names the layer that wrote it. */
export function FileList({ list, loading, openPath, onOpenFile, onMore }: { list: ExploreFileList; loading: boolean; openPath: string | null; onOpenFile(path: string): void; onMore(): void }) {
  if (list.entries.length === 0) return <div className="placeholder" data-testid="explore-list-empty">Nothing here matches.</div>;
  return (
    <div className="xtree xlist" data-testid="explore-list">
      <div className="xtree__head xlist__row" aria-hidden="true">
        <span>Path</span>
        <span>Change</span>
        <span className="num">Size</span>
        <span>Mode</span>
        <span>Owner</span>
        <span className="num">Layer</span>
      </div>
      {list.entries.map((e) => {
        const readable = (e.type === 'file' || e.type === 'hardlink' || e.type === 'symlink') && e.change !== 'deleted';
        return (
          <div
            key={`${e.path}:${e.change}`}
            className={`xrow xlist__row xrow--${e.change}${e.path === openPath ? ' is-open' : ''}`}
            data-testid="list-row"
            data-path={e.path}
            data-type={e.type}
            data-change={e.change}
            data-size={e.size}
            onClick={() => readable && onOpenFile(e.path)}
          >
            <span className="xrow__name">
              <span className={`xrow__label xrow__label--${e.type}`} title={e.path}>
                {e.path}
              </span>
              {e.linkTarget && <span className="xrow__link">→ {e.linkTarget}</span>}
            </span>
            <span className={`xmark xmark--${e.change}`}>{e.change === 'unchanged' ? '' : e.change}</span>
            <span className="num">{e.type === 'file' || e.type === 'hardlink' ? formatBytes(e.size) : ''}</span>
            <code className="xrow__mode">{modeString(e.type, e.mode)}</code>
            <code className="xrow__owner">{ownerString(e.uid, e.gid)}</code>
            <span className="num muted">#{e.layer}</span>
          </div>
        );
      })}
      {list.entries.length < list.total && (
        <p className="hint">
          {list.entries.length} of {list.total} files.{' '}
          <button type="button" className="link-button" onClick={onMore} disabled={loading} data-testid="explore-list-more">
            Show more
          </button>
        </p>
      )}
    </div>
  );
}
