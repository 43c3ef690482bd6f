// The window's remembered size and place (STRATA_HOME/window-state.json), without electron: electron-main
// passes the displays' work areas and the window's bounds in.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 820 };
export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 480;

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** parseWindowState reads a saved state, keeping only sane numbers (a hand-edited or torn file falls back
 * to the defaults field by field). */
export function parseWindowState(text: string | null): WindowState {
  let raw: Record<string, unknown> = {};
  try {
    const v = text ? (JSON.parse(text) as unknown) : null;
    if (v && typeof v === 'object') raw = v as Record<string, unknown>;
  } catch {
    /* a torn file: defaults */
  }
  const s: WindowState = {
    width: num(raw.width) ? Math.max(MIN_WIDTH, Math.round(raw.width)) : DEFAULT_WINDOW.width,
    height: num(raw.height) ? Math.max(MIN_HEIGHT, Math.round(raw.height)) : DEFAULT_WINDOW.height,
  };
  if (num(raw.x) && num(raw.y)) {
    s.x = Math.round(raw.x);
    s.y = Math.round(raw.y);
  }
  if (raw.maximized === true) s.maximized = true;
  return s;
}

/** fitToDisplays keeps a saved state usable on today's screens: no bigger than the largest work area, and
 * placed only where its title bar is on a display (a monitor unplugged since: centred by the OS instead). */
export function fitToDisplays(s: WindowState, workAreas: Rect[]): WindowState {
  if (!workAreas.length) return s;
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const out: WindowState = { ...s, width: Math.min(s.width, maxW), height: Math.min(s.height, maxH) };
  if (s.x !== undefined && s.y !== undefined) {
    const { x, y } = s;
    // The top strip of the window (where it is dragged from) must be reachable.
    const visible = workAreas.some((a) => x + out.width - 40 > a.x && x + 40 < a.x + a.width && y >= a.y && y + 30 < a.y + a.height);
    if (!visible) {
      delete out.x;
      delete out.y;
    }
  }
  return out;
}

/** loadWindowState reads the saved state (defaults when missing or unreadable). */
export function loadWindowState(path: string, workAreas: Rect[]): WindowState {
  let text: string | null = null;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    /* first start */
  }
  return fitToDisplays(parseWindowState(text), workAreas);
}

/** windowStateOf is what to save of a window: its normal (not maximized) bounds, and whether it was maximized. */
export function windowStateOf(normalBounds: Rect, maximized: boolean): WindowState {
  return { ...normalBounds, ...(maximized ? { maximized: true } : {}) };
}

/** saveWindowState writes the state atomically and synchronously (it runs as the window closes, when
 * the app may quit right after; a crash mid-write leaves the previous file). */
export function saveWindowState(path: string, s: WindowState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s));
  renameSync(tmp, path);
}
