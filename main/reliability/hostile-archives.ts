// Hostile archives through `strata load` (docker-save tars, OCI layouts as directories and tars): rejected
// with a typed error or loaded with everything contained; a loaded image's hostile layers are then checked
// out the way a build would (SnapshotCache), into the arena's target. The store stays consistent throughout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SnapshotCache } from '../build/rootfs.ts';
import { MediaType } from '../oci/media-types.ts';
import { load } from '../store/archive/load.ts';
import { fsck } from '../store/fsck.ts';
import { Store } from '../store/store.ts';
import { strata } from '../testing/cli.ts';
import { tempDir } from '../testing/temp.ts';
import { StrataError } from '../util/errors.ts';
import { createArena, removeTree, type Arena } from './arena.ts';
import { dockerArchive, imageConfig, ociImage, ociIndex, ociLayoutDir, sha256 } from './archives.ts';
import { rawTar, type RawEntry } from './raw-tar.ts';
import { countHostile } from './tally.ts';

interface ArchiveCase {
  name: string;
  /** make writes the input (a file or a directory) under work and returns its path. */
  make: (a: Arena, work: string, store: Store) => string | Promise<string>;
  /** reject: load must fail with one of these codes; load: it must succeed; either: typed failure or success. */
  expect: { reject: string[] } | 'load' | 'either';
  /** checkout: unpack each loaded image into the target (where hostile layers meet applyLayer). */
  checkout?: boolean;
}

const layer = (entries: RawEntry[]) => rawTar(entries);
const okLayer = () => layer([{ name: 'hello.txt', body: `hello ${randomBytes(8).toString('hex')}\n` }]);
const INVALID = ['ARCHIVE_INVALID'];

