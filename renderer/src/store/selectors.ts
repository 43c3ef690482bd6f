import type { StrataState } from './types.ts';

// Selectors are module constants so components subscribe to stable functions; objects built here are
// read through useShallow.

export const selectImages = (s: StrataState) => s.images;
export const selectUsage = (s: StrataState) => s.usage;
export const selectConnection = (s: StrataState) => s.connection;
export const selectSelectedDigest = (s: StrataState) => s.selectedDigest;
export const selectRefreshImages = (s: StrataState) => s.refreshImages;
export const selectSelectImage = (s: StrataState) => s.selectImage;

export const selectImagesStatus = (s: StrataState) => ({
  loading: s.imagesLoading,
  loaded: s.imagesLoaded,
  error: s.imagesError,
});

export const selectDetailState = (s: StrataState) => ({
  digest: s.selectedDigest,
  detail: s.detail,
  loading: s.detailLoading,
  error: s.detailError,
});

// Compare view.
export const selectCompareSelection = (s: StrataState) => s.compareSelection;
export const selectSelectedBand = (s: StrataState) => s.selectedBand;
export const selectCompareState = (s: StrataState) => ({
  comparison: s.comparison,
  of: s.comparisonOf,
  loading: s.comparisonLoading,
  error: s.comparisonError,
  mode: s.compareMode,
});
export const selectCompareActions = (s: StrataState) => ({
  toggle: s.toggleCompare,
  setSelection: s.setCompareSelection,
  run: s.runCompare,
  selectBand: s.selectBand,
  setMode: s.setCompareMode,
});

// Tags tab of the image detail.
export const selectImageTagState = (s: StrataState) => ({
  input: s.imageTagInput,
  check: s.imageTagCheck,
  busy: s.imageTagBusy,
  error: s.imageTagError,
  move: s.imageTagMove,
  notice: s.imageTagNotice,
});
export const selectImageTagActions = (s: StrataState) => ({
  setInput: s.setImageTagInput,
  submit: s.submitImageTag,
  confirmMove: s.confirmImageTagMove,
  cancelMove: s.cancelImageTagMove,
  remove: s.removeImageTag,
  reset: s.resetImageTag,
});

// Publish tab and the activity panel.
export const selectTransfers = (s: StrataState) => s.transfers;
export const selectTransferOrder = (s: StrataState) => s.transferOrder;
export const selectPublishState = (s: StrataState) => ({ plan: s.publishPlan, busy: s.publishBusy, error: s.publishError });
export const selectTransferActions = (s: StrataState) => ({
  plan: s.planPublish,
  push: s.startPush,
  cancel: s.cancelTransfer,
  dismiss: s.dismissTransfer,
  clear: s.clearPublish,
});
/** selectRunningTransfers counts the pushes and pulls still going (the activity button's badge). */
export const selectRunningTransfers = (s: StrataState) => s.transferOrder.filter((id) => s.transfers[id]?.phase === 'running').length;

// Registries page.
export const selectCredentialsState = (s: StrataState) => ({
  credentials: s.credentials,
  loaded: s.credentialsLoaded,
  loading: s.credentialsLoading,
  error: s.credentialsError,
  tests: s.credentialTests,
  notice: s.registryNotice,
});
export const selectLoginState = (s: StrataState) => ({ busy: s.loginBusy, error: s.loginError });
export const selectRegistryActions = (s: StrataState) => ({
  load: s.loadCredentials,
  login: s.login,
  logout: s.logout,
  test: s.testCredential,
});

// Layer explorer.
export const selectExplorerState = (s: StrataState) => ({
  ref: s.exploreRef,
  image: s.explorerImage,
  loading: s.explorerLoading,
  error: s.explorerError,
  layer: s.exploreLayer,
  tab: s.explorerTab,
});
export const selectExploreFilters = (s: StrataState) => s.exploreFilters;
export const selectTreeState = (s: StrataState) => ({
  tree: s.tree,
  key: s.treeKey,
  loading: s.treeLoading,
  error: s.treeError,
  subtrees: s.subtrees,
  expanded: s.expandedDirs,
});
export const selectFileListState = (s: StrataState) => ({ layout: s.exploreLayout, list: s.fileList, key: s.fileListKey, loading: s.fileListLoading, error: s.fileListError });
export const selectOpenFileState = (s: StrataState) => ({ path: s.openFilePath, file: s.openFile, error: s.openFileError });
export const selectWasteState = (s: StrataState) => ({ waste: s.waste, of: s.wasteOf, loading: s.wasteLoading, error: s.wasteError });
export const selectExploreActions = (s: StrataState) => ({
  open: s.openExplorer,
  close: s.closeExplorer,
  selectLayer: s.selectExploreLayer,
  setFilters: s.setExploreFilters,
  setTab: s.setExplorerTab,
  setLayout: s.setExploreLayout,
  moreFiles: s.moreFiles,
  loadTree: s.loadTree,
  toggleDir: s.toggleDir,
  openFile: s.openImageFile,
  closeFile: s.closeImageFile,
  loadWaste: s.loadWaste,
});

// Diff tab of the Compare view.
export const selectDiffState = (s: StrataState) => ({ pair: s.diffPair, diff: s.diff, loading: s.diffLoading, error: s.diffError, filter: s.diffFilter });
export const selectDiffActions = (s: StrataState) => ({ run: s.runDiff, more: s.loadMoreDiff, setFilter: s.setDiffFilter });
