// Manifests, indexes, configs and layers from a registry that lies (a scripted server on 127.0.0.1), through
// the real pull: invalid JSON, wrong media types, absurd sizes, index loops, endless bodies, bytes that do not
// match their digest. Each ends in a typed error, the client stops reading early (bounded memory), and the
// store keeps nothing wrong: no tag, no temp file, a consistent fsck.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../oci/media-types.ts';
import { hostPlatform } from '../oci/platform.ts';
import { pull } from '../registry/index.ts';
import { fsck } from '../store/fsck.ts';
import { Store } from '../store/store.ts';
import { tempDir } from '../testing/temp.ts';
import { StrataError } from '../util/errors.ts';
import { imageConfig, ociImage, sha256, type OciBlob } from './archives.ts';
import { startFakeRegistry, type FakeRegistry, type Route, type Sender } from './fake-registry.ts';
import { rawTar } from './raw-tar.ts';
import { countHostile } from './tally.ts';

/** Bytes the client may read of an endless body before it must give up (manifests are capped at 4 MiB,
 * blobs at their descriptor size, sockets buffer a few MiB more). */
const ENDLESS_BOUND = 48 * 1024 * 1024;

interface Docs {
  manifests: Record<string, { type: string; bytes: Buffer }>;
  blobs: Record<string, Buffer>;
}

const doc = (mediaType: string, value: unknown): OciBlob => {
  const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes };
};
const descOf = (b: OciBlob, extra: Record<string, unknown> = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });
const platform = () => ({ os: 'linux', architecture: hostPlatform().architecture });

/** serve answers manifests (by tag `v1` or digest) and blobs from docs; override handles some paths first. */
function serve(docs: Docs, override?: (kind: 'manifests' | 'blobs', ref: string, res: ServerResponse, send: Sender) => boolean): Route {
  return (req, res, send) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(req.url ?? '');
    if (!m) return void send.body(404, 'application/json', '{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}');
    const kind = m[2] as 'manifests' | 'blobs';
    const ref = decodeURIComponent(m[3] as string);
    if (override?.(kind, ref, res, send)) return;
    if (kind === 'manifests') {
      const d = docs.manifests[ref];
      if (!d) return void send.body(404, 'application/json', '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
      return void send.body(200, d.type, d.bytes, { 'docker-content-digest': `sha256:${sha256(d.bytes)}` });
    }
    const b = docs.blobs[ref];
    if (!b) return void send.body(404, 'application/json', '{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}');
    send.body(200, 'application/octet-stream', b);
  };
}

/** imageDocs serves an image under tag v1 (and its digest). */
function imageDocs(img: { manifest: OciBlob; config: OciBlob; layers: OciBlob[] }): Docs {
  const manifests = { v1: { type: img.manifest.mediaType, bytes: img.manifest.bytes }, [img.manifest.digest]: { type: img.manifest.mediaType, bytes: img.manifest.bytes } };
  const blobs: Record<string, Buffer> = { [img.config.digest]: img.config.bytes };
  for (const l of img.layers) blobs[l.digest] = l.bytes;
  return { manifests, blobs };
}

const freshImage = () => ociImage([rawTar([{ name: 'f.txt', body: randomBytes(2048).toString('hex') }])]);

/** withManifest replaces an image's manifest by `m` (an object), serving it under v1. */
function withManifest(img: ReturnType<typeof freshImage>, m: unknown, mediaType: string = MediaType.ociManifest): Docs {
  const d = imageDocs(img);
  const man = doc(mediaType, m);
  d.manifests.v1 = { type: mediaType, bytes: man.bytes };
  d.manifests[man.digest] = { type: mediaType, bytes: man.bytes };
  return d;
}

interface RegistryCase {
  name: string;
  route: () => Route;
  /** Codes accepted (any typed error when empty). */
  codes: string[];
  /** endless: the server would send forever; the client must stop early. */
  endless?: boolean;
  ref?: string;
}

