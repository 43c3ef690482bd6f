import type { AppCommand } from '../../../preload/contract.ts';

/** KeyPress is the part of a KeyboardEvent a shortcut depends on. */
export interface KeyPress {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** SHORTCUTS are the window's keyboard shortcuts (the Electron menu shows the same accelerators). */
export const SHORTCUTS: Record<AppCommand, { key: string; shift: boolean; label: string }> = {
  build: { key: 'b', shift: false, label: 'Build' },
  push: { key: 'p', shift: true, label: 'Push' },
};

/** shortcutOf maps a key press to a command: CmdOrCtrl as Electron means it (Cmd on a Mac, where Ctrl+B
 * stays the editor's cursor key; Ctrl elsewhere). */
export function shortcutOf(e: KeyPress, mac: boolean): AppCommand | null {
  const mod = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (!mod || e.altKey) return null;
  // e.code keeps the letter on layouts where Shift or the layout change e.key.
  const letter = e.code?.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase();
  for (const [command, s] of Object.entries(SHORTCUTS) as [AppCommand, (typeof SHORTCUTS)[AppCommand]][]) {
    if (letter === s.key && e.shiftKey === s.shift) return command;
  }
  return null;
}

/** shortcutText is how a command's shortcut reads on this platform (for tooltips and hints). */
export function shortcutText(command: AppCommand, mac: boolean): string {
  const s = SHORTCUTS[command];
  return mac ? `${s.shift ? '⇧' : ''}⌘${s.key.toUpperCase()}` : `Ctrl+${s.shift ? 'Shift+' : ''}${s.key.toUpperCase()}`;
}

/** isMac says whether the window runs on macOS (Cmd is the command key there). */
export function isMac(nav: { platform?: string; userAgent?: string } = globalThis.navigator ?? {}): boolean {
  return /Mac|iPhone|iPad/.test(nav.platform || nav.userAgent || '');
}
