import type { PushPlanView, TransferEvent } from '../../../preload/contract.ts';
import type { Caller } from '../ipc/call.ts';
import { EngineError, toEngineError } from '../ipc/engine-error.ts';
import { applyTransferEvent, newTransfer, seedPlan, type Transfer } from './transfer-state.ts';
import type { SliceCreator } from './types.ts';

/** PublishTarget is what the Publish tab pushes: a local image under a name (tagged first when it is new). */
export interface PublishTarget {
  /** The image's manifest digest. */
  digest: string;
  /** The full reference to push to (registry/repository:tag). */
  ref: string;
  /** More tags to put in the same repository. */
  tags: string[];
}

export interface PublishPlanState {
  ref: string;
  tags: string[];
  plan: PushPlanView | null;
  loading: boolean;
  error: EngineError | null;
}

/** TransfersSlice holds every push and pull this window knows of (started here or elsewhere: the events
 * say), newest first, and the Publish tab's plan. */
export interface TransfersSlice {
  transfers: Record<string, Transfer>;
  transferOrder: string[];
  publishPlan: PublishPlanState | null;
  publishBusy: boolean;
  publishError: EngineError | null;
  /** planPublish tags the image with the target name when it lacks it, then asks the registry what a push
   * would send (blobs there, mountable, to upload). */
  planPublish(target: PublishTarget): Promise<PushPlanView | null>;
  /** startPush starts a push in the background (tagging first when needed); its rows follow its events. */
  startPush(target: PublishTarget): Promise<string | null>;
  /** receiveTransfer feeds one 'transfer/progress' event in. */
  receiveTransfer(e: TransferEvent): void;
  cancelTransfer(id: string): Promise<void>;
  /** dismissTransfer drops a finished transfer from the activity list. */
  dismissTransfer(id: string): void;
  clearPublish(): void;
}

export interface TransfersSliceOptions {
  now?: () => number;
}

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** createTransfersSlice builds the slice over an engine caller. */
export function createTransfersSlice(call: Caller, opts: TransfersSliceOptions = {}): SliceCreator<TransfersSlice> {
  const now = opts.now ?? Date.now;
  let planSeq = 0;

  return (set, get) => {
    const put = (t: Transfer) => {
      const order = get().transferOrder;
      set({ transfers: { ...get().transfers, [t.id]: t }, transferOrder: order.includes(t.id) ? order : [t.id, ...order] });
    };

    /** ensureTag gives the image the target name when it lacks it; a name of another image is refused here
     * (moving it is the Tags tab's job, which asks first). */
    const ensureTag = async (target: PublishTarget) => {
      const owner = get().images.find((i) => i.references.includes(target.ref));
      if (owner?.digest === target.digest) return;
      if (owner) {
        const name = owner.familiarReferences[0] ?? owner.digest;
        throw new EngineError('TAG_TAKEN', `${target.ref} already names another image (${name}): move it in Tags first`);
      }
      await call('tagImage', { source: target.digest, target: target.ref });
    };

    return {
      transfers: {},
      transferOrder: [],
      publishPlan: null,
      publishBusy: false,
      publishError: null,

      async planPublish(target) {
        const seq = ++planSeq;
        set({ publishPlan: { ref: target.ref, tags: target.tags, plan: null, loading: true, error: null }, publishError: null });
        try {
          await ensureTag(target);
          const plan = await call('planPush', target.tags.length ? { ref: target.ref, tags: target.tags } : { ref: target.ref });
          if (seq === planSeq) set({ publishPlan: { ref: target.ref, tags: target.tags, plan, loading: false, error: null } });
          return plan;
        } catch (e) {
          if (seq === planSeq) set({ publishPlan: { ref: target.ref, tags: target.tags, plan: null, loading: false, error: toEngineError(e) } });
          return null;
        }
      },

      async startPush(target) {
        set({ publishBusy: true, publishError: null });
        try {
          await ensureTag(target);
          const { transferId } = await call('pushImage', target.tags.length ? { ref: target.ref, tags: target.tags } : { ref: target.ref });
          const p = get().publishPlan;
          const plan = p && p.ref === target.ref && sameTags(p.tags, target.tags) ? p.plan : null;
          // Events may have come before this answer: they made the record already.
          const known = get().transfers[transferId];
          let t = known ? { ...known, imageDigest: target.digest } : newTransfer({ id: transferId, operation: 'push', reference: target.ref, imageDigest: target.digest, now: now(), plan });
          if (known && plan) t = seedPlan(t, plan);
          put(t);
          set({ publishBusy: false });
          return transferId;
        } catch (e) {
          set({ publishBusy: false, publishError: toEngineError(e) });
          return null;
        }
      },

      receiveTransfer(e) {
        const known = get().transfers[e.transferId];
        const t = known ?? newTransfer({ id: e.transferId, operation: e.operation, reference: e.reference, now: now() });
        put(applyTransferEvent(t, e, now()));
      },

      async cancelTransfer(id) {
        const t = get().transfers[id];
        if (!t || t.phase !== 'running') return;
        put({ ...t, cancelling: true });
        try {
          const { cancelled } = await call('cancelTransfer', { transferId: id });
          // false: it ended meanwhile; its last event says how.
          if (!cancelled) {
            const cur = get().transfers[id];
            if (cur) put({ ...cur, cancelling: false });
          }
        } catch (e) {
          const cur = get().transfers[id];
          if (cur) put({ ...cur, cancelling: false, error: toEngineError(e).toJSON() });
        }
      },

      dismissTransfer(id) {
        const t = get().transfers[id];
        if (!t || t.phase === 'running') return;
        const { [id]: _, ...rest } = get().transfers;
        set({ transfers: rest, transferOrder: get().transferOrder.filter((x) => x !== id) });
      },

      clearPublish() {
        planSeq++;
        set({ publishPlan: null, publishError: null });
      },
    };
  };
}
