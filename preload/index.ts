// The preload bridge: exposes the typed contract on window.strata and nothing else.
// Runs sandboxed with contextIsolation: only 'electron' may be required; the rest is bundled by esbuild.
import { contextBridge, ipcRenderer } from 'electron';
import {
  CHANNEL_EVENT,
  CHANNEL_INVOKE,
  CHANNEL_PICK_FOLDER,
  ENGINE_EVENTS,
  ENGINE_METHODS,
  type EngineEventName,
  type StrataBridge,
} from './contract.ts';

const listeners = new Map<EngineEventName, Set<(payload: unknown) => void>>();
ipcRenderer.on(CHANNEL_EVENT, (_e, event: EngineEventName, payload: unknown) => {
  for (const l of listeners.get(event) ?? []) l(payload);
});

const bridge: StrataBridge = {
  invoke(method, params) {
    if (!(ENGINE_METHODS as readonly string[]).includes(method)) return Promise.reject(new Error(`unknown method ${String(method)}`));
    return ipcRenderer.invoke(CHANNEL_INVOKE, method, params);
  },
  on(event, listener) {
    if (!(ENGINE_EVENTS as readonly string[]).includes(event)) throw new Error(`unknown event ${String(event)}`);
    const set = listeners.get(event) ?? new Set();
    set.add(listener as (p: unknown) => void);
    listeners.set(event, set);
    return () => set.delete(listener as (p: unknown) => void);
  },
};

contextBridge.exposeInMainWorld('strata', bridge);
// The native folder picker (Electron only; browser mode has a path field instead).
contextBridge.exposeInMainWorld('strataPickFolder', (): Promise<string | null> => ipcRenderer.invoke(CHANNEL_PICK_FOLDER));
