import { createContext, createElement, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Caller } from '../ipc/call.ts';
import type { ConnectionState } from '../ipc/ws-bridge.ts';
import { createBuildSlice, type BuildSliceOptions } from './build-slice.ts';
import { createConnectionSlice } from './connection-slice.ts';
import { createCompareSlice } from './compare-slice.ts';
import { createDiffSlice } from './diff-slice.ts';
import { createExploreSlice } from './explore-slice.ts';
import { createImagesSlice } from './images-slice.ts';
import { createRegistriesSlice } from './registries-slice.ts';
import { createRunSlice } from './run-slice.ts';
import { createShellSlice } from './shell-slice.ts';
import { createImageTagSlice, type ImageTagSliceOptions } from './tag-slice.ts';
import { createTransfersSlice, type TransfersSliceOptions } from './transfers-slice.ts';
import type { StrataState } from './types.ts';

export type { StrataState } from './types.ts';
export type StrataStore = StoreApi<StrataState>;

/** createStrataStore makes the one store of the renderer over an engine caller. */
export function createStrataStore(call: Caller, opts: { connection?: ConnectionState; build?: BuildSliceOptions; tag?: ImageTagSliceOptions; transfers?: TransfersSliceOptions } = {}): StrataStore {
  return createStore<StrataState>()((...a) => ({
    ...createImagesSlice(call)(...a),
    ...createConnectionSlice(opts.connection ?? 'open')(...a),
    ...createBuildSlice(call, opts.build)(...a),
    ...createCompareSlice(call)(...a),
    ...createImageTagSlice(call, opts.tag)(...a),
    ...createTransfersSlice(call, opts.transfers)(...a),
    ...createRegistriesSlice(call)(...a),
    ...createRunSlice(call)(...a),
    ...createShellSlice()(...a),
    ...createExploreSlice(call)(...a),
    ...createDiffSlice(call)(...a),
  }));
}

const StoreContext = createContext<StrataStore | null>(null);

/** StoreProvider hands the store to the component tree. */
export function StoreProvider({ store, children }: { store: StrataStore; children?: ReactNode }) {
  return createElement(StoreContext.Provider, { value: store }, children);
}

/** useStrataStore is the store itself, for handlers that read it when they run (shortcuts, menu commands). */
export function useStrataStore(): StrataStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStrataStore needs a <StoreProvider> above it');
  return store;
}

/** useStrata reads a slice of the store with a selector (use the module-constant selectors from selectors.ts). */
export function useStrata<T>(selector: (s: StrataState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStrata needs a <StoreProvider> above it');
  return useStore(store, selector);
}
