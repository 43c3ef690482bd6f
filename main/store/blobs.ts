import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readFile, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createDigester, digestAlgorithm, digestHex, parseDigest, type Digest } from '../oci/digest.ts';
import { tempName } from '../util/fs-atomic.ts';
import { StoreError } from './errors.ts';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface WriteExpectation {
  digest?: Digest;
  size?: number;
}

/** BlobStore is the content-addressed part of an OCI image layout (image-layout.md#blobs).
 * Writes stream to a temp file while hashing, are checked, then renamed: an interrupted write is never visible. */
export class BlobStore {
  readonly root: string;
  readonly tmpDir: string;
  constructor(layoutRoot: string, tmpDir: string) {
    this.root = join(layoutRoot, 'blobs');
    this.tmpDir = tmpDir;
  }

  /** path is where a blob lives (it may not exist). */
  path(digest: Digest): string {
    return join(this.root, digestAlgorithm(digest), digestHex(digest));
  }

  /** has says whether the blob is stored. Only writers ask (before relying on a blob they did not write), so
   * it also marks the blob as used now (mtime): gc keeps blobs used under a live lease (reliability, issue 7). */
  async has(digest: Digest): Promise<boolean> {
    const p = this.path(digest);
    const now = new Date();
    try {
      await utimes(p, now, now);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    }
    try {
      await stat(p); // a read-only store: cannot mark, can still answer
      return true;
    } catch {
      return false;
    }
  }

