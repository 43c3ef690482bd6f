// The Electron window's security policy as plain data and functions (no 'electron' import), so tests check
// exactly what electron-main applies: web preferences, the CSP, navigation and new-window refusal.

/** CSP is the Content-Security-Policy of every response the window loads: only the app's own files. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** webPreferences are the renderer's: isolated, sandboxed, no Node, web security on, the bridge preloaded. */
export function webPreferences(preload: string) {
  return { preload, contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false } as const;
}

/** withCsp adds the CSP to a response's headers, replacing any the response carried (any case). */
export function withCsp(headers: Record<string, string | string[]> | undefined): Record<string, string[] | string> {
  const out: Record<string, string[] | string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [CSP];
  return out;
}

/** The part of Electron's WebContents the policy uses. */
export interface HardenableContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (e: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** hardenContents blocks navigation away from the app and every new window; https links go to the
 * user's browser through openExternal (never a window of ours). */
export function hardenContents(wc: HardenableContents, openExternal: (url: string) => void): void {
  wc.on('will-navigate', (e) => e.preventDefault());
  wc.on('will-redirect', (e) => e.preventDefault());
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\/[^\s]+$/.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** denyAllPermissions answers every permission request (camera, notifications, …) with no. */
export function denyAllPermissions(_wc: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}
