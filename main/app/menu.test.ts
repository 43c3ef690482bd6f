import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppCommand } from '../../preload/contract.ts';
import { shortcutOf } from '../../renderer/src/shell/shortcuts.ts';
import { ACCELERATORS, findMenuItem, menuTemplate, type MenuItemTemplate } from './menu.ts';

const labels = (items: MenuItemTemplate[]) => items.map((i) => i.label ?? i.role);

/** keyOf turns an accelerator into the key press a user makes for it (Ctrl on Linux, Cmd on a Mac). */
function keyOf(accelerator: string, mac: boolean) {
  const parts = accelerator.split('+');
  const key = parts[parts.length - 1]!;
  return { key: parts.includes('Shift') ? key.toUpperCase() : key.toLowerCase(), code: `Key${key.toUpperCase()}`, ctrlKey: !mac, metaKey: mac, shiftKey: parts.includes('Shift'), altKey: false };
}

describe('application menu', () => {
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    test(`${platform}: Build and Push carry their accelerators and send their command`, () => {
      const sent: AppCommand[] = [];
      const menu = menuTemplate({ platform, appName: 'Strata', onCommand: (c) => sent.push(c) });
      const build = findMenuItem(menu, 'command.build');
      const push = findMenuItem(menu, 'command.push');
      assert.equal(build?.accelerator, 'CmdOrCtrl+B');
      assert.equal(push?.accelerator, 'CmdOrCtrl+Shift+P');
      build?.click?.();
      push?.click?.();
      assert.deepEqual(sent, ['build', 'push']);
    });
  }

  test('macOS gets the app menu first; elsewhere File ends with Quit', () => {
    const mac = menuTemplate({ platform: 'darwin', appName: 'Strata', onCommand: () => {} });
    const linux = menuTemplate({ platform: 'linux', appName: 'Strata', onCommand: () => {} });
    assert.deepEqual(labels(mac), ['Strata', 'File', 'editMenu', 'View', 'windowMenu']);
    assert.deepEqual(labels(linux), ['File', 'editMenu', 'View', 'windowMenu']);
    assert.equal(linux[0]?.submenu?.at(-1)?.role, 'quit');
    assert.equal(mac[1]?.submenu?.at(-1)?.role, 'close');
    assert.equal(mac[0]?.submenu?.at(-1)?.role, 'quit');
  });

  test('Help opens the Dockerfile reference in the browser when given a way to', () => {
    const opened: string[] = [];
    const menu = menuTemplate({ platform: 'linux', appName: 'Strata', onCommand: () => {}, openExternal: (u) => opened.push(u) });
    const help = menu.at(-1);
    assert.equal(help?.role, 'help');
    help?.submenu?.[0]?.click?.();
    assert.deepEqual(opened, ['https://docs.docker.com/reference/dockerfile/']);
  });

  for (const [command, accelerator] of Object.entries(ACCELERATORS) as [AppCommand, string][]) {
    for (const mac of [false, true]) {
      test(`${command}: the renderer's browser-mode shortcut is the same key (${mac ? 'Cmd' : 'Ctrl'})`, () => {
        assert.equal(shortcutOf(keyOf(accelerator, mac), mac), command);
      });
    }
  }
});
