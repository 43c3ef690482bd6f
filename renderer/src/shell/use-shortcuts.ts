import { useEffect } from 'react';
import { useStrataStore } from '../store/store.ts';
import { runAppCommand } from './commands.ts';
import { isMac, shortcutOf } from './shortcuts.ts';

/** useShortcuts reads the window's shortcuts (build, push) from the keyboard. In Electron the application
 * menu owns them and sends 'app/command' instead, so this listens only in browser mode. Capture phase: the
 * Dockerfile editor must not take Ctrl+B first. */
export function useShortcuts(enabled = !window.strata): void {
  const store = useStrataStore();
  useEffect(() => {
    if (!enabled) return;
    const mac = isMac();
    const onKey = (e: KeyboardEvent) => {
      if (e.repeat) return;
      const command = shortcutOf(e, mac);
      if (!command) return;
      e.preventDefault();
      e.stopPropagation();
      void runAppCommand(command, store);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [enabled, store]);
}