function archiveCases(): ArchiveCase[] {
  const file = (work: string, name: string, bytes: Buffer) => {
    const p = join(work, name);
    writeFileSync(p, bytes);
    return p;
  };
  const hostileLayer = (a: Arena) =>
    layer([
      { name: '../sentinel/pwned', body: 'PWNED' },
      { name: 'esc', type: '2', linkname: a.sentinel },
      { name: 'esc/pwned', body: 'PWNED' },
    ]);
  const writeThrough = (a: Arena) =>
    layer([
      { name: 'esc', type: '2', linkname: a.sentinel },
      { name: 'esc/pwned', body: 'PWNED' },
      { name: 'k', type: '2', linkname: join(a.sentinel, 'keep.txt') },
      { name: 'k', body: 'PWNED' },
      { name: 'dev/sda', type: '4', devmajor: 0, devminor: 0, mode: 0o600 },
      { name: 'bin/su', body: 'x', mode: 0o4755 },
    ]);
  return [
    { name: 'a valid docker archive loads (control)', expect: 'load', make: (_a, w) => file(w, 'ok.tar', dockerArchive({ layers: [okLayer()] })) },
    { name: 'manifest.json names a layer outside the archive', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: (m) => [{ ...m[0], Layers: ['../../../sentinel/keep.txt'] }] })) },
    { name: 'manifest.json names an absolute config', expect: { reject: INVALID }, make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: (m) => [{ ...m[0], Config: join(a.sentinel, 'keep.txt') }] })) },
    { name: 'archive entry with an absolute name', expect: { reject: INVALID }, make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], before: [{ name: join(a.sentinel, 'pwned'), body: 'PWNED' }] })) },
    { name: 'archive entry climbing out with ../', expect: 'either', make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], before: [{ name: `../../../../../..${a.sentinel}/pwned`, body: 'PWNED' }, { name: `../${a.marker}`, body: 'PWNED' }] })) },
    { name: 'manifest.json is a symlink to a host file', expect: { reject: INVALID }, make: (a, w) => file(w, 'x.tar', rawTar([{ name: 'manifest.json', type: '2', linkname: join(a.sentinel, 'keep.txt') }])) },
    { name: 'a symlinked directory in the archive, files written below it', expect: 'either', make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], before: [{ name: 'blobs', type: '2', linkname: a.sentinel }, { name: 'blobs/pwned', body: 'PWNED' }] })) },
    { name: 'a hard link to a host file in the archive', expect: 'either', make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], before: [{ name: 'h', type: '1', linkname: join(a.sentinel, 'keep.txt') }] })) },
    { name: 'a file, then a file below it', expect: 'either', make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], before: [{ name: 'a', body: 'x' }, { name: 'a/b', body: 'y' }] })) },
    { name: 'loaded layer with ../ and a symlink out: checkout contains it', expect: 'load', checkout: true, make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [hostileLayer(a)] })) },
    { name: 'loaded layer writing through symlinks, a device and setuid: checkout contains it', expect: 'load', checkout: true, make: (a, w) => file(w, 'x.tar', dockerArchive({ layers: [writeThrough(a)] })) },
    { name: 'layer bytes that do not match the config diff_id', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], storedLayers: [layer([{ name: 'evil.txt', body: 'evil' }])] })) },
    { name: 'a gzip layer that does not decompress', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], storedLayers: [Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(3000)])] })) },
    { name: 'config is not JSON', expect: { reject: ['CONFIG_INVALID'] }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], config: Buffer.from('{"architecture": ') })) },
    { name: 'config with fewer layers than manifest.json', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], config: imageConfig([]) })) },
    { name: 'an invalid RepoTag', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], repoTags: ['UPPER/Case:../..'] })) },
    { name: 'a layer named in manifest.json is missing', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: (m) => [{ ...m[0], Layers: ['nope/layer.tar'] }] })) },
    { name: 'a layer path that is a directory', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: (m) => [{ ...m[0], Layers: ['layer0'] }] })) },
    { name: 'manifest.json is an object', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: () => ({ Config: 'x' }) })) },
    { name: 'manifest.json entry of the wrong types', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', dockerArchive({ layers: [okLayer()], manifest: () => [{ Config: 42, Layers: 'no' }, null] })) },
    { name: 'corrupt gzip archive', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(5000)])) },
    { name: 'archive cut in half', expect: { reject: INVALID }, make: (_a, w) => { const t = dockerArchive({ layers: [okLayer(), layer([{ name: 'big', body: randomBytes(200_000) }])] }); return file(w, 'x.tar', t.subarray(0, t.length >> 1)); } },
    { name: 'random bytes', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', randomBytes(100_000)) },
    { name: 'an empty file', expect: { reject: INVALID }, make: (_a, w) => file(w, 'x.tar', Buffer.alloc(0)) },
    {
      name: 'OCI layout: a valid image loads (control)',
      expect: 'load',
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        return ociLayoutDir(join(w, 'oci'), ociIndex(img.manifest), [img.manifest, img.config, ...img.layers]);
      },
    },
    {
      name: 'OCI layout: a layer whose bytes do not match its digest',
      expect: { reject: ['BLOB_DIGEST_MISMATCH'] },
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        const bad = { ...img.layers[0]!, bytes: gzipSync(layer([{ name: 'evil', body: 'evil!' }])) };
        bad.bytes = bad.bytes.length === img.layers[0]!.size ? bad.bytes : Buffer.concat([bad.bytes, Buffer.alloc(Math.max(0, img.layers[0]!.size - bad.bytes.length))]).subarray(0, img.layers[0]!.size);
        return ociLayoutDir(join(w, 'oci'), ociIndex(img.manifest), [img.manifest, img.config, bad]);
      },
    },
    {
      name: 'OCI layout: a layer longer than its descriptor says',
      expect: { reject: ['BLOB_SIZE_MISMATCH'] },
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        return ociLayoutDir(join(w, 'oci'), ociIndex(img.manifest), [img.manifest, img.config, { ...img.layers[0]!, bytes: Buffer.concat([img.layers[0]!.bytes, Buffer.alloc(10)]) }]);
      },
    },
    {
      name: 'OCI layout: a manifest claiming a petabyte layer',
      expect: { reject: ['BLOB_SIZE_MISMATCH', 'MANIFEST_INVALID'] },
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        const m = JSON.parse(img.manifest.bytes.toString());
        m.layers[0].size = 1e15;
        const bytes = Buffer.from(JSON.stringify(m));
        const manifest = { mediaType: MediaType.ociManifest, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes };
        return ociLayoutDir(join(w, 'oci'), ociIndex(manifest), [manifest, img.config, ...img.layers]);
      },
    },
    {
      name: 'OCI layout: a manifest lying about the size of a blob the store already has',
      expect: { reject: ['BLOB_SIZE_MISMATCH'] },
      make: async (_a, w, store) => {
        const img = ociImage([okLayer()]);
        await load(store, ociLayoutDir(join(w, 'first'), ociIndex(img.manifest, 'docker.io/strata-test/first:1'), [img.manifest, img.config, ...img.layers]));
        const m = JSON.parse(img.manifest.bytes.toString());
        m.layers[0].size = 1e15;
        const bytes = Buffer.from(JSON.stringify(m));
        const manifest = { mediaType: MediaType.ociManifest, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes };
        return ociLayoutDir(join(w, 'oci'), ociIndex(manifest), [manifest, img.config, ...img.layers]);
      },
    },
    { name: 'OCI layout: index.json is not JSON', expect: { reject: INVALID }, make: (_a, w) => ociLayoutDir(join(w, 'oci'), '{"schemaVersion": 2, "manifests": [', []) },
    { name: 'OCI layout: index.json of the wrong shape', expect: { reject: INVALID }, make: (_a, w) => ociLayoutDir(join(w, 'oci'), { schemaVersion: 2, manifests: 'all of them' }, []) },
    {
      name: 'OCI layout: an index inside an index inside an index',
      expect: { reject: INVALID },
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        const wrap = (child: { mediaType: string; digest: string; size: number }, platform: boolean) => {
          const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: child.mediaType, digest: child.digest, size: child.size, ...(platform ? { platform: { os: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch } } : {}) }] }));
          return { mediaType: MediaType.ociIndex, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes };
        };
        const inner = wrap(img.manifest, true);
        const outer = wrap(inner, true);
        return ociLayoutDir(join(w, 'oci'), ociIndex(outer), [outer, inner, img.manifest, img.config, ...img.layers]);
      },
    },
    {
      name: 'OCI layout: a blob is missing',
      expect: { reject: INVALID },
      make: (_a, w) => {
        const img = ociImage([okLayer()]);
        return ociLayoutDir(join(w, 'oci'), ociIndex(img.manifest), [img.manifest, img.config]);
      },
    },
    {
      name: 'OCI layout: the manifest is not a manifest',
      expect: { reject: ['MANIFEST_INVALID', 'BLOB_DIGEST_MISMATCH'] },
      make: (_a, w) => {
        const bytes = Buffer.from('{"hello": "world"}');
        const m = { mediaType: MediaType.ociManifest, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes };
        return ociLayoutDir(join(w, 'oci'), ociIndex(m), [m]);
      },
    },
    {
      name: 'OCI layout in a tar, with a hostile layer: checkout contains it',
      expect: 'load',
      checkout: true,
      make: (a, w) => {
        const img = ociImage([hostileLayer(a)]);
        const entries: RawEntry[] = [
          { name: 'oci-layout', body: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
          { name: 'index.json', body: JSON.stringify(ociIndex(img.manifest)) },
          ...[img.manifest, img.config, ...img.layers].map((b) => ({ name: `blobs/sha256/${b.digest.slice(7)}`, body: b.bytes })),
        ];
        return file(w, 'oci.tar', rawTar(entries));
      },
    },
  ];
}

