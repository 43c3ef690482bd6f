import type { ExploreChange, ExploreFileList, ExplorerImageView, ExploreTreeNode, ExploreTreeView, ImageFileContent, WasteReportView } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import type { SliceCreator } from './types.ts';

export type ExplorerTab = 'files' | 'waste';
/** The files as a tree, or as a flat list (largest first when sorted by size). */
export type ExploreLayout = 'tree' | 'list';

/** ExploreFilters are the file tree's view and filters, as the user set them. */
export interface ExploreFilters {
  view: 'layer' | 'image';
  changes: ExploreChange[];
  pattern: string;
  minSize: number;
  sort: 'path' | 'size';
}

export const DEFAULT_FILTERS: ExploreFilters = { view: 'layer', changes: [], pattern: '', minSize: 0, sort: 'path' };
/** Levels of the tree asked for at once; deeper directories load as they open. */
export const TREE_DEPTH = 4;
/** A filtered tree is small: ask for it deep, so every match shows at once. */
export const FILTERED_DEPTH = 32;
/** Files per page of the flat list. */
export const LIST_PAGE = 200;

/** ExploreSlice holds the layer explorer: the image opened, its layer selected, the tree of that layer
 * with the filters, the directories opened, the file shown, and the waste report. */
export interface ExploreSlice {
  exploreRef: string | null;
  explorerImage: ExplorerImageView | null;
  explorerLoading: boolean;
  explorerError: EngineError | null;
  exploreLayer: number | null;
  exploreFilters: ExploreFilters;
  explorerTab: ExplorerTab;
  exploreLayout: ExploreLayout;
  fileList: ExploreFileList | null;
  fileListKey: string | null;
  fileListLoading: boolean;
  fileListError: EngineError | null;
  tree: ExploreTreeView | null;
  /** The query key the tree answers (it may lag the filters while a new one loads). */
  treeKey: string | null;
  treeLoading: boolean;
  treeError: EngineError | null;
  /** Directories loaded on demand (they had `more` in the tree), by path. */
  subtrees: Record<string, ExploreTreeNode>;
  /** Directories the user opened (true) or closed (false); others follow the default (see isExpanded). */
  expandedDirs: Record<string, boolean>;
  openFile: ImageFileContent | null;
  openFilePath: string | null;
  openFileError: EngineError | null;
  waste: WasteReportView | null;
  wasteOf: string | null;
  wasteLoading: boolean;
  wasteError: EngineError | null;
  /** openExplorer opens an image (by digest or reference): its layers, then the top layer's tree. */
  openExplorer(ref: string): Promise<void>;
  /** closeExplorer goes back to picking an image. */
  closeExplorer(): void;
  selectExploreLayer(index: number): Promise<void>;
  setExploreFilters(patch: Partial<ExploreFilters>): Promise<void>;
  setExplorerTab(tab: ExplorerTab): void;
  setExploreLayout(layout: ExploreLayout): Promise<void>;
  /** moreFiles appends the next page of the flat list. */
  moreFiles(): Promise<void>;
  /** loadTree asks for the tree of the current layer and filters (again, after an error). */
  loadTree(): Promise<void>;
  /** toggleDir opens or closes a directory, loading it when the tree only counted its children. */
  toggleDir(path: string, open: boolean, needsLoad: boolean): Promise<void>;
  openImageFile(path: string): Promise<void>;
  closeImageFile(): void;
  loadWaste(): Promise<void>;
}

/** treeKeyOf names one question to exploreTree: the same key, the same answer. */
export function treeKeyOf(ref: string, layer: number, f: ExploreFilters): string {
  return JSON.stringify([ref, layer, f.view, [...f.changes].sort(), f.pattern.trim(), f.minSize, f.sort]);
}

/** isFiltered says whether the filters narrow the tree (then every directory shows open). */
export function isFiltered(f: ExploreFilters): boolean {
  return f.changes.length > 0 || f.pattern.trim() !== '' || f.minSize > 0;
}

