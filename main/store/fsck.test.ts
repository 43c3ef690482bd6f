import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fsckCmd } from '../cli/fsck-command.ts';
import { MediaType } from '../oci/media-types.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { fsck, type FsckProblemKind, type FsckReport } from './fsck.ts';
import { Store } from './store.ts';

/** deadPid is the pid of a process that has exited (so nothing it left is in use). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

const kinds = (r: FsckReport) => r.problems.map((p) => p.kind).sort();
const open = (r: FsckReport, kind: FsckProblemKind) => r.problems.filter((p) => p.kind === kind && !p.repaired);

describe('fsck', () => {
  const t = tempDir();
  let n = 0;
  /** fresh makes a store holding one busybox image (with a second layer) tagged app:1. */
  async function fresh() {
    const home = join(t.path, `home-${n++}`);
    const store = await Store.open(home);
    const img = await makeBusyboxImage(store, ['strata-test/app:1'], { extraLayer: { 'app.txt': 'hello\n' } });
    const image = await store.resolve('strata-test/app:1');
    return { home, store, img, image };
  }
  after(() => t.cleanup());

  test('a healthy store is consistent and has no problems', async () => {
    const { store } = await fresh();
    const r = await fsck(store);
    assert.equal(r.consistent, true);
    assert.deepEqual(r.problems, []);
    assert.equal(r.tags, 1);
    assert.equal(r.images, 1);
    assert.equal(r.blobs.count, 4);
    assert.equal(r.blobs.unreachable, 0);
  });

  test('a corrupt layer a tag reaches is an error, and repair never deletes it', async () => {
    const { store, image } = await fresh();
    const layer = image.manifest.layers[1]!.digest;
    const path = store.blobs.path(layer);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const r = await fsck(store, { repair: true });
    assert.equal(r.consistent, false);
    assert.deepEqual(kinds(r), ['BLOB_CORRUPT', 'IMAGE_INVALID']);
    assert.match(open(r, 'IMAGE_INVALID')[0]!.message, /layer 2 .* is corrupt/);
    assert.equal(open(r, 'BLOB_CORRUPT')[0]!.severity, 'error');
    assert.ok(existsSync(path), 'a blob a tag reaches is never deleted');
  });

  test('a corrupt blob no tag reaches is a warning; repair deletes it', async () => {
    const { store } = await fresh();
    const junk = await store.blobs.put(Buffer.from('unreferenced'));
    writeFileSync(store.blobs.path(junk.digest), 'tampered');
    const r1 = await fsck(store);
    assert.equal(r1.consistent, true);
    assert.deepEqual(kinds(r1), ['BLOB_CORRUPT']);
    assert.equal(r1.problems[0]!.severity, 'warning');
    const r2 = await fsck(store, { repair: true });
    assert.equal(r2.problems[0]!.repaired, true);
    assert.equal(existsSync(store.blobs.path(junk.digest)), false);
    assert.deepEqual((await fsck(store)).problems, []);
  });

  test('a tag whose manifest is missing: repair drops the entry and says so', async () => {
    const { store, img } = await fresh();
    rmSync(store.blobs.path(img.descriptor.digest));
    const r1 = await fsck(store);
    assert.equal(r1.consistent, false);
    assert.equal(open(r1, 'TAG_MANIFEST_MISSING').length, 1);
    assert.match(r1.problems.find((p) => p.kind === 'TAG_MANIFEST_MISSING')!.message, /docker\.io\/strata-test\/app:1: manifest sha256:[0-9a-f]{64} is missing/);
    const r2 = await fsck(store, { repair: true });
    assert.equal(r2.consistent, true);
    assert.equal(r2.problems.find((p) => p.kind === 'TAG_MANIFEST_MISSING')!.repaired, true);
    assert.deepEqual(await store.entries(), []);
    const r3 = await fsck(store);
    assert.equal(r3.consistent, true);
    assert.equal(r3.blobs.unreachable, 3, 'config and layers are left for prune');
  });

  test('a missing layer makes the image incomplete: an error repair cannot fix', async () => {
    const { store, image } = await fresh();
    rmSync(store.blobs.path(image.manifest.layers[0]!.digest));
    const r = await fsck(store, { repair: true });
    assert.equal(r.consistent, false);
    assert.deepEqual(kinds(r), ['IMAGE_INCOMPLETE']);
    assert.match(r.problems[0]!.message, /layer 1 sha256:[0-9a-f]{64} is missing/);
  });

  test('a config that disagrees with its manifest, and a wrong descriptor size, are invalid images', async () => {
    const { store, image } = await fresh();
    const cfg = await store.blobs.put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
    const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size + 1 }, layers: image.manifest.layers };
    const m = await store.blobs.put(Buffer.from(JSON.stringify(manifest)));
    await store.index.update((entries) => ({ entries: [...entries, { descriptor: { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size }, reference: 'docker.io/strata-test/bad:1' }], result: null }));
    const r = await fsck(store);
    assert.equal(r.consistent, false);
    const bad = open(r, 'IMAGE_INVALID')[0]!;
    assert.equal(bad.reference, 'docker.io/strata-test/bad:1');
    assert.match(bad.message, /config sha256:[0-9a-f]{64} has \d+ bytes, the manifest says \d+/);
    assert.match(bad.message, /config lists 0 layers, the manifest 2/);
  });

  test('leftovers of dead processes are warnings; repair removes them and keeps what live processes use', async () => {
    const { store, home } = await fresh();
    const dead = deadPid();
    const files: Record<string, string> = {
      [`tmp/blob-${dead}-0a1b2c`]: 'partial blob',
      [`tmp/write-${dead}-0a1b2c`]: '{"half":',
      [`tmp/build-${dead}-feedbeef/rootfs-0-1/etc/passwd`]: 'root:x:0:0::/:/bin/sh\n',
      [`snapshots/unpack-${dead}-abcdef/bin/x`]: 'x',
      [`meta/layers/write-${dead}-123456`]: '{}',
      [`cache/context/write-${dead}-99`]: '{}',
      [`leases/${dead}-build-abc-1700000000000`]: '',
      [`tmp/blob-${process.pid}-live`]: 'being written by this process',
    };
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(join(home, rel, '..'), { recursive: true });
      writeFileSync(join(home, rel), body);
    }
    writeFileSync(join(home, 'index.json.lock'), String(dead));
    writeFileSync(join(home, 'gc.lock'), '');
    utimesSync(join(home, 'gc.lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const r1 = await fsck(store);
    assert.equal(r1.consistent, true, 'leftovers do not make a store inconsistent');
    assert.deepEqual(kinds(r1), ['BUILD_LEFTOVER', 'STALE_LEASE', 'STALE_LOCK', 'STALE_LOCK', 'TEMP_LEFTOVER', 'TEMP_LEFTOVER', 'TEMP_LEFTOVER', 'TEMP_LEFTOVER', 'TEMP_LEFTOVER']);
    assert.ok(r1.problems.every((p) => p.severity === 'warning' && !p.repaired));
    assert.ok(existsSync(join(home, `tmp/blob-${dead}-0a1b2c`)), 'without --repair nothing is removed');
    const r2 = await fsck(store, { repair: true });
    assert.ok(r2.problems.every((p) => p.repaired));
    for (const rel of Object.keys(files)) assert.equal(existsSync(join(home, rel)), rel.includes(`-${process.pid}-`), rel);
    assert.equal(existsSync(join(home, 'index.json.lock')), false);
    assert.equal(existsSync(join(home, 'gc.lock')), false);
    assert.deepEqual((await fsck(store)).problems, []);
    await store.resolve('strata-test/app:1');
  });

  test('a mount left inside a dead build directory is unmounted before the directory goes', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('mounting a tmpfs needs root');
    const { store, home } = await fresh();
    const dir = join(home, 'tmp', `build-${deadPid()}-cafe`);
    const mp = join(dir, 'rootfs', 'proc');
    mkdirSync(mp, { recursive: true });
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mp]).status !== 0) return t.skip('cannot mount a tmpfs here');
    try {
      writeFileSync(join(mp, 'inside-the-mount'), 'x');
      const r1 = await fsck(store);
      assert.deepEqual(kinds(r1), ['MOUNT_LEFTOVER']);
      const r2 = await fsck(store, { repair: true });
      assert.deepEqual(kinds(r2), ['BUILD_LEFTOVER', 'MOUNT_LEFTOVER']);
      assert.ok(r2.problems.every((p) => p.repaired));
      assert.equal(existsSync(dir), false);
      assert.deepEqual((await fsck(store)).problems, []);
    } finally {
      spawnSync('umount', ['-l', mp]);
    }
  });

  test('a blob a killed gc had moved aside is put back', async () => {
    const { store, image } = await fresh();
    const layer = image.manifest.layers[1]!.digest;
    const aside = join(store.tmpDir, `gc-${deadPid()}-${layer.replace(':', '-')}`);
    renameSync(store.blobs.path(layer), aside);
    const r1 = await fsck(store);
    assert.deepEqual(kinds(r1), ['GC_LEFTOVER', 'IMAGE_INCOMPLETE']);
    assert.equal(r1.consistent, false);
    const r2 = await fsck(store, { repair: true });
    assert.deepEqual(kinds(r2), ['GC_LEFTOVER'], 'put back before the tags are checked');
    assert.equal(r2.consistent, true);
    assert.deepEqual((await fsck(store)).problems, []);
    assert.equal(existsSync(aside), false);
  });

  test('stray files in blobs/ are reported and left alone; a missing oci-layout is rewritten', async () => {
    const { store, home } = await fresh();
    writeFileSync(join(home, 'blobs', 'sha256', 'not-a-digest'), 'x');
    rmSync(join(home, 'oci-layout'));
    const r = await fsck(store, { repair: true });
    assert.deepEqual(kinds(r), ['BLOB_STRAY', 'LAYOUT_INVALID']);
    assert.equal(r.consistent, true);
    assert.equal(JSON.parse(readFileSync(join(home, 'oci-layout'), 'utf8')).imageLayoutVersion, '1.0.0');
    assert.ok(existsSync(join(home, 'blobs', 'sha256', 'not-a-digest')));
  });

  describe('strata fsck (fsckCmd)', () => {
    let saved: string | undefined;
    before(() => {
      saved = process.env.STRATA_HOME;
    });
    after(() => {
      if (saved === undefined) delete process.env.STRATA_HOME;
      else process.env.STRATA_HOME = saved;
    });
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await fsckCmd(args, { out: (s) => (out += s), err: (s) => (err += s) });
      return { code, out, err };
    };

    test('exit 0 and a summary on a healthy store; --json is the report', async () => {
      const { home } = await fresh();
      process.env.STRATA_HOME = home;
      const r = await run([]);
      assert.equal(r.code, 0);
      assert.match(r.out, /^checked 4 blobs \(.+\), 1 tags, 1 images\nstore is consistent\n$/);
      const j = await run(['--json']);
      assert.equal(JSON.parse(j.out).consistent, true);
    });

    test('exit 1 while an error is left; --repair says what it did', async () => {
      const { home, store, img } = await fresh();
      process.env.STRATA_HOME = home;
      rmSync(store.blobs.path(img.descriptor.digest));
      const r1 = await run([]);
      assert.equal(r1.code, 1);
      assert.match(r1.out, /error: docker\.io\/strata-test\/app:1: manifest .* is missing — --repair would drop the index entry/);
      assert.match(r1.out, /store is NOT consistent: 1 error/);
      const r2 = await run(['--repair']);
      assert.equal(r2.code, 0);
      assert.match(r2.out, /repaired: drop the index entry/);
    });

    test('an unknown flag is a usage error', async () => {
      await assert.rejects(run(['--frobnicate']), (e: { code?: string }) => e.code === 'USAGE');
    });
  });
});
