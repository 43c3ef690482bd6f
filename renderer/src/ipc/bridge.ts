import type { StrataBridge } from '../../../preload/contract.ts';
import { WebSocketBridge, webSocketUrl, type ConnectionSource } from './ws-bridge.ts';

declare global {
  interface Window {
    /** Put there by the Electron preload (contextBridge); absent in browser mode. */
    strata?: StrataBridge;
  }
}

/** AppBridge is the bridge the app runs on, with connection state when its link can drop. */
export type AppBridge = StrataBridge & Partial<ConnectionSource>;

/** resolveBridge picks the Electron preload's window.strata when present, else the browser-mode WebSocket
 * beside the page (the server serves the page under /<token>/ and the socket at /<token>/ws). */
export function resolveBridge(win: Window = window): AppBridge {
  if (win.strata) return win.strata;
  return new WebSocketBridge(webSocketUrl(win.location.href));
}
