import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { SandboxError } from './errors.ts';
import { resolveInRoot } from './root-path.ts';

describe('resolveInRoot', () => {
  const tmp = tempDir('strata-rootpath-');
  after(() => tmp.cleanup());
  const root = join(tmp.path, 'root');
  mkdirSync(join(root, 'etc/sub'), { recursive: true });
  writeFileSync(join(root, 'etc/file'), '');
  symlinkSync('/etc', join(root, 'abs'));
  symlinkSync('../../../../etc', join(root, 'climb'));
  symlinkSync('sub', join(root, 'etc/rel'));
  symlinkSync(tmp.path, join(root, 'host'));
  symlinkSync('/loop', join(root, 'loop'));
  symlinkSync('/etc/file', join(root, 'tofile'));

  const cases: { name: string; path: string; resolved: string; missing: string[] }[] = [
    { name: 'plain existing', path: '/etc/sub', resolved: '/etc/sub', missing: [] },
    { name: 'root', path: '/', resolved: '/', missing: [] },
    { name: 'dot and dot-dot clamp at the root', path: '/../../etc/./sub/..', resolved: '/etc', missing: [] },
    { name: 'absolute symlink restarts at the root', path: '/abs/sub', resolved: '/etc/sub', missing: [] },
    { name: 'relative symlink climbing above the root', path: '/climb/sub', resolved: '/etc/sub', missing: [] },
    { name: 'relative symlink', path: '/etc/rel', resolved: '/etc/sub', missing: [] },
    { name: 'missing tail', path: '/etc/sub/a/b', resolved: '/etc/sub/a/b', missing: ['/etc/sub/a', '/etc/sub/a/b'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = resolveInRoot(root, c.path);
      assert.equal(r.path, c.resolved);
      assert.equal(r.hostPath, join(root, c.resolved));
      assert.deepEqual(r.missing, c.missing);
      assert.equal(r.stat === undefined, c.missing.length > 0);
    });
  }

  test('a symlink to a host path is followed inside the root', () => {
    // /host points at the real directory holding the root; inside the root that path does not exist.
    const r = resolveInRoot(root, '/host/x');
    assert.equal(r.path, `${tmp.path}/x`);
    assert.equal(r.hostPath, join(root, tmp.path, 'x'));
    assert.equal(r.stat, undefined);
    assert.equal(r.missing[0], '/' + tmp.path.split('/')[1]);
    assert.equal(r.missing.at(-1), `${tmp.path}/x`);
  });

  test('a symlink loop is an error', () => {
    assert.throws(() => resolveInRoot(root, '/loop/x'), (e: unknown) => e instanceof SandboxError && /symbolic links/.test(e.message));
  });
  test('a file in the middle of a path is an error', () => {
    assert.throws(() => resolveInRoot(root, '/tofile/x'), (e: unknown) => e instanceof SandboxError && /not a directory/.test(e.message));
  });
});
