import { lstatSync, type BigIntStats } from 'node:fs';

/** The kinds of filesystem object a layer can carry (sockets are seen but never written). */
export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** FileMeta is what the diff compares and the tar writer records, read with one lstat (nanosecond times). */
export interface FileMeta {
  type: FileType;
  /** Permission bits plus setuid, setgid and sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeSec: number;
  mtimeNsec: number;
  ctimeNs: bigint;
  dev: bigint;
  ino: bigint;
  nlink: number;
  devMajor: number;
  devMinor: number;
}

const NS = 1_000_000_000n;

function typeOf(st: BigIntStats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** metaFromStats converts bigint lstat results; device numbers are split the way glibc's major()/minor() do. */
export function metaFromStats(st: BigIntStats): FileMeta {
  let sec = st.mtimeNs / NS;
  let nsec = st.mtimeNs % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  const rdev = st.rdev;
  return {
    type: typeOf(st),
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeSec: Number(sec),
    mtimeNsec: Number(nsec),
    ctimeNs: st.ctimeNs,
    dev: st.dev,
    ino: st.ino,
    nlink: Number(st.nlink),
    devMajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    devMinor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

/** readMeta lstats a path; undefined when it does not exist (it may vanish while a tree is walked). */
export function readMeta(abs: string): FileMeta | undefined {
  const st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  return st ? metaFromStats(st) : undefined;
}
