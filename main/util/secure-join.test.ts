import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { secureJoin } from './secure-join.ts';

describe('secureJoin keeps every path inside the root', () => {
  const t = tempDir();
  const root = join(t.path, 'root');
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  symlinkSync('/etc', join(root, 'abs-link'));
  symlinkSync('../../../../..', join(root, 'usr', 'up'));
  symlinkSync('lib', join(root, 'usr', 'rel'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  after(() => t.cleanup());
  const cases: [string, string, boolean?][] = [
    ['/usr/lib', 'usr/lib'],
    ['../../etc/passwd', 'etc/passwd'],
    ['/abs-link/passwd', 'etc/passwd'],
    ['/usr/up/etc/shadow', 'etc/shadow'],
    ['/usr/rel/x', 'usr/lib/x'],
    ['/abs-link', 'abs-link', false],
    ['/', ''],
  ];
  for (const [input, want, follow] of cases) {
    test(`${input} → /${want}`, () => {
      assert.equal(secureJoin(root, input, follow ?? true), want ? join(root, want) : root);
    });
  }
  test('a symlink loop is an error, not a hang', () => {
    assert.throws(() => secureJoin(root, '/loop1/x'), /too many levels/);
  });
});
