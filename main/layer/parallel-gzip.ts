import { open } from 'node:fs/promises';
import { constants as zc, crc32, createDeflateRaw, type ZlibOptions } from 'node:zlib';

/** deflateBlock raw-deflates one block on zlib's thread pool and gives its output as zlib wrote it, in
 * pieces: zlib.deflateRaw would join them into one more copy of every byte. */
function deflateBlock(data: Buffer, opts: ZlibOptions): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    const z = createDeflateRaw(opts);
    z.on('data', (b: Buffer) => pieces.push(b));
    z.on('error', reject);
    z.on('end', () => resolve(pieces));
    z.end(data);
  });
}

/** PGZIP_BLOCK is the size of the blocks compressed side by side. Part of the format: the same input
 * gives the same bytes only with the same block size, so it never changes (see PGZIP_FORMAT). */
export const PGZIP_BLOCK = 1 << 20;
/** PGZIP_FORMAT names this way of compressing in twin records (store/layer-twins.ts): a gzip twin made
 * another way is made again, so that what a push sends never depends on a store's history. */
export const PGZIP_FORMAT = 'pgzip-1m-v1';
const WINDOW = 32 * 1024;
// What zlib's own gzip writes: no name, no mtime, OS 3 (Unix); levels 2 to 8 set no extra flags.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

export interface ParallelGzipOptions {
  level: number;
  memLevel: number;
  /** Blocks compressing at once (zlib's thread pool runs them on as many cores). */
  inFlight?: number;
  /** Only for tests: other block sizes give other (equally valid) bytes. */
  block?: number;
}

/** blockDeflater holds what the blocks of one gzip member share: the running crc and size, the window the
 * next block takes as its dictionary, and the blocks compressing in order. */
function blockDeflater(o: ParallelGzipOptions) {
  const pending: Promise<Buffer[]>[] = [];
  let crc = 0;
  let size = 0;
  let tail: Buffer = Buffer.alloc(0); // the last WINDOW bytes before the next block
  return {
    pending,
    /** start compresses a block; zlib copies the dictionary at once, so only the block itself must stay
     * untouched until its output is taken. */
    start(data: Buffer, last: boolean): void {
      crc = crc32(data, crc);
      size += data.length;
      const opts: ZlibOptions = { level: o.level, memLevel: o.memLevel, chunkSize: 256 * 1024, ...(tail.length ? { dictionary: tail } : {}), ...(last ? {} : { finishFlush: zc.Z_SYNC_FLUSH }) };
      pending.push(deflateBlock(data, opts));
      tail = data.length >= WINDOW ? data.subarray(data.length - WINDOW) : Buffer.concat([tail, data]).subarray(-WINDOW);
    },
    trailer(): Buffer {
      const t = Buffer.allocUnsafe(8);
      t.writeUInt32LE(crc >>> 0, 0);
      t.writeUInt32LE(size % 2 ** 32, 4);
      return t;
    },
  };
}

/** parallelGzip compresses a byte stream as pigz does, deterministically: the input is cut into fixed
 * blocks, each raw-deflated on its own (in parallel) with the previous 32 KiB as its preset dictionary and
 * ended by a sync flush (the last one by a finish), and the pieces make one deflate stream in one gzip
 * member that any gunzip reads. Compression is within a fraction of a percent of one stream's; an input
 * of one block or less gives exactly zlib.gzipSync's bytes. Twins are made by parallelGzipFile (the same
 * bytes, read from the layer file); this streaming form is the reference its tests compare against. */
export async function* parallelGzip(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, o: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const blockSize = o.block ?? PGZIP_BLOCK;
  const inFlight = Math.max(1, o.inFlight ?? 3);
  const d = blockDeflater(o);
  let held: Buffer | null = null; // a full block, started once it is known whether more input follows
  let block = Buffer.allocUnsafe(blockSize);
  let fill = 0;
  let any = false;

  yield HEADER;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      any = true;
      if (held) {
        d.start(held, false);
        held = null;
        while (d.pending.length >= inFlight) yield* await d.pending.shift()!;
      }
      const n = Math.min(blockSize - fill, chunk.length - off);
      block.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === blockSize) {
        held = block;
        block = Buffer.allocUnsafe(blockSize);
        fill = 0;
      }
    }
  }
  if (held) d.start(held, fill === 0);
  if (fill > 0 || !any) d.start(block.subarray(0, fill), true);
  while (d.pending.length) yield* await d.pending.shift()!;
  yield d.trailer();
}

/** parallelGzipFile is parallelGzip of a file's bytes, read block by block into a few buffers used over
 * and over (fresh memory for every block costs page faults that, on a small VM, rival the reading itself).
 * onBytes reports the bytes read so far. */
export async function* parallelGzipFile(file: string, o: ParallelGzipOptions, onBytes?: (done: number) => void): AsyncGenerator<Buffer> {
  const blockSize = o.block ?? PGZIP_BLOCK;
  const inFlight = Math.max(1, o.inFlight ?? 3);
  const d = blockDeflater(o);
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const blocks = Math.max(1, Math.ceil(size / blockSize));
    // Block k reads into buffer k mod (inFlight + 1): before it is read, at most inFlight - 1 blocks are
    // still compressing, so the one that used that buffer last (k - inFlight - 1) is done; the block before
    // it (whose tail is k's dictionary) was started, so zlib has its own copy of that tail.
    const pool = Array.from({ length: Math.min(blocks, inFlight + 1) }, () => Buffer.allocUnsafe(Math.min(blockSize, size)));
    yield HEADER;
    let read = 0;
    for (let k = 0; k < blocks; k++) {
      while (d.pending.length >= inFlight) yield* await d.pending.shift()!;
      const buf = pool[k % pool.length]!;
      const want = Math.min(blockSize, size - read);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, read + got);
        if (bytesRead === 0) throw Object.assign(new Error(`${file} ended at ${read + got} of its ${size} bytes while it was compressed`), { code: 'ERR_FILE_CHANGED' });
        got += bytesRead;
      }
      read += got;
      onBytes?.(read);
      d.start(buf.subarray(0, got), k === blocks - 1);
    }
    while (d.pending.length) yield* await d.pending.shift()!;
    yield d.trailer();
  } finally {
    await fh.close();
  }
}
