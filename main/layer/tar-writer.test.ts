import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, lutimesSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { NO_CONFORMANCE, conformancePath } from '../util/conformance.ts';
import { diffTrees } from './diff.ts';
import { applyOps, copyTree, readTar, tempDir, type FsOp } from './fstest.ts';
import { writeLayerTar, type LayerTarOptions } from './tar-writer.ts';

interface Expected {
  type: 'dir' | 'file' | 'hardlink' | 'whiteout';
  name: string;
  mode?: string;
  content?: string;
  linkname?: string;
  tarName?: string;
}
interface DiffTarCase {
  name: string;
  a: FsOp[];
  b: FsOp[];
  expectedEntries: Expected[];
}

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function temp(): string {
  const t = tempDir();
  temps.push(t);
  return t;
}

/** memorySink collects what a layer writer produces. */
function memorySink(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function diffTar(lower: string, upper: string, opts?: LayerTarOptions) {
  const { sink, bytes } = memorySink();
  const result = await writeLayerTar(upper, await diffTrees(lower, upper), sink, opts);
  return { result, tar: bytes() };
}

const vectors = conformancePath('layer-diff', 'containerd-difftar.json');

describe('containerd TestDiffTar (containerd-difftar.json)', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  const cases = vectors ? (JSON.parse(readFileSync(vectors, 'utf8')) as { cases: DiffTarCase[] }).cases : [];
  for (const c of cases) {
    // Runs as any user; IgnoreSockets needs no privilege either (a unix socket is an ordinary bind).
    test(c.name, async () => {
      const a = temp();
      const b = temp();
      await applyOps(a, c.a);
      copyTree(a, b);
      await applyOps(b, c.b);
      const { tar, result } = await diffTar(a, b);
      const entries = await readTar(tar);
      const got = entries.map((e) => describeEntry(e.header, e.content));
      const want = c.expectedEntries.map((x) => {
        switch (x.type) {
          case 'dir':
            return `dir ${x.name} ${x.mode}`;
          case 'file':
            return `file ${x.name} ${x.mode} ${JSON.stringify(x.content)}`;
          case 'hardlink':
            return `link ${x.name} -> ${x.linkname}`;
          case 'whiteout':
            return `whiteout ${x.tarName}`;
        }
      });
      // Upstream tolerates missing entries; we require the exact list.
      assert.deepEqual(got, want);
      assert.equal(result.entries, entries.length);
      assert.equal(result.size, tar.length);
      assert.equal(result.diffID, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    });
  }
});

function describeEntry(h: { name: string; type: string | null; mode: number; linkname: string | null }, content: Buffer): string {
  const mode = (h.mode & 0o7777).toString(8).padStart(4, '0');
  const base = h.name.slice(h.name.lastIndexOf('/', h.name.length - 2) + 1);
  if (h.type === 'file' && base.startsWith('.wh.')) return `whiteout ${h.name}`;
  switch (h.type) {
    case 'directory':
      return `dir ${h.name} ${mode}`;
    case 'file':
      return `file ${h.name} ${mode} ${JSON.stringify(content.toString('latin1'))}`;
    case 'link':
      return `link ${h.name} -> ${h.linkname}`;
    default:
      return `${h.type} ${h.name}`;
  }
}

describe('layer tar format', () => {
  const isRoot = process.getuid?.() === 0;
  /** tree builds a small tree with a given mtime everywhere. */
  function tree(root: string, mtime: number): void {
    mkdirSync(join(root, 'etc/deep'), { recursive: true });
    writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
    writeFileSync(join(root, `etc/deep/${'x'.repeat(120)}`), 'long name\n');
    if (isRoot) {
      // Only root can read a mode-0 file back (rootless builders cannot either).
      writeFileSync(join(root, 'etc/zero-mode'), 'secret');
      chmodSync(join(root, 'etc/zero-mode'), 0);
    }
    writeFileSync(join(root, 'etc/big'), Buffer.alloc(3 * 1024 * 1024 + 7, 7));
    symlinkSync('hosts', join(root, 'etc/hosts.link'));
    for (const p of ['etc/hosts', `etc/deep/${'x'.repeat(120)}`, ...(isRoot ? ['etc/zero-mode'] : []), 'etc/big', 'etc/deep', 'etc']) {
      utimesSync(join(root, p), mtime, mtime);
    }
    lutimesSync(join(root, 'etc/hosts.link'), mtime, mtime);
  }

  test('the same tree gives byte-identical tars (SOURCE_DATE_EPOCH set)', async () => {
    const empty = temp();
    const t1 = temp();
    const t2 = temp();
    tree(t1, 1_600_000_000.25);
    tree(t2, 1_700_000_000.5);
    const opts: LayerTarOptions = { sourceDateEpoch: 1_500_000_000, timestamps: 'set' };
    const one = await diffTar(empty, t1, opts);
    const two = await diffTar(empty, t2, opts);
    assert.equal(one.result.diffID, two.result.diffID);
    assert.ok(one.tar.equals(two.tar));
  });

  test('headers: clamped mtimes, no owner names, long names via PAX, mode 0 kept, content intact', async () => {
    const empty = temp();
    const t = temp();
    tree(t, 1_600_000_000.75);
    const { tar } = await diffTar(empty, t, { sourceDateEpoch: 1_650_000_000 });
    const entries = await readTar(tar);
    assert.deepEqual(
      entries.map((e) => e.header.name),
      ['etc/', 'etc/big', 'etc/deep/', `etc/deep/${'x'.repeat(120)}`, 'etc/hosts', 'etc/hosts.link', ...(isRoot ? ['etc/zero-mode'] : [])],
    );
    for (const e of entries) {
      assert.equal(e.header.mtime.getTime(), 1_600_000_000_000, e.header.name); // older than the epoch: kept, whole seconds
      assert.equal(e.header.uname, '');
      assert.equal(e.header.gname, '');
    }
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    if (isRoot) assert.equal(byName.get('etc/zero-mode')!.header.mode & 0o7777, 0);
    assert.equal(byName.get('etc/hosts.link')!.header.linkname, 'hosts');
    assert.ok(byName.get('etc/big')!.content.equals(readFileSync(join(t, 'etc/big'))));
    assert.equal(byName.get(`etc/deep/${'x'.repeat(120)}`)!.content.toString(), 'long name\n');
    // Newer than the epoch: clamped.
    const clamped = await readTar((await diffTar(empty, t, { sourceDateEpoch: 1_000 })).tar);
    assert.ok(clamped.every((e) => e.header.mtime.getTime() === 1_000_000));
  });

  test('a file that shrinks while being written fails with LAYER_SOURCE_CHANGED', async () => {
    const empty = temp();
    const t = temp();
    writeFileSync(join(t, 'f'), 'long content');
    const changes = await diffTrees(empty, t);
    writeFileSync(join(t, 'f'), 'short');
    const { sink } = memorySink();
    await assert.rejects(writeLayerTar(t, changes, sink), { code: 'LAYER_SOURCE_CHANGED' });
  });

  test('a failing sink fails the writer with the sink error', async () => {
    const empty = temp();
    const t = temp();
    for (let i = 0; i < 20; i++) writeFileSync(join(t, `f${i}`), Buffer.alloc(100_000, i));
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
      },
    });
    await assert.rejects(writeLayerTar(t, await diffTrees(empty, t), sink), { code: 'ENOSPC' });
  });

  test('a source file that cannot be read fails with LAYER_IO naming it', async () => {
    const empty = temp();
    const t = temp();
    writeFileSync(join(t, 'vanished'), 'x');
    const changes = await diffTrees(empty, t);
    rmSync(join(t, 'vanished'));
    const { sink } = memorySink();
    await assert.rejects(writeLayerTar(t, changes, sink), { code: 'LAYER_IO', message: /vanished/ });
  });

  test('uids above the USTAR range go into PAX records', async () => {
    const empty = temp();
    const t = temp();
    writeFileSync(join(t, 'f'), 'x');
    const changes = await diffTrees(empty, t);
    const c = changes[0]!;
    assert.ok(c.kind === 'add');
    c.meta = { ...c.meta, uid: 5_000_000, gid: 300_000 };
    const { sink, bytes } = memorySink();
    await writeLayerTar(t, changes, sink);
    const [e] = await readTar(bytes());
    assert.equal(e!.header.name, 'f');
    assert.deepEqual(e!.header.pax, { path: 'f', uid: '5000000', gid: '300000' });
  });

  test('reused body buffers (a file sink): the same bytes as fresh ones, with big, small and many bodies, and a slow sink', async () => {
    const empty = temp();
    const t = temp();
    // More bodies than the pool holds, bodies over one buffer (several chunks), empty and tiny ones, each
    // with its own content so a buffer given back too early shows as wrong bytes.
    for (let i = 0; i < 30; i++) writeFileSync(join(t, `f${i}`), Buffer.alloc(i % 3 === 0 ? 400_000 + i : i * 37, i + 1));
    writeFileSync(join(t, 'big'), Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 7919) % 251)));
    writeFileSync(join(t, 'empty'), '');
    const changes = await diffTrees(empty, t);
    const fresh = memorySink();
    const want = await writeLayerTar(t, changes, fresh.sink);
    for (const delay of [0, 3]) {
      const file = join(temp(), 'layer.tar');
      // A file stream (done with a chunk once written), once slowed so chunks queue behind each write.
      const sink = createWriteStream(file, { highWaterMark: 1 << 20 });
      if (delay) {
        const write = sink._write.bind(sink);
        sink._write = (chunk, enc, cb) => void setTimeout(() => write(chunk, enc, cb), delay);
        sink._writev = undefined;
      }
      const closed = new Promise<void>((resolve) => sink.once('close', () => resolve()));
      const got = await writeLayerTar(t, changes, sink, { reuseBuffers: true });
      await closed;
      assert.equal(got.diffID, want.diffID, `delay ${delay}`);
      assert.equal(got.size, want.size);
      assert.ok(readFileSync(file).equals(fresh.bytes()), 'the file holds exactly the tar');
    }
  });

  test('reused body buffers: a failing sink fails the writer with the sink error', async () => {
    const empty = temp();
    const t = temp();
    for (let i = 0; i < 20; i++) writeFileSync(join(t, `f${i}`), Buffer.alloc(100_000, i));
    let n = 0;
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(++n > 3 ? Object.assign(new Error('disk full'), { code: 'ENOSPC' }) : null);
      },
    });
    await assert.rejects(writeLayerTar(t, await diffTrees(empty, t), sink, { reuseBuffers: true }), { code: 'ENOSPC' });
  });
});
