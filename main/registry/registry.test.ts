// Pull, push, dry run, mounts, remote tags and platforms against the real CNCF registry on 127.0.0.1.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256Digest, type Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import { writeImage } from '../store/image-writer.ts';
import { layerInfo, writeLayer } from '../store/layer-writer.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startFaultProxy, type FaultProxy } from '../testing/registry/fault-proxy.ts';
import { makeTinyImage } from '../testing/registry/images.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { tempDir } from '../testing/temp.ts';
import { packToBuffer } from '../util/tar-pack.ts';
import { blobSources } from './blob-sources.ts';
import { RegistryClient, RegistrySession, type RegistryOptions } from './client.ts';
import { RegistryError } from './errors.ts';
import type { ProgressEvent } from './progress.ts';
import { pull } from './pull.ts';
import { planPush, push } from './push.ts';
import { remoteTag } from './remote-tag.ts';

const anonymous: RegistryOptions = { credentials: null, retry: { baseDelayMs: 20, maxDelayMs: 200 } };

describe('registry without auth', () => {
  const t = tempDir('strata-reg-');
  let reg: TestRegistry;
  let src: Store;
  let manifestDigest: Digest;
  let configDigest: Digest;
  before(async () => {
    reg = await startRegistry(join(t.path, 'registry'));
    src = await Store.open(join(t.path, 'src'));
    const img = await makeBusyboxImage(src, ['example/busybox:1'], { extraLayer: { 'hello.txt': 'hello\n' } });
    manifestDigest = img.descriptor.digest;
    configDigest = img.configDescriptor.digest;
  });
  after(async () => {
    await reg.stop();
    t.cleanup();
  });

  test('dry run of a first push plans to upload every blob', async () => {
    const plan = await planPush(src, `${reg.host}/library/busybox:1`, { ...anonymous, source: 'example/busybox:1' });
    assert.equal(plan.digest, manifestDigest);
    assert.equal(plan.blobs.length, 3);
    assert.ok(plan.blobs.every((b) => b.action === 'upload'));
    assert.equal(plan.bytesToUpload, plan.bytesTotal);
  });

  test('push uploads every blob, then the manifest under several tags, with per-blob progress', async () => {
    const events: ProgressEvent[] = [];
    const batches: number[] = [];
    const res = await push(src, `${reg.host}/library/busybox:1`, {
      ...anonymous,
      source: 'example/busybox:1',
      tags: ['latest', 'stable'],
      onProgress: (b) => {
        batches.push(b.length);
        events.push(...b);
      },
    });
    assert.equal(res.digest, manifestDigest);
    assert.deepEqual(res.references, [`${reg.host}/library/busybox:1`, `${reg.host}/library/busybox:latest`, `${reg.host}/library/busybox:stable`]);
    assert.ok(res.blobs.every((b) => b.action === 'uploaded'));
    assert.ok(batches.every((n) => n > 0));
    for (const b of res.blobs) {
      const states = events.filter((e) => e.kind === 'blob' && e.digest === b.digest).map((e) => e.state);
      assert.equal(states[0], 'checking', `${b.digest} starts with checking`);
      assert.ok(states.includes('uploading'), `${b.digest} reports uploading`);
      assert.equal(states[states.length - 1], 'done', `${b.digest} ends done`);
    }
    // The manifest comes after every blob is done, then the tags.
    const firstManifest = events.findIndex((e) => e.kind === 'manifest');
    const lastBlob = events.map((e) => e.kind).lastIndexOf('blob');
    assert.ok(firstManifest > lastBlob);
    assert.deepEqual(events.filter((e) => e.kind === 'tag').map((e) => (e as { reference: string }).reference), res.references);
    // What the registry serves is the store's manifest, byte for byte.
    const client = new RegistryClient(reg.host, anonymous);
    for (const tag of ['1', 'latest', 'stable']) {
      const got = await client.getManifest('library/busybox', tag);
      assert.equal(got.digest, manifestDigest, tag);
      assert.deepEqual(Buffer.from(got.bytes), Buffer.from(await src.blobs.read(manifestDigest)));
    }
    // The store remembers where each blob now lives, for mounts.
    assert.deepEqual((await blobSources(src, configDigest)).map((s) => `${s.registry}/${s.repository}`), [`${reg.host}/library/busybox`]);
  });

  test('a second push finds every blob there and uploads nothing', async () => {
    const plan = await planPush(src, `${reg.host}/library/busybox:again`, { ...anonymous, source: 'example/busybox:1' });
    assert.ok(plan.blobs.every((b) => b.action === 'exists'));
    assert.equal(plan.bytesToUpload, 0);
    const res = await push(src, `${reg.host}/library/busybox:again`, { ...anonymous, source: 'example/busybox:1' });
    assert.ok(res.blobs.every((b) => b.action === 'exists'));
    assert.equal(res.bytesUploaded, 0);
  });

  describe('a re-push puts a manifest only under the names that do not hold it yet', () => {
    const cases: { name: string; tags: string[]; puts: string[] }[] = [
      { name: 'every name holds the manifest: no PUT', tags: ['latest', 'stable'], puts: [] },
      { name: 'one new tag: only that one is put', tags: ['latest', 'fresh'], puts: ['fresh'] },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const proxy = await startFaultProxy(reg.host);
        try {
          const events: ProgressEvent[] = [];
          const res = await push(src, `${proxy.host}/library/busybox:1`, { ...anonymous, source: 'example/busybox:1', tags: c.tags, onProgress: (b) => events.push(...b) });
          assert.ok(res.blobs.every((b) => b.action === 'exists'));
          const puts = proxy.log.filter((e) => e.method === 'PUT' && e.path.includes('/manifests/')).map((e) => e.path.split('/').pop());
          assert.deepEqual(puts, c.puts);
          assert.deepEqual(events.filter((e) => e.kind === 'tag').map((e) => (e as { reference: string }).reference), res.references);
          assert.equal(events.filter((e) => e.kind === 'manifest').at(-1)?.state, 'done');
          for (const tag of ['1', ...c.tags]) assert.equal((await new RegistryClient(reg.host, anonymous).headManifest('library/busybox', tag))?.digest, res.digest, tag);
        } finally {
          await proxy.stop();
        }
      });
    }
  });

  test('a push to another repository of the same registry mounts the blobs instead of uploading', async () => {
    const plan = await planPush(src, `${reg.host}/team/copy:1`, { ...anonymous, source: 'example/busybox:1' });
    assert.ok(plan.blobs.every((b) => b.action === 'mount' && b.from === 'library/busybox'), JSON.stringify(plan.blobs));
    assert.equal(plan.bytesToUpload, 0);
    const events: ProgressEvent[] = [];
    const res = await push(src, `${reg.host}/team/copy:1`, { ...anonymous, source: 'example/busybox:1', onProgress: (b) => events.push(...b) });
    assert.ok(res.blobs.every((b) => b.action === 'mounted' && b.from === 'library/busybox'));
    assert.equal(res.bytesUploaded, 0);
    assert.ok(events.some((e) => e.kind === 'blob' && e.state === 'mounting'));
    assert.ok(events.some((e) => e.kind === 'blob' && e.state === 'mounted'));
  });

  test('pull into an empty store: blobs verified, manifest bytes exact, tag last, layer diffIDs recorded', async () => {
    const dst = await Store.open(join(t.path, 'dst'));
    const events: ProgressEvent[] = [];
    const res = await pull(dst, `${reg.host}/library/busybox:1`, { ...anonymous, onProgress: (b) => events.push(...b) });
    assert.equal(res.digest, manifestDigest);
    assert.equal(res.config, configDigest);
    assert.equal(res.reference, `${reg.host}/library/busybox:1`);
    assert.deepEqual(Buffer.from(await dst.blobs.read(manifestDigest)), Buffer.from(await src.blobs.read(manifestDigest)));
    const img = await dst.resolve(`${reg.host}/library/busybox:1`);
    assert.equal(img.digest, manifestDigest);
    for (const l of img.manifest.layers) assert.ok(await layerInfo(dst, l.digest), `diffID of ${l.digest} recorded`);
    const tagAt = events.findIndex((e) => e.kind === 'tag');
    assert.equal(tagAt, events.length - 1, 'the tag is the last event');
    assert.ok(events.some((e) => e.kind === 'blob' && e.state === 'downloading'));
    assert.deepEqual(readdirSync(join(t.path, 'dst', 'tmp')), []);
  });

  test('pulling again downloads nothing', async () => {
    const dst = await Store.open(join(t.path, 'dst'));
    const res = await pull(dst, `${reg.host}/library/busybox:latest`, anonymous);
    assert.equal(res.bytesDownloaded, 0 + res.blobs.find((b) => b.role === 'config')!.size);
    assert.ok(res.blobs.filter((b) => b.role === 'layer').every((b) => !b.fetched));
  });

  test('pull by digest stores the image under name@digest', async () => {
    const dst = await Store.open(join(t.path, 'by-digest'));
    const res = await pull(dst, `${reg.host}/library/busybox@${manifestDigest}`, anonymous);
    assert.equal(res.reference, `${reg.host}/library/busybox@${manifestDigest}`);
    assert.equal((await dst.resolve(res.reference)).digest, manifestDigest);
  });

  test('remote tag puts the manifest under a new tag without moving a blob', async () => {
    const proxy = await startFaultProxy(reg.host);
    try {
      const res = await remoteTag(`${proxy.host}/library/busybox:1`, ['v1', `${proxy.host}/library/busybox:prod`], anonymous);
      assert.equal(res.digest, manifestDigest);
      assert.deepEqual(res.references, [`${proxy.host}/library/busybox:v1`, `${proxy.host}/library/busybox:prod`]);
      assert.ok(proxy.log.every((e) => !e.path.includes('/blobs/')), 'no blob request');
      const client = new RegistryClient(reg.host, anonymous);
      assert.equal((await client.headManifest('library/busybox', 'prod'))?.digest, manifestDigest);
      await assert.rejects(remoteTag(`${proxy.host}/library/busybox:1`, `${proxy.host}/other/repo:x`, anonymous), (e: RegistryError) => e.code === 'UNSUPPORTED');
    } finally {
      await proxy.stop();
    }
  });

  test('errors say what to do: unknown tag, unknown repository', async () => {
    const dst = await Store.open(join(t.path, 'errors'));
    await assert.rejects(pull(dst, `${reg.host}/library/busybox:nope`, anonymous), (e: RegistryError) => {
      assert.equal(e.code, 'MANIFEST_UNKNOWN');
      assert.equal(e.status, 404);
      assert.match(e.message, /check the tag/);
      return true;
    });
    // distribution answers MANIFEST_UNKNOWN for a repository it never saw; the message covers both.
    await assert.rejects(pull(dst, `${reg.host}/no/such-repo:1`, anonymous), (e: RegistryError) => {
      assert.equal(e.code, 'MANIFEST_UNKNOWN');
      assert.match(e.message, /repository name/);
      return true;
    });
  });

  describe('indexes and platforms', () => {
    let indexDigest: Digest;
    let armDigest: Digest;
    let hostDigest: Digest;
    before(async () => {
      const arm = await makeTinyImage(src, ['multi/arm:1'], 'riscv64');
      armDigest = arm.descriptor.digest;
      hostDigest = manifestDigest;
      await push(src, `${reg.host}/multi/app:riscv64`, { ...anonymous, source: 'multi/arm:1' });
      await push(src, `${reg.host}/multi/app:host`, { ...anonymous, source: 'example/busybox:1' });
      const hostArch = (await src.resolve('example/busybox:1')).configDoc.config.architecture;
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [
            { mediaType: MediaType.ociManifest, digest: armDigest, size: arm.descriptor.size, platform: { os: 'linux', architecture: 'riscv64' } },
            { mediaType: MediaType.ociManifest, digest: hostDigest, size: (await src.blobs.read(hostDigest)).byteLength, platform: { os: 'linux', architecture: hostArch } },
          ],
        }),
      );
      indexDigest = sha256Digest(index);
      await new RegistryClient(reg.host, anonymous).putManifest('multi/app', 'latest', index, MediaType.ociIndex);
    });

    const cases: { name: string; platform?: string; want: () => Digest }[] = [
      { name: 'host platform by default', want: () => hostDigest },
      { name: 'linux/riscv64 when asked', platform: 'linux/riscv64', want: () => armDigest },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const dst = await Store.open(join(t.path, `index-${c.platform ?? 'host'}`.replace('/', '-')));
        const res = await pull(dst, `${reg.host}/multi/app:latest`, { ...anonymous, ...(c.platform ? { platform: c.platform } : {}) });
        assert.equal(res.indexDigest, indexDigest);
        assert.equal(res.digest, c.want());
        assert.equal((await dst.resolve(`${reg.host}/multi/app:latest`)).digest, c.want());
      });
    }

    test('a platform the index lacks is an error naming the ones it has', async () => {
      const dst = await Store.open(join(t.path, 'index-none'));
      await assert.rejects(pull(dst, `${reg.host}/multi/app:latest`, { ...anonymous, platform: 'linux/s390x' }), (e: RegistryError) => {
        assert.equal(e.code, 'PLATFORM_NOT_FOUND');
        assert.match(e.message, /linux\/riscv64/);
        return true;
      });
    });
  });

  describe('a wrong byte is an error and nothing of it is kept', () => {
    let proxy: FaultProxy;
    before(async () => {
      proxy = await startFaultProxy(reg.host);
    });
    after(() => proxy.stop());

    test('a corrupted layer', async () => {
      const dst = await Store.open(join(t.path, 'corrupt'));
      const img = await src.resolve('example/busybox:1');
      const layer = img.manifest.layers[0]!;
      proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: new RegExp(`/blobs/${layer.digest}`), action: { kind: 'corrupt', atByte: 1000 } });
      await assert.rejects(pull(dst, `${proxy.host}/library/busybox:1`, anonymous), (e: RegistryError) => {
        assert.equal(e.code, 'BLOB_DIGEST_MISMATCH');
        assert.match(e.message, /nothing was kept/);
        return true;
      });
      assert.equal(await dst.blobs.has(layer.digest), false);
      assert.deepEqual(readdirSync(join(t.path, 'corrupt', 'tmp')), []);
      assert.deepEqual(await dst.entries(), []);
    });

    const hostile: { name: string; body: string; code: string }[] = [
      { name: 'manifest that is not JSON', body: '{"schemaVersion": 2, "config": ', code: 'MANIFEST_INVALID' },
      { name: 'manifest with a negative layer size', body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: sha256Digest('x'), size: 1 }, layers: [{ mediaType: MediaType.ociLayerGzip, digest: sha256Digest('y'), size: -5 }] }), code: 'MANIFEST_INVALID' },
      { name: 'manifest with a malformed digest', body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: 'sha256:XYZ', size: 1 }, layers: [] }), code: 'MANIFEST_INVALID' },
      { name: 'artifact that is not an image', body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: 'application/vnd.example.thing+json', digest: sha256Digest('{}'), size: 2 }, layers: [{ mediaType: 'application/vnd.example.data', digest: sha256Digest('d'), size: 1 }] }), code: 'NOT_AN_IMAGE' },
    ];
    for (const h of hostile) {
      test(`a hostile ${h.name} is refused`, async () => {
        const dst = await Store.open(join(t.path, `hostile-${h.name.replace(/\W+/g, '-')}`));
        proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: /\/manifests\//, action: { kind: 'respond', status: 200, headers: { 'Content-Type': MediaType.ociManifest }, body: h.body } });
        await assert.rejects(pull(dst, `${proxy.host}/library/busybox:1`, anonymous), (e: RegistryError) => {
          assert.equal(e.code, h.code, e.message);
          return true;
        });
        assert.deepEqual(await dst.entries(), []);
      });
    }

    test('a manifest whose bytes do not match the digest asked for', async () => {
      const dst = await Store.open(join(t.path, 'bad-digest'));
      proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: /\/manifests\//, action: { kind: 'corrupt', atByte: 5 } });
      await assert.rejects(pull(dst, `${proxy.host}/library/busybox@${manifestDigest}`, anonymous), (e: RegistryError) => e.code === 'BLOB_DIGEST_MISMATCH');
      assert.deepEqual(await dst.entries(), []);
    });
  });

  test('Docker media types: a schema2 manifest inside a manifest list', async () => {
    const img = await src.resolve('example/busybox:1');
    const docker = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: { mediaType: MediaType.dockerConfig, digest: img.manifest.config.digest, size: img.manifest.config.size },
        layers: img.manifest.layers.map((l) => ({ mediaType: MediaType.dockerLayerGzip, digest: l.digest, size: l.size })),
      }),
    );
    const dockerDigest = sha256Digest(docker);
    await src.blobs.put(docker);
    await src.addImage({ mediaType: MediaType.dockerManifest, digest: dockerDigest, size: docker.byteLength }, ['example/docker:1']);
    await push(src, `${reg.host}/dockerfmt/app:single`, { ...anonymous, source: 'example/docker:1' });
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifestList,
        manifests: [{ mediaType: MediaType.dockerManifest, digest: dockerDigest, size: docker.byteLength, platform: { os: 'linux', architecture: img.configDoc.config.architecture } }],
      }),
    );
    await new RegistryClient(reg.host, anonymous).putManifest('dockerfmt/app', 'list', list, MediaType.dockerManifestList);
    const dst = await Store.open(join(t.path, 'docker-types'));
    const res = await pull(dst, `${reg.host}/dockerfmt/app:list`, anonymous);
    assert.equal(res.indexDigest, sha256Digest(list));
    assert.equal(res.digest, dockerDigest);
    assert.equal(res.mediaType, MediaType.dockerManifest);
    assert.equal((await dst.resolve(`${reg.host}/dockerfmt/app:list`)).manifestDoc.mediaType, MediaType.dockerManifest);
  });

  test('at most three blobs move at once, in a push and in a pull', async () => {
    const layers = [];
    for (let i = 0; i < 7; i++) layers.push((await writeLayer(src, [await packToBuffer([{ header: { name: `f${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }, body: `layer ${i}` }])])));
    const created = '1970-01-01T00:00:00Z';
    await writeImage(src, { created, architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) } }, layers.map((l) => l.descriptor), ['local/seven:1']);
    const proxy = await startFaultProxy(reg.host);
    try {
      proxy.rules.push({ path: /\/blobs\//, times: 1000, action: { kind: 'delay', ms: 100 } });
      await push(src, `${proxy.host}/conc/seven:1`, { ...anonymous, source: 'local/seven:1', mount: false });
      assert.equal(proxy.maxOverlap((e) => e.method === 'PATCH' && e.path.includes('/blobs/uploads/')), 3);
      // The existence checks are small: all eight blobs (seven layers and the config) are asked at once.
      assert.equal(proxy.maxOverlap((e) => e.method === 'HEAD' && e.path.includes('/blobs/')), 8);
      const dst = await Store.open(join(t.path, 'seven'));
      await pull(dst, `${proxy.host}/conc/seven:1`, anonymous);
      assert.equal(proxy.maxOverlap((e) => e.method === 'GET' && e.path.includes('/blobs/')), 3);
    } finally {
      await proxy.stop();
    }
  });

  test('a session reuses one client per registry', () => {
    const s = new RegistrySession(anonymous);
    assert.equal(s.client(reg.host), s.client(reg.host));
  });
});

describe('a built image (uncompressed layers) goes up as gzip twins', () => {
  const t = tempDir('strata-reg-twins-');
  let reg: TestRegistry;
  let store: Store;
  before(async () => {
    reg = await startRegistry(join(t.path, 'registry'));
    store = await Store.open(join(t.path, 'store'));
  });
  after(async () => {
    await reg.stop();
    t.cleanup();
  });

  test('compressing, then compressed into the twin; the registry holds gzip layers with the same diffIDs; a re-push compresses nothing', async () => {
    const base = await makeBusyboxImage(store, ['local/base:1']);
    const baseManifest = (await store.resolve('local/base:1')).manifest;
    const body = Buffer.alloc(300_000, 'strata ');
    const tar = await writeLayer(store, [await packToBuffer([{ header: { name: 'app/data.txt', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) }, body }])], { compression: 'none' });
    assert.equal(tar.descriptor.mediaType, MediaType.ociLayer);
    const baseConfig = JSON.parse(Buffer.from(await store.blobs.read(base.configDescriptor.digest)).toString('utf8'));
    const config = { ...baseConfig, rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, tar.diffID] } };
    const img = await writeImage(store, config, [...baseManifest.layers, tar.descriptor], ['local/app:1']);

    const events: ProgressEvent[] = [];
    const res = await push(store, `${reg.host}/team/app:1`, { ...anonymous, source: 'local/app:1', onProgress: (b) => events.push(...b) });
    assert.notEqual(res.digest, img.descriptor.digest, 'the registry form is a manifest of its own');
    const mine = events.filter((e) => e.kind === 'blob' && e.digest === tar.descriptor.digest).map((e) => e.state);
    assert.equal(mine[0], 'compressing');
    assert.equal(mine[mine.length - 1], 'compressed');
    const compressed = events.find((e) => e.kind === 'blob' && e.state === 'compressed');
    assert.ok(compressed && compressed.kind === 'blob' && compressed.state === 'compressed');
    assert.ok(compressed.intoSize < body.length / 10, `gzip of a repetitive tar is small (${compressed.intoSize})`);
    // Streamed: gzipped into one chunked PATCH while it was made (and stored), then closed by its digest.
    const twinStates = events.filter((e) => e.kind === 'blob' && e.digest === compressed.into).map((e) => e.state);
    assert.deepEqual(twinStates, ['done']);
    const twinBlob = res.blobs.find((b) => b.digest === compressed.into);
    assert.equal(twinBlob?.action, 'uploaded');
    assert.equal(twinBlob?.bytesSent, compressed.intoSize);
    assert.ok(await store.blobs.has(compressed.into), 'the twin is kept in the store');

    // The registry's manifest: gzip layers (the base's as they were, the built one its twin), the same config.
    const client = new RegistryClient(reg.host, anonymous);
    const got = await client.getManifest('team/app', '1');
    assert.equal(got.digest, res.digest);
    const m = JSON.parse(Buffer.from(got.bytes).toString('utf8'));
    assert.deepEqual(m.layers.map((l: { mediaType: string }) => l.mediaType), [MediaType.ociLayerGzip, MediaType.ociLayerGzip]);
    assert.deepEqual(m.layers[0], baseManifest.layers[0]);
    assert.equal(m.layers[1].digest, compressed.into);
    assert.equal(m.config.digest, img.configDescriptor.digest);

    // Pulled into an empty store: the diffIDs check out against the config (pull verifies them).
    const fresh = await Store.open(join(t.path, 'fresh'));
    const pulled = await pull(fresh, `${reg.host}/team/app:1`, anonymous);
    assert.equal(pulled.digest, res.digest);
    assert.deepEqual(await layerInfo(fresh, compressed.into), { diffID: tar.diffID, uncompressedSize: tar.uncompressedSize });

    // Again: the twin is known, nothing is compressed or sent, the same digest.
    const again: ProgressEvent[] = [];
    const res2 = await push(store, `${reg.host}/team/app:1`, { ...anonymous, source: 'local/app:1', onProgress: (b) => again.push(...b) });
    assert.equal(res2.digest, res.digest);
    assert.equal(res2.bytesUploaded, 0);
    assert.ok(!again.some((e) => e.kind === 'blob' && (e.state === 'compressing' || e.state === 'compressed')));

    // By digest: the registry form's digest is the one to name; the stored one is refused, saying why.
    await push(store, `${reg.host}/team/app@${res.digest}`, { ...anonymous, source: 'local/app:1' });
    await assert.rejects(push(store, `${reg.host}/team/app@${img.descriptor.digest}`, { ...anonymous, source: 'local/app:1' }), (e: RegistryError) => e.code === 'DIGEST_INVALID' && e.message.includes(`stored as ${img.descriptor.digest}`));
  });
});
