import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBuild } from '../build/solver.ts';
import { Store } from '../store/store.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { BUSYBOX, makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { openImageModel } from './image-model.ts';
import { analyzeWaste } from './waste.ts';

const BASE = 'strata-test/busybox:1';
/** The base layer's file bytes, by hand: the busybox binary and the two files makeBusyboxImage writes. */
const BASE_BYTES = statSync(BUSYBOX).size + Buffer.byteLength('root:x:0:\nnogroup:x:65534:\n') + Buffer.byteLength('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');

/** bytes makes n bytes of content unique to a seed (so no two test files share a checksum by accident). */
function bytes(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < n; off += 32) {
    block.copy(out, off, 0, Math.min(32, n - off));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

describe('waste analysis on images built with known waste', () => {
  const tmp = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(join(tmp.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
  });
  after(() => tmp.cleanup());

  test('a RUN that writes 5 MB a later RUN deletes, a file a later COPY overwrites, a duplicated file', async () => {
    const ctx = writeTree(join(tmp.path, 'known'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'RUN head -c 5000000 /dev/zero > /tmp/big.bin',
        'COPY config.txt /app/config.txt',
        'COPY data.bin /app/data.bin',
        'RUN rm /tmp/big.bin',
        'COPY config2.txt /app/config.txt',
        'COPY data.bin /opt/copy-of-data.bin',
        '',
      ].join('\n'),
      'config.txt': bytes(200_000, 'config').toString('base64').slice(0, 200_000),
      'data.bin': bytes(150_000, 'data').toString('latin1'),
      'config2.txt': 'x'.repeat(1_000),
    });
    // writeTree writes strings as UTF-8: write the binary file's bytes as they are.
    (await import('node:fs')).writeFileSync(join(ctx, 'data.bin'), bytes(150_000, 'data'));
    await runBuild(store, { contextDir: ctx, tags: ['waste:known'] }, {});
    const r = analyzeWaste(await openImageModel(store, 'waste:known'));

    const total = BASE_BYTES + 5_000_000 + 200_000 + 150_000 + 1_000 + 150_000;
    const wasted = 5_000_000 + 200_000 + 150_000;
    assert.equal(r.totalBytes, total);
    assert.equal(r.wastedBytes, wasted);
    assert.equal(r.efficiency, 1 - wasted / total);
    assert.equal(r.baseLayers, 1);
    assert.equal(r.userBytes, total - BASE_BYTES);
    assert.equal(r.userWastedBytes, wasted);
    assert.equal(r.userWastedPercent, wasted / (total - BASE_BYTES));
    assert.equal(r.wasteCount, 3);

    // Layers: 0 base, 1 RUN (line 2), 2 COPY (3), 3 COPY (4), 4 RUN (5), 5 COPY (6), 6 COPY (7).
    assert.deepEqual(r.layers.map((l) => [l.index, l.instruction, l.source?.line ?? null, l.fileBytes, l.wastedBytes, l.causedBytes]), [
      [0, 'ADD', null, BASE_BYTES, 0, 0],
      [1, 'RUN', 2, 5_000_000, 5_000_000, 0],
      [2, 'COPY', 3, 200_000, 200_000, 0],
      [3, 'COPY', 4, 150_000, 0, 0],
      [4, 'RUN', 5, 0, 0, 5_000_000],
      [5, 'COPY', 6, 1_000, 0, 200_000],
      [6, 'COPY', 7, 150_000, 150_000, 0],
    ]);
    assert.deepEqual(r.byLine.map((l) => [l.file, l.line, l.instruction, l.wastedBytes]), [
      ['Dockerfile', 2, 'RUN', 5_000_000],
      ['Dockerfile', 3, 'COPY', 200_000],
      ['Dockerfile', 7, 'COPY', 150_000],
    ]);
    assert.deepEqual(
      r.topFiles.map((w) => ({ path: w.path, size: w.size, kind: w.kind, layer: w.layer, byLayer: w.byLayer, ...(w.original ? { original: w.original } : {}) })),
      [
        { path: '/tmp/big.bin', size: 5_000_000, kind: 'deleted', layer: 1, byLayer: 4 },
        { path: '/app/config.txt', size: 200_000, kind: 'overwritten', layer: 2, byLayer: 5 },
        { path: '/opt/copy-of-data.bin', size: 150_000, kind: 'duplicate', layer: 6, byLayer: 3, original: '/app/data.bin' },
      ],
    );
    // One piece of advice per waste, naming the lines involved.
    assert.deepEqual(r.advice.map((a) => [a.kind, a.bytes, a.lines.map((l) => l.line)]), [
      ['merge-runs', 5_000_000, [2, 5]],
      ['copy-once', 200_000, [3, 6]],
      ['copy-once', 150_000, [4, 7]],
    ]);
    assert.match(r.advice[0]!.message, /RUN at Dockerfile:2 .*RUN at Dockerfile:5 deletes: do both in one RUN/);
    assert.match(r.advice[1]!.message, /COPY at Dockerfile:6 replaces 1 file that COPY at Dockerfile:3 copied/);
    assert.match(r.advice[2]!.message, /COPY at Dockerfile:7 adds 1 file .*same content as \/app\/data\.bin from COPY at Dockerfile:4/);
  });

  test('each wasted copy counts once: one content in three layers, one copy deleted later', async () => {
    const ctx = writeTree(join(tmp.path, 'once'), {
      Dockerfile: [`FROM ${BASE}`, 'COPY data.bin /a/one.bin', 'COPY data.bin /a/two.bin', 'COPY data.bin /a/three.bin', 'RUN rm /a/two.bin', ''].join('\n'),
    });
    (await import('node:fs')).writeFileSync(join(ctx, 'data.bin'), bytes(120_000, 'once'));
    await runBuild(store, { contextDir: ctx, tags: ['waste:once'] }, {});
    const r = analyzeWaste(await openImageModel(store, 'waste:once'));
    // Three copies were shipped and one is needed: exactly two copies wasted (dive would report three).
    assert.equal(r.wastedBytes, 2 * 120_000);
    assert.equal(r.totalBytes, BASE_BYTES + 3 * 120_000);
    assert.deepEqual(r.topFiles.map((w) => [w.path, w.kind, w.layer]), [
      ['/a/three.bin', 'duplicate', 3],
      ['/a/two.bin', 'deleted', 2],
    ]);
    assert.deepEqual(r.byLine.map((l) => [l.line, l.wastedBytes]), [[3, 120_000], [4, 120_000]]);
  });

  test('advice is concrete for the Dockerfile: package caches, .dockerignore, COPY --chmod', async () => {
    const ctx = writeTree(join(tmp.path, 'advice'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'RUN mkdir -p /var/lib/apt/lists && head -c 400000 /dev/zero > /var/lib/apt/lists/deb_main_Packages',
        'RUN rm -rf /var/lib/apt/lists/*',
        'COPY tests/ /app/tests/',
        'RUN rm -rf /app/tests',
        'COPY run.sh /app/run.sh',
        'RUN chmod 755 /app/run.sh',
        '',
      ].join('\n'),
      'run.sh': '#!/bin/sh\n' + 'echo hi\n'.repeat(30_000),
    });
    const fs = await import('node:fs');
    fs.mkdirSync(join(ctx, 'tests'));
    fs.writeFileSync(join(ctx, 'tests', 'fixture-a.bin'), bytes(200_000, 'fa'));
    fs.writeFileSync(join(ctx, 'tests', 'fixture-b.bin'), bytes(150_000, 'fb'));
    await runBuild(store, { contextDir: ctx, tags: ['waste:advice'] }, {});
    const r = analyzeWaste(await openImageModel(store, 'waste:advice'));
    const script = 10 + 8 * 30_000;
    assert.deepEqual(r.advice.map((a) => [a.kind, a.alternatives, a.bytes, a.lines.map((l) => l.line)]), [
      ['clean-cache-same-run', ['cache-mount'], 400_000, [2, 3]],
      ['dockerignore', [], 350_000, [4, 5]],
      ['copy-chmod', [], script, [6, 7]],
    ]);
    assert.match(r.advice[0]!.message, /apt cache in \/var\/lib\/apt\/lists .*rm -rf \/var\/lib\/apt\/lists\/\*.*RUN --mount=type=cache,target=\/var\/lib\/apt\/lists/);
    assert.match(r.advice[1]!.message, /add "tests" to \.dockerignore/);
    assert.match(r.advice[2]!.message, /COPY at Dockerfile:6 with --chown\/--chmod/);
    assert.equal(r.topFiles.find((w) => w.path === '/app/run.sh')?.sameContent, true);
  });

  test('advice is left out for small waste, and the report is empty for an image without waste', async () => {
    const r = analyzeWaste(await openImageModel(store, BASE));
    assert.equal(r.wastedBytes, 0);
    assert.equal(r.efficiency, 1);
    assert.deepEqual(r.advice, []);
    const known = analyzeWaste(await openImageModel(store, 'waste:known'), { adviceMinBytes: 1_000_000, top: 1 });
    assert.deepEqual(known.advice.map((a) => a.bytes), [5_000_000]);
    assert.equal(known.topFiles.length, 1);
  });
});
