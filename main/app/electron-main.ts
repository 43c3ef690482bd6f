// The Electron adapter: the only module that imports 'electron'. It opens the window with secure defaults
// and plugs the contract's invoke/event channels into the same Engine the CLI and browser mode use.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, safeStorage, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { DockerConfigCredentials } from '../registry/credentials.ts';
import { SealedCredentialStore } from '../registry/sealed-credentials.ts';
import { CHANNEL_EVENT, CHANNEL_INVOKE, CHANNEL_PICK_FOLDER } from '../../preload/contract.ts';
import { dispatch } from '../service/dispatch.ts';
import { Engine } from '../service/engine.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { rendererDir } from '../util/paths.ts';
import { menuTemplate } from './menu.ts';
import { denyAllPermissions, hardenContents, webPreferences, withCsp } from './window-security.ts';
import { loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState, windowStateOf } from './window-state.ts';


async function main(): Promise<void> {
  await app.whenReady();
  const home = defaultStrataHome();
  // Strata's own registry logins are sealed with the OS keychain's key (safeStorage); docker's config still
  // answers for registries the user logged in to with docker.
  const credentials = safeStorage.isEncryptionAvailable()
    ? new SealedCredentialStore(join(home, 'credentials.json'), { name: 'the OS keychain', encrypt: (s) => safeStorage.encryptString(s), decrypt: (b) => safeStorage.decryptString(b) }, new DockerConfigCredentials())
    : undefined;
  const engine = new Engine(await Store.open(home), 'electron', credentials);
  const statePath = join(home, 'window-state.json');
  // Remembered size and place, fitted to today's displays (a monitor may be gone since).
  const state = loadWindowState(statePath, screen.getAllDisplays().map((d) => d.workArea));

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: withCsp(details.responseHeaders) });
  });
  session.defaultSession.setPermissionRequestHandler(denyAllPermissions);

  ipcMain.handle(CHANNEL_INVOKE, (_e, method: unknown, params: unknown) => dispatch(engine, method, params));
  // The native folder picker (a window concern, not an engine call).
  ipcMain.handle(CHANNEL_PICK_FOLDER, async (e) => {
    const win = BrowserWindow.fromWebContents(e.sender);
    const r = win ? await dialog.showOpenDialog(win, { properties: ['openDirectory'] }) : { canceled: true, filePaths: [] };
    return r.canceled ? null : (r.filePaths[0] ?? null);
  });
  // The engine's context watchers (inotify) go with the app.
  // Finished builds may still be unmounting and removing their scratch roots: the app waits for that
  // (at most 5 s) before it goes, so no mount is left behind.
  let settled = false;
  app.on('will-quit', (e) => {
    engine.close();
    if (settled) return;
    e.preventDefault();
    void engine.settle().finally(() => {
      settled = true;
      app.quit();
    });
  });
  engine.events.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(CHANNEL_EVENT, event, payload);
  });

  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    show: false,
    // The page follows the OS theme (prefers-color-scheme, nativeTheme 'system'); so does the window's
    // background before the page paints (the --bg of styles.css).
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0e1014' : '#f4f5f7',
    title: 'Strata',
    webPreferences: webPreferences(join(__dirname, 'preload.cjs')),
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  // Saved on close, and shortly after each move or resize (a crash or kill then loses little).
  const save = () => {
    try {
      if (!win.isDestroyed() && !win.isMinimized() && !win.isFullScreen()) saveWindowState(statePath, windowStateOf(win.getNormalBounds(), win.isMaximized()));
    } catch {
      /* not worth failing a close for */
    }
  };
  let saveTimer: NodeJS.Timeout | null = null;
  const saveSoon = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 500);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev as 'resize', saveSoon);
  win.on('close', () => {
    if (saveTimer) clearTimeout(saveTimer);
    save();
  });
  // No navigation away from the app, no new windows: links open in the user's browser.
  hardenContents(win.webContents, (url) => void shell.openExternal(url));
  // The menu's Build and Push (and their accelerators) go to the focused window as 'app/command' events.
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        appName: app.name || 'Strata',
        onCommand: (command) => (BrowserWindow.getFocusedWindow() ?? win).webContents.send(CHANNEL_EVENT, 'app/command', { command }),
        openExternal: (url) => void shell.openExternal(url),
      }) as Electron.MenuItemConstructorOptions[],
    ),
  );
  await win.loadFile(join(rendererDir(), 'index.html'));
}

app.on('window-all-closed', () => app.quit());
main().catch((e) => {
  console.error(`Strata failed to start: ${(e as Error).message}`);
  app.exit(1);
});
