import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, linkSync, readdirSync, readFileSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { BuildContext } from './context.ts';
import { ContextWatcher, ContextWatchers, foreignMount, type OpenReport } from './context-watch.ts';

const t = tempDir('strata-watch-');
after(() => t.cleanup());

let n = 0;
function makeContext(files: Record<string, string> = {}): string {
  return writeTree(join(t.path, `ctx-${n++}`), {
    Dockerfile: 'FROM scratch\nCOPY . /\n',
    '.dockerignore': 'ignored/\n*.log\n',
    'top.txt': 'top',
    'src/a.txt': 'a',
    'src/b.txt': 'b',
    'src/sub/c.txt': 'c',
    'ignored/x.txt': 'x',
    ...files,
  });
}

/** dump is everything a build reads of a context: every entry (stat data included), in walk order. */
const dump = (c: BuildContext) => [c.get(''), ...c.walkUnder('')].map((e) => ({ ...e }));

/** agree opens through the watcher and checks it against a full walk (the source of truth). */
async function agree(w: ContextWatcher): Promise<OpenReport> {
  const viaWatch = await w.open();
  const truth = await BuildContext.open(w.root);
  assert.deepEqual(dump(viaWatch), dump(truth));
  return w.last as OpenReport;
}

/** untilPending waits (bounded) for the watcher to have seen an event. */
async function untilPending(w: ContextWatcher): Promise<void> {
  for (let i = 0; i < 400 && !w.pending; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(w.pending, 'the watcher saw no event in 2 s');
}

describe('ContextWatcher: each change, then the entries agree with a full walk', () => {
  const root = makeContext();
  const w = new ContextWatcher(root);
  after(() => w.close());

  test('first open walks in full; the next reuses the entries', async () => {
    assert.equal((await agree(w)).kind, 'full');
    assert.ok(w.watching >= 3);
    assert.equal((await agree(w)).kind, 'reused');
  });

  const cases: { name: string; change: () => void; kind: OpenReport['kind']; wait?: boolean }[] = [
    { name: 'modify a file', change: () => writeFileSync(join(root, 'src/a.txt'), 'a changed'), kind: 'incremental' },
    { name: 'add a file', change: () => writeFileSync(join(root, 'src/new.txt'), 'new'), kind: 'incremental' },
    { name: 'delete a file', change: () => unlinkSync(join(root, 'src/b.txt')), kind: 'incremental' },
    { name: 'add a directory with files', change: () => writeTree(root, { 'lib/deep/d.txt': 'd', 'lib/e.txt': 'e' }), kind: 'incremental' },
    { name: 'rename a directory', change: () => renameSync(join(root, 'src/sub'), join(root, 'src/moved')), kind: 'incremental' },
    { name: 'write in the renamed directory', change: () => writeFileSync(join(root, 'src/moved/f.txt'), 'f'), kind: 'incremental' },
    {
      name: 'remove a directory and make it again (its inode number comes back)',
      change: () => {
        rmSync(join(root, 'lib'), { recursive: true });
        mkdirSync(join(root, 'lib'));
      },
      kind: 'incremental',
    },
    { name: 'write in the remade directory', change: () => writeFileSync(join(root, 'lib/g.txt'), 'g'), kind: 'incremental' },
    { name: 'chmod a file', change: () => chmodSync(join(root, 'top.txt'), 0o600), kind: 'incremental' },
    {
      name: 'replace a file by a symlink',
      change: () => {
        unlinkSync(join(root, 'top.txt'));
        symlinkSync('src/a.txt', join(root, 'top.txt'));
      },
      kind: 'incremental',
    },
    { name: 'an excluded file appears', change: () => writeFileSync(join(root, 'debug.log'), 'log'), kind: 'incremental' },
    { name: 'a file inside an excluded directory (not watched: nothing to do)', change: () => writeFileSync(join(root, 'ignored/y.txt'), 'y'), kind: 'reused', wait: false },
    { name: 'a change built at once, without waiting for its event', change: () => writeFileSync(join(root, 'src/a.txt'), 'a again, longer'), kind: 'incremental', wait: false },
    { name: 'change .dockerignore', change: () => writeFileSync(join(root, '.dockerignore'), '*.log\n'), kind: 'full' },
    { name: 'change the Dockerfile', change: () => writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\nCOPY src /\n'), kind: 'full' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      c.change();
      if (c.wait !== false) await untilPending(w);
      assert.equal((await agree(w)).kind, c.kind);
      await agree(w); // and again, with nothing changed
    });
  }

  test('the context root replaced: full walk', async () => {
    renameSync(root, root + '.old');
    writeTree(root, { 'only.txt': 'new root' });
    const r = await agree(w);
    assert.equal(r.kind, 'full');
    assert.deepEqual((await w.open()).walkUnder('').map((e) => e.rel), ['only.txt']);
    writeFileSync(join(root, 'second.txt'), '2');
    await untilPending(w);
    assert.equal((await agree(w)).kind, 'incremental');
  });
});

