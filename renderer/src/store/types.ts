import type { StateCreator } from 'zustand/vanilla';
import type { BuildSlice } from './build-slice.ts';
import type { ConnectionSlice } from './connection-slice.ts';
import type { CompareSlice } from './compare-slice.ts';
import type { DiffSlice } from './diff-slice.ts';
import type { ExploreSlice } from './explore-slice.ts';
import type { ImagesSlice } from './images-slice.ts';
import type { RegistriesSlice } from './registries-slice.ts';
import type { RunSlice } from './run-slice.ts';
import type { ShellSlice } from './shell-slice.ts';
import type { ImageTagSlice } from './tag-slice.ts';
import type { TransfersSlice } from './transfers-slice.ts';

/** StrataState is the whole renderer store: one slice per concern. */
export type StrataState = ImagesSlice & ConnectionSlice & BuildSlice & CompareSlice & ImageTagSlice & TransfersSlice & RegistriesSlice & ExploreSlice & DiffSlice & RunSlice & ShellSlice;

/** SliceCreator builds one slice with access to the whole store. */
export type SliceCreator<S> = StateCreator<StrataState, [], [], S>;
