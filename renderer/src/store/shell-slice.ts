import type { SliceCreator } from './types.ts';

/** ShellSlice is window-level state the menu and the shortcuts act on: which tab of the image detail shows
 * (the push shortcut opens Publish). */
export interface ShellSlice {
  detailTab: string;
  setDetailTab(tab: string): void;
}

/** createShellSlice starts on the detail's first tab (Layers); closing the detail goes back to it, so the
 * next image opens on Layers (as when the tab was the panel's own state). */
export function createShellSlice(): SliceCreator<ShellSlice> {
  return (set, _get, api) => {
    api.subscribe((s, prev) => {
      if (prev.selectedDigest && !s.selectedDigest && s.detailTab !== 'layers') set({ detailTab: 'layers' });
    });
    return {
      detailTab: 'layers',
      setDetailTab: (detailTab) => set({ detailTab }),
    };
  };
}
