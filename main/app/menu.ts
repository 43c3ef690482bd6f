// The application menu as a plain template (Electron's MenuItemConstructorOptions shape), built without
// importing electron so it is testable anywhere; electron-main.ts hands it to Menu.buildFromTemplate.
import type { AppCommand } from '../../preload/contract.ts';

/** MenuItemTemplate is the part of Electron's MenuItemConstructorOptions the menu uses. */
export interface MenuItemTemplate {
  id?: string;
  label?: string;
  role?: string;
  type?: 'normal' | 'separator' | 'submenu';
  accelerator?: string;
  submenu?: MenuItemTemplate[];
  click?: () => void;
}

/** ACCELERATORS are the window's shortcuts for commands (the renderer reads the same keys in browser mode:
 * renderer/src/shell/shortcuts.ts). */
export const ACCELERATORS: Record<AppCommand, string> = {
  build: 'CmdOrCtrl+B',
  push: 'CmdOrCtrl+Shift+P',
};

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Sends a command to the focused window's renderer. */
  onCommand(command: AppCommand): void;
  /** Opens a URL in the user's browser (Help). */
  openExternal?(url: string): void;
}

const sep = (): MenuItemTemplate => ({ type: 'separator' });

/** menuTemplate is Strata's application menu: the app menu on macOS, then File (Build, Push), Edit, View,
 * Window and Help, with the build and push shortcuts as accelerators. */
export function menuTemplate(o: MenuOptions): MenuItemTemplate[] {
  const mac = o.platform === 'darwin';
  const command = (id: AppCommand, label: string): MenuItemTemplate => ({ id: `command.${id}`, label, accelerator: ACCELERATORS[id], click: () => o.onCommand(id) });
  const menu: MenuItemTemplate[] = [];
  if (mac) {
    menu.push({
      label: o.appName,
      submenu: [{ role: 'about' }, sep(), { role: 'services' }, sep(), { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep(), { role: 'quit' }],
    });
  }
  menu.push({
    label: 'File',
    submenu: [command('build', 'Build'), command('push', 'Push Image…'), sep(), mac ? { role: 'close' } : { role: 'quit' }],
  });
  menu.push({ role: 'editMenu' });
  menu.push({
    label: 'View',
    submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, sep(), { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, sep(), { role: 'togglefullscreen' }],
  });
  menu.push({ role: 'windowMenu' });
  if (o.openExternal) {
    const open = o.openExternal;
    menu.push({ role: 'help', submenu: [{ label: 'Dockerfile reference', click: () => open('https://docs.docker.com/reference/dockerfile/') }] });
  }
  return menu;
}

/** findMenuItem finds an item by id anywhere in a template (tests, and enabling items later). */
export function findMenuItem(items: MenuItemTemplate[], id: string): MenuItemTemplate | null {
  for (const i of items) {
    if (i.id === id) return i;
    const inner = i.submenu ? findMenuItem(i.submenu, id) : null;
    if (inner) return inner;
  }
  return null;
}
