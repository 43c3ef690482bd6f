import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExploreTreeNode } from '../../../preload/contract.ts';
import { flattenTree, isExpanded, modeString, parseSizeInput } from './explore-tree.ts';

const n = (path: string, extra: Partial<ExploreTreeNode> = {}): ExploreTreeNode => ({
  path,
  name: path.slice(path.lastIndexOf('/') + 1),
  type: 'file',
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
  ...extra,
});
const dir = (path: string, children?: ExploreTreeNode[], more?: number) => n(path, { type: 'dir', ...(children ? { children } : {}), ...(more ? { more } : {}) });

const ROOT = dir('/', [dir('/etc', [n('/etc/passwd'), dir('/etc/ssl', [n('/etc/ssl/cert.pem')])]), dir('/usr', undefined, 3), n('/hello')]);
const paths = (rows: { node: ExploreTreeNode }[]) => rows.map((r) => r.node.path);

describe('flattenTree', () => {
  test('top-level directories open, deeper ones closed by default', () => {
    assert.deepEqual(paths(flattenTree(ROOT, {}, {}, false)), ['/etc', '/etc/passwd', '/etc/ssl', '/usr', '/hello']);
  });

  test('a filtered tree shows everything open', () => {
    assert.deepEqual(paths(flattenTree(ROOT, {}, {}, true)), ['/etc', '/etc/passwd', '/etc/ssl', '/etc/ssl/cert.pem', '/usr', '/hello']);
  });

  test('what the user chose wins over the default', () => {
    assert.deepEqual(paths(flattenTree(ROOT, {}, { '/etc': false, '/etc/ssl': true }, false)), ['/etc', '/usr', '/hello']);
    assert.deepEqual(paths(flattenTree(ROOT, {}, { '/etc/ssl': true }, false)), ['/etc', '/etc/passwd', '/etc/ssl', '/etc/ssl/cert.pem', '/usr', '/hello']);
  });

  test('a directory with only a count needs loading; a loaded subtree fills it in', () => {
    const before = flattenTree(ROOT, {}, {}, false).find((r) => r.node.path === '/usr');
    assert.equal(before?.needsLoad, true);
    const rows = flattenTree(ROOT, { '/usr': dir('/usr', [n('/usr/bin'), n('/usr/lib')]) }, { '/usr': true }, false);
    assert.deepEqual(paths(rows), ['/etc', '/etc/passwd', '/etc/ssl', '/usr', '/usr/bin', '/usr/lib', '/hello']);
    assert.equal(rows.find((r) => r.node.path === '/usr')?.needsLoad, false);
    assert.equal(rows.find((r) => r.node.path === '/usr/bin')?.depth, 1);
  });
});

describe('isExpanded', () => {
  for (const [name, depth, filtered, chosen, want] of [
    ['top level', 0, false, {}, true],
    ['deeper', 1, false, {}, false],
    ['deeper, filtered', 3, true, {}, true],
    ['closed by the user', 0, true, { '/a': false }, false],
  ] as const) {
    test(name, () => assert.equal(isExpanded('/a', depth, filtered, chosen), want));
  }
});

describe('modeString', () => {
  for (const [type, mode, want] of [
    ['dir', 0o755, 'drwxr-xr-x'],
    ['file', 0o644, '-rw-r--r--'],
    ['symlink', 0o777, 'lrwxrwxrwx'],
    ['file', 0o4755, '-rwsr-xr-x'],
    ['file', 0o2644, '-rw-r-Sr--'],
    ['dir', 0o1777, 'drwxrwxrwt'],
    ['char', 0o666, 'crw-rw-rw-'],
  ] as const) {
    test(`${type} ${mode.toString(8)}`, () => assert.equal(modeString(type, mode), want));
  }
});

describe('parseSizeInput', () => {
  for (const [text, want] of [
    ['', 0],
    ['10', 10],
    ['1.5MB', 1_500_000],
    ['200 kB', 200_000],
    ['4KiB', 4096],
    ['1 g', 1e9],
    ['ten', null],
    ['5 parsecs', null],
  ] as const) {
    test(JSON.stringify(text), () => assert.equal(parseSizeInput(text), want));
  }
});
