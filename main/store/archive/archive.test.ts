import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256Digest } from '../../oci/digest.ts';
import { MediaType } from '../../oci/media-types.ts';
import { makeBusyboxImage } from '../../testing/busybox-image.ts';
import { tempDir } from '../../testing/temp.ts';
import { Store } from '../store.ts';
import { load } from './load.ts';
import { saveDockerArchive, saveOciLayout } from './save.ts';

const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8' });

describe('import and export, round-tripped through skopeo', () => {
  const t = tempDir();
  let src: Store;
  let configDigest: string;
  let manifestDigest: string;
  before(async () => {
    src = await Store.open(join(t.path, 'src'));
    await makeBusyboxImage(src, ['strata-test/base:1']);
    const app = await makeBusyboxImage(src, ['strata-test/app:2'], { extraLayer: { 'etc/app.conf': 'x=1\n' } });
    configDigest = app.configDescriptor.digest;
    manifestDigest = app.descriptor.digest;
  });
  after(() => t.cleanup());

  test('docker-archive: strata save → skopeo (docker-archive → oci) → strata load keeps the image ID', async () => {
    const tar = join(t.path, 'app.tar');
    await saveDockerArchive(src, ['strata-test/app:2'], tar);
    const inspect = JSON.parse(skopeo('inspect', '--config', `docker-archive:${tar}`));
    assert.deepEqual(inspect.config.Cmd, ['sh']);
    const oci = join(t.path, 'via-skopeo-oci');
    skopeo('copy', `docker-archive:${tar}`, `oci:${oci}:app`);
    const dst = await Store.open(join(t.path, 'dst1'));
    const loaded = await load(dst, oci);
    assert.equal(loaded.length, 1);
    assert.deepEqual(loaded[0]!.references, [], 'skopeo writes a bare tag as ref.name: the image loads untagged, as docker load does');
    const img = await dst.resolve(loaded[0]!.digest);
    assert.equal(img.manifest.config.digest, configDigest, 'same config bytes, same image ID');
    assert.equal(img.manifest.layers.length, 2);
  });

  test('docker-archive: our tar loads back with its tags and identical diffIDs', async () => {
    const tar = join(t.path, 'both.tar');
    await saveDockerArchive(src, ['strata-test/app:2', 'strata-test/base:1'], tar);
    const dst = await Store.open(join(t.path, 'dst2'));
    const loaded = await load(dst, tar);
    assert.deepEqual(loaded.flatMap((l) => l.references).sort(), ['docker.io/strata-test/app:2', 'docker.io/strata-test/base:1']);
    const app = await dst.resolve('strata-test/app:2');
    assert.equal(app.manifest.config.digest, configDigest);
    // The archive's tars are kept as they are (docker load does the same): uncompressed layers, digest = diffID.
    assert.deepEqual(app.manifest.layers.map((l) => l.mediaType), [MediaType.ociLayer, MediaType.ociLayer]);
    assert.deepEqual(app.manifest.layers.map((l) => l.digest), app.configDoc.config.rootfs.diff_ids);
    const base = await dst.resolve('strata-test/base:1');
    assert.equal(base.manifest.layers[0]!.digest, app.manifest.layers[0]!.digest, 'the shared layer is stored once');
  });

  test('docker-archive: a built image (uncompressed layers) loads back as the very same manifest', async () => {
    const built = await makeBusyboxImage(src, ['strata-test/built:1'], { extraLayer: { 'srv/app.txt': 'built\n' }, compression: 'none' });
    const tar = join(t.path, 'built.tar');
    await saveDockerArchive(src, ['strata-test/built:1'], tar);
    const dst = await Store.open(join(t.path, 'dst-built'));
    const loaded = await load(dst, tar);
    assert.deepEqual(loaded, [{ digest: built.descriptor.digest, references: ['docker.io/strata-test/built:1'] }]);
  });

  test('oci layout: strata save --format oci → skopeo (oci → docker-archive) → strata load', async () => {
    const dir = join(t.path, 'layout');
    await saveOciLayout(src, ['strata-test/app:2'], dir);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, manifestDigest);
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], '2');
    assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'docker.io/strata-test/app:2');
    const inspect = JSON.parse(skopeo('inspect', `oci:${dir}:2`));
    assert.equal(inspect.Digest, manifestDigest);
    assert.equal(inspect.Layers.length, 2);
    const tar = join(t.path, 'via-skopeo.tar');
    skopeo('copy', `oci:${dir}:2`, `docker-archive:${tar}:strata-test/app:from-skopeo`);
    const dst = await Store.open(join(t.path, 'dst3'));
    const loaded = await load(dst, tar);
    assert.deepEqual(loaded[0]!.references, ['docker.io/strata-test/app:from-skopeo']);
    const img = await dst.resolve('strata-test/app:from-skopeo');
    assert.equal(img.manifest.config.digest, configDigest);
  });

  test('oci layout loads directly, named by io.containerd.image.name', async () => {
    const dir = join(t.path, 'layout');
    const dst = await Store.open(join(t.path, 'dst4'));
    const loaded = await load(dst, dir);
    assert.deepEqual(loaded, [{ digest: manifestDigest, references: ['docker.io/strata-test/app:2'] }]);
  });

  test('a corrupted blob in an OCI layout is refused and nothing is tagged', async () => {
    const dir = join(t.path, 'layout-bad');
    await saveOciLayout(src, ['strata-test/app:2'], dir);
    const app = await src.resolve('strata-test/app:2');
    const layer = join(dir, 'blobs', 'sha256', app.manifest.layers[1]!.digest.slice(7));
    writeFileSync(layer, 'not the layer');
    const dst = await Store.open(join(t.path, 'dst5'));
    await assert.rejects(load(dst, dir), /BLOB_(SIZE|DIGEST)_MISMATCH|expected/);
    assert.deepEqual(await dst.entries(), []);
    assert.equal(sha256Digest(readFileSync(src.blobs.path(app.manifest.layers[1]!.digest))), app.manifest.layers[1]!.digest, 'the source store is untouched');
  });

  test('a missing file is a clear error', async () => {
    const dst = await Store.open(join(t.path, 'dst6'));
    await assert.rejects(load(dst, join(t.path, 'nope.tar')), /no such file/);
  });
});
