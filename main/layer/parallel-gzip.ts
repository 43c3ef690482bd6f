import { promisify } from 'node:util';
import { constants as zc, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

const deflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(deflateRaw);

/** PGZIP_BLOCK is the size of the blocks compressed side by side. Part of the format: the same input
 * gives the same bytes only with the same block size, so it never changes (see PGZIP_FORMAT). */
export const PGZIP_BLOCK = 1 << 20;
/** PGZIP_FORMAT names this way of compressing in twin records (store/layer-twins.ts): a gzip twin made
 * another way is made again, so that what a push sends never depends on a store's history. */
export const PGZIP_FORMAT = 'pgzip-1m-v1';
const WINDOW = 32 * 1024;
// What zlib's own gzip writes: no name, no mtime, OS 3 (Unix); level 6 sets no extra flags.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

export interface ParallelGzipOptions {
  level: number;
  memLevel: number;
  /** Blocks compressing at once (zlib's thread pool runs them on as many cores). */
  inFlight?: number;
  /** Only for tests: other block sizes give other (equally valid) bytes. */
  block?: number;
}

/** parallelGzip compresses a byte stream as pigz does, deterministically: the input is cut into fixed
 * blocks, each raw-deflated on its own (in parallel) with the previous 32 KiB as its preset dictionary and
 * ended by a sync flush (the last one by a finish), and the pieces make one deflate stream in one gzip
 * member that any gunzip reads. Compression is within a fraction of a percent of one stream's; an input
 * of one block or less gives exactly zlib.gzipSync's bytes. */
export async function* parallelGzip(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, o: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const blockSize = o.block ?? PGZIP_BLOCK;
  const inFlight = Math.max(1, o.inFlight ?? 3);
  const pending: Promise<Buffer>[] = [];
  let crc = 0;
  let size = 0;
  let tail: Buffer = Buffer.alloc(0); // the last WINDOW bytes before the next block
  let held: Buffer | null = null; // a full block, started once it is known whether more input follows
  let block = Buffer.allocUnsafe(blockSize);
  let fill = 0;

  const start = (data: Buffer, last: boolean) => {
    crc = crc32(data, crc);
    size += data.length;
    const opts: ZlibOptions = { level: o.level, memLevel: o.memLevel, chunkSize: 256 * 1024, ...(tail.length ? { dictionary: tail } : {}), ...(last ? {} : { finishFlush: zc.Z_SYNC_FLUSH }) };
    pending.push(deflateRawAsync(data, opts));
    tail = data.length >= WINDOW ? data.subarray(data.length - WINDOW) : Buffer.concat([tail, data]).subarray(-WINDOW);
  };

  yield HEADER;
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.length) {
      if (held) {
        start(held, false);
        held = null;
        while (pending.length >= inFlight) yield await pending.shift()!;
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
  if (held) start(held, fill === 0);
  if (fill > 0 || size === 0) start(block.subarray(0, fill), true);
  while (pending.length) yield await pending.shift()!;
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  yield trailer;
}
