import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMac, shortcutOf, shortcutText, type KeyPress } from './shortcuts.ts';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, code: /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcuts', () => {
  const cases: [string, KeyPress, boolean, string | null][] = [
    ['Ctrl+B builds', press('b', { ctrlKey: true }), false, 'build'],
    ['Ctrl+Shift+P pushes', press('P', { ctrlKey: true, shiftKey: true }), false, 'push'],
    ['Cmd+B builds on a Mac', press('b', { metaKey: true }), true, 'build'],
    ['Cmd+Shift+P pushes on a Mac', press('P', { metaKey: true, shiftKey: true }), true, 'push'],
    ['Ctrl+B on a Mac stays the editor cursor key', press('b', { ctrlKey: true }), true, null],
    ['Meta+B elsewhere is not Ctrl', press('b', { metaKey: true }), false, null],
    ['Ctrl+P alone is the browser print', press('p', { ctrlKey: true }), false, null],
    ['Ctrl+Shift+B is not build', press('B', { ctrlKey: true, shiftKey: true }), false, null],
    ['Ctrl+Alt+B is not build', press('b', { ctrlKey: true, altKey: true }), false, null],
    ['plain b types', press('b'), false, null],
    ['layout where e.key differs: code decides', { ...press('b', { ctrlKey: true }), key: 'и' }, false, 'build'],
  ];
  for (const [name, e, mac, want] of cases) test(name, () => assert.equal(shortcutOf(e, mac), want));

  test('shortcutText names the keys per platform', () => {
    assert.equal(shortcutText('build', false), 'Ctrl+B');
    assert.equal(shortcutText('push', false), 'Ctrl+Shift+P');
    assert.equal(shortcutText('push', true), '⇧⌘P');
  });

  test('isMac', () => {
    assert.equal(isMac({ platform: 'MacIntel' }), true);
    assert.equal(isMac({ platform: 'Linux x86_64' }), false);
  });
});
