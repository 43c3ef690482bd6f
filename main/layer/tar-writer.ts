import { closeSync, constants as fsc, openSync, readSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createDigester, type Digest } from '../oci/digest.ts';
import { createPauser } from './cooperate.ts';
import type { Change } from './diff.ts';
import { LayerError } from './errors.ts';
import { readMeta, type FileMeta } from './file-meta.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX, splitRel } from './paths.ts';


export interface LayerTarOptions {
  /** SOURCE_DATE_EPOCH (Unix seconds) for reproducible layers; see `timestamps`. */
  sourceDateEpoch?: number;
  /** 'clamp' (default): mtimes newer than sourceDateEpoch become it, older ones stay (BuildKit's
   * rewrite-timestamp). 'set': every entry gets sourceDateEpoch. */
  timestamps?: 'clamp' | 'set';
  /** Maps on-disk owners to the ids the layer records (a rootless build: the caller's uid is root inside). */
  mapIds?: (uid: number, gid: number) => { uid: number; gid: number };
  /** The sink is done with a chunk once its write callback fires (a file stream, as the store's): file
   * bodies are then read into a few buffers lent over and over instead of fresh memory for every one. */
  reuseBuffers?: boolean;
}

export interface LayerTarResult {
  /** sha256 of the uncompressed tar: the layer's diffID (image-spec config.md rootfs.diff_ids). */
  diffID: Digest;
  /** Bytes written to the sink. */
  size: number;
  /** Tar entries written, whiteouts included. */
  entries: number;
}

type EntrySink = ReturnType<tar.Pack['entry']>;
type ChangeSource = Iterable<Change> | AsyncIterable<Change>;

// 7 octal digits of USTAR numeric fields as tar-stream writes them (6 digits + space).
const USTAR_ID_MAX = 0o777777;
const USTAR_TIME_MAX = 0x7fffffff; // tar-stream truncates mtimes with `| 0`
// tar-stream replaces a falsy mode with 0644/0755; a file-type bit keeps mode 0 intact (it masks 07777).
const KEEP_MODE = 0o100000;
const SMALL_FILE = 1024 * 1024;
const PACK_BUFFER = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/** writeLayerTar streams `changes` (read from `root`, the upper tree) into `sink` as an uncompressed OCI
 * layer and returns its diffID, hashed while streaming. Parent directories of every entry are written
 * first (once), deletions become `.wh.NAME`, opaque directories get `.wh..wh..opq` right after their own
 * entry. Headers carry mode, uid and gid, mtime in whole seconds, no atime/ctime, empty uname/gname and
 * PAX records only where USTAR cannot hold a value, so one tree always gives the same bytes.
 * image-spec layer.md "Changesets", "Whiteouts". */
export async function writeLayerTar(
  root: string,
  changes: ChangeSource,
  sink: Writable,
  opts: LayerTarOptions = {},
): Promise<LayerTarResult> {
  // A 1 MB pack buffer (16 KB by default) lets file bodies in without a round trip to the reader after
  // each one. (Copying headers and bodies into 1 MB chunks here measured slower: the sink joins them anyway.)
  const pack = tar.pack({ highWaterMark: PACK_BUFFER });
  const digester = createDigester('sha256');
  let size = 0;
  const hash = (chunk: Buffer) => {
    digester.update(chunk);
    size += chunk.length;
  };
  const pool = opts.reuseBuffers ? new BodyPool() : null;
  const piping = pool
    ? pipeline(pack, lendingSink(sink, hash, (chunk) => pool.returned(chunk)))
    : pipeline(
        pack,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash(chunk);
            cb(null, chunk);
          },
        }),
        sink,
      );
  piping.catch(() => {}); // surfaced below; avoids an unhandled rejection while we are still producing
  const writer = new EntryWriter(root, pack, opts, pool);
  try {
    for await (const change of changes) await writer.write(change);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    // A failing sink shows up here as "entry destroyed": report the sink's own error instead.
    const cause = await piping.then(
      () => undefined,
      (e: unknown) => e,
    );
    throw err instanceof LayerError || cause === undefined ? err : cause;
  }
  await piping;
  return { diffID: digester.digest(), size, entries: writer.entries };
}

class EntryWriter {
  entries = 0;
  private readonly dirsWritten = new Set<string>();
  private readonly pause = createPauser();

  constructor(
    private readonly root: string,
    private readonly pack: tar.Pack,
    private readonly opts: LayerTarOptions,
    private readonly pool: BodyPool | null,
  ) {}

  async write(change: Change): Promise<void> {
    const p = this.pause();
    if (p) await p;
    if (change.kind === 'delete') {
      const [parent, name] = splitRel(change.path);
      await this.includeParent(change.path);
      await this.whiteout(parent === '' ? WHITEOUT_PREFIX + name : `${parent}/${WHITEOUT_PREFIX}${name}`);
      return;
    }
    const { meta, path } = change;
    if (meta.type === 'socket') return;
    await this.includeParent(path);
    await this.entry(path, meta, change.linkTo);
    if (meta.type === 'dir' && change.opaque) await this.whiteout(`${path}/${OPAQUE_WHITEOUT}`);
  }

