import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chainKey } from '../build/rootfs.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { strata } from '../testing/cli.ts';
import { tempDir } from '../testing/temp.ts';

describe('strata CLI', () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  let base: { manifest: string; config: string };
  let app: { manifest: string; config: string };
  before(async () => {
    const store = await Store.open(home);
    const b = await makeBusyboxImage(store, ['strata-test/base:1'], { created: '2026-01-01T00:00:00Z' });
    const a = await makeBusyboxImage(store, ['localhost:5000/team/app:v2'], { extraLayer: { 'app.txt': 'hi\n' }, created: '2026-02-01T00:00:00Z' });
    base = { manifest: b.descriptor.digest, config: b.configDescriptor.digest };
    app = { manifest: a.descriptor.digest, config: a.configDescriptor.digest };
  });
  after(() => t.cleanup());

  test('images --json lists reference, digest, size, sharedSize, uniqueSize, created', () => {
    const r = strata(home, ['images', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(rows.map((x) => x.reference).sort(), ['docker.io/strata-test/base:1', 'localhost:5000/team/app:v2']);
    const appRow = rows.find((x) => x.reference === 'localhost:5000/team/app:v2')!;
    assert.equal(appRow.digest, app.manifest);
    assert.equal(appRow.created, '2026-02-01T00:00:00Z');
    assert.equal((appRow.sharedSize as number) + (appRow.uniqueSize as number), appRow.size);
    const baseRow = rows.find((x) => x.reference === 'docker.io/strata-test/base:1')!;
    assert.equal(baseRow.sharedSize, appRow.sharedSize, 'both share exactly the base layer');
    assert.ok((baseRow.sharedSize as number) > 500_000, 'the busybox layer is the shared part');
  });

  test('images prints a docker-style table, newest first', () => {
    const r = strata(home, ['images']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+DIGEST\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE$/);
    assert.match(lines[1]!, new RegExp(`^localhost:5000/team/app\\s+v2\\s+${app.config.slice(7, 19)}\\s+${app.manifest.slice(7, 19)}`));
    assert.match(lines[2]!, new RegExp(`^strata-test/base\\s+1\\s+${base.config.slice(7, 19)}`));
  });

  test('tag, then rmi of the new tag', () => {
    assert.equal(strata(home, ['tag', 'strata-test/base:1', 'myapp']).code, 0);
    const rows = JSON.parse(strata(home, ['images', '--json']).stdout) as { reference: string; digest: string }[];
    assert.equal(rows.find((x) => x.reference === 'docker.io/library/myapp:latest')?.digest, base.manifest);
    const r = strata(home, ['rmi', 'myapp']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Untagged: myapp:latest\n');
  });

  test('errors name what was wrong, on stderr, with a non-zero exit', () => {
    const bad = strata(home, ['tag', 'strata-test/base:1', 'Bad/Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Bad\/Name|lowercase/);
    assert.equal(bad.stdout, '');
    const missing = strata(home, ['rmi', 'no/such:image']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no image "no\/such:image"/);
    const usage = strata(home, ['frobnicate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown command "frobnicate"/);
  });

  test('inspect prints the manifest digest and the config', () => {
    const r = strata(home, ['inspect', 'localhost:5000/team/app:v2']);
    assert.equal(r.code, 0);
    const [doc] = JSON.parse(r.stdout);
    assert.equal(doc.Digest, app.manifest);
    assert.equal(doc.Id, app.config);
    assert.deepEqual(doc.Config.config.Cmd, ['sh']);
    assert.equal(doc.Manifest.layers.length, 2);
  });

  test('history lists steps newest first, empty steps included', () => {
    const r = strata(home, ['history', '--no-trunc', 'localhost:5000/team/app:v2']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n').slice(1);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^<missing>.*CMD \["sh"\]\s+0B/);
    assert.match(lines[1]!, /COPY app\.txt \//);
    assert.match(lines[2]!, /ADD busybox-static/);
  });

  test('du reports bytes on disk and what sharing saves', () => {
    const r = strata(home, ['du', '--json']);
    const u = JSON.parse(r.stdout);
    assert.equal(u.images, 2);
    assert.equal(u.imagesTotal - u.savedBySharing <= u.onDisk, true);
    const rows = JSON.parse(strata(home, ['images', '--json']).stdout) as { sharedSize: number }[];
    assert.equal(u.savedBySharing, rows[0]!.sharedSize);
  });

  test('save (docker and oci) and load, into another store', async () => {
    const tar = join(t.path, 'out.tar');
    assert.equal(strata(home, ['save', '-o', tar, 'localhost:5000/team/app:v2']).code, 0);
    assert.ok(existsSync(tar));
    const dir = join(t.path, 'out-oci');
    assert.equal(strata(home, ['save', '--format', 'oci', '-o', dir, 'strata-test/base:1']).code, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0].digest, base.manifest);
    const other = join(t.path, 'other');
    const l1 = strata(other, ['load', '-i', tar]);
    assert.equal(l1.code, 0, l1.stderr);
    assert.equal(l1.stdout, 'Loaded image: localhost:5000/team/app:v2\n');
    const l2 = strata(other, ['load', '-i', dir]);
    assert.equal(l2.stdout, 'Loaded image: strata-test/base:1\n');
    const rows = JSON.parse(strata(other, ['images', '--json']).stdout) as { reference: string; digest: string; id: string }[];
    // The docker archive's layer tars load uncompressed (as docker load keeps them): the same image ID
    // (config), a manifest of its own for this gzip-layered test image.
    assert.equal(rows.find((x) => x.reference === 'localhost:5000/team/app:v2')?.id, app.config);
    // The OCI layout carries the blobs themselves: the very same manifest.
    assert.equal(rows.find((x) => x.reference === 'docker.io/strata-test/base:1')?.digest, base.manifest);
    // Unpacked for builds as they load (docker load extracts too): the snapshot a build FROM them clones.
    const otherStore = await Store.open(other);
    for (const ref of ['localhost:5000/team/app:v2', 'strata-test/base:1']) {
      const snap = join(other, 'snapshots', chainKey((await otherStore.resolve(ref)).manifest.layers));
      assert.ok(existsSync(join(snap, 'bin', 'busybox')), `${ref} is unpacked in ${snap}`);
    }
    assert.equal(readFileSync(join(other, 'snapshots', chainKey((await otherStore.resolve('localhost:5000/team/app:v2')).manifest.layers), 'app.txt'), 'utf8'), 'hi\n');
    const bad = strata(other, ['load', '-i', join(t.path, 'missing.tar')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /missing\.tar/);
  });
  test('analyze, diff and fsck are commands of the strata binary', () => {
    const a = strata(home, ['analyze', '--json', 'localhost:5000/team/app:v2']);
    assert.equal(a.code, 0, a.stderr);
    const report = JSON.parse(a.stdout) as { efficiency: number; wastedBytes: number };
    assert.equal(report.wastedBytes, 0, 'a base plus one new file wastes nothing');
    assert.equal(report.efficiency, 1);
    const d = strata(home, ['diff', '--json', 'strata-test/base:1', 'localhost:5000/team/app:v2']);
    assert.equal(d.code, 0, d.stderr);
    const diff = JSON.parse(d.stdout) as { files: { path: string; change: string }[]; sharedPrefix: number };
    assert.deepEqual(diff.files.map((f) => `${f.change} ${f.path}`), ['added /app.txt']);
    assert.equal(diff.sharedPrefix, 1, 'the busybox layer is common');
    const f = strata(home, ['fsck']);
    assert.equal(f.code, 0, f.stderr + f.stdout);
    assert.match(f.stdout, /store is consistent/);
  });
});
