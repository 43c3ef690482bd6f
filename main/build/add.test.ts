import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { tempDir } from '../testing/temp.ts';
import { packToBuffer } from '../util/tar-pack.ts';
import { sha256Digest } from '../oci/digest.ts';
import { applyLayers } from './rootfs.ts';
import { runBuild } from './solver.ts';

const BASE = 'strata-test/busybox:1';

describe('ADD: archives unpack, URLs download; ONBUILD, SHELL, --no-cache-filter', () => {
  const t = tempDir();
  let store: Store;
  let server: Server;
  let base: string;
  const payload = 'downloaded content\n';
  const stalled: import('node:http').ServerResponse[] = [];
  let requested: () => void = () => {};
  before(async () => {
    store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [BASE]);
    server = createServer((req, res) => {
      if (req.url === '/stall') {
        // Headers and a first piece, then nothing: a server that hangs mid-body.
        res.writeHead(200, { 'content-length': '1000000' });
        res.write('x'.repeat(1000));
        stalled.push(res);
        requested();
      } else if (req.url === '/files/tool.txt') {
        res.writeHead(200, { 'last-modified': new Date(Date.UTC(2020, 0, 2)).toUTCString() });
        res.end(payload);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const r of stalled) r.destroy();
    server.close();
    t.cleanup();
  });

  async function rootfsOf(ref: string): Promise<string> {
    const img = await store.resolve(ref);
    const dir = join(t.path, `root-${ref.replace(/[^a-z0-9]/g, '-')}`);
    mkdirSync(dir);
    await applyLayers(store, img.manifest.layers, dir);
    return dir;
  }

  test('ADD unpacks a local .tar.gz into the destination; COPY keeps it as a file; ADD of a URL downloads it (0600)', async () => {
    const archive = gzipSync(await packToBuffer([
      { header: { name: 'pkg/', type: 'directory', mode: 0o755 } },
      { header: { name: 'pkg/bin/tool', type: 'file', mode: 0o755 }, body: '#!/bin/sh\necho tool\n' },
      { header: { name: 'pkg/README', type: 'file', mode: 0o644 }, body: 'readme\n' },
    ]));
    const ctx = writeTree(join(t.path, 'add'), { Dockerfile: `FROM ${BASE}\nADD pkg.tar.gz /opt/\nCOPY pkg.tar.gz /archives/\nADD ${base}/files/tool.txt /downloads/\n` });
    writeFileSync(join(ctx, 'pkg.tar.gz'), archive);
    await runBuild(store, { contextDir: ctx, tags: ['add:1'] });
    const root = await rootfsOf('add:1');
    assert.equal(readFileSync(join(root, 'opt/pkg/bin/tool'), 'utf8'), '#!/bin/sh\necho tool\n');
    assert.equal(statSync(join(root, 'opt/pkg/bin/tool')).mode & 0o777, 0o755);
    assert.deepEqual(readFileSync(join(root, 'archives/pkg.tar.gz')), archive);
    assert.equal(readFileSync(join(root, 'downloads/tool.txt'), 'utf8'), payload);
    assert.equal(statSync(join(root, 'downloads/tool.txt')).mode & 0o777, 0o600);
  });

  test('cancelling a build stops an ADD whose server stalls mid-download', async () => {
    const ctx = writeTree(join(t.path, 'stall'), { Dockerfile: `FROM ${BASE}\nADD ${base}/stall /stall.bin\n` });
    const ac = new AbortController();
    const arrived = new Promise<void>((r) => (requested = r));
    const building = runBuild(store, { contextDir: ctx, tags: ['add:stalled'] }, { signal: ac.signal });
    await arrived;
    ac.abort();
    await assert.rejects(building, (e: Error & { code?: string }) => e.code === 'BUILD_CANCELLED');
    await assert.rejects(store.resolve('add:stalled'), 'nothing tagged');
  });

  test('ADD --checksum: a wrong digest fails naming the line; the right one builds', async () => {
    const wrong = writeTree(join(t.path, 'sum-bad'), { Dockerfile: `FROM ${BASE}\nADD --checksum=${sha256Digest('other')} ${base}/files/tool.txt /t.txt\n` });
    await assert.rejects(runBuild(store, { contextDir: wrong }), /Dockerfile:2: ADD .*--checksum wants/);
    const right = writeTree(join(t.path, 'sum-ok'), { Dockerfile: `FROM ${BASE}\nADD --checksum=${sha256Digest(payload)} ${base}/files/tool.txt /t.txt\n` });
    await runBuild(store, { contextDir: right, tags: ['sum:1'] });
    const missing = writeTree(join(t.path, 'url-404'), { Dockerfile: `FROM ${BASE}\nADD ${base}/nope /x\n` });
    await assert.rejects(runBuild(store, { contextDir: missing }), /Dockerfile:2: ADD .*answered 404/);
  });

  test('ONBUILD triggers run in the child build; SHELL changes the shell of later RUNs', async () => {
    const parent = writeTree(join(t.path, 'onbuild-parent'), { Dockerfile: `FROM ${BASE}\nONBUILD COPY marker.txt /from-onbuild.txt\nONBUILD RUN echo triggered > /triggered.txt\n` });
    await runBuild(store, { contextDir: parent, tags: ['onbuild-parent:1'] });
    const parentImg = await store.resolve('onbuild-parent:1');
    assert.deepEqual(parentImg.configDoc.config.config?.OnBuild, ['COPY marker.txt /from-onbuild.txt', 'RUN echo triggered > /triggered.txt']);
    const child = writeTree(join(t.path, 'onbuild-child'), { Dockerfile: `FROM onbuild-parent:1\nSHELL ["/bin/sh", "-ec"]\nRUN echo $0 > /shell.txt\n`, 'marker.txt': 'marker\n' });
    await runBuild(store, { contextDir: child, tags: ['onbuild-child:1'] });
    const root = await rootfsOf('onbuild-child:1');
    assert.equal(readFileSync(join(root, 'from-onbuild.txt'), 'utf8'), 'marker\n');
    assert.equal(readFileSync(join(root, 'triggered.txt'), 'utf8'), 'triggered\n');
    assert.equal(readFileSync(join(root, 'shell.txt'), 'utf8'), '/bin/sh\n');
    const childImg = await store.resolve('onbuild-child:1');
    assert.equal(childImg.configDoc.config.config?.OnBuild ?? null, null, 'triggers do not pass to grandchildren');
    assert.deepEqual(childImg.configDoc.config.config?.Shell, ['/bin/sh', '-ec']);
  });

  test('--no-cache-filter rebuilds only the named stage', async () => {
    const ctx = writeTree(join(t.path, 'ncf'), { Dockerfile: `FROM ${BASE} AS deps\nRUN echo deps > /deps.txt\nFROM ${BASE}\nCOPY --from=deps /deps.txt /\nRUN echo final > /final.txt\n` });
    await runBuild(store, { contextDir: ctx });
    const r = await runBuild(store, { contextDir: ctx, noCacheFilter: ['deps'] });
    // The deps RUN rebuilt (same output: the final stage's steps may hit again), the final ones were allowed to hit.
    assert.ok(r.cachedSteps >= 1 && r.cachedSteps < r.fsSteps, JSON.stringify(r));
  });
});
