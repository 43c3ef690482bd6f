import type { StrataState } from './types.ts';

// The Build view's selectors, module constants like selectors.ts; objects built here are read through useShallow.
export const selectBuildRun = (s: StrataState) => s.build;
export const selectBuildForm = (s: StrataState) => s.buildForm;
export const selectAnalysis = (s: StrataState) => s.analysis;

export const selectContextState = (s: StrataState) => ({
  path: s.contextPath,
  context: s.context,
  loading: s.contextLoading,
  error: s.contextError,
  recent: s.recentContexts,
});

export const selectEditorState = (s: StrataState) => ({
  text: s.dockerfileText,
  savedText: s.savedText,
  docVersion: s.docVersion,
  analysis: s.analysis,
  lastGoodAnalysis: s.lastGoodAnalysis,
  analyzedText: s.analyzedText,
  analysisError: s.analysisError,
});

export const selectTagState = (s: StrataState) => ({ draft: s.tagDraft, error: s.tagError, tags: s.buildForm.tags });

export const selectBuildActions = (s: StrataState) => ({
  setContextPath: s.setContextPath,
  openContext: s.openContext,
  openLastContext: s.openLastContext,
  editDockerfile: s.editDockerfile,
  setTagDraft: s.setTagDraft,
  addTag: s.addTag,
  removeTag: s.removeTag,
  addBuildArg: s.addBuildArg,
  updateBuildArg: s.updateBuildArg,
  removeBuildArg: s.removeBuildArg,
  setTarget: s.setTarget,
  setNoCache: s.setNoCache,
  startBuild: s.startBuild,
  cancelBuild: s.cancelBuild,
  selectImage: s.selectImage,
});
