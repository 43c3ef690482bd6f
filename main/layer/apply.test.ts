import assert from 'node:assert/strict';
import { createReadStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { NO_CONFORMANCE, conformancePath } from '../util/conformance.ts';
import { applyLayer, type ApplyOptions } from './apply.ts';
import { packTar, readTar, tempDir } from './fstest.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function temp(): string {
  const t = tempDir();
  temps.push(t);
  return t;
}

type Entry = Parameters<typeof packTar>[0][number];
const file = (name: string, content = '', mode = 0o644): Entry => ({ header: { name, type: 'file', mode }, content });
const dir = (name: string, mode = 0o755): Entry => ({ header: { name, type: 'directory', mode } });
const apply = async (root: string, entries: Entry[], opts?: ApplyOptions) => applyLayer(root, Readable.from([await packTar(entries)]), opts);

interface GgcrLayer {
  layer: string;
  entries: { name: string; type: string; mode: string; content?: string; linkname?: string }[];
}
interface GgcrCase {
  test: string;
  tarball: string | null;
  layers: GgcrLayer[];
  derivedExpectation: { present: string[]; absent: string[] };
}
interface GgcrVectors {
  cases: GgcrCase[];
  inWhiteoutDir: { fsMap: Record<string, boolean>; cases: { path: string; whiteout: boolean }[] };
}

const vectors = conformancePath('layer-diff', 'ggcr-extract.json');

/** flattenDockerSave applies every layer of a `docker save` tarball, bottom first, onto root. */
async function flattenDockerSave(tarball: string, root: string): Promise<void> {
  const files = new Map((await readTar(createReadStream(tarball))).map((e) => [e.header.name, e.content]));
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as { Layers: string[] }[];
  for (const layer of manifest[0]!.Layers) await applyLayer(root, Readable.from([files.get(layer)!]));
}

/** expectation checks one derivedExpectation line: a path, `P (symlink -> T)` or `P as regular file with content "C"`. */
function holds(root: string, line: string): boolean {
  const symlink = /^(\S+) \(symlink -> (.+)\)$/.exec(line);
  if (symlink) {
    const p = join(root, symlink[1]!);
    return existsSync(p) && lstatSync(p).isSymbolicLink() && readlinkSync(p) === symlink[2];
  }
  const regular = /^(\S+) as regular file with content (".*")$/.exec(line);
  if (regular) {
    const p = join(root, regular[1]!);
    const st = lstatSync(p, { throwIfNoEntry: false });
    return !!st && st.isFile() && readFileSync(p, 'utf8') === (JSON.parse(regular[2]!) as string);
  }
  return lstatSync(join(root, line), { throwIfNoEntry: false }) !== undefined;
}

describe('go-containerregistry mutate.Extract through applyLayer (ggcr-extract.json)', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  const data = vectors ? (JSON.parse(readFileSync(vectors, 'utf8')) as GgcrVectors) : undefined;
  for (const c of data?.cases ?? []) {
    test(c.test, async () => {
      const root = temp();
      if (c.tarball) {
        await flattenDockerSave(conformancePath('layer-diff', c.tarball)!, root);
      } else {
        // Synthetic layers (TestExtractOpaqueWhiteout): files only, the opaque marker after the file it keeps.
        for (const l of c.layers) await apply(root, l.entries.map((e) => file(e.name, e.content, parseInt(e.mode, 8))));
      }
      for (const p of c.derivedExpectation.present) assert.ok(holds(root, p), `present: ${p}`);
      for (const p of c.derivedExpectation.absent) assert.ok(!holds(root, p), `absent: ${p}`);
    });
  }

  // TestWhiteoutDir: a path is hidden iff a proper parent was whited out. Checked through apply: a lower
  // layer holds every path, an upper layer whites out each fsMap key.
  describe('inWhiteoutDir', () => {
    const root = temp();
    before(async () => {
      const w = data!.inWhiteoutDir;
      await apply(root, w.cases.map((c) => file(c.path, 'x')));
      await apply(root, Object.keys(w.fsMap).map((k) => file(k.replace(/([^/]+)$/, '.wh.$1'))));
    });
    for (const c of data?.inWhiteoutDir.cases ?? []) {
      test(c.path, () => assert.equal(existsSync(join(root, c.path)), !c.whiteout));
    }
  });
});

