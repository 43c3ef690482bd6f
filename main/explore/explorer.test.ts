import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { tempDir } from '../testing/temp.ts';
import { ExploreError } from './errors.ts';
import { fileTree, listFiles, readTextFile, type TreeView } from './explorer.ts';
import { openImageModel, type ImageModel } from './image-model.ts';
import { makeLayeredImage, t } from './testing/images.ts';

const INDEX = 'x'.repeat(2000);
const BIG = 'line\n'.repeat(20_000);
const ACCENTS = 'é'.repeat(600);

/** rows reduces a list to [path, change, size, layer] for exact comparison. */
const rows = (r: { entries: { path: string; change: string; size: number; layer: number }[] }) => r.entries.map((e) => [e.path, e.change, e.size, e.layer]);

/** flatten lists a tree's nodes as "path change size/files". */
function flatten(n: TreeView, out: string[] = []): string[] {
  for (const c of n.children ?? []) {
    out.push(`${c.path} ${c.change} ${c.size}/${c.files}${c.more ? ` +${c.more}` : ''}`);
    flatten(c, out);
  }
  return out;
}

describe('layer explorer', () => {
  const tmp = tempDir();
  let store: Store;
  let model: ImageModel;
  before(async () => {
    store = await Store.open(join(tmp.path, 'home'));
    await makeLayeredImage(store, ['ex:1'], [
      {
        createdBy: 'ADD rootfs.tar /',
        entries: [
          t.dir('bin'),
          t.file('bin/sh', 'shell', 0o755),
          t.dir('etc'),
          t.file('etc/passwd', 'root:x:0:0\n'),
          t.dir('usr'),
          t.dir('usr/lib'),
          t.file('usr/lib/libbig.so', Buffer.alloc(50_000, 1)),
          t.symlink('lib', 'usr/lib'),
          t.dir('var'),
          t.dir('var/log'),
          t.file('var/log/old.log', 'old\n'),
          t.dir('opt'),
          t.dir('opt/app'),
          t.file('opt/app/a.txt', 'a'),
          t.dir('opt/app/sub'),
          t.file('opt/app/sub/b.txt', 'bb'),
          t.dir('data'),
          t.file('data/blob.bin', Buffer.from([1, 2, 0, 3, 4])),
          t.file('data/latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9])),
        ],
      },
      {
        createdBy: 'RUN /bin/sh -c setup',
        comment: 'Dockerfile:2',
        entries: [
          t.dir('bin', 0o700),
          t.dir('etc'),
          t.file('etc/passwd', 'root:x:0:0\napp:x:1000:1000\n'),
          t.whiteout('var/log/old.log'),
          t.dir('opt/app'),
          t.opaque('opt/app'),
          t.file('opt/app/new.txt', 'new'),
          t.dir('srv'),
          t.dir('srv/www'),
          t.file('srv/www/index.html', INDEX),
          t.dir('srv/empty'),
        ],
      },
      {
        createdBy: 'COPY . /srv/www',
        comment: 'Dockerfile:3',
        entries: [t.file('srv/www/big.txt', BIG), t.file('srv/www/accents.txt', ACCENTS), t.symlink('etc/motd', '../srv/www/index.html')],
      },
    ]);
    model = await openImageModel(store, 'ex:1');
  });
  after(() => tmp.cleanup());

  test('"this layer only": added, modified and deleted files (whiteouts and opaque dirs as deletions)', () => {
    assert.deepEqual(rows(listFiles(model, { layer: 1 })), [
      ['/etc/passwd', 'modified', 27, 1],
      ['/opt/app/a.txt', 'deleted', 1, 0],
      ['/opt/app/new.txt', 'added', 3, 1],
      ['/opt/app/sub/b.txt', 'deleted', 2, 0],
      ['/srv/www/index.html', 'added', 2000, 1],
      ['/var/log/old.log', 'deleted', 4, 0],
    ]);
  });

  test('the layer view as a tree: directories carry their own change and the bytes below them', () => {
    const r = fileTree(model, { layer: 1, depth: 10 });
    assert.equal(r.root.path, '/');
    assert.equal(r.totalFiles, 6);
    assert.equal(r.totalSize, 27 + 1 + 3 + 2 + 2000 + 4);
    assert.deepEqual(flatten(r.root), [
      '/bin modified 0/0',
      '/etc unchanged 27/1',
      '/etc/passwd modified 27/1',
      '/opt unchanged 6/3',
      '/opt/app unchanged 6/3',
      '/opt/app/a.txt deleted 1/1',
      '/opt/app/new.txt added 3/1',
      '/opt/app/sub deleted 2/1',
      '/opt/app/sub/b.txt deleted 2/1',
      '/srv added 2000/1',
      '/srv/empty added 0/0',
      '/srv/www added 2000/1',
      '/srv/www/index.html added 2000/1',
      '/var unchanged 4/1',
      '/var/log unchanged 4/1',
      '/var/log/old.log deleted 4/1',
    ]);
  });

  const filterCases: { name: string; q: Parameters<typeof listFiles>[1]; want: string[] }[] = [
    { name: 'deleted only', q: { layer: 1, changes: ['deleted'] }, want: ['/opt/app/a.txt', '/opt/app/sub/b.txt', '/var/log/old.log'] },
    { name: 'added and modified', q: { layer: 1, changes: ['added', 'modified'] }, want: ['/etc/passwd', '/opt/app/new.txt', '/srv/www/index.html'] },
    { name: 'a name pattern at any depth', q: { layer: 2, view: 'image', pattern: '*.txt' }, want: ['/data/latin1.txt', '/opt/app/new.txt', '/srv/www/accents.txt', '/srv/www/big.txt'] },
    { name: 'a directory takes what is below it', q: { layer: 2, view: 'image', pattern: 'srv' }, want: ['/srv/www/accents.txt', '/srv/www/big.txt', '/srv/www/index.html'] },
    { name: 'an anchored pattern', q: { layer: 2, view: 'image', pattern: '/usr/lib/*.so' }, want: ['/usr/lib/libbig.so'] },
    { name: 'a minimum size', q: { layer: 2, view: 'image', minSize: 50_000 }, want: ['/srv/www/big.txt', '/usr/lib/libbig.so'] },
    { name: 'sorted by size', q: { layer: 2, view: 'image', minSize: 2000, sort: 'size' }, want: ['/srv/www/big.txt', '/usr/lib/libbig.so', '/srv/www/index.html'] },
    { name: 'the image view marks what the layer itself changed', q: { layer: 2, view: 'image', changes: ['added'] }, want: ['/etc/motd', '/srv/www/accents.txt', '/srv/www/big.txt'] },
    { name: 'the image view shows the layer\'s deletions', q: { layer: 1, view: 'image', changes: ['deleted'] }, want: ['/opt/app/a.txt', '/opt/app/sub/b.txt', '/var/log/old.log'] },
    { name: 'a page of the list', q: { layer: 2, view: 'image', offset: 2, limit: 3 }, want: ['/data/latin1.txt', '/etc/motd', '/etc/passwd'] },
  ];
  for (const c of filterCases) {
    test(`filter: ${c.name}`, () => {
      assert.deepEqual(listFiles(model, c.q).entries.map((e) => e.path), c.want);
    });
  }

  test('a short page (kept in order while scanning) equals the head of a full sort', () => {
    for (const sort of ['path', 'size'] as const) {
      const full = listFiles(model, { layer: 2, view: 'image', sort, limit: 100_000 }).entries.map((e) => e.path);
      const head = listFiles(model, { layer: 2, view: 'image', sort, offset: 1, limit: 4 }).entries.map((e) => e.path);
      assert.deepEqual(head, full.slice(1, 5), sort);
    }
  });

  test('the image as of a layer: merged tree, each entry from the layer that wrote it last', () => {
    const r = listFiles(model, { layer: 2, view: 'image' });
    const byPath = new Map(r.entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('/etc/passwd')?.layer, 1);
    assert.equal(byPath.get('/etc/passwd')?.change, 'unchanged');
    assert.equal(byPath.get('/bin/sh')?.layer, 0);
    assert.equal(byPath.get('/lib')?.type, 'symlink');
    assert.equal(byPath.get('/lib')?.linkTarget, 'usr/lib');
    assert.equal(byPath.get('/bin/sh')?.mode, 0o755);
    assert.equal(byPath.has('/var/log/old.log'), false);
    assert.equal(byPath.has('/opt/app/a.txt'), false);
    assert.equal(r.total, 11);
    assert.equal(r.totalSize, 5 + 27 + 50_000 + 3 + 5 + 4 + 2000 + BIG.length + Buffer.byteLength(ACCENTS));
  });

  test('a tree opens to a depth; deeper directories carry totals and how many children they hold', () => {
    const r = fileTree(model, { layer: 2, view: 'image', depth: 1 });
    assert.deepEqual(flatten(r.root), [
      '/bin unchanged 5/1 +1',
      '/data unchanged 9/2 +2',
      '/etc unchanged 27/2 +2',
      '/lib unchanged 0/1',
      '/opt unchanged 3/1 +1',
      '/srv unchanged 104000/3 +2',
      '/usr unchanged 50000/1 +1',
      '/var unchanged 0/0 +1',
    ].map((s) => (s.startsWith('/srv') ? `/srv unchanged ${2000 + BIG.length + Buffer.byteLength(ACCENTS)}/3 +2` : s)));
    const sub = fileTree(model, { layer: 2, view: 'image', root: '/srv/www', depth: 1, sort: 'size' });
    assert.equal(sub.root.path, '/srv/www');
    assert.deepEqual(sub.root.children?.map((c) => c.name), ['big.txt', 'index.html', 'accents.txt']);
    assert.throws(() => fileTree(model, { layer: 2, view: 'image', root: '/nope' }), (e: unknown) => e instanceof ExploreError && e.code === 'EXPLORE_NOT_FOUND');
  });

  test('the unfiltered image tree (served from the replayed tree\'s totals) equals the general filtered path', () => {
    for (const layer of [0, 1, 2]) {
      for (const sort of ['path', 'size'] as const) {
        const fast = fileTree(model, { view: 'image', layer, depth: 10, sort });
        const general = fileTree(model, { view: 'image', layer, depth: 10, sort, pattern: '**' });
        assert.deepEqual(fast, general, `layer ${layer}, sort ${sort}`);
      }
    }
  });

  test('reads a text file as of a layer, bounded, following symlinks', async () => {
    assert.equal((await readTextFile(store, model, { path: '/etc/passwd', layer: 0 })).text, 'root:x:0:0\n');
    const now = await readTextFile(store, model, { path: 'etc/passwd' });
    assert.deepEqual(now, { path: '/etc/passwd', layer: 1, size: 27, text: 'root:x:0:0\napp:x:1000:1000\n', truncated: false });
    assert.equal((await readTextFile(store, model, { path: '/etc/motd' })).text, INDEX);
    const viaDirLink = await readTextFile(store, model, { path: '/lib/../lib/libbig.so', maxBytes: 10 });
    assert.deepEqual([viaDirLink.path, viaDirLink.text, viaDirLink.truncated], ['/lib/libbig.so', '\x01'.repeat(10), true]);
    const cut = await readTextFile(store, model, { path: '/srv/www/big.txt', maxBytes: 1000 });
    assert.equal(cut.truncated, true);
    assert.equal(cut.size, BIG.length);
    assert.equal(cut.text, BIG.slice(0, 1000));
    const whole = await readTextFile(store, model, { path: '/srv/www/big.txt' });
    assert.equal(whole.text.length, 64 * 1024);
    const accents = await readTextFile(store, model, { path: '/srv/www/accents.txt', maxBytes: 1001 });
    assert.equal(accents.text, 'é'.repeat(500), 'a cut inside a UTF-8 sequence drops the unfinished character');
  });

  const refusals: { name: string; path: string; layer?: number; code: string }[] = [
    { name: 'a binary file', path: '/data/blob.bin', code: 'EXPLORE_BINARY' },
    { name: 'a file that is not UTF-8', path: '/data/latin1.txt', code: 'EXPLORE_BINARY' },
    { name: 'a directory', path: '/srv', code: 'EXPLORE_NOT_A_FILE' },
    { name: 'a missing file', path: '/nope', code: 'EXPLORE_NOT_FOUND' },
    { name: 'a path through a link to a missing place', path: '/lib/missing.so', code: 'EXPLORE_NOT_FOUND' },
    { name: 'a file a layer deleted', path: '/var/log/old.log', layer: 1, code: 'EXPLORE_NOT_FOUND' },
    { name: 'a layer the image does not have', path: '/etc/passwd', layer: 7, code: 'EXPLORE_LAYER_RANGE' },
  ];
  for (const r of refusals) {
    test(`refuses to read ${r.name}`, async () => {
      await assert.rejects(readTextFile(store, model, { path: r.path, ...(r.layer !== undefined ? { layer: r.layer } : {}) }), (e: unknown) => e instanceof ExploreError && e.code === r.code);
    });
  }

  test('a bad pattern is a named error', () => {
    assert.throws(() => listFiles(model, { pattern: '[abc' }), (e: unknown) => e instanceof ExploreError && e.code === 'EXPLORE_BAD_PATTERN');
  });
});
