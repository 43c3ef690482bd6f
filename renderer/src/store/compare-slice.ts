import type { ImageComparison } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import type { SliceCreator } from './types.ts';

/** stacks and matrix show layer sharing; diff lists what differs between two of the images. */
export type CompareMode = 'stacks' | 'matrix' | 'diff';

/** CompareSlice holds the Compare view: the images picked (manifest digests, in the order picked), the
 * engine's comparison of them, the layer selected, and stacks or matrix. */
export interface CompareSlice {
  compareSelection: string[];
  comparison: ImageComparison | null;
  /** The digests the comparison is of (it may lag the selection while a new one loads). */
  comparisonOf: string[];
  comparisonLoading: boolean;
  comparisonError: EngineError | null;
  selectedBand: string | null;
  compareMode: CompareMode;
  /** toggleCompare adds an image to the selection, or takes it out. */
  toggleCompare(digest: string): void;
  setCompareSelection(digests: string[]): void;
  /** runCompare asks the engine to compare the selection (two or more images; fewer clears the result). */
  runCompare(): Promise<void>;
  /** selectBand highlights a layer in every image that has it (null clears; the same one again toggles). */
  selectBand(digest: string | null): void;
  setCompareMode(mode: CompareMode): void;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** createCompareSlice builds the slice over an engine caller; answers for an older selection are dropped. */
export function createCompareSlice(call: Caller): SliceCreator<CompareSlice> {
  let seq = 0;
  return (set, get) => ({
    compareSelection: [],
    comparison: null,
    comparisonOf: [],
    comparisonLoading: false,
    comparisonError: null,
    selectedBand: null,
    compareMode: 'stacks',

    toggleCompare(digest) {
      const sel = get().compareSelection;
      set({ compareSelection: sel.includes(digest) ? sel.filter((d) => d !== digest) : [...sel, digest] });
    },

    setCompareSelection: (digests) => set({ compareSelection: [...new Set(digests)] }),

    async runCompare() {
      const refs = get().compareSelection;
      if (refs.length < 2) {
        seq++;
        set({ comparison: null, comparisonOf: [], comparisonLoading: false, comparisonError: null, selectedBand: null });
        return;
      }
      if (sameList(refs, get().comparisonOf) && get().comparison && !get().comparisonError) return;
      const mine = ++seq;
      set({ comparisonLoading: true, comparisonError: null });
      try {
        const comparison = await call('compareImages', { refs });
        if (mine !== seq) return;
        const band = get().selectedBand;
        set({
          comparison,
          comparisonOf: refs,
          comparisonLoading: false,
          // A selected layer stays selected while some image still has it.
          selectedBand: band && comparison.bands.some((b) => b.digest === band) ? band : null,
        });
      } catch (e) {
        if (mine === seq) set({ comparisonLoading: false, comparisonError: toEngineError(e) });
      }
    },

    selectBand: (digest) => set({ selectedBand: digest !== null && digest === get().selectedBand ? null : digest }),

    setCompareMode: (compareMode) => set({ compareMode }),
  });
}
