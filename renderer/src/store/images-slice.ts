import type { ImageDetail, ImageSummary, StoreUsage } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import type { SliceCreator } from './types.ts';

/** ImagesSlice holds the Images view's data: every image, store usage, the selected image and its layers. */
export interface ImagesSlice {
  images: ImageSummary[];
  usage: StoreUsage | null;
  /** True until the first list arrives, and while a refresh runs. */
  imagesLoading: boolean;
  imagesLoaded: boolean;
  imagesError: EngineError | null;
  selectedDigest: string | null;
  detail: ImageDetail | null;
  detailLoading: boolean;
  detailError: EngineError | null;
  /** refreshImages reloads the list and the usage totals (and the open detail, if its image still exists). */
  refreshImages(): Promise<void>;
  /** selectImage opens an image's layer stack by manifest digest (null closes it). */
  selectImage(digest: string | null): Promise<void>;
}

/** createImagesSlice builds the slice over an engine caller; stale answers (an older refresh, a
 * previously selected image) are dropped by sequence number rather than overwriting newer state. */
export function createImagesSlice(call: Caller): SliceCreator<ImagesSlice> {
  let listSeq = 0;
  let detailSeq = 0;
  return (set, get) => {
    const loadDetail = async (digest: string, quiet: boolean) => {
      const seq = ++detailSeq;
      set(quiet ? { detailLoading: true } : { detailLoading: true, detailError: null, detail: null });
      try {
        const detail = await call('inspectImage', { ref: digest });
        if (seq === detailSeq && get().selectedDigest === digest) set({ detail, detailLoading: false, detailError: null });
      } catch (e) {
        if (seq === detailSeq && get().selectedDigest === digest) set({ detailError: toEngineError(e), detailLoading: false });
      }
    };
    return {
      images: [],
      usage: null,
      imagesLoading: false,
      imagesLoaded: false,
      imagesError: null,
      selectedDigest: null,
      detail: null,
      detailLoading: false,
      detailError: null,

      async refreshImages() {
        const seq = ++listSeq;
        set({ imagesLoading: true });
        try {
          const [images, usage] = await Promise.all([call('listImages', {}), call('storeUsage', {})]);
          if (seq !== listSeq) return;
          set({ images, usage, imagesLoading: false, imagesLoaded: true, imagesError: null });
          const selected = get().selectedDigest;
          if (selected && !images.some((i) => i.digest === selected)) {
            detailSeq++;
            set({ selectedDigest: null, detail: null, detailLoading: false, detailError: null });
          } else if (selected) {
            await loadDetail(selected, true);
          }
        } catch (e) {
          if (seq === listSeq) set({ imagesLoading: false, imagesError: toEngineError(e) });
        }
      },

      async selectImage(digest) {
        if (digest === null) {
          detailSeq++;
          set({ selectedDigest: null, detail: null, detailLoading: false, detailError: null });
          return;
        }
        set({ selectedDigest: digest });
        await loadDetail(digest, false);
      },
    };
  };
}
