// The Electron adapter: the only module that imports 'electron'. It opens the window with secure defaults
// and plugs the contract's invoke/event channels into the same Engine the CLI and browser mode use.
import { app, BrowserWindow, ipcMain, Menu, session, shell } from 'electron';
import { join } from 'node:path';
import { CHANNEL_EVENT, CHANNEL_INVOKE } from '../../preload/contract.ts';
import { dispatch } from '../service/dispatch.ts';
import { Engine } from '../service/engine.ts';
import { defaultStrataHome } from '../store/home.ts';
import { Store } from '../store/store.ts';
import { rendererDir } from '../util/paths.ts';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

async function main(): Promise<void> {
  await app.whenReady();
  const engine = new Engine(await Store.open(defaultStrataHome()), 'electron');

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  ipcMain.handle(CHANNEL_INVOKE, (_e, method: unknown, params: unknown) => dispatch(engine, method, params));
  engine.events.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(CHANNEL_EVENT, event, payload);
  });

  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Strata',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // No navigation away from the app, no new windows: links open in the user's browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  await win.loadFile(join(rendererDir(), 'index.html'));
}

app.on('window-all-closed', () => app.quit());
main().catch((e) => {
  console.error(`Strata failed to start: ${(e as Error).message}`);
  app.exit(1);
});
