import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tempDir } from '../testing/temp.ts';
import { parallelGzip, PGZIP_BLOCK } from './parallel-gzip.ts';

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

const GOLDEN = 'b53ec25fb60c1c9e8fc353258608201e713990f1564d75a5e97e15984fe4a751';