/** hostileArchiveSuite registers the `strata load` cases. */
export function hostileArchiveSuite(): void {
  describe('hostile archives through strata load: typed errors, contained layers, a consistent store', () => {
    const t = tempDir('strata-load-');
    let a: Arena;
    let store: Store;
    let n = 0;
    before(async () => {
      a = createArena();
      store = await Store.open(join(t.path, 'home'));
    });
    after(() => {
      a.cleanup();
      removeTree(t.path);
    });

    for (const c of archiveCases()) {
      test(c.name, async () => {
        const work = join(t.path, `case-${n++}`);
        mkdirSync(work);
        const input = await c.make(a, work, store);
        a.reset();
        const tagsBefore = (await store.entries()).length;
        let loaded: Awaited<ReturnType<typeof load>> | null = null;
        let err: unknown = null;
        try {
          loaded = await load(store, input);
        } catch (e) {
          err = e;
        }
        countHostile('load');
        if (err !== null && !(err instanceof StrataError)) throw new Error(`${c.name}: untyped error ${(err as Error)?.stack ?? String(err)}`);
        if (c.expect === 'load') assert.equal(err, null, `${c.name}: ${(err as Error | null)?.message}`);
        if (typeof c.expect === 'object') {
          assert.ok(err instanceof StrataError, `${c.name}: loaded, expected ${c.expect.reject.join(' or ')}`);
          assert.ok(c.expect.reject.includes(err.code), `${c.name}: ${err.code} (${err.message}), expected ${c.expect.reject.join(' or ')}`);
          assert.equal((await store.entries()).length, tagsBefore, 'a rejected archive names nothing');
        }
        if (loaded && c.checkout) {
          for (const l of loaded) {
            const img = await store.resolve(l.digest);
            try {
              await new SnapshotCache(store).checkout(img.manifest.layers, a.target);
            } catch (e) {
              if (!(e instanceof StrataError) || !/^LAYER_/.test(e.code)) throw e;
            }
            countHostile('load');
          }
        }
        a.check(c.name);
        assert.deepEqual(readdirSync(store.tmpDir), [], 'load leaves nothing in tmp/');
        const r = await fsck(store);
        assert.ok(r.consistent && r.problems.length === 0, JSON.stringify(r.problems));
      });
    }

    test('unpacked layers live where only the store owner can reach them (tmp/, snapshots/ are 0700)', () => {
      for (const d of [store.tmpDir, join(store.home, 'snapshots')]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
    });

    test('through the real CLI: exit 1 and one error line, no stack trace', () => {
      const work = join(t.path, 'cli');
      mkdirSync(work);
      for (const [bytes, pattern] of [
        [dockerArchive({ layers: [okLayer()], manifest: (m) => [{ ...m[0], Layers: ['../../../etc/shadow'] }] }), /points outside the archive/],
        [randomBytes(10_000), /cannot read archive|neither a docker-save archive/],
      ] as const) {
        const input = join(work, `in-${n++}.tar`);
        writeFileSync(input, bytes);
        const r = strata(join(t.path, 'home'), ['load', '-i', input]);
        countHostile('load');
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^Error: /);
        assert.match(r.stderr, pattern);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    });
  });
}