function registryCases(): RegistryCase[] {
  const M = MediaType.ociManifest;
  const manifestOf = (img: ReturnType<typeof freshImage>) => JSON.parse(img.manifest.bytes.toString());
  return [
    { name: 'manifest: invalid JSON', codes: ['MANIFEST_INVALID'], route: () => serve({ manifests: { v1: { type: M, bytes: Buffer.from('{"schemaVersion": 2, "config": {') } }, blobs: {} }) },
    { name: 'manifest: an HTML page', codes: ['MANIFEST_INVALID'], route: () => serve({ manifests: { v1: { type: 'text/html', bytes: Buffer.from('<html><body>login</body></html>') } }, blobs: {} }) },
    { name: 'manifest: unknown media type, not a manifest shape', codes: ['MANIFEST_INVALID'], route: () => serve({ manifests: { v1: { type: 'application/vnd.evil+json', bytes: Buffer.from('{"mediaType":"application/vnd.evil+json","payload":1}') } }, blobs: {} }) },
    { name: 'manifest: schema version 1', codes: ['MANIFEST_INVALID'], route: () => serve({ manifests: { v1: { type: 'application/vnd.docker.distribution.manifest.v1+prettyjws', bytes: Buffer.from('{"schemaVersion":1,"name":"x","fsLayers":[]}') } }, blobs: {} }) },
    { name: 'manifest: 100,000 nested arrays', codes: ['MANIFEST_INVALID'], route: () => serve({ manifests: { v1: { type: M, bytes: Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)) } }, blobs: {} }) },
    { name: 'manifest: a body that never ends', codes: ['MANIFEST_INVALID'], endless: true, route: () => (_req, _res, send) => send.endless(200, M, Buffer.alloc(64 * 1024, 0x20)) },
    {
      name: 'manifest: Content-Length of a terabyte, then the connection drops',
      codes: [],
      route: () => (_req, res) => {
        res.writeHead(200, { 'content-type': M, 'content-length': String(1e12) });
        res.write(Buffer.alloc(1000, 0x20));
        setTimeout(() => res.destroy(), 50);
      },
    },
    {
      name: 'index: an index inside an index',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const img = freshImage();
        const inner = doc(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [descOf(img.manifest, { platform: platform() })] });
        const outer = doc(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: inner.digest, size: inner.size, platform: platform() }] });
        const d = imageDocs(img);
        d.manifests.v1 = { type: MediaType.ociIndex, bytes: outer.bytes };
        d.manifests[inner.digest] = { type: MediaType.ociIndex, bytes: inner.bytes };
        return serve(d);
      },
    },
    {
      name: 'index: a loop (A lists B, B lists A)',
      codes: ['NOT_AN_IMAGE', 'MANIFEST_INVALID', 'BLOB_SIZE_MISMATCH', 'BLOB_DIGEST_MISMATCH'],
      route: () => {
        // Content addressing forbids a true loop; a lying registry serves A's bytes for B's digest.
        const a = doc(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociIndex, digest: `sha256:${'b'.repeat(64)}`, size: 200, platform: platform() }, { mediaType: MediaType.ociManifest, digest: `sha256:${'b'.repeat(64)}`, size: 200, platform: platform() }] });
        return serve({ manifests: { v1: { type: MediaType.ociIndex, bytes: a.bytes }, [`sha256:${'b'.repeat(64)}`]: { type: MediaType.ociIndex, bytes: a.bytes } }, blobs: {} });
      },
    },
    {
      name: 'index: 20,000 entries',
      codes: ['MANIFEST_INVALID'],
      route: () => {
        const entry = { mediaType: M, digest: `sha256:${'c'.repeat(64)}`, size: 100, platform: { os: 'plan9', architecture: 'mips' } };
        return serve({ manifests: { v1: { type: MediaType.ociIndex, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: Array(20_000).fill(entry) })) } }, blobs: {} });
      },
    },
    {
      name: 'index: no image for this platform',
      codes: ['PLATFORM_NOT_FOUND'],
      route: () => serve({ manifests: { v1: { type: MediaType.ociIndex, bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: M, digest: `sha256:${'c'.repeat(64)}`, size: 100, platform: { os: 'plan9', architecture: 'mips' } }] })) } }, blobs: {} }),
    },
    {
      name: 'index: the chosen manifest is not the size the index says',
      codes: ['BLOB_SIZE_MISMATCH', 'MANIFEST_INVALID'],
      route: () => {
        const img = freshImage();
        const idx = doc(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [descOf(img.manifest, { size: img.manifest.size + 7, platform: platform() })] });
        const d = imageDocs(img);
        d.manifests.v1 = { type: MediaType.ociIndex, bytes: idx.bytes };
        return serve(d);
      },
    },
    {
      name: 'index: the chosen manifest is a body that never ends',
      codes: ['BLOB_SIZE_MISMATCH'],
      endless: true,
      route: () => {
        const img = freshImage();
        const idx = doc(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [descOf(img.manifest, { platform: platform() })] });
        const d = imageDocs(img);
        d.manifests.v1 = { type: MediaType.ociIndex, bytes: idx.bytes };
        return serve(d, (kind, ref, _res, send) => {
          if (kind !== 'manifests' || ref !== img.manifest.digest) return false;
          send.endless(200, M, Buffer.alloc(64 * 1024, 0x20));
          return true;
        });
      },
    },
    {
      name: 'manifest: an error page that never ends',
      codes: ['MANIFEST_UNKNOWN', 'NOT_FOUND', 'NAME_UNKNOWN', 'REGISTRY_ERROR'],
      endless: true,
      route: () => (_req, _res, send) => send.endless(404, 'application/json', Buffer.alloc(64 * 1024, 0x20)),
    },
    {
      name: 'manifest: a 500 page that never ends, every retry',
      codes: [],
      endless: true,
      route: () => (_req, _res, send) => send.endless(500, 'text/html', Buffer.alloc(64 * 1024, 0x20)),
    },
    {
      name: 'config: a petabyte',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const img = freshImage();
        const m = manifestOf(img);
        m.config.size = 1e15;
        return serve(withManifest(img, m));
      },
    },
    {
      name: 'config: not JSON (digest and size right)',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const img = freshImage();
        const bad = doc(MediaType.ociConfig, '{"architecture": "amd64", "os": ');
        const m = manifestOf(img);
        m.config = descOf(bad);
        const d = withManifest(img, m);
        d.blobs[bad.digest] = bad.bytes;
        return serve(d);
      },
    },
    {
      name: 'config: bytes that do not match the digest',
      codes: ['BLOB_DIGEST_MISMATCH'],
      route: () => {
        const img = freshImage();
        const d = imageDocs(img);
        const evil = Buffer.from(img.config.bytes.toString().replace('"sh"', '"xx"'));
        d.blobs[img.config.digest] = evil;
        return serve(d);
      },
    },
    {
      name: 'config: a body that never ends',
      codes: ['BLOB_SIZE_MISMATCH', 'BLOB_DIGEST_MISMATCH', 'NOT_AN_IMAGE'],
      endless: true,
      route: () => {
        const img = freshImage();
        return serve(imageDocs(img), (kind, ref, _res, send) => {
          if (kind !== 'blobs' || ref !== img.config.digest) return false;
          send.endless(200, 'application/octet-stream', Buffer.alloc(64 * 1024, 0x20));
          return true;
        });
      },
    },
    {
      name: 'config: an artifact, not an image',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const img = freshImage();
        const m = manifestOf(img);
        m.config.mediaType = 'application/vnd.evil.payload.v1+json';
        return serve(withManifest(img, m));
      },
    },
    {
      name: 'config: fewer diff_ids than layers',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const img = freshImage();
        const cfg = doc(MediaType.ociConfig, imageConfig([]).toString());
        const m = manifestOf(img);
        m.config = descOf(cfg);
        const d = withManifest(img, m);
        d.blobs[cfg.digest] = cfg.bytes;
        return serve(d);
      },
    },
    {
      name: 'layer: bytes that do not match the digest',
      codes: ['BLOB_DIGEST_MISMATCH'],
      route: () => {
        const img = freshImage();
        const d = imageDocs(img);
        const l = img.layers[0]!;
        const evil = Buffer.from(l.bytes);
        evil[evil.length - 9] = (evil[evil.length - 9] as number) ^ 0xff;
        d.blobs[l.digest] = evil;
        return serve(d);
      },
    },
    {
      name: 'layer: a body that never ends',
      codes: ['BLOB_SIZE_MISMATCH'],
      endless: true,
      route: () => {
        const img = freshImage();
        return serve(imageDocs(img), (kind, ref, _res, send) => {
          if (kind !== 'blobs' || ref !== img.layers[0]!.digest) return false;
          send.endless(200, 'application/octet-stream', randomBytes(64 * 1024));
          return true;
        });
      },
    },
    {
      name: 'layer: gzip media type, bytes that are not gzip',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const tar = rawTar([{ name: 'x', body: 'x' }]);
        const layer = doc(MediaType.ociLayerGzip, tar.toString('latin1'));
        layer.bytes = tar;
        layer.digest = `sha256:${sha256(tar)}`;
        layer.size = tar.length;
        const cfg = doc(MediaType.ociConfig, imageConfig([sha256(tar)]).toString());
        const m = doc(M, { schemaVersion: 2, mediaType: M, config: descOf(cfg), layers: [descOf(layer)] });
        return serve({ manifests: { v1: { type: M, bytes: m.bytes } }, blobs: { [cfg.digest]: cfg.bytes, [layer.digest]: tar } });
      },
    },
    {
      name: 'layer: unpacks to another diffID than the config says',
      codes: ['NOT_AN_IMAGE'],
      route: () => {
        const tar = rawTar([{ name: 'x', body: randomBytes(8).toString('hex') }]);
        const gz = gzipSync(tar);
        const layer: OciBlob = { mediaType: MediaType.ociLayerGzip, digest: `sha256:${sha256(gz)}`, size: gz.length, bytes: gz };
        const cfg = doc(MediaType.ociConfig, imageConfig([sha256('something else')]).toString());
        const m = doc(M, { schemaVersion: 2, mediaType: M, config: descOf(cfg), layers: [descOf(layer)] });
        return serve({ manifests: { v1: { type: M, bytes: m.bytes } }, blobs: { [cfg.digest]: cfg.bytes, [layer.digest]: gz } });
      },
    },
    {
      name: 'layer: a negative size',
      codes: [],
      route: () => {
        const img = freshImage();
        const m = manifestOf(img);
        m.layers[0].size = -1;
        return serve(withManifest(img, m));
      },
    },
    {
      name: 'layer: a digest of the wrong length',
      codes: ['MANIFEST_INVALID'],
      route: () => {
        const img = freshImage();
        const m = manifestOf(img);
        m.layers[0].digest = 'sha256:abc';
        return serve(withManifest(img, m));
      },
    },
    {
      name: 'pull by digest: the registry serves other bytes',
      codes: [],
      ref: `@sha256:${'d'.repeat(64)}`,
      route: () => {
        const img = freshImage();
        const d = imageDocs(img);
        d.manifests[`sha256:${'d'.repeat(64)}`] = { type: M, bytes: img.manifest.bytes };
        return serve(d);
      },
    },
    {
      name: 'auth: the token server answers a body that never ends',
      codes: ['REGISTRY_PROTOCOL'],
      endless: true,
      route: () => (req, _res, send) => {
        if (req.url?.startsWith('/token')) return void send.endless(200, 'application/json', Buffer.alloc(64 * 1024, 0x20));
        if (req.headers.authorization) return void send.body(404, 'application/json', '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}');
        send.body(401, 'application/json', '{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}', { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"` });
      },
    },
    {
      name: 'auth: the token server answers a token of 2 MiB',
      codes: ['REGISTRY_PROTOCOL'],
      route: () => (req, _res, send) => {
        if (req.url?.startsWith('/token')) return void send.body(200, 'application/json', JSON.stringify({ token: 't'.repeat(2 << 20) }));
        if (req.headers.authorization) return void send.body(404, 'application/json', '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}');
        send.body(401, 'application/json', '{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}', { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake"` });
      },
    },
    { name: 'auth: 401 with a garbage challenge', codes: [], route: () => (_req, _res, send) => send.body(401, 'text/plain', 'no', { 'www-authenticate': 'Bearer realm=,,,"""service=x, scope="' }) },
    { name: 'redirect of a blob to a cloud metadata address', codes: [], route: () => {
      const img = freshImage();
      return serve(imageDocs(img), (kind, _ref, res) => {
        if (kind !== 'blobs') return false;
        res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return true;
      });
    } },
    { name: 'manifest unknown', codes: ['MANIFEST_UNKNOWN', 'NOT_FOUND', 'NAME_UNKNOWN'], route: () => serve({ manifests: {}, blobs: {} }) },
  ];
}

/** hostileRegistrySuite registers the pull cases against the lying registry. */
export function hostileRegistrySuite(): void {
  describe('hostile registry documents through pull: typed errors, bounded reads, nothing kept', () => {
    const t = tempDir('strata-hreg-');
    let reg: FakeRegistry;
    let store: Store;
    let n = 0;
    before(async () => {
      reg = await startFakeRegistry();
      store = await Store.open(join(t.path, 'home'));
    });
    after(async () => {
      await reg.close();
      t.cleanup();
    });

    for (const c of registryCases()) {
      test(c.name, async () => {
        reg.setRoute(c.route());
        const ref = `${reg.host}/hostile/case${n++}${c.ref ?? ':v1'}`;
        let err: unknown = null;
        try {
          await pull(store, ref, { credentials: null, retry: { attempts: 1 }, timeoutMs: 10_000 });
        } catch (e) {
          err = e;
        }
        countHostile('registry');
        assert.ok(err !== null, `${c.name}: the pull succeeded`);
        if (!(err instanceof StrataError)) throw new Error(`${c.name}: untyped error ${(err as Error)?.stack ?? String(err)}`);
        if (c.codes.length) assert.ok(c.codes.includes(err.code), `${c.name}: ${err.code} (${err.message}), expected ${c.codes.join(' or ')}`);
        if (c.endless) assert.ok(reg.bytesSent < ENDLESS_BOUND, `${c.name}: the client read ${reg.bytesSent} bytes of an endless body`);
        assert.deepEqual(await store.entries(), [], 'nothing was tagged');
        assert.deepEqual(readdirSync(store.tmpDir), [], 'no temp file was left');
        const r = await fsck(store);
        assert.ok(r.consistent && r.problems.length === 0, JSON.stringify(r.problems));
      });
    }
  });
}
