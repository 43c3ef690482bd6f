import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, openSync, readSync, closeSync, utimesSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { applyLayer } from '../layer/apply.ts';
import { cleanEntryPath } from '../layer/paths.ts';
import { createDigester } from '../oci/digest.ts';
import { secureJoin } from '../util/secure-join.ts';
import { BuildError } from './errors.ts';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz' | null;

/** archiveKind tells a local ADD source that docker would unpack (tar, optionally gzip/bzip2/xz) by its bytes. */
export function archiveKind(file: string): ArchiveKind {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(512);
  const n = readSync(fd, b, 0, 512, 0);
  closeSync(fd);
  if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (n >= 3 && b.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (n >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (n >= 262 && b.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return null;
}

function decompressed(file: string, kind: Exclude<ArchiveKind, null>): Readable {
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  if (kind === 'tar') return src;
  if (kind === 'gzip') return src.pipe(createGunzip());
  const tool = kind === 'bzip2' ? 'bzip2' : 'xz';
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  src.pipe(child.stdin);
  child.on('error', () => child.stdout.destroy(new BuildError('BUILD_INVALID', `ADD of a ${kind} archive needs the ${tool} tool on this machine`)));
  return child.stdout;
}

/** extractInto unpacks a local archive into dir inside rootfs (ADD's auto-extraction), safely (no path leaves
 * the root), and returns the rootfs-relative paths it wrote. */
export async function extractInto(rootfs: string, file: string, kind: Exclude<ArchiveKind, null>, destDir: string): Promise<string[]> {
  const target = secureJoin(rootfs, destDir);
  await mkdir(target, { recursive: true });
  // First pass: the entry names (for the layer); second: the extraction itself.
  const names: string[] = [];
  const extract = tar.extract();
  const listing = (async () => {
    for await (const e of extract) {
      const rel = cleanEntryPath(e.header.name);
      if (rel) names.push(rel);
      e.resume();
    }
  })();
  await Promise.all([pipeline(decompressed(file, kind), extract), listing]);
  await applyLayer(target, decompressed(file, kind), { compression: 'none', preserveOwnership: process.getuid?.() === 0, keepSetid: true });
  const base = posix.relative(rootfs, target);
  const out = new Set<string>();
  for (const n of names) {
    const parts = n.split('/');
    for (let i = 1; i <= parts.length; i++) out.add(posix.join(base, ...parts.slice(0, i)));
  }
  return [...out];
}

/** download fetches an ADD URL into dir (file mode 0600, mtime from Last-Modified, as docker does) and
 * returns the file and its sha256; a --checksum that does not match is an error. */
export async function download(url: string, dir: string, expected: string | undefined, where: string, signal?: AbortSignal): Promise<{ file: string; name: string; sha256: string }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw new BuildError('BUILD_CANCELLED', 'build cancelled');
    throw new BuildError('BUILD_SOURCE_NOT_FOUND', `${where}: ADD ${url}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new BuildError('BUILD_SOURCE_NOT_FOUND', `${where}: ADD ${url}: the server answered ${res.status} ${res.statusText}`);
  const name = posix.basename(new URL(url).pathname) || 'index.html';
  await mkdir(dir, { recursive: true });
  const file = join(dir, name);
  const h = createDigester();
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    async function* (src: AsyncIterable<Uint8Array>) {
      for await (const c of src) {
        h.update(c);
        yield c;
      }
    },
    createWriteStream(file, { mode: 0o600 }),
    ...(signal ? [{ signal }] : []),
  ).catch((e) => {
    // A cancelled build (or a failed sibling stage) stops the download instead of waiting for it.
    if (signal?.aborted) throw new BuildError('BUILD_CANCELLED', 'build cancelled');
    throw e;
  });
  const sha256 = h.digest();
  if (expected && expected !== sha256) throw new BuildError('BUILD_INVALID', `${where}: ADD ${url}: content has digest ${sha256}, --checksum wants ${expected}`);
  const lm = res.headers.get('last-modified');
  if (lm && !Number.isNaN(Date.parse(lm))) utimesSync(file, new Date(Date.parse(lm)), new Date(Date.parse(lm)));
  return { file, name, sha256 };
}
