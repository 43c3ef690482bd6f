import type { SliceCreator } from './types.ts';

/** ShellSlice is window-level state the menu and the shortcuts act on: which tab of the image detail shows
 * (the push shortcut opens Publish). */
export interface ShellSlice {
  detailTab: string;
  setDetailTab(tab: string): void;
}

/** createShellSlice starts on the detail's first tab (Layers). */
export function createShellSlice(): SliceCreator<ShellSlice> {
  return (set) => ({
    detailTab: 'layers',
    setDetailTab: (detailTab) => set({ detailTab }),
  });
}
