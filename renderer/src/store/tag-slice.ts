import type { ReferenceCheck } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { toEngineError, type EngineError } from '../ipc/engine-error.ts';
import { shortDigest } from '../format/digest.ts';
import type { SliceCreator } from './types.ts';

/** TagMove is a tag the user asked for that already names another image: it waits for a yes. */
export interface TagMove {
  source: string;
  /** The full normalized name. */
  target: string;
  familiar: string;
  fromDigest: string;
  /** The other image's other names (empty: moving the tag leaves it untagged). */
  fromOtherNames: string[];
}

export type TagOutcome = 'tagged' | 'confirm' | 'invalid' | 'unchanged' | 'failed';

/** ImageTagSlice holds the Tags tab of the image detail: the name field checked as one types, a move
 * waiting for confirmation, and the last outcome. Names are prefixed imageTag (the Build form has its own tags). */
export interface ImageTagSlice {
  imageTagInput: string;
  /** The engine's verdict on a field text (the text it is of is kept: answers for older texts are dropped). */
  imageTagCheck: { input: string; result: ReferenceCheck } | null;
  imageTagBusy: boolean;
  imageTagError: EngineError | null;
  imageTagMove: TagMove | null;
  imageTagNotice: string | null;
  /** setImageTagInput records the field's text and checks it once typing pauses. */
  setImageTagInput(text: string): void;
  /** checkImageTagNow checks the field's text at once (null for an empty field). */
  checkImageTagNow(): Promise<ReferenceCheck | null>;
  /** submitImageTag tags the image (manifest digest) with the field's name, or asks first when the name
   * is another image's tag (outcome 'confirm', with imageTagMove set). */
  submitImageTag(source: string): Promise<TagOutcome>;
  confirmImageTagMove(): Promise<boolean>;
  cancelImageTagMove(): void;
  /** removeImageTag removes one name (the image stays, untagged when it was its last name). */
  removeImageTag(reference: string): Promise<boolean>;
  resetImageTag(): void;
}

export interface ImageTagSliceOptions {
  checkDelayMs?: number;
}

/** tagCheck turns checkReference's answer into one for a tag: a digest reference names content, not a tag. */
export function tagCheck(r: ReferenceCheck): ReferenceCheck {
  if (r.ok && r.normalized.includes('@')) return { ok: false, error: 'a tag cannot carry a digest: drop the @sha256:… part' };
  return r;
}

/** createImageTagSlice builds the slice over an engine caller. */
export function createImageTagSlice(call: Caller, opts: ImageTagSliceOptions = {}): SliceCreator<ImageTagSlice> {
  const delay = opts.checkDelayMs ?? 150;
  let timer: ReturnType<typeof setTimeout> | null = null;

  return (set, get) => {
    const checkNow = async (): Promise<ReferenceCheck | null> => {
      if (timer) clearTimeout(timer);
      timer = null;
      const input = get().imageTagInput.trim();
      if (!input) {
        set({ imageTagCheck: null });
        return null;
      }
      const known = get().imageTagCheck;
      if (known?.input === input) return known.result;
      try {
        const result = tagCheck(await call('checkReference', { input }));
        if (get().imageTagInput.trim() === input) set({ imageTagCheck: { input, result } });
        return result;
      } catch (e) {
        set({ imageTagError: toEngineError(e) });
        return null;
      }
    };

    const tag = async (source: string, target: string, familiar: string): Promise<boolean> => {
      set({ imageTagBusy: true, imageTagError: null, imageTagNotice: null });
      try {
        const r = await call('tagImage', { source, target });
        const moved = r.previous && r.previous !== r.digest ? ` (moved from image ${shortDigest(r.previous)})` : '';
        set({ imageTagBusy: false, imageTagNotice: `Tagged ${familiar}${moved}`, imageTagInput: '', imageTagCheck: null, imageTagMove: null });
        return true;
      } catch (e) {
        set({ imageTagBusy: false, imageTagError: toEngineError(e) });
        return false;
      }
    };

    return {
      imageTagInput: '',
      imageTagCheck: null,
      imageTagBusy: false,
      imageTagError: null,
      imageTagMove: null,
      imageTagNotice: null,

      setImageTagInput(text) {
        set({ imageTagInput: text, imageTagError: null, imageTagNotice: null });
        if (timer) clearTimeout(timer);
        if (!text.trim()) {
          timer = null;
          set({ imageTagCheck: null });
          return;
        }
        timer = setTimeout(() => void checkNow(), delay);
      },

      checkImageTagNow: checkNow,

      async submitImageTag(source) {
        const check = await checkNow();
        if (!check) return 'invalid';
        if (!check.ok) return 'invalid';
        // The list says who has the name now: a move is asked about before anything changes.
        const owner = get().images.find((i) => i.references.includes(check.normalized));
        if (owner?.digest === source) {
          set({ imageTagNotice: `${check.familiar} already names this image` });
          return 'unchanged';
        }
        if (owner) {
          set({ imageTagMove: { source, target: check.normalized, familiar: check.familiar, fromDigest: owner.digest, fromOtherNames: owner.familiarReferences.filter((f) => f !== check.familiar) } });
          return 'confirm';
        }
        return (await tag(source, check.normalized, check.familiar)) ? 'tagged' : 'failed';
      },

      async confirmImageTagMove() {
        const move = get().imageTagMove;
        if (!move) return false;
        const ok = await tag(move.source, move.target, move.familiar);
        if (!ok) set({ imageTagMove: null });
        return ok;
      },

      cancelImageTagMove: () => set({ imageTagMove: null }),

      async removeImageTag(reference) {
        set({ imageTagBusy: true, imageTagError: null, imageTagNotice: null });
        try {
          const r = await call('untagImage', { ref: reference });
          set({ imageTagBusy: false, imageTagNotice: `Removed ${r.reference}` });
          return true;
        } catch (e) {
          set({ imageTagBusy: false, imageTagError: toEngineError(e) });
          return false;
        }
      },

      resetImageTag() {
        if (timer) clearTimeout(timer);
        timer = null;
        set({ imageTagInput: '', imageTagCheck: null, imageTagBusy: false, imageTagError: null, imageTagMove: null, imageTagNotice: null });
      },
    };
  };
}