  /** includeParent writes the unwritten ancestors of `path`, top-down (containerd includeParents). */
  private async includeParent(path: string): Promise<void> {
    const [parent] = splitRel(path);
    if (parent === '' || this.dirsWritten.has(parent)) return;
    await this.includeParent(parent);
    const meta = fsCall(parent, () => readMeta(join(this.root, parent)));
    if (meta === undefined || meta.type !== 'dir') {
      throw new LayerError('LAYER_SOURCE_CHANGED', `${parent}: parent directory vanished from ${this.root} while writing the layer`, { path: parent });
    }
    await this.entry(parent, meta, undefined);
  }

  private mtime(meta: FileMeta): number {
    const { sourceDateEpoch: epoch, timestamps = 'clamp' } = this.opts;
    if (epoch === undefined) return meta.mtimeSec;
    return timestamps === 'set' ? epoch : Math.min(meta.mtimeSec, epoch);
  }

  private async entry(path: string, meta: FileMeta, linkTo: string | undefined): Promise<void> {
    const abs = join(this.root, path);
    const ids = this.opts.mapIds ? this.opts.mapIds(meta.uid, meta.gid) : { uid: meta.uid, gid: meta.gid };
    const header: tar.Header = {
      name: meta.type === 'dir' ? `${path}/` : path,
      mode: meta.mode | KEEP_MODE,
      uid: ids.uid,
      gid: ids.gid,
      uname: '',
      gname: '',
      size: 0,
      mtime: new Date(0),
      type: 'file',
      linkname: '',
      devmajor: 0,
      devminor: 0,
    };
    const pax: Record<string, string> = {};
    setNumbers(header, pax, ids.uid, ids.gid, this.mtime(meta));
    if (linkTo !== undefined) {
      header.type = 'link';
      header.linkname = linkTo;
    } else {
      switch (meta.type) {
        case 'dir':
          header.type = 'directory';
          this.dirsWritten.add(path);
          break;
        case 'symlink':
          header.type = 'symlink';
          header.linkname = fsCall(path, () => readlinkSync(abs));
          break;
        case 'char':
        case 'block':
          header.type = meta.type === 'char' ? 'character-device' : 'block-device';
          header.devmajor = meta.devMajor;
          header.devminor = meta.devMinor;
          break;
        case 'fifo':
          header.type = 'fifo';
          break;
        default:
          header.type = 'file';
          header.size = meta.size;
      }
    }
    if (Object.keys(pax).length > 0) header.pax = pax;
    this.entries++;
    if (header.type !== 'file' || header.size === 0) {
      await this.add(header, undefined);
      return;
    }
    await this.addFile(header, abs);
  }

  private async whiteout(name: string): Promise<void> {
    this.entries++;
    // containerd writes whiteouts as empty regular files, mode 0, owner 0, mtime 0 (the Unix epoch).
    await this.add({ name, type: 'file', mode: KEEP_MODE, uid: 0, gid: 0, uname: '', gname: '', size: 0, mtime: new Date(0), linkname: '', devmajor: 0, devminor: 0 }, undefined);
  }

  private add(header: tar.Header, body: Buffer | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      // A regular file always needs a body, even an empty one, or tar-stream waits for it forever.
      const sink = body === undefined && header.type !== 'file' ? this.pack.entry(header, done) : this.pack.entry(header, body ?? EMPTY, done);
      sink.on('error', ignore); // a destroyed pack errors every sink; the callback already reports it
    });
  }

  /** bodyBuffer is where n bytes of a file body are read: lent by the pool when there is one. */
  private bodyBuffer(n: number): Buffer {
    return this.pool ? this.pool.take(n) : Buffer.allocUnsafe(n);
  }

  /** addFile streams exactly header.size bytes; a file that shrank meanwhile fails the layer. */
  private async addFile(header: tar.Header, abs: string): Promise<void> {
    const fd = fsCall(header.name, () => openSync(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW));
    try {
      const total = header.size;
      if (total <= SMALL_FILE) {
        const buf = this.bodyBuffer(total);
        if (fsCall(header.name, () => readInto(fd, buf, 0)) !== total) throw shrank(header.name);
        await this.add(header, buf);
        return;
      }
      let stream!: EntrySink;
      const entryDone = new Promise<void>((resolve, reject) => {
        stream = this.pack.entry(header, (err) => (err ? reject(err) : resolve()));
      });
      stream.on('error', ignore); // reported through entryDone
      entryDone.catch(() => {}); // awaited below; a failed read must not leave it unhandled
      let pos = 0;
      while (pos < total) {
        const buf = this.bodyBuffer(Math.min(SMALL_FILE, total - pos));
        const n = fsCall(header.name, () => readInto(fd, buf, pos));
        if (n !== buf.length) {
          stream.destroy(shrank(header.name));
          throw shrank(header.name);
        }
        pos += n;
        if (!stream.write(buf)) await drained(stream);
      }
      stream.end(null);
      await entryDone;
    } finally {
      closeSync(fd);
    }
  }
}

