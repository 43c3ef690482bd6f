import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tempDir } from '../testing/temp.ts';
import { xorshift32 } from '../util/xorshift.ts';
import { incompressible, parallelGzip, parallelGzipFile, PGZIP_BLOCK, STORE_SPAN } from './parallel-gzip.ts';

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

/** noise is n pseudo-random bytes, the same on every run. */
function noise(n: number, seed = 7): Buffer {
  const next = xorshift32(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}

/** A layer with compressed files in it: runs of noise long enough to be stored, between text. */
function withNoise(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const p = i % 2 ? noise(150_000 + i * 1000, i) : Buffer.from(Array.from({ length: 9000 }, (_, j) => `${i * 10000 + j}\n`).join(''));
    parts.push(p);
    n += p.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

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
      if (size <= PGZIP_BLOCK) {
        // Without incompressible spans (nothing stored), one block is exactly zlib's gzip.
        const text = Buffer.from(Array.from({ length: size }, (_, i) => String.fromCharCode(97 + ((i * 7) % 13))).join(''));
        assert.ok((await pgzip(text, 7919)).equals(gzipSync(text, OPTS)), 'one block is exactly zlib gzip');
      }
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

  test('spans that look incompressible: random bytes (even with a tar header of zeros in them) yes; text, a binary, a short span no', () => {
    assert.equal(incompressible(noise(STORE_SPAN)), true);
    const headed = noise(STORE_SPAN);
    headed.fill(0, 1000, 1512);
    assert.equal(incompressible(headed), true);
    assert.equal(incompressible(Buffer.from(Array.from({ length: 20_000 }, (_, j) => `${j}\n`).join('')).subarray(0, STORE_SPAN)), false);
    // A binary-like span: a narrower byte distribution (deflate still gains on it).
    const binary = noise(STORE_SPAN).map((x, i) => (i % 3 ? x & 0x3f : x));
    assert.equal(incompressible(binary), false);
    assert.equal(incompressible(noise(STORE_SPAN - 1)), false);
  });

  test('stored spans: the stream decodes (gunzip and the system gzip), does not depend on cuts or blocks in flight, and is no larger than one zlib stream', async () => {
    const t = tempDir();
    try {
      for (const [name, data] of [
        ['noise and text', withNoise(Math.floor(3.3 * PGZIP_BLOCK))],
        ['ending in a stored run', Buffer.concat([withNoise(STORE_SPAN), noise(3 * STORE_SPAN, 99)])],
        ['one block of noise', noise(PGZIP_BLOCK, 5)],
        ['noise, then a short tail', noise(PGZIP_BLOCK + 100, 6)],
      ] as const) {
        const a = await pgzip(data, 7919);
        assert.equal(sha(a), sha(await pgzip(data, 1 << 20, { inFlight: 1 })), name);
        assert.equal(sha(a), sha(await pgzip(data, Math.max(1, data.length), { inFlight: 8 })), name);
        assert.ok(gunzipSync(a).equals(data), name);
        const file = join(t.path, 'x.gz');
        writeFileSync(file, a);
        const r = spawnSync('gzip', ['-dc', file], { maxBuffer: 1 << 26 });
        assert.equal(r.status, 0, `${name}: ${r.stderr}`);
        assert.equal(sha(r.stdout), sha(data), name);
        const single = gzipSync(data, OPTS).length;
        assert.ok(a.length <= single * 1.005, `${name}: ${a.length} bytes vs ${single} for one zlib stream`);
      }
      // Noise is stored: it costs its size plus 5 bytes per stored block of at most 64 KiB, not zlib's expansion.
      const n = noise(PGZIP_BLOCK, 5);
      assert.equal((await pgzip(n, 1 << 20)).length, 10 + PGZIP_BLOCK + 5 * Math.ceil(PGZIP_BLOCK / 65535) + 8);
    } finally {
      t.cleanup();
    }
  });

  test('a fixed input with stored spans gives fixed bytes', async () => {
    const data = withNoise(Math.floor(2.5 * PGZIP_BLOCK));
    const out = await pgzip(data, 100_000);
    assert.ok(gunzipSync(out).equals(data));
    assert.equal(sha(out), GOLDEN_STORED);
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
const GOLDEN_STORED = 'a7e5595cc7a6fe6746407b8879148d4bd2d207fe2aaade89a95a1e6b121d91ac';
const GOLDEN_LEVEL5 = 'f5172178246e1d5e9dce1357721cfaf9bc461feb11ea601129d5298213bd882b';
