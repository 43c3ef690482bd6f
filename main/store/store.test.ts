import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { repoRoot } from '../util/conformance.ts';
import { StoreError } from './errors.ts';
import { Store } from './store.ts';
import { computeUsage } from './usage.ts';

describe('blob store', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(t.path);
  });
  after(() => t.cleanup());

  test('a blob is stored once under its sha256, and its bytes read back', async () => {
    const data = Buffer.from('hello strata');
    const a = await store.blobs.put(data);
    const b = await store.blobs.put(data);
    assert.equal(a.digest, sha256Digest(data));
    assert.deepEqual(a, b);
    assert.equal(readdirSync(join(t.path, 'blobs', 'sha256')).filter((f) => f === a.digest.slice(7)).length, 1);
    assert.deepEqual(Buffer.from(await store.blobs.read(a.digest)), data);
  });

  test('a wrong digest is refused and leaves nothing behind', async () => {
    const wrong = sha256Digest('something else');
    await assert.rejects(store.blobs.put(Buffer.from('actual bytes'), { digest: wrong }), (e: StoreError) => e.code === 'BLOB_DIGEST_MISMATCH');
    assert.equal(await store.blobs.has(wrong), false);
    assert.equal(await store.blobs.has(sha256Digest('actual bytes')), false);
    assert.deepEqual(readdirSync(join(t.path, 'tmp')), []);
  });

  test('a wrong size is refused', async () => {
    await assert.rejects(store.blobs.put(Buffer.from('12345'), { size: 4 }), (e: StoreError) => e.code === 'BLOB_SIZE_MISMATCH');
    await assert.rejects(store.blobs.put(Buffer.from('12345'), { size: 6 }), (e: StoreError) => e.code === 'BLOB_SIZE_MISMATCH');
  });

  test('a writer killed with SIGKILL mid-blob leaves no visible blob', async () => {
    // The child writes 64 MiB slowly; we kill it once its temp file has grown, then look at the store.
    const script = `
      import { Store } from ${JSON.stringify(join(repoRoot, 'main/store/store.ts'))};
      const store = await Store.open(${JSON.stringify(t.path)});
      async function* chunks() {
        const c = Buffer.alloc(1 << 20, 7);
        for (let i = 0; i < 64; i++) { yield c; await new Promise((r) => setTimeout(r, 20)); }
      }
      process.stdout.write('start\\n');
      await store.blobs.write(chunks());
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const tmp = join(t.path, 'tmp');
    // Wait until the child's temp blob has at least 4 MiB in it.
    for (let i = 0; i < 600; i++) {
      const grown = readdirSync(tmp).some((f) => f.startsWith(`blob-${child.pid}-`) && statSync(join(tmp, f)).size >= 4 << 20);
      if (grown) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.ok(!out.includes('finished'), 'the writer was killed before it finished');
    const full = sha256Digest(Buffer.alloc(64 << 20, 7));
    assert.equal(await store.blobs.has(full), false);
    const blobs: Digest[] = [];
    for await (const d of store.blobs.list()) blobs.push(d);
    for (const d of blobs) {
      // Every visible blob still hashes to its name.
      assert.equal(sha256Digest(await store.blobs.read(d)), d);
    }
    assert.ok(readdirSync(tmp).some((f) => f.startsWith(`blob-${child.pid}-`)), 'the partial write stayed in tmp/, outside blobs/');
  });
});

describe('tags, removal, prune and usage', () => {
  const t = tempDir();
  let store: Store;
  before(async () => {
    store = await Store.open(t.path);
  });
  after(() => t.cleanup());

  test('tags are full normalized references; two images share their base layer', async () => {
    const base = await makeBusyboxImage(store, ['strata-test/base:1']);
    const app = await makeBusyboxImage(store, ['localhost:5000/team/app:v2'], { extraLayer: { 'app.txt': 'hello\n' } });
    const entries = await store.entries();
    assert.deepEqual(entries.map((e) => e.reference).sort(), ['docker.io/strata-test/base:1', 'localhost:5000/team/app:v2']);
    const a = await store.resolve('strata-test/base:1');
    const b = await store.resolve('localhost:5000/team/app:v2');
    assert.equal(a.digest, base.descriptor.digest);
    assert.equal(b.digest, app.descriptor.digest);
    assert.equal(a.manifest.layers[0]?.digest, b.manifest.layers[0]?.digest, 'same base layer digest');
    // Stored once.
    const files = readdirSync(join(t.path, 'blobs', 'sha256'));
    assert.equal(files.filter((f) => f === a.manifest.layers[0]?.digest.slice(7)).length, 1);
  });

  test('usage: shared bytes are the base layer, savings are what a second copy would cost', async () => {
    const images = await store.listImages();
    const u = await computeUsage(store, images);
    const base = await store.resolve('strata-test/base:1');
    const app = await store.resolve('localhost:5000/team/app:v2');
    const baseLayer = base.manifest.layers[0]!.size;
    const sizeOf = (img: typeof base) => img.manifestDoc.bytes.byteLength + img.manifest.config.size + img.manifest.layers.reduce((s, l) => s + l.size, 0);
    assert.deepEqual(u.perImage.get(base.digest), { size: sizeOf(base), sharedSize: baseLayer, uniqueSize: sizeOf(base) - baseLayer });
    assert.deepEqual(u.perImage.get(app.digest), { size: sizeOf(app), sharedSize: baseLayer, uniqueSize: sizeOf(app) - baseLayer });
    assert.equal(u.imagesTotal, sizeOf(base) + sizeOf(app));
    assert.equal(u.savedBySharing, baseLayer);
    let onDisk = 0;
    for (const f of readdirSync(join(t.path, 'blobs', 'sha256'))) onDisk += statSync(join(t.path, 'blobs', 'sha256', f)).size;
    assert.equal(u.onDisk, onDisk);
  });

  test('resolve by docker IMAGE ID prefix and by manifest digest', async () => {
    const app = await store.resolve('localhost:5000/team/app:v2');
    assert.equal((await store.resolve(app.manifest.config.digest.slice(7, 19))).digest, app.digest);
    assert.equal((await store.resolve(app.digest)).digest, app.digest);
    await assert.rejects(store.resolve('nope/nothing'), (e: StoreError) => e.code === 'IMAGE_NOT_FOUND' && e.message.includes('docker.io/nope/nothing:latest'));
  });

  test('tag moves a name and reports where it pointed before', async () => {
    const base = await store.resolve('strata-test/base:1');
    const app = await store.resolve('localhost:5000/team/app:v2');
    const r1 = await store.tag('strata-test/base:1', 'strata-test/moving');
    assert.equal(r1.previous, null);
    assert.equal(r1.reference, 'docker.io/strata-test/moving:latest');
    const r2 = await store.tag('localhost:5000/team/app:v2', 'strata-test/moving:latest');
    assert.equal(r2.previous, base.digest);
    assert.equal((await store.resolve('strata-test/moving')).digest, app.digest);
  });

  test('rmi of one tag keeps the image while another tag names it; prune keeps every reachable blob', async () => {
    const app = await store.resolve('localhost:5000/team/app:v2');
    const r = await store.removeImage('strata-test/moving');
    assert.deepEqual(r.untagged, ['docker.io/strata-test/moving:latest']);
    assert.equal(r.deleted, null);
    const pruned = await store.prune();
    assert.deepEqual(pruned.removed, []);
    for (const l of app.manifest.layers) assert.ok(await store.blobs.has(l.digest));
  });

  test('rmi of the last tag deletes the image and frees only its unique blobs', async () => {
    const app = await store.resolve('localhost:5000/team/app:v2');
    const base = await store.resolve('strata-test/base:1');
    const r = await store.removeImage('localhost:5000/team/app:v2');
    assert.equal(r.deleted, app.digest);
    assert.equal(await store.blobs.has(app.digest), false);
    assert.equal(await store.blobs.has(app.manifest.layers[1]!.digest), false);
    assert.equal(await store.blobs.has(base.manifest.layers[0]!.digest), true, 'the shared base layer stays');
    await store.assertComplete(base.digest);
  });

  test('an untagged image is listed until prune removes it with its blobs', async () => {
    const tmp = await makeBusyboxImage(store, [], { extraLayer: { 'x.txt': 'x' } });
    assert.ok((await store.listImages()).some((i) => i.digest === tmp.descriptor.digest && i.references.length === 0));
    const p = await store.prune();
    assert.deepEqual(p.images, [tmp.descriptor.digest]);
    assert.ok(p.freedBytes > 0);
    assert.equal(await store.blobs.has(tmp.descriptor.digest), false);
  });

  test('an image whose last tag moves to another image stays, untagged, until prune', async () => {
    const one = await makeBusyboxImage(store, ['strata-test/dangling:1'], { extraLayer: { 'one.txt': '1' } });
    const two = await makeBusyboxImage(store, [], { extraLayer: { 'two.txt': '2' } });
    await store.tag(two.descriptor.digest, 'strata-test/dangling:1');
    const listed = (await store.listImages()).find((i) => i.digest === one.descriptor.digest);
    assert.ok(listed, 'the old image is still listed');
    assert.deepEqual(listed.references, []);
    assert.deepEqual((await store.listImages()).find((i) => i.digest === two.descriptor.digest)?.references, ['docker.io/strata-test/dangling:1']);
    const p = await store.prune();
    assert.ok(p.images.includes(one.descriptor.digest));
    assert.ok(!p.images.includes(two.descriptor.digest));
  });

  test('a tag never points at an incomplete image', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest('missing config'), size: 14 }, layers: [] }));
    const m = await store.blobs.put(manifest);
    await assert.rejects(store.addImage({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size }, ['broken:1']), (e: StoreError) => e.code === 'BLOB_UNKNOWN');
    assert.ok(!(await store.entries()).some((e) => e.reference?.includes('broken')));
  });
});
