import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ExploreTreeNode, ExploreTreeView } from '../../../../preload/contract.ts';
import { FileTree } from './FileTree.tsx';

const n = (path: string, extra: Partial<ExploreTreeNode> = {}): ExploreTreeNode => ({ path, name: path.slice(path.lastIndexOf('/') + 1), type: 'file', mode: 0o644, uid: 0, gid: 0, size: 10, mtime: null, linkTarget: null, sha256: null, layer: 1, change: 'added', files: 1, ...extra });
const TREE: ExploreTreeView = {
  layer: 1,
  view: 'layer',
  truncated: false,
  totalFiles: 3,
  totalSize: 20,
  root: n('/', {
    type: 'dir',
    children: [
      n('/bin', { type: 'dir', mode: 0o755, files: 1, children: [n('/bin/sh', { type: 'symlink', mode: 0o777, linkTarget: 'busybox', change: 'modified' })] }),
      n('/tmp/big.bin', { change: 'deleted', size: 5_000_000, uid: 1000, gid: 100 }),
      n('/usr', { type: 'dir', more: 40 }),
    ],
  }),
};
const render = (expanded: Record<string, boolean> = {}) => renderToStaticMarkup(createElement(FileTree, { tree: TREE, subtrees: {}, expanded, filtered: false, openPath: null, onToggle: () => {}, onOpenFile: () => {} }));

describe('FileTree', () => {
  const html = render();
  test('rows carry path, type, change and size', () => {
    assert.deepEqual([...html.matchAll(/data-path="([^"]+)" data-type="([^"]+)" data-change="([^"]+)"/g)].map((m) => `${m[3]} ${m[2]} ${m[1]}`), ['added dir /bin', 'modified symlink /bin/sh', 'deleted file /tmp/big.bin', 'added dir /usr']);
  });
  test('a symlink shows its target; modes and owners as ls prints them', () => {
    assert.match(html, /→ busybox/);
    assert.match(html, /lrwxrwxrwx/);
    assert.match(html, /-rw-r--r--<\/code><code class="xrow__owner">1000:100/);
  });
  test('a deletion is marked and keeps the size of what was deleted', () => {
    assert.match(html, /data-path="\/tmp\/big.bin"[^>]*data-size="5000000"/);
    assert.match(html, /xmark--deleted" data-testid="tree-change">deleted/);
  });
  test('a closed directory hides its children', () => {
    assert.doesNotMatch(render({ '/bin': false }), /\/bin\/sh/);
  });
  test('an empty view says nothing matches', () => {
    const empty = renderToStaticMarkup(createElement(FileTree, { tree: { ...TREE, root: n('/', { type: 'dir', children: [] }) }, subtrees: {}, expanded: {}, filtered: true, openPath: null, onToggle: () => {}, onOpenFile: () => {} }));
    assert.match(empty, /Nothing here matches/);
  });
});