describe('ContextWatcher: random changes, built at once', () => {
  test('after every round of changes the entries agree with a full walk', async () => {
    const root = makeContext();
    const w = new ContextWatcher(root);
    let x = 12345;
    const rand = (k: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % k;
    };
    const names = ['a', 'b', 'c', 'd.log', 'ignored'];
    const dirsUnder = (d: string): string[] =>
      readdirSync(join(root, d), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .flatMap((e) => [d ? `${d}/${e.name}` : e.name, ...dirsUnder(d ? `${d}/${e.name}` : e.name)]);
    const anyDir = () => {
      const dirs = ['', ...dirsUnder('')];
      return dirs[rand(dirs.length)] as string;
    };
    try {
      await agree(w);
      const kinds = new Set<string>();
      for (let round = 0; round < 60; round++) {
        for (let i = 1 + rand(4); i > 0; i--) {
          const dir = join(root, anyDir());
          const p = join(dir, names[rand(names.length)] as string);
          try {
            switch (rand(7)) {
              case 0: writeFileSync(p, 'x'.repeat(rand(20))); break;
              case 1: mkdirSync(p, { recursive: true }); writeFileSync(join(p, 'f'), String(round)); break;
              case 2: rmSync(p, { recursive: true, force: true }); break;
              case 3: renameSync(p, join(dir, names[rand(names.length)] as string)); break;
              case 4: symlinkSync('a', p); break;
              case 5: chmodSync(p, 0o700 + rand(0o77)); break;
              default: writeFileSync(join(root, 'src', `r${rand(5)}`), String(round));
            }
          } catch {
            /* the random path was not there, or was there already */
          }
        }
        kinds.add((await agree(w)).kind);
      }
      assert.ok(kinds.has('incremental'), [...kinds].join());
    } finally {
      w.close();
    }
  });
});

describe('ContextWatcher: files with other hard links', () => {
  test('a file linked from outside the context is stat\'ed at every open (no watch here sees a write there)', async () => {
    const root = makeContext();
    const outside = join(t.path, `outside-${n}`);
    linkSync(join(root, 'src/a.txt'), outside);
    const w = new ContextWatcher(root);
    try {
      assert.equal((await agree(w)).kind, 'full');
      writeFileSync(outside, 'changed from outside');
      const r = await agree(w);
      assert.equal(r.kind, 'incremental');
      assert.equal((await w.open()).get('src/a.txt')?.size, 'changed from outside'.length);
    } finally {
      w.close();
    }
  });
});

describe('ContextWatcher: a .dockerignore that is a symlink', () => {
  test('its target changed outside the context (no watch here sees it): full walk', async () => {
    const root = makeContext();
    const target = join(t.path, `ignore-target-${n}`);
    writeFileSync(target, 'ignored/\n');
    unlinkSync(join(root, '.dockerignore'));
    symlinkSync(target, join(root, '.dockerignore'));
    const w = new ContextWatcher(root);
    try {
      await agree(w);
      assert.equal((await agree(w)).kind, 'reused');
      writeFileSync(target, 'src/\n');
      const r = await agree(w);
      assert.deepEqual([r.kind, r.reason], ['full', '.dockerignore changed (through its symlink)']);
      assert.equal((await w.open()).get('src'), undefined);
    } finally {
      w.close();
    }
  });
});

describe('foreignMount: mounts inside the context that inotify may not see', () => {
  const info = (point: string, type: string) => `40 26 0:50 / ${point} rw,relatime shared:1 - ${type} src rw`;
  const cases: [string, string, string | null][] = [
    ['no mount below', [info('/', 'ext4'), info('/proc', 'proc')].join('\n'), null],
    ['a local one below', info('/ctx/cache', 'tmpfs'), null],
    ['NFS below', info('/ctx/share', 'nfs4'), 'nfs4 mounted at /ctx/share'],
    ['FUSE below, escaped space', info('/ctx/my\\040drive', 'fuse.sshfs'), 'fuse.sshfs mounted at /ctx/my drive'],
    ['a sibling with the same prefix', info('/ctx2/share', 'nfs4'), null],
  ];
  for (const [name, text, want] of cases) test(name, () => assert.equal(foreignMount('/ctx', text), want));
  test("this machine's own mounts parse", () => assert.equal(foreignMount('/nonexistent-root', readFileSync('/proc/self/mountinfo', 'utf8')), null));
});

describe('ContextWatcher: fallbacks to the full walk', () => {
  test('watching fails (ENOSPC): every open walks in full, with the same entries', async () => {
    const root = makeContext();
    const failing = () => {
      throw Object.assign(new Error('inotify watch limit reached'), { code: 'ENOSPC' });
    };
    const w = new ContextWatcher(root, { watch: failing });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await agree(w);
        assert.equal(r.kind, 'full');
        if (i > 0) assert.match(r.reason, /cannot watch: inotify watch limit reached/);
        writeFileSync(join(root, 'src/a.txt'), `a${i}`);
      }
      assert.equal(w.watching, 0);
    } finally {
      w.close();
    }
  });

  test('a watch reports an error: the next open walks in full', async () => {
    const root = makeContext();
    const made: FSWatcher[] = [];
    const w = new ContextWatcher(root, {
      watch: (path, listener) => {
        const fw = watch(path, { persistent: false }, listener);
        made.push(fw);
        return fw;
      },
    });
    try {
      await agree(w);
      (made[0] as FSWatcher).emit('error', new Error('boom'));
      assert.ok(w.pending);
      const r = await agree(w);
      assert.deepEqual([r.kind, r.reason], ['full', 'watch error: boom']);
      assert.equal((await agree(w)).kind, 'reused');
    } finally {
      w.close();
    }
  });

  test('more events than the queue bound: full walk (an overflow would lose some silently)', async () => {
    const root = makeContext();
    const w = new ContextWatcher(root, { maxEvents: 5 });
    try {
      await agree(w);
      for (let i = 0; i < 10; i++) writeFileSync(join(root, `src/many-${i}.txt`), String(i));
      await untilPending(w);
      const r = await agree(w);
      assert.equal(r.kind, 'full');
      assert.match(r.reason, /more than 5 events/);
    } finally {
      w.close();
    }
  });

  test('more changed paths than the bound: full walk', async () => {
    const root = makeContext();
    const w = new ContextWatcher(root, { maxDirty: 3 });
    try {
      await agree(w);
      for (let i = 0; i < 5; i++) writeFileSync(join(root, `top-${i}.txt`), String(i));
      await untilPending(w);
      const r = await agree(w);
      assert.equal(r.kind, 'full');
      assert.match(r.reason, /more than 3 changed paths/);
    } finally {
      w.close();
    }
  });

  test('more directories than the bound: not watched, every open walks; watched again once it shrinks', async () => {
    const root = makeContext({ 'more/1.txt': '1', 'more2/2.txt': '2' });
    const w = new ContextWatcher(root, { maxDirs: 4 });
    try {
      const r = await agree(w);
      assert.equal(r.kind, 'full');
      assert.equal(w.watching, 0);
      assert.match((await agree(w)).reason, /not watched \(more than 4 directories\)/);
      rmSync(join(root, 'more'), { recursive: true });
      rmSync(join(root, 'more2'), { recursive: true });
      assert.equal((await agree(w)).kind, 'full');
      assert.equal((await agree(w)).kind, 'full');
      assert.ok(w.watching > 0);
      assert.equal((await agree(w)).kind, 'reused');
      // A new directory past the bound while watched: full walk, not watched any more.
      writeTree(root, { 'more/1.txt': '1', 'more2/2.txt': '2' });
      await untilPending(w);
      assert.equal((await agree(w)).kind, 'full');
      assert.equal(w.watching, 0);
    } finally {
      w.close();
    }
  });

  test('a closed watcher still opens (a plain walk)', async () => {
    const root = makeContext();
    const w = new ContextWatcher(root);
    await agree(w);
    w.close();
    assert.equal(w.watching, 0);
    const ctx = await w.open();
    assert.equal(ctx.get('src/a.txt')?.size, 1);
  });
});

