import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageDiff, TreeResult, TreeView } from '../explore/index.ts';
import { boundTree, pageDiff } from './explore-service.ts';

const node = (path: string, children?: TreeView[]): TreeView => ({
  path,
  name: path.slice(path.lastIndexOf('/') + 1) || '/',
  type: children ? 'dir' : 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 1,
  mtime: null,
  linkTarget: null,
  sha256: null,
  layer: 0,
  change: 'added',
  files: 1,
  ...(children ? { children } : {}),
});
const files = (dir: string, n: number) => Array.from({ length: n }, (_, i) => node(`${dir}/f${i}`));
const tree = (root: TreeView): TreeResult => ({ layer: 0, view: 'layer', root, totalFiles: 0, totalSize: 0 });

describe('boundTree', () => {
  test('a small tree is sent whole', () => {
    const r = boundTree(tree(node('/', [node('/a', files('/a', 3)), node('/b')])));
    assert.equal(r.truncated, false);
    assert.equal(r.root.children?.[0]?.children?.length, 3);
  });

  test('a directory with too many children keeps the first ones and counts the rest', () => {
    const r = boundTree(tree(node('/', [node('/big', files('/big', 30))])), 100, 10);
    const big = r.root.children?.[0];
    assert.equal(big?.children?.length, 10);
    assert.equal(big?.omitted, 20);
    assert.equal(r.truncated, true);
  });

  test('past the node budget, deeper directories keep only their count (breadth first)', () => {
    const r = boundTree(tree(node('/', [node('/a', files('/a', 5)), node('/b', files('/b', 5)), node('/c', files('/c', 2))])), 10, 100);
    // Root's 3 children (budget 9 → 6), /a's 5 (→ 1), /b's 5 do not fit, /c's 2 do not either.
    const [a, b, c] = r.root.children ?? [];
    assert.equal(a?.children?.length, 5);
    assert.equal(b?.children, undefined);
    assert.equal(b?.more, 5);
    assert.equal(c?.more, 2);
    assert.equal(r.truncated, true);
  });
});

describe('pageDiff', () => {
  const diff = { files: Array.from({ length: 5 }, (_, i) => ({ path: `/f${i}`, change: 'added' as const, typeA: null, typeB: 'file' as const, sizeA: null, sizeB: 1 })) } as unknown as ImageDiff;
  for (const [name, offset, limit, want, truncated] of [
    ['first page', 0, 2, ['/f0', '/f1'], true],
    ['everything', 0, 10, ['/f0', '/f1', '/f2', '/f3', '/f4'], false],
    ['a later page', 4, 2, ['/f4'], true],
  ] as const) {
    test(name, () => {
      const p = pageDiff(diff, offset, limit);
      assert.deepEqual(p.files.map((f) => f.path), want);
      assert.equal(p.filesTotal, 5);
      assert.equal(p.truncated, truncated);
    });
  }
});