/** BodyPool lends the buffers file bodies are read into and takes each back once the sink has written it.
 * Fresh memory for every megabyte of a layer costs a page fault per 4 KiB, which on a small VM costs as much
 * as the read itself (50 MB of bodies: ~80 ms of faults in one build). A body (or a piece of a bigger one)
 * of POOL_MIN to SMALL_FILE bytes gets one buffer; more buffers than POOL_MAX out at once (a sink that keeps many
 * queued) are plain fresh ones. */
class BodyPool {
  private readonly free: Buffer[] = [];
  private readonly lent = new Map<ArrayBufferLike, Buffer>();

  take(n: number): Buffer {
    if (n < POOL_MIN || n > SMALL_FILE) return Buffer.allocUnsafe(n);
    let b = this.free.pop();
    if (!b) {
      if (this.lent.size >= POOL_MAX) return Buffer.allocUnsafe(n);
      b = Buffer.allocUnsafeSlow(SMALL_FILE); // its own memory: a chunk's .buffer names it
    }
    this.lent.set(b.buffer, b);
    return b.subarray(0, n);
  }

  /** returned takes a written chunk's buffer back, when it is one of the pool's. */
  returned(chunk: Buffer): void {
    const b = this.lent.get(chunk.buffer);
    if (!b) return;
    this.lent.delete(chunk.buffer);
    this.free.push(b);
  }
}
const POOL_MAX = 8;
/** Bodies under this come from Node's allocator as before: under glibc's mmap threshold (128 KiB) malloc
 * serves them from memory already mapped, and a pool buffer (1 MiB) each would run the pool dry on a layer
 * of many small files (measured: 200 bodies of 100 KB stored no faster pooled). */
const POOL_MIN = 128 * 1024;

/** lendingSink is the last stage of a layer tar whose bodies are lent: each chunk is hashed and written to
 * the sink, and given back (`returned`) once the sink's write callback says its bytes are out. The sink's
 * error fails the stage; a failing stage destroys the sink. */
function lendingSink(sink: Writable, hash: (chunk: Buffer) => void, returned: (chunk: Buffer) => void): Writable {
  const stage: Writable = new Writable({
    highWaterMark: PACK_BUFFER,
    write(chunk: Buffer, _enc, cb) {
      hash(chunk);
      const more = sink.write(chunk, (err) => {
        if (!err) returned(chunk);
      });
      if (more) cb();
      else sinkReady(sink, 'drain').then(() => cb(), cb);
    },
    final(cb) {
      sinkReady(sink, 'finish').then(() => cb(), cb);
      sink.end();
    },
    destroy(err, cb) {
      if (err && !sink.destroyed) sink.destroy(err);
      cb(err);
    },
  });
  sink.on('error', (e) => stage.destroy(e));
  return stage;
}

/** sinkReady waits for a sink's 'drain' or 'finish'; its error or close first rejects. */
function sinkReady(sink: Writable, event: 'drain' | 'finish'): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = () => {
      sink.off(event, onReady);
      sink.off('error', onError);
      sink.off('close', onClose);
    };
    const onReady = () => (off(), resolve());
    const onError = (e: Error) => (off(), reject(e));
    const onClose = () => (off(), event === 'finish' && sink.writableFinished ? resolve() : reject(sink.errored ?? new LayerError('LAYER_IO', 'layer sink closed while writing')));
    sink.on(event, onReady);
    sink.on('error', onError);
    sink.on('close', onClose);
  });
}

/** drained waits for a tar entry sink to accept more data; a destroyed pack rejects instead of hanging. */
function drained(stream: EntrySink): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = () => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
    const onDrain = () => (off(), resolve());
    const onClose = () => (off(), reject(new LayerError('LAYER_IO', 'layer tar stream closed while writing')));
    const onError = (err: Error) => (off(), reject(err));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

function ignore(): void {}

/** fsCall runs a filesystem read of the upper tree, turning its failure (EACCES, EIO…) into LAYER_IO. */
function fsCall<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LayerError) throw err;
    throw new LayerError('LAYER_IO', `${path}: ${(err as Error).message}`, { path, code: (err as NodeJS.ErrnoException).code }, { cause: err });
  }
}

function shrank(name: string): LayerError {
  return new LayerError('LAYER_SOURCE_CHANGED', `${name}: file shrank while it was being written into the layer`, { path: name });
}

function readInto(fd: number, buf: Buffer, position: number): number {
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, position + n);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/** setNumbers moves values USTAR cannot hold (as tar-stream encodes it) into PAX records. */
function setNumbers(header: tar.Header, pax: Record<string, string>, uid: number, gid: number, mtime: number): void {
  if (uid > USTAR_ID_MAX) {
    pax.uid = String(uid);
    header.uid = 0;
  }
  if (gid > USTAR_ID_MAX) {
    pax.gid = String(gid);
    header.gid = 0;
  }
  if (mtime < 0 || mtime > USTAR_TIME_MAX) {
    pax.mtime = String(mtime);
    mtime = mtime < 0 ? 0 : USTAR_TIME_MAX;
  }
  header.mtime = new Date(mtime * 1000);
}
