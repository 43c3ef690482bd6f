import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CSP, denyAllPermissions, hardenContents, webPreferences, withCsp, type HardenableContents } from './window-security.ts';

/** FakeContents records what the policy registers, and lets a test fire the events Electron would. */
class FakeContents implements HardenableContents {
  listeners = new Map<string, ((e: { preventDefault(): void }, url: string) => void)[]>();
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  on(event: string, listener: (e: { preventDefault(): void }, url: string) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = h;
  }
  /** fire returns whether some listener prevented the default (the navigation). */
  fire(event: string, url = ''): boolean {
    let prevented = false;
    for (const l of this.listeners.get(event) ?? []) l({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
}

describe('Electron window security', () => {
  test('web preferences: context isolation, sandbox, no Node integration anywhere, web security, no webview', () => {
    assert.deepEqual(webPreferences('/app/preload.cjs'), {
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  test('the CSP allows only the app itself: no inline or remote script, no eval, no objects, no framing', () => {
    const d = new Map(CSP.split(';').map((p) => p.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    assert.deepEqual(d.get('default-src'), ["'self'"]);
    assert.deepEqual(d.get('script-src'), ["'self'"]);
    assert.deepEqual(d.get('connect-src'), ["'self'"]);
    assert.deepEqual(d.get('object-src'), ["'none'"]);
    assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(d.get('base-uri'), ["'none'"]);
    assert.ok(!CSP.includes('unsafe-eval') && !/script-src[^;]*unsafe-inline/.test(CSP));
  });

  test('withCsp replaces a CSP the response carried, whatever its case, and keeps other headers', () => {
    const h = withCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] });
    assert.deepEqual(h, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CSP] });
  });

  test('navigation, redirects and webviews are refused; new windows denied, https links go to the browser', () => {
    const wc = new FakeContents();
    const opened: string[] = [];
    hardenContents(wc, (u) => opened.push(u));
    assert.equal(wc.fire('will-navigate', 'https://evil.example/'), true);
    assert.equal(wc.fire('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(wc.fire('will-redirect', 'https://evil.example/'), true);
    assert.equal(wc.fire('will-attach-webview'), true);
    for (const url of ['https://docs.docker.com/', 'http://insecure.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://a b']) {
      assert.deepEqual(wc.openHandler!({ url }), { action: 'deny' }, url);
    }
    assert.deepEqual(opened, ['https://docs.docker.com/'], 'only the https link went out, to the browser');
  });

  test('every permission request is refused', () => {
    let granted: boolean | null = null;
    denyAllPermissions(null, 'media', (g) => (granted = g));
    assert.equal(granted, false);
  });

  test('electron-main applies this policy (and defines no window options of its own)', () => {
    const src = readFileSync(join(import.meta.dirname, 'electron-main.ts'), 'utf8');
    assert.match(src, /webPreferences: webPreferences\(/);
    assert.match(src, /hardenContents\(win\.webContents/);
    assert.match(src, /withCsp\(details\.responseHeaders\)/);
    assert.match(src, /setPermissionRequestHandler\(denyAllPermissions\)/);
    assert.doesNotMatch(src, /nodeIntegration|contextIsolation|sandbox:/);
  });
});