  /** size is the stored blob's size, or BLOB_UNKNOWN. */
  async size(digest: Digest): Promise<number> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      throw new StoreError('BLOB_UNKNOWN', `blob ${digest} is not in the store`, { digest });
    }
  }

  /** read loads a small blob (manifest, config) into memory. */
  async read(digest: Digest): Promise<Uint8Array> {
    try {
      return await readFile(this.path(digest));
    } catch {
      throw new StoreError('BLOB_UNKNOWN', `blob ${digest} is not in the store`, { digest });
    }
  }

  /** open streams a blob, optionally from an offset. */
  open(digest: Digest, start = 0): Readable {
    return createReadStream(this.path(digest), { start, highWaterMark: 1 << 20 });
  }

  /** put stores bytes already in memory. */
  async put(data: Uint8Array, expect: WriteExpectation = {}): Promise<BlobInfo> {
    // Small and in memory: hash first, so a blob already stored (a rebuild's unchanged config and
    // manifest) is only marked as used, not written and synced again.
    if (!expect.digest) {
      const digester = createDigester('sha256');
      digester.update(data);
      return this.write([data], { ...expect, digest: digester.digest() });
    }
    return this.write([data], expect);
  }

  /** write streams chunks into the store: hash while writing, check digest and size, rename into place. */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expect: WriteExpectation = {}): Promise<BlobInfo> {
    if (expect.digest && (await this.has(expect.digest))) {
      // Content-addressed: a blob that exists is not written again. Drain nothing; caller owns the source.
      const size = await this.size(expect.digest);
      // The stored bytes are the digest's; a descriptor claiming another size is lying (issue 7: a hostile
      // manifest got tagged with a petabyte "size" for a blob the store already had).
      if (expect.size !== undefined && size !== expect.size) {
        throw new StoreError('BLOB_SIZE_MISMATCH', `blob ${expect.digest} has ${size} bytes, expected ${expect.size}`, { expected: expect.size, actual: size, digest: expect.digest });
      }
      return { digest: expect.digest, size };
    }
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = tempName(this.tmpDir, 'blob');
    const algorithm = expect.digest ? digestAlgorithm(expect.digest) : 'sha256';
    const digester = createDigester(algorithm);
    let size = 0;
    const fh = await open(tmp, 'w', 0o644);
    try {
      try {
        for await (const chunk of source) {
          digester.update(chunk);
          size += chunk.byteLength;
          if (expect.size !== undefined && size > expect.size) {
            throw new StoreError('BLOB_SIZE_MISMATCH', `blob is larger than the ${expect.size} bytes expected`, { expected: expect.size, digest: expect.digest });
          }
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const digest = digester.digest();
      if (expect.size !== undefined && size !== expect.size) {
        throw new StoreError('BLOB_SIZE_MISMATCH', `blob has ${size} bytes, expected ${expect.size}`, { expected: expect.size, actual: size, digest: expect.digest });
      }
      if (expect.digest && digest !== expect.digest) {
        throw new StoreError('BLOB_DIGEST_MISMATCH', `blob content hashes to ${digest}, expected ${expect.digest}`, { expected: expect.digest, actual: digest });
      }
      const dest = this.path(digest);
      await mkdir(join(this.root, algorithm), { recursive: true });
      await rename(tmp, dest);
      return { digest, size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw noSpace(e, this.root);
    }
  }

  /** writeHashed stores a blob whose producer hashes every byte it writes itself (a layer tar writer: the
   * tar's sha256 is its diffID), so the store does not hash the same bytes again. `produce` writes into the
   * sink, ends it, waits for it to finish, and returns the digest; the file is synced and renamed into place. */
  async writeHashed(produce: (sink: Writable) => Promise<Digest>): Promise<BlobInfo> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = tempName(this.tmpDir, 'blob');
    try {
      // Chunks that queue while a write is in flight go out as one writev: a tar's 512-byte headers and
      // paddings do not each cost a system call. flush: the file is fsynced before it closes.
      const sink = createWriteStream(tmp, { mode: 0o644, highWaterMark: 1 << 20, flush: true });
      const closed = new Promise<void>((resolve) => sink.once('close', () => resolve()));
      sink.on('error', () => {}); // reported below, before the producer's own error (a full disk says so)
      let digest: Digest;
      try {
        digest = await produce(sink);
      } catch (e) {
        sink.destroy();
        await closed;
        throw sink.errored ?? e;
      }
      if (!sink.writableFinished) {
        sink.destroy();
        await closed;
        throw new StoreError('BLOB_SIZE_MISMATCH', `blob ${digest} was returned before all its bytes were written`, { digest });
      }
      await closed; // the fsync and close after the last write
      if (sink.errored) throw sink.errored;
      const size = sink.bytesWritten;
      if (await this.has(digest)) {
        await rm(tmp, { force: true });
      } else {
        await mkdir(join(this.root, digestAlgorithm(digest)), { recursive: true });
        await rename(tmp, this.path(digest));
      }
      return { digest, size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw noSpace(e, this.root);
    }
  }

  /** importFile moves or links an existing file (already verified by the caller) into the store. */
  async adoptFile(file: string, info: BlobInfo, mode: 'link' | 'move'): Promise<void> {
    if (await this.has(info.digest)) return;
    await mkdir(join(this.root, digestAlgorithm(info.digest)), { recursive: true });
    if (mode === 'move') await rename(file, this.path(info.digest));
    else await link(file, this.path(info.digest));
  }

  /** delete removes a blob (used by garbage collection only). */
  async delete(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** list yields every stored blob digest. */
  async *list(): AsyncGenerator<Digest> {
    let algs: string[] = [];
    try {
      algs = await readdir(this.root);
    } catch {
      return;
    }
    for (const alg of algs) {
      for (const hex of await readdir(join(this.root, alg))) {
        try {
          yield parseDigest(`${alg}:${hex}`);
        } catch {
          // Not a blob name (a stray file): fsck reports those, listing skips them.
        }
      }
    }
  }
}

/** noSpace names a full disk as such (ENOSPC, possibly as the cause of another error); other errors pass. */
function noSpace(e: unknown, root: string): unknown {
  const code = (e as NodeJS.ErrnoException).code ?? ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return new StoreError('NO_SPACE', `no space left on the device holding the store (${root})`, {}, { cause: e });
  return e;
}
