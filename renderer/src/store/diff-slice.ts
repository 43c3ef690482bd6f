import type { ImageDiffView } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import type { SliceCreator } from './types.ts';

export type DiffChangeFilter = 'all' | 'added' | 'removed' | 'changed';
/** How many file differences one answer carries; "Show more" asks for the next page. */
export const DIFF_PAGE = 500;

/** DiffSlice holds the Compare view's Diff tab: which two images, what differs, and which changes to list. */
export interface DiffSlice {
  /** The two images compared, A then B (manifest digests). */
  diffPair: [string, string] | null;
  diff: ImageDiffView | null;
  diffLoading: boolean;
  diffError: EngineError | null;
  diffFilter: DiffChangeFilter;
  /** runDiff compares A and B (nothing new when that pair is already shown). */
  runDiff(a: string, b: string): Promise<void>;
  /** loadMoreDiff appends the next page of file differences. */
  loadMoreDiff(): Promise<void>;
  setDiffFilter(f: DiffChangeFilter): void;
}

/** createDiffSlice builds the slice over an engine caller; answers for an older pair are dropped. */
export function createDiffSlice(call: Caller): SliceCreator<DiffSlice> {
  let seq = 0;
  return (set, get) => ({
    diffPair: null,
    diff: null,
    diffLoading: false,
    diffError: null,
    diffFilter: 'all',

    async runDiff(a, b) {
      const p = get().diffPair;
      if (p && p[0] === a && p[1] === b && get().diff && !get().diffError) return;
      const mine = ++seq;
      set({ diffPair: [a, b], diffLoading: true, diffError: null, ...(p && p[0] === a && p[1] === b ? {} : { diff: null }) });
      try {
        const diff = await call('diffImages', { a, b, limit: DIFF_PAGE });
        if (mine === seq) set({ diff, diffLoading: false });
      } catch (e) {
        if (mine === seq) set({ diffLoading: false, diffError: toEngineError(e) });
      }
    },

    async loadMoreDiff() {
      const { diff, diffPair } = get();
      if (!diff || !diffPair || diff.files.length >= diff.filesTotal) return;
      const mine = ++seq;
      set({ diffLoading: true });
      try {
        const next = await call('diffImages', { a: diffPair[0], b: diffPair[1], offset: diff.files.length, limit: DIFF_PAGE });
        if (mine !== seq) return;
        const files = [...diff.files, ...next.files];
        set({ diff: { ...next, files, truncated: files.length < next.filesTotal }, diffLoading: false });
      } catch (e) {
        if (mine === seq) set({ diffLoading: false, diffError: toEngineError(e) });
      }
    },

    setDiffFilter: (diffFilter) => set({ diffFilter }),
  });
}