describe('ContextWatcher: what is derived from the entries', () => {
  test("a directory's file list is kept while nothing below it changes, made again when something does", async () => {
    const root = makeContext();
    const w = new ContextWatcher(root);
    try {
      const first = await w.open();
      const files = await first.sourceFiles(first.get('src')!);
      const again = await w.open();
      assert.equal(await again.sourceFiles(again.get('src')!), files);
      assert.equal(again.walkUnder('src'), first.walkUnder('src'));
      writeFileSync(join(root, 'src/sub/c.txt'), 'c2');
      await untilPending(w);
      const changed = await w.open();
      const now = await changed.sourceFiles(changed.get('src')!);
      assert.notEqual(now, files);
      const truth = await BuildContext.open(root);
      assert.deepEqual(now, await truth.sourceFiles(truth.get('src')!));
      // An unrelated change keeps the list.
      writeFileSync(join(root, 'top.txt'), 'top2');
      await untilPending(w);
      const later = await w.open();
      assert.equal(await later.sourceFiles(later.get('src')!), now);
    } finally {
      w.close();
    }
  });
});

describe('ContextWatchers', () => {
  test('keeps the contexts built last watched (least recent let go); close stops every watch', async () => {
    const pool = new ContextWatchers({ limit: 2 });
    const roots = [makeContext(), makeContext(), makeContext()];
    for (const r of roots) await pool.open(r);
    assert.equal(pool.get(roots[0]!), undefined);
    const kept = [pool.get(roots[1]!)!, pool.get(roots[2]!)!];
    assert.ok(kept.every((w) => w.watching > 0));
    await pool.open(roots[1]!);
    assert.equal(pool.get(roots[1]!)?.last?.kind, 'reused');
    pool.close();
    assert.ok(kept.every((w) => w.watching === 0));
    const ctx = await pool.open(roots[0]!);
    assert.equal(ctx.get('top.txt')?.size, 3);
  });
});