/** createExploreSlice builds the slice over an engine caller; answers for an older image, layer or filter
 * are dropped by sequence number. */
export function createExploreSlice(call: Caller): SliceCreator<ExploreSlice> {
  let imageSeq = 0;
  let treeSeq = 0;
  let listSeq = 0;
  let fileSeq = 0;
  let wasteSeq = 0;
  let wasteRun: { ref: string; done: Promise<void>; seq: number } | null = null;
  return (set, get) => {
    const query = () => {
      const s = get();
      if (!s.exploreRef || s.exploreLayer === null) return null;
      const f = s.exploreFilters;
      const pattern = f.pattern.trim();
      return {
        key: treeKeyOf(s.exploreRef, s.exploreLayer, f),
        params: {
          ref: s.exploreRef,
          layer: s.exploreLayer,
          view: f.view,
          sort: f.sort,
          depth: isFiltered(f) ? FILTERED_DEPTH : TREE_DEPTH,
          ...(f.changes.length ? { changes: [...f.changes] } : {}),
          ...(pattern ? { pattern } : {}),
          ...(f.minSize > 0 ? { minSize: f.minSize } : {}),
        },
      };
    };

    const loadTree = async () => {
      const q = query();
      if (!q) return;
      const mine = ++treeSeq;
      set({ treeLoading: true, treeError: null });
      try {
        const tree = await call('exploreTree', q.params);
        if (mine !== treeSeq) return;
        set({ tree, treeKey: q.key, treeLoading: false, subtrees: {}, expandedDirs: {} });
      } catch (e) {
        if (mine === treeSeq) set({ treeLoading: false, treeError: toEngineError(e) });
      }
    };

    const loadList = async (append: boolean) => {
      const q = query();
      if (!q) return;
      const prev = get().fileList;
      const offset = append && prev && get().fileListKey === q.key ? prev.entries.length : 0;
      const { depth: _depth, ...params } = q.params;
      const mine = ++listSeq;
      set({ fileListLoading: true, fileListError: null });
      try {
        const list = await call('exploreFiles', { ...params, offset, limit: LIST_PAGE });
        if (mine !== listSeq) return;
        set({ fileList: offset > 0 && prev ? { ...list, entries: [...prev.entries, ...list.entries] } : list, fileListKey: q.key, fileListLoading: false });
      } catch (e) {
        if (mine === listSeq) set({ fileListLoading: false, fileListError: toEngineError(e) });
      }
    };

    /** loadView loads what the Files tab shows: the tree or the list. */
    const loadView = () => (get().exploreLayout === 'tree' ? loadTree() : loadList(false));
    const shownKey = () => (get().exploreLayout === 'tree' ? (get().treeError ? null : get().treeKey) : get().fileListError ? null : get().fileListKey);

    return {
      exploreRef: null,
      explorerImage: null,
      explorerLoading: false,
      explorerError: null,
      exploreLayer: null,
      exploreFilters: DEFAULT_FILTERS,
      explorerTab: 'files',
      exploreLayout: 'tree',
      fileList: null,
      fileListKey: null,
      fileListLoading: false,
      fileListError: null,
      tree: null,
      treeKey: null,
      treeLoading: false,
      treeError: null,
      subtrees: {},
      expandedDirs: {},
      openFile: null,
      openFilePath: null,
      openFileError: null,
      waste: null,
      wasteOf: null,
      wasteLoading: false,
      wasteError: null,

      async openExplorer(ref) {
        const mine = ++imageSeq;
        treeSeq++;
        listSeq++;
        const same = get().exploreRef === ref && get().explorerImage !== null;
        set({
          exploreRef: ref,
          explorerLoading: true,
          explorerError: null,
          ...(same ? {} : { explorerImage: null, exploreLayer: null, tree: null, treeKey: null, fileList: null, fileListKey: null, subtrees: {}, expandedDirs: {}, openFile: null, openFilePath: null, openFileError: null }),
        });
        try {
          const image = await call('exploreImage', { ref });
          if (mine !== imageSeq) return;
          const layer = same && get().exploreLayer !== null && get().exploreLayer! < image.layers.length ? get().exploreLayer : image.layers.length ? image.layers.length - 1 : null;
          set({ explorerImage: image, explorerLoading: false, exploreLayer: layer });
          await Promise.all([loadView(), get().explorerTab === 'waste' ? get().loadWaste() : Promise.resolve()]);
        } catch (e) {
          if (mine === imageSeq) set({ explorerLoading: false, explorerError: toEngineError(e) });
        }
      },

      closeExplorer() {
        imageSeq++;
        treeSeq++;
        listSeq++;
        set({ fileList: null, fileListKey: null, exploreRef: null, explorerImage: null, explorerLoading: false, explorerError: null, exploreLayer: null, tree: null, treeKey: null, subtrees: {}, expandedDirs: {}, openFile: null, openFilePath: null, openFileError: null });
      },

      async selectExploreLayer(index) {
        if (get().exploreLayer === index) return;
        // A file shown was read as of the old layer: it may not even exist in the new one.
        fileSeq++;
        set({ exploreLayer: index, openFile: null, openFilePath: null, openFileError: null });
        await loadView();
      },

      async setExploreFilters(patch) {
        set({ exploreFilters: { ...get().exploreFilters, ...patch } });
        const q = query();
        if (q && q.key === shownKey()) return;
        await loadView();
      },

      setExplorerTab(explorerTab) {
        set({ explorerTab });
        if (explorerTab === 'waste') void get().loadWaste();
      },

      async setExploreLayout(exploreLayout) {
        set({ exploreLayout });
        const q = query();
        if (q && q.key !== shownKey()) await loadView();
      },

      moreFiles: () => loadList(true),

      loadTree,

      async toggleDir(path, open, needsLoad) {
        set({ expandedDirs: { ...get().expandedDirs, [path]: open } });
        if (!open || !needsLoad || get().subtrees[path]) return;
        const q = query();
        if (!q) return;
        const mine = treeSeq;
        try {
          const t = await call('exploreTree', { ...q.params, root: path, depth: TREE_DEPTH });
          if (mine === treeSeq) set({ subtrees: { ...get().subtrees, [path]: t.root } });
        } catch (e) {
          if (mine === treeSeq) set({ treeError: toEngineError(e) });
        }
      },

      async openImageFile(path) {
        const s = get();
        if (!s.exploreRef) return;
        const mine = ++fileSeq;
        set({ openFilePath: path, openFile: null, openFileError: null });
        try {
          const f = await call('readImageFile', { ref: s.exploreRef, path, ...(s.exploreLayer !== null ? { layer: s.exploreLayer } : {}) });
          if (mine === fileSeq) set({ openFile: f });
        } catch (e) {
          if (mine === fileSeq) set({ openFileError: toEngineError(e) });
        }
      },

      closeImageFile() {
        fileSeq++;
        set({ openFile: null, openFilePath: null, openFileError: null });
      },

      loadWaste() {
        const ref = get().exploreRef;
        if (!ref || (get().wasteOf === ref && get().waste && !get().wasteError)) return Promise.resolve();
        // The analysis of this image is running already: wait for it rather than ask again.
        if (wasteRun && wasteRun.ref === ref) return wasteRun.done;
        const mine = ++wasteSeq;
        set({ wasteLoading: true, wasteError: null, ...(get().wasteOf === ref ? {} : { waste: null }) });
        const done: Promise<void> = (async () => {
          try {
            const waste = await call('analyzeImage', { ref, top: 50 });
            if (mine === wasteSeq) set({ waste, wasteOf: ref, wasteLoading: false });
          } catch (e) {
            if (mine === wasteSeq) set({ wasteLoading: false, wasteError: toEngineError(e) });
          } finally {
            if (wasteRun?.seq === mine) wasteRun = null;
          }
        })();
        wasteRun = { ref, done, seq: mine };
        return done;
      },
    };
  };
}
