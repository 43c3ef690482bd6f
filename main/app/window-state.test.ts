import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { DEFAULT_WINDOW, fitToDisplays, loadWindowState, MIN_WIDTH, parseWindowState, saveWindowState, windowStateOf } from './window-state.ts';

const t = tempDir();
after(() => t.cleanup());
const SCREEN = { x: 0, y: 0, width: 1920, height: 1050 };

describe('window state', () => {
  const parseCases: [string, string | null, object][] = [
    ['missing file', null, DEFAULT_WINDOW],
    ['torn JSON', '{"width": 14', DEFAULT_WINDOW],
    ['not an object', '42', DEFAULT_WINDOW],
    ['saved bounds', '{"x":10,"y":20,"width":1000,"height":700}', { x: 10, y: 20, width: 1000, height: 700 }],
    ['maximized', '{"x":10,"y":20,"width":1000,"height":700,"maximized":true}', { x: 10, y: 20, width: 1000, height: 700, maximized: true }],
    ['too small', '{"width":10,"height":10}', { width: MIN_WIDTH, height: 480 }],
    ['strings and half a place', '{"width":"wide","height":600,"x":5}', { width: DEFAULT_WINDOW.width, height: 600 }],
  ];
  for (const [name, text, want] of parseCases) test(`parse: ${name}`, () => assert.deepEqual(parseWindowState(text), want));

  const fitCases: [string, object, object][] = [
    ['on screen: kept', { x: 100, y: 100, width: 1200, height: 800 }, { x: 100, y: 100, width: 1200, height: 800 }],
    ['on a monitor unplugged since: placed by the OS', { x: 2500, y: 100, width: 1200, height: 800 }, { width: 1200, height: 800 }],
    ['title bar above the screen: placed by the OS', { x: 100, y: -300, width: 1200, height: 800 }, { width: 1200, height: 800 }],
    ['bigger than any screen: shrunk', { x: 0, y: 0, width: 4000, height: 3000 }, { x: 0, y: 0, width: 1920, height: 1050 }],
  ];
  for (const [name, s, want] of fitCases) test(`fit: ${name}`, () => assert.deepEqual(fitToDisplays(s as never, [SCREEN]), want));

  test('a second display to the right keeps a window placed there', () => {
    assert.deepEqual(fitToDisplays({ x: 2500, y: 100, width: 1200, height: 800 }, [SCREEN, { x: 1920, y: 0, width: 2560, height: 1400 }]), { x: 2500, y: 100, width: 1200, height: 800 });
  });

  test('saved on close, restored on start (normal bounds and maximized)', () => {
    const path = join(t.path, 'window-state.json');
    saveWindowState(path, windowStateOf({ x: 40, y: 50, width: 1100, height: 760 }, true));
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { x: 40, y: 50, width: 1100, height: 760, maximized: true });
    assert.deepEqual(loadWindowState(path, [SCREEN]), { x: 40, y: 50, width: 1100, height: 760, maximized: true });
    saveWindowState(path, windowStateOf({ x: 0, y: 0, width: 900, height: 600 }, false));
    assert.deepEqual(loadWindowState(path, [SCREEN]), { x: 0, y: 0, width: 900, height: 600 });
    assert.deepEqual(loadWindowState(join(t.path, 'none.json'), [SCREEN]), DEFAULT_WINDOW);
  });
});
