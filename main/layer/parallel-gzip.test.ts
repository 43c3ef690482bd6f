import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tempDir } from '../testing/temp.ts';
import { parallelGzip, parallelGzipFile, PGZIP_BLOCK } from './parallel-gzip.ts';

const OPTS = { level: 6, memLevel: 9 };

async function pgzip(data: Buffer, chunk: number, o: { block?: number; inFlight?: number } = {}): Promise<Buffer> {
  async function* pieces() {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  }
  const out: Buffer[] = [];
  for await (const b of parallelGzip(pieces(), { ...OPTS, ...o })) out.push(b);
  return Buffer.concat(out);
}

/** A layer-like input: incompressible runs and text that refers back across block boundaries. */
function layerLike(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const p = i % 2 ? randomBytes(50_000) : Buffer.from(Array.from({ length: 4000 }, (_, j) => `${i * 10000 + j}\n`).join(''));
    parts.push(p);
    n += p.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('parallel gzip', () => {
  for (const [name, size] of [['empty', 0], ['one byte', 1], ['just under the window', 32 * 1024 - 1], ['one block', PGZIP_BLOCK], ['a block and a byte', PGZIP_BLOCK + 1], ['3.5 blocks', Math.floor(3.5 * PGZIP_BLOCK)]] as const) {
    test(`${name} (${size} bytes): gunzip gives the input back; the bytes do not depend on how the input is cut or how many blocks run at once`, async () => {
      const data = layerLike(size);
      const a = await pgzip(data, 7919);
      const b = await pgzip(data, 1 << 20, { inFlight: 1 });
      const c = await pgzip(data, Math.max(1, size), { inFlight: 8 });
      assert.equal(sha(a), sha(b));
      assert.equal(sha(a), sha(c));
      assert.ok(gunzipSync(a).equals(data));
      if (size <= PGZIP_BLOCK) assert.ok(a.equals(gzipSync(data, OPTS)), 'one block is exactly zlib gzip');
    });
  }

  test('many small blocks: back-references across blocks decode, the system gzip reads it, and it compresses like one stream', async () => {
    const data = layerLike(2_000_000);
    const out = await pgzip(data, 65_536, { block: 64 * 1024 });
    assert.ok(gunzipSync(out).equals(data));
    const t = tempDir();
    try {
      const file = join(t.path, 'x.gz');
      writeFileSync(file, out);
      const r = spawnSync('gzip', ['-dc', file], { maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, String(r.stderr));
      assert.equal(sha(r.stdout), sha(data));
    } finally {
      t.cleanup();
    }
    const single = gzipSync(data, OPTS).length;
    assert.ok(out.length < single * 1.02, `${out.length} bytes vs ${single} for one stream`);
  });

  test('a fixed input gives fixed bytes (the format never changes under a layer digest)', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `line ${i} ${(i * 7919) % 1000}\n`).join(''));
    assert.ok(data.length > 2 * PGZIP_BLOCK);
    const out = await pgzip(data, 100_000);
    assert.ok(gunzipSync(out).equals(data));
    assert.equal(sha(out), GOLDEN);
  });
});

describe('parallel gzip of a file (blocks read into reused buffers)', () => {
  async function fileGzip(file: string, o: { block?: number; inFlight?: number; level?: number } = {}, onBytes?: (n: number) => void): Promise<Buffer> {
    const out: Buffer[] = [];
    for await (const b of parallelGzipFile(file, { ...OPTS, ...o }, onBytes)) out.push(Buffer.from(b));
    return Buffer.concat(out);
  }

  test('the same bytes as parallelGzip of the same input, however many blocks run at once, with progress up to the size', async () => {
    const t = tempDir();
    try {
      for (const size of [0, 1, 32 * 1024 - 1, PGZIP_BLOCK, PGZIP_BLOCK + 1, Math.floor(5.5 * PGZIP_BLOCK)]) {
        const data = layerLike(size);
        const file = join(t.path, `in-${size}`);
        writeFileSync(file, data);
        const want = await pgzip(data, 65_536);
        for (const inFlight of [1, 2, 3, 8]) {
          const seen: number[] = [];
          const got = await fileGzip(file, { inFlight }, (n) => seen.push(n));
          assert.equal(sha(got), sha(want), `${size} bytes, ${inFlight} in flight`);
          assert.equal(seen.at(-1) ?? 0, size);
          assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
        }
        // Small blocks: many buffer reuses, each block's dictionary the tail of a reused buffer's last use.
        assert.equal(sha(await fileGzip(file, { block: 40_000, inFlight: 2 })), sha(await pgzip(data, 7919, { block: 40_000 })));
      }
    } finally {
      t.cleanup();
    }
  });

  test('a file cut short while it is read is an error, not a short gzip', async () => {
    const t = tempDir();
    try {
      const file = join(t.path, 'shrinks');
      writeFileSync(file, layerLike(3 * PGZIP_BLOCK));
      const gen = parallelGzipFile(file, { ...OPTS, inFlight: 1 });
      await gen.next(); // the header: the file is open and its size known
      truncateSync(file, PGZIP_BLOCK + 10);
      await assert.rejects(async () => {
        for (let r = await gen.next(); !r.done; r = await gen.next());
      }, /ended at 1048586 of its 3145728 bytes/);
    } finally {
      t.cleanup();
    }
  });

  test('level 5 (push twins) of a fixed input gives fixed bytes', async () => {
    const t = tempDir();
    try {
      const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `line ${i} ${(i * 7919) % 1000}\n`).join(''));
      const file = join(t.path, 'fixed');
      writeFileSync(file, data);
      const out = await fileGzip(file, { level: 5 });
      assert.ok(gunzipSync(out).equals(data));
      assert.equal(sha(out), GOLDEN_LEVEL5);
    } finally {
      t.cleanup();
    }
  });
});

const GOLDEN = 'b53ec25fb60c1c9e8fc353258608201e713990f1564d75a5e97e15984fe4a751';
const GOLDEN_LEVEL5 = 'f5172178246e1d5e9dce1357721cfaf9bc461feb11ea601129d5298213bd882b';
