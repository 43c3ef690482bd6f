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
