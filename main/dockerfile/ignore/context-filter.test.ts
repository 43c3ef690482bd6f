import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContextFilter, type FilterDecision } from './context-filter.ts';
import { IgnorePatternError } from './ignore-error.ts';

const FILES = [
  'Dockerfile',
  '.dockerignore',
  'README.md',
  'docs/README.md',
  'docs/guide/intro.md',
  'node_modules/a/index.js',
  'node_modules/a/keep.txt',
  'node_modules/b/index.js',
  'src/main.go',
  'src/main_test.go',
  'src/vendor/x/x.go',
  'build/out.bin',
  'build/keep/me.txt',
  'logs/a.log',
  'logs/sub/b.log',
];

const DOCKERIGNORE = [
  '# dependencies',
  'node_modules',
  '**/*_test.go',
  'docs',
  '!docs/README.md',
  'build',
  '!build/keep',
  '*.md',
  '!README.md',
  'logs/**',
].join('\n');

/** walk is the fsutil filterFS.Walk contract: lexical order, skipped directories are never read, and an
 * excluded directory is emitted just before its first included descendant. */
function walk(root: string, filter: ContextFilter): { sent: string[]; read: string[] } {
  const sent: string[] = [];
  const read: string[] = [];
  const pending: { path: string; sent: boolean }[] = [];
  const visit = (rel: string, parent: FilterDecision | null): void => {
    read.push(rel || '.');
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const isDir = lstatSync(join(root, path)).isDirectory();
      const d = filter.includes(path, isDir, parent);
      if (d.skipDir) continue;
      if (d.included) {
        for (const p of pending) {
          if (!p.sent) sent.push(p.path);
          p.sent = true;
        }
        sent.push(path);
      }
      if (isDir) {
        pending.push({ path, sent: d.included });
        visit(path, d);
        pending.pop();
      }
    }
  };
  visit('', null);
  return { sent, read };
}

describe('ContextFilter over a temp tree (fsutil walker semantics)', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'strata-ignore-'));
    for (const f of FILES) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), f === '.dockerignore' ? DOCKERIGNORE : f);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('.dockerignore with literal exceptions: excluded dirs are skipped unless an exception lies inside', () => {
    const { sent, read } = walk(root, ContextFilter.fromDockerignore(DOCKERIGNORE));
    assert.deepEqual(sent, [
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'build', // excluded itself, but sent ahead of build/keep
      'build/keep',
      'build/keep/me.txt',
      'docs',
      'docs/README.md',
      'logs', // `logs/**` matches only what is below logs
      'src',
      'src/main.go',
      'src/vendor',
      'src/vendor/x',
      'src/vendor/x/x.go',
    ]);
    assert.deepEqual(read, ['.', 'build', 'build/keep', 'docs', 'logs', 'src', 'src/vendor', 'src/vendor/x']);
  });

  test('a glob in an exception disables skipping, so the exception can re-include deep files', () => {
    const { sent, read } = walk(root, new ContextFilter(['node_modules', 'build', 'logs', 'docs', 'src', '!**/keep.txt']));
    assert.ok(sent.includes('node_modules/a/keep.txt'));
    assert.ok(sent.includes('node_modules') && sent.includes('node_modules/a'));
    assert.ok(!sent.includes('node_modules/a/index.js') && !sent.includes('node_modules/b'));
    assert.ok(read.includes('node_modules/b') && read.includes('logs/sub'));
  });

  test('no exceptions at all: every excluded directory is skipped', () => {
    const { sent, read } = walk(root, new ContextFilter(['*', '!Dockerfile', 'src']));
    assert.deepEqual(sent, ['Dockerfile']);
    assert.deepEqual(read, ['.']);
  });

  test('include patterns (fsutil IncludePatterns) prune directories outside them', () => {
    const filter = new ContextFilter(['**/*_test.go'], { includePatterns: ['src/**'] });
    const { sent, read } = walk(root, filter);
    assert.deepEqual(sent, ['src', 'src/main.go', 'src/vendor', 'src/vendor/x', 'src/vendor/x/x.go']);
    assert.deepEqual(read, ['.', 'src', 'src/vendor', 'src/vendor/x']);
  });

  test('decisions at a glance', () => {
    const f = new ContextFilter(['a', '!a/b/c']);
    const a = f.includes('a', true, null);
    assert.deepEqual([a.included, a.skipDir], [false, false]);
    const ab = f.includes('a/b', true, a);
    assert.deepEqual([ab.included, ab.skipDir], [false, false]);
    assert.equal(f.includes('a/b/c', false, ab).included, true);
    assert.equal(f.includes('a/x', true, a).skipDir, true);
    assert.equal(f.includes('b', false, null).included, true);
    assert.throws(() => ContextFilter.fromDockerignore('ok\n[\n'), (e: unknown) => e instanceof IgnorePatternError && e.details?.line === 2);
  });
});
