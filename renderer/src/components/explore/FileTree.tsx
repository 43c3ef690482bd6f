import { useMemo } from 'react';
import type { ExploreTreeNode, ExploreTreeView } from '../../../../preload/contract.ts';
import { formatBytes } from '../../format/bytes.ts';
import { flattenTree, modeString, ownerString } from '../../store/explore-tree.ts';

export interface FileTreeProps {
  tree: ExploreTreeView;
  subtrees: Readonly<Record<string, ExploreTreeNode>>;
  expanded: Readonly<Record<string, boolean>>;
  filtered: boolean;
  openPath: string | null;
  onToggle(path: string, open: boolean, needsLoad: boolean): void;
  onOpenFile(path: string): void;
}

/** FileTree draws a layer's tree: change marks (whiteouts as deletions), sizes, modes, owners, link targets. */
export function FileTree({ tree, subtrees, expanded, filtered, openPath, onToggle, onOpenFile }: FileTreeProps) {
  const rows = useMemo(() => flattenTree(tree.root, subtrees, expanded, filtered), [tree, subtrees, expanded, filtered]);
  if (rows.length === 0) return <div className="placeholder" data-testid="explore-tree-empty">Nothing here matches.</div>;
  return (
    <div className="xtree" role="tree" aria-label="Files" data-testid="explore-tree">
      <div className="xtree__head" aria-hidden="true">
        <span>Name</span>
        <span>Change</span>
        <span className="num">Size</span>
        <span>Mode</span>
        <span>Owner</span>
      </div>
      {rows.map(({ node, depth, isDir, expanded: open, needsLoad }) => {
        const readable = (node.type === 'file' || node.type === 'hardlink' || node.type === 'symlink') && node.change !== 'deleted';
        return (
          <div
            key={node.path}
            role="treeitem"
            aria-expanded={isDir ? open : undefined}
            aria-level={depth + 1}
            aria-selected={node.path === openPath}
            className={`xrow xrow--${node.change}${node.path === openPath ? ' is-open' : ''}`}
            data-testid="tree-row"
            data-path={node.path}
            data-type={node.type}
            data-change={node.change}
            data-size={node.size}
            tabIndex={0}
            onClick={() => (isDir ? onToggle(node.path, !open, needsLoad) : readable ? onOpenFile(node.path) : undefined)}
            onKeyDown={(e) => {
              // Enter opens a file or toggles a directory; the arrows open and close directories as in a file manager.
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                if (isDir) onToggle(node.path, !open, needsLoad);
                else if (readable) onOpenFile(node.path);
              } else if (isDir && e.key === 'ArrowRight' && !open) onToggle(node.path, true, needsLoad);
              else if (isDir && e.key === 'ArrowLeft' && open) onToggle(node.path, false, needsLoad);
            }}
          >
            <span className="xrow__name" style={{ paddingLeft: `${depth * 16 + 4}px` }}>
              <span className="xrow__twisty" aria-hidden="true">
                {isDir ? (open ? '▾' : '▸') : ''}
              </span>
              <span className={`xrow__label xrow__label--${node.type}`}>{node.name}</span>
              {node.linkTarget && (
                <span className="xrow__link" data-testid="tree-link">
                  → {node.linkTarget}
                </span>
              )}
              {isDir && <span className="xrow__count">{node.files + (node.omitted ? ` (+${node.omitted} not shown)` : '')}</span>}
            </span>
            <span className={`xmark xmark--${node.change}`} data-testid="tree-change">
              {node.change === 'unchanged' ? '' : node.change}
            </span>
            <span className="num">{node.type === 'dir' || node.type === 'file' || node.type === 'hardlink' ? formatBytes(node.size) : ''}</span>
            <code className="xrow__mode">{modeString(node.type, node.mode)}</code>
            <code className="xrow__owner">{ownerString(node.uid, node.gid)}</code>
          </div>
        );
      })}
      {tree.truncated && <p className="hint">Some directories are too big to send at once: open them to see what is inside.</p>}
    </div>
  );
}
