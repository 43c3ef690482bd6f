// Test support for the layer suites (continuity's fs/fstest, in TypeScript): filesystem ops from the
// conformance vectors, tree copies, tree manifests and tar readers. Not used by the engine.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { compareNames } from './paths.ts';

/** One filesystem operation of the conformance vectors (continuity fstest appliers). */
export interface FsOp {
  op: 'createDir' | 'createFile' | 'remove' | 'removeAll' | 'chmod' | 'link' | 'symlink' | 'rename' | 'createSocket';
  path?: string;
  mode?: string;
  content?: string;
  target?: string;
  from?: string;
  to?: string;
}

const at = (root: string, p: string | undefined) => join(root, p ?? '');
const mode = (m: string | undefined) => parseInt(m ?? '0', 8);

/** applyOps runs fstest operations on a tree, as continuity's appliers do (mkdir -p 0755 then chmod, …). */
export async function applyOps(root: string, ops: FsOp[]): Promise<void> {
  for (const o of ops) {
    const p = at(root, o.path);
    switch (o.op) {
      case 'createDir':
        mkdirSync(p, { recursive: true, mode: 0o755 });
        chmodSync(p, mode(o.mode));
        break;
      case 'createFile':
        writeFileSync(p, Buffer.from(o.content ?? '', 'latin1'));
        chmodSync(p, mode(o.mode));
        break;
      case 'remove':
        if (lstatSync(p).isDirectory()) rmdirSync(p);
        else unlinkSync(p);
        break;
      case 'removeAll':
        rmSync(p, { recursive: true, force: true });
        break;
      case 'chmod':
        chmodSync(p, mode(o.mode));
        break;
      case 'link':
        linkSync(at(root, o.target), p);
        break;
      case 'symlink':
        symlinkSync(o.target ?? '', p);
        break;
      case 'rename':
        renameSync(at(root, o.from), at(root, o.to));
        break;
      case 'createSocket':
        await createSocket(p);
        chmodSync(p, mode(o.mode));
        break;
    }
  }
}

/** createSocket leaves a unix socket file at p (Node unlinks its own on close, so a hard link survives it). */
async function createSocket(p: string): Promise<void> {
  const tmp = join(tmpdir(), `strata-sock-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(tmp, resolve).once('error', reject));
  linkSync(tmp, p);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** tempDir makes a fresh directory under the OS temp dir. */
export function tempDir(prefix = 'strata-layer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** copyTree copies src's contents into dst with `cp -a` (modes, owners, nanosecond mtimes, hard links). */
export function copyTree(src: string, dst: string): void {
  const r = spawnSync('cp', ['-a', `${src}/.`, dst], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${src} ${dst}: ${r.stderr}`);
}

/** A tree as continuity's manifest compares it: paths, types, modes, owners, content, link targets, link groups. */
export interface ManifestEntry {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  digest?: string;
  target?: string;
  links?: string[];
}

/** treeManifest lists every entry below root (root itself excluded), sorted, hard links grouped by inode. */
export function treeManifest(root: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const byInode = new Map<string, string[]>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort(compareNames)) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      const e: ManifestEntry = { path, type: kind(st), mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid };
      if (st.isFile()) e.digest = createHash('sha256').update(readFileSync(abs)).digest('hex');
      if (st.isSymbolicLink()) e.target = readlinkSync(abs);
      if (!st.isDirectory() && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const group = byInode.get(key) ?? [];
        group.push(path);
        byInode.set(key, group);
        e.links = group; // shared array: every member ends up listing the whole group
      }
      out.push(e);
      if (st.isDirectory()) walk(abs, path);
    }
  };
  walk(root, '');
  // nlink counts links outside the tree too; a group of one is no group.
  return out.map((e) => (e.links && e.links.length < 2 ? { ...e, links: undefined } : e)).map((e) => JSON.parse(JSON.stringify(e)) as ManifestEntry);
}

function kind(st: ReturnType<typeof lstatSync>): string {
  if (!st) return 'missing';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return st.isCharacterDevice() ? 'char' : 'block';
}

/** A tar entry as read back: the header and its content. */
export interface ReadEntry {
  header: tar.Header;
  content: Buffer;
}

/** readTar lists a tar's entries in order, with their contents (test-sized archives only). */
export async function readTar(data: Buffer | AsyncIterable<Uint8Array>): Promise<ReadEntry[]> {
  const extract = tar.extract();
  const out: ReadEntry[] = [];
  const source = Buffer.isBuffer(data) ? Readable.from([data]) : Readable.from(data);
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ header: entry.header, content: Buffer.concat(chunks) });
  }
  return out;
}

/** packTar writes entries into an in-memory tar, for hand-made test layers. */
export async function packTar(entries: { header: Partial<tar.Header> & { name: string }; content?: string | Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const { header, content } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content === undefined) pack.entry(header, cb);
      else pack.entry(header, content, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