describe('applyLayer safety', () => {
  test('".." is refused and nothing lands outside the target', async () => {
    const parent = temp();
    const root = join(parent, 'root');
    await apply(parent, [dir('root/')]);
    for (const name of ['../evil', 'a/../../evil', './../evil']) {
      await assert.rejects(apply(root, [file(name, 'x')]), { code: 'LAYER_PATH_ESCAPE' }, name);
    }
    assert.ok(!existsSync(join(parent, 'evil')));
  });

  test('absolute names are re-rooted', async () => {
    const root = temp();
    await apply(root, [file('/etc/strata-abs', 'x')]);
    assert.equal(readFileSync(join(root, 'etc/strata-abs'), 'utf8'), 'x');
  });

  test('symlinked parents resolve inside the root, never outside', async () => {
    const outside = temp();
    const root = temp();
    await apply(root, [
      { header: { name: 'abs', type: 'symlink', linkname: outside } },
      { header: { name: 'up', type: 'symlink', linkname: '../../../../..' + outside } },
      file('abs/f', 'a'),
      file('up/g', 'b'),
    ]);
    assert.deepEqual(readdir(outside), []);
    assert.equal(readFileSync(join(root, outside, 'f'), 'utf8'), 'a');
    assert.equal(readFileSync(join(root, outside, 'g'), 'utf8'), 'b');
  });

  test('an existing symlink at a file path is replaced, not written through', async () => {
    const outside = temp();
    writeFileSync(join(outside, 'victim'), 'original');
    const root = temp();
    await apply(root, [{ header: { name: 'f', type: 'symlink', linkname: join(outside, 'victim') } }]);
    await apply(root, [file('f', 'new')]);
    assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
    assert.ok(lstatSync(join(root, 'f')).isFile());
  });

  test('hard links cannot reach outside the root', async () => {
    const root = temp();
    await assert.rejects(apply(root, [{ header: { name: 'l', type: 'link', linkname: '../../etc/passwd' } }]), { code: 'LAYER_PATH_ESCAPE' });
    // Absolute and symlinked targets are looked up inside the root, where there is no passwd.
    await assert.rejects(apply(root, [{ header: { name: 'l', type: 'link', linkname: '/etc/passwd' } }]), { code: 'LAYER_CORRUPT' });
    await assert.rejects(
      apply(root, [{ header: { name: 'etc', type: 'symlink', linkname: '/etc' } }, { header: { name: 'l', type: 'link', linkname: 'etc/passwd' } }]),
      { code: 'LAYER_CORRUPT' },
    );
  });

  test('setuid/setgid bits are dropped unless keepSetid', async () => {
    const root = temp();
    await apply(root, [file('a', '#!', 0o4755), dir('d', 0o2775)]);
    assert.equal(statSync(join(root, 'a')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(root, 'd')).mode & 0o7777, 0o2775); // setgid directories are harmless and kept
    await apply(root, [file('b', '#!', 0o6755)], { keepSetid: true });
    assert.equal(statSync(join(root, 'b')).mode & 0o7777, 0o6755);
  });

  const isRoot = process.getuid?.() === 0;
  test('device nodes are skipped unless root with allowDevices', { skip: isRoot ? false : 'needs root (mknod)' }, async () => {
    const root = temp();
    const null_ = { header: { name: 'dev/null', type: 'character-device' as const, mode: 0o666, devmajor: 1, devminor: 3 } };
    const r = await apply(root, [null_]);
    assert.equal(existsSync(join(root, 'dev/null')), false);
    assert.equal(r.skipped[0]?.path, 'dev/null');
    await apply(root, [null_], { allowDevices: true });
    const st = lstatSync(join(root, 'dev/null'));
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, (1 << 8) | 3);
  });

  test('ownership, modes, mtimes, hard links and symlinks are reproduced', { skip: isRoot ? false : 'needs root (chown)' }, async () => {
    const root = temp();
    const mtime = new Date(1_234_567_890_000);
    await apply(root, [
      { header: { name: 'd/', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, mtime } },
      { header: { name: 'd/f', type: 'file', mode: 0o640, uid: 1000, gid: 1001, mtime }, content: 'hello' },
      { header: { name: 'd/h', type: 'link', linkname: 'd/f' } },
      { header: { name: 'd/s', type: 'symlink', linkname: 'f', uid: 7, gid: 8, mtime } },
    ]);
    const d = lstatSync(join(root, 'd'));
    assert.deepEqual([d.mode & 0o7777, d.uid, d.gid, d.mtimeMs], [0o750, 1000, 1001, mtime.getTime()]);
    const f = lstatSync(join(root, 'd/f'));
    assert.deepEqual([f.mode & 0o7777, f.uid, f.gid, f.mtimeMs, f.nlink], [0o640, 1000, 1001, mtime.getTime(), 2]);
    assert.equal(lstatSync(join(root, 'd/h')).ino, f.ino);
    const s = lstatSync(join(root, 'd/s'));
    assert.deepEqual([readlinkSync(join(root, 'd/s')), s.uid, s.gid, s.mtimeMs], ['f', 7, 8, mtime.getTime()]);
  });

  test('an opaque marker first hides lower entries but keeps what follows in the same layer', async () => {
    const root = temp();
    await apply(root, [dir('d'), file('d/old'), dir('d/sub'), file('d/sub/old')]);
    await apply(root, [dir('d'), file('d/.wh..wh..opq'), file('d/new'), file('d/sub/new2')]);
    assert.deepEqual(readdir(join(root, 'd')), ['new', 'sub']);
    assert.deepEqual(readdir(join(root, 'd/sub')), ['new2']);
  });

  test('a truncated or garbled tar fails with LAYER_CORRUPT', async () => {
    const good = await packTar([file('f', 'x'.repeat(2000))]);
    await assert.rejects(applyLayer(temp(), Readable.from([good.subarray(0, 1000)])), { code: 'LAYER_CORRUPT' });
    await assert.rejects(applyLayer(temp(), Readable.from([Buffer.alloc(512, 1)])), { code: 'LAYER_CORRUPT' });
  });
});

function readdir(p: string): string[] {
  return readdirSync(p).sort();
}
