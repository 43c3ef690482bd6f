/** FolderPicker opens a native folder dialog and resolves with the chosen folder (null: dismissed). */
export type FolderPicker = () => Promise<string | null>;

/** NativePickerHost is where the Electron preload will put its folder dialog. It is not in
 * preload/contract.ts yet: the contract's EngineApi is the engine's, and a dialog belongs to the window. */
interface NativePickerHost {
  strataPickFolder?: FolderPicker;
}

/** pickFolder is the native folder picker when the window has one (Electron, once its preload offers
 * `window.strataPickFolder`), else null: a browser page cannot learn a folder's path, so browser mode
 * falls back to the path field. */
export function pickFolder(win: Window = window): FolderPicker | null {
  const native = (win as Window & NativePickerHost).strataPickFolder;
  return typeof native === 'function' ? native : null;
}
