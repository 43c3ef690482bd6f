// The explorer's answers as the contract sends them: bounded, so a 100,000-file image never floods IPC.
import type { ExploreTreeNode, ExploreTreeView, ImageDiffView } from '../../preload/contract.ts';
import type { ImageDiff, TreeResult } from '../explore/index.ts';

/** At most this many tree nodes in one answer; the UI asks for deeper directories as they open. */
export const TREE_MAX_NODES = 5000;
/** At most this many children of one directory in one answer (the rest are counted in `omitted`). */
export const TREE_MAX_CHILDREN = 1000;
export const DIFF_PAGE = 1000;

/** boundTree cuts a tree to a node budget, breadth first (shallow levels are kept whole first): a directory
 * whose children no longer fit keeps only their count in `more`; a huge directory keeps its first children. */
export function boundTree(result: TreeResult, maxNodes = TREE_MAX_NODES, maxChildren = TREE_MAX_CHILDREN): ExploreTreeView {
  const root = result.root as ExploreTreeNode;
  let budget = maxNodes - 1;
  let truncated = false;
  const queue: ExploreTreeNode[] = [root];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as ExploreTreeNode;
    if (!n.children?.length) continue;
    if (n.children.length > maxChildren) {
      n.omitted = n.children.length - maxChildren;
      n.children = n.children.slice(0, maxChildren);
      truncated = true;
    }
    if (n.children.length > budget) {
      n.more = n.children.length + (n.omitted ?? 0);
      delete n.omitted;
      delete n.children;
      truncated = true;
      continue;
    }
    budget -= n.children.length;
    for (const c of n.children) queue.push(c);
  }
  return { layer: result.layer, view: result.view, root, totalFiles: result.totalFiles, totalSize: result.totalSize, truncated };
}

/** pageDiff keeps one page of a diff's file list; the summary still counts every difference. */
export function pageDiff(diff: ImageDiff, offset = 0, limit = DIFF_PAGE): ImageDiffView {
  const files = diff.files.slice(offset, offset + limit);
  return { ...diff, files, filesTotal: diff.files.length, truncated: offset > 0 || offset + limit < diff.files.length };
}
