import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExplorerImageView, ExploreTreeView, ImageFileContent, WasteReportView } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { DEFAULT_FILTERS, FILTERED_DEPTH, LIST_PAGE, TREE_DEPTH, isFiltered, treeKeyOf, type ExploreFilters } from './explore-slice.ts';
import { createStrataStore } from './store.ts';

const IMG = 'sha256:' + 'a'.repeat(64);
const IMAGE: ExplorerImageView = {
  digest: IMG,
  references: ['docker.io/library/app:1'],
  baseLayers: 1,
  layers: [
    { index: 0, digest: 'sha256:l0', size: 10, files: 3, fileBytes: 30, instruction: 'ADD', createdBy: 'ADD base', source: null, base: true },
    { index: 1, digest: 'sha256:l1', size: 5, files: 1, fileBytes: 5, instruction: 'RUN', createdBy: 'RUN x', source: { file: 'Dockerfile', line: 2 }, base: false },
  ],
};
const treeFor = (layer: number, totalFiles = 1): ExploreTreeView => ({
  layer,
  view: 'layer',
  truncated: false,
  totalFiles,
  totalSize: 5,
  root: { path: '/', name: '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 5, mtime: null, linkTarget: null, sha256: null, layer, change: 'unchanged', files: totalFiles, children: [] },
});

describe('explore slice', () => {
  test('openExplorer loads the layers, then the top layer’s tree, shallow', async () => {
    const f = fakeCaller({ exploreImage: async () => IMAGE, exploreTree: async (p: { layer: number }) => treeFor(p.layer) });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    const s = store.getState();
    assert.equal(s.explorerImage, IMAGE);
    assert.equal(s.exploreLayer, 1);
    assert.equal(s.tree?.layer, 1);
    assert.deepEqual(f.calls, [
      ['exploreImage', { ref: IMG }],
      ['exploreTree', { ref: IMG, layer: 1, view: 'layer', sort: 'path', depth: TREE_DEPTH }],
    ]);
  });

  test('filters go to the engine trimmed, filtered trees deep; the same filters again ask nothing', async () => {
    const f = fakeCaller({ exploreImage: async () => IMAGE, exploreTree: async (p: { layer: number }) => treeFor(p.layer) });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    await store.getState().setExploreFilters({ changes: ['deleted', 'added'], pattern: ' /tmp/** ', minSize: 1000, view: 'image', sort: 'size' });
    assert.deepEqual(f.calls.at(-1), ['exploreTree', { ref: IMG, layer: 1, view: 'image', sort: 'size', depth: FILTERED_DEPTH, changes: ['deleted', 'added'], pattern: '/tmp/**', minSize: 1000 }]);
    const n = f.calls.length;
    await store.getState().setExploreFilters({ changes: ['added', 'deleted'], pattern: '/tmp/**' });
    assert.equal(f.calls.length, n, 'the same question (changes in another order, pattern trimmed) is not asked again');
  });

  test('an answer for an older layer is dropped', async () => {
    const slow = deferred<ExploreTreeView>();
    const f = fakeCaller({ exploreImage: async () => IMAGE, exploreTree: async (p: { layer: number }) => (p.layer === 1 ? slow.promise : treeFor(p.layer)) });
    const store = createStrataStore(f.call);
    const opening = store.getState().openExplorer(IMG);
    await new Promise((r) => setTimeout(r, 0));
    await store.getState().selectExploreLayer(0);
    slow.resolve(treeFor(1));
    await opening;
    assert.equal(store.getState().tree?.layer, 0);
    assert.equal(store.getState().exploreLayer, 0);
  });

  test('opening a directory that only has a count loads it once, with the same filters', async () => {
    const f = fakeCaller({ exploreImage: async () => IMAGE, exploreTree: async (p: { layer: number; root?: string }) => (p.root ? { ...treeFor(p.layer), root: { ...treeFor(p.layer).root, path: p.root } } : treeFor(p.layer)) });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    await store.getState().toggleDir('/usr', true, true);
    await store.getState().toggleDir('/usr', false, true);
    await store.getState().toggleDir('/usr', true, true);
    assert.equal(f.calls.filter(([m, p]) => m === 'exploreTree' && (p as { root?: string }).root === '/usr').length, 1);
    assert.equal(store.getState().subtrees['/usr']?.path, '/usr');
    assert.equal(store.getState().expandedDirs['/usr'], true);
  });

  test('a file opens from the layer shown; an engine refusal is kept for the viewer', async () => {
    const content: ImageFileContent = { path: '/etc/hosts', layer: 1, size: 3, text: 'hi\n', truncated: false };
    const f = fakeCaller({
      exploreImage: async () => IMAGE,
      exploreTree: async (p: { layer: number }) => treeFor(p.layer),
      readImageFile: async (p: { path: string }) => {
        if (p.path === '/bin/sh') throw new EngineError('EXPLORE_BINARY', '/bin/sh is a binary file');
        return content;
      },
    });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    await store.getState().openImageFile('/etc/hosts');
    assert.deepEqual(f.calls.at(-1), ['readImageFile', { ref: IMG, path: '/etc/hosts', layer: 1 }]);
    assert.equal(store.getState().openFile, content);
    await store.getState().openImageFile('/bin/sh');
    assert.equal(store.getState().openFile, null);
    assert.equal(store.getState().openFileError?.code, 'EXPLORE_BINARY');
    store.getState().closeImageFile();
    assert.equal(store.getState().openFilePath, null);
    // Another layer closes the file read as of this one.
    await store.getState().openImageFile('/etc/hosts');
    await store.getState().selectExploreLayer(0);
    assert.equal(store.getState().openFilePath, null);
  });

  test('the waste report loads when its tab opens, once per image', async () => {
    const report = { wastedBytes: 7 } as WasteReportView;
    const f = fakeCaller({ exploreImage: async () => IMAGE, exploreTree: async (p: { layer: number }) => treeFor(p.layer), analyzeImage: async () => report });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    store.getState().setExplorerTab('waste');
    await store.getState().loadWaste();
    store.getState().setExplorerTab('files');
    store.getState().setExplorerTab('waste');
    await store.getState().loadWaste();
    assert.equal(f.calls.filter(([m]) => m === 'analyzeImage').length, 1);
    assert.equal(store.getState().waste, report);
    assert.equal(store.getState().wasteOf, IMG);
  });

  test('the flat list: asked with the same filters, paged; switching back to the tree asks nothing new', async () => {
    const entry = (i: number) => ({ path: `/f${i}`, name: `f${i}`, type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 100 - i, mtime: null, linkTarget: null, sha256: null, layer: 1, change: 'added' as const });
    const f = fakeCaller({
      exploreImage: async () => IMAGE,
      exploreTree: async (p: { layer: number }) => treeFor(p.layer),
      exploreFiles: async (p: { offset: number }) => ({ layer: 1, view: 'layer', total: 3, totalSize: 297, entries: p.offset ? [entry(2)] : [entry(0), entry(1)] }),
    });
    const store = createStrataStore(f.call);
    await store.getState().openExplorer(IMG);
    await store.getState().setExploreFilters({ sort: 'size' });
    const trees = f.calls.filter(([m]) => m === 'exploreTree').length;
    await store.getState().setExploreLayout('list');
    assert.deepEqual(f.calls.at(-1), ['exploreFiles', { ref: IMG, layer: 1, view: 'layer', sort: 'size', offset: 0, limit: LIST_PAGE }]);
    await store.getState().moreFiles();
    assert.deepEqual(f.calls.at(-1), ['exploreFiles', { ref: IMG, layer: 1, view: 'layer', sort: 'size', offset: 2, limit: LIST_PAGE }]);
    assert.deepEqual(store.getState().fileList?.entries.map((e) => e.path), ['/f0', '/f1', '/f2']);
    // A new filter reloads the list from its start, not the tree.
    await store.getState().setExploreFilters({ pattern: '/f*' });
    assert.deepEqual(f.calls.at(-1), ['exploreFiles', { ref: IMG, layer: 1, view: 'layer', sort: 'size', pattern: '/f*', offset: 0, limit: LIST_PAGE }]);
    assert.equal(f.calls.filter(([m]) => m === 'exploreTree').length, trees);
    await store.getState().setExploreLayout('tree');
    assert.equal(f.calls.filter(([m]) => m === 'exploreTree').length, trees + 1, 'the tree was for other filters: asked again');
    await store.getState().setExploreLayout('list');
    await store.getState().setExploreLayout('tree');
    assert.equal(f.calls.filter(([m]) => m === 'exploreTree').length, trees + 1);
  });

  test('an image that cannot be opened keeps the error; closeExplorer goes back to the picker', async () => {
    const store = createStrataStore(fakeCaller({ exploreImage: async () => { throw new EngineError('IMAGE_NOT_FOUND', 'gone'); } }).call);
    await store.getState().openExplorer('nope:1');
    assert.equal(store.getState().explorerError?.code, 'IMAGE_NOT_FOUND');
    store.getState().closeExplorer();
    assert.equal(store.getState().exploreRef, null);
    assert.equal(store.getState().explorerError, null);
  });
});

describe('treeKeyOf and isFiltered', () => {
  test('the key ignores the order of changes and spaces around the pattern', () => {
    assert.equal(treeKeyOf('r', 1, { ...DEFAULT_FILTERS, changes: ['added', 'deleted'], pattern: 'a' }), treeKeyOf('r', 1, { ...DEFAULT_FILTERS, changes: ['deleted', 'added'], pattern: ' a ' }));
    assert.notEqual(treeKeyOf('r', 1, DEFAULT_FILTERS), treeKeyOf('r', 0, DEFAULT_FILTERS));
  });
  for (const [name, patch, want] of [
    ['defaults', {}, false],
    ['a change type', { changes: ['added'] }, true],
    ['a blank pattern', { pattern: '  ' }, false],
    ['a min size', { minSize: 1 }, true],
    ['the image view alone', { view: 'image' }, false],
  ] as [string, Partial<ExploreFilters>, boolean][]) {
    test(name, () => assert.equal(isFiltered({ ...DEFAULT_FILTERS, ...patch }), want));
  }
});
