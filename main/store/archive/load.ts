import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { parseConfig } from '../../oci/config.ts';
import { createDigester, digestHex, type Digest } from '../../oci/digest.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { MediaType } from '../../oci/media-types.ts';
import { parseManifestDocument, type ManifestDocument } from '../../oci/manifest.ts';
import { hostPlatform, platformMatches } from '../../oci/platform.ts';
import { parseDockerRef } from '../../oci/reference.ts';
import { StoreError } from '../errors.ts';
import { CONTAINERD_IMAGE_NAME, REF_NAME } from '../index-file.ts';
import { recordLayerInfo, writeLayer } from '../layer-writer.ts';
import type { Store } from '../store.ts';

export interface LoadedImage {
  digest: Digest;
  references: string[];
}

const archiveError = (message: string, details?: Record<string, unknown>) => new StoreError('ARCHIVE_INVALID', message, details);

/** load imports a `docker save` tar, an OCI layout directory, or an OCI layout in a tar, as `docker load` does. */
export async function load(store: Store, input: string): Promise<LoadedImage[]> {
  const st = await stat(input).catch(() => null);
  if (!st) throw archiveError(`cannot read ${input}: no such file or directory`, { input });
  if (st.isDirectory()) return loadOciLayout(store, input);
  // The pid in the name lets fsck tell a dead load's leftovers from a running one's.
  const dir = await mkdtemp(join(store.tmpDir, `load-${process.pid}-`));
  try {
    await extractTar(input, dir);
    const has = async (f: string) => !!(await stat(join(dir, f)).catch(() => null));
    if (await has('manifest.json')) return await loadDockerArchive(store, dir);
    if (await has('index.json')) return await loadOciLayout(store, dir);
    throw archiveError(`${input} is neither a docker-save archive (no manifest.json) nor an OCI layout (no index.json)`, { input });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** extractTar unpacks an archive's regular files into dir, refusing paths that leave it. */
async function extractTar(file: string, dir: string): Promise<void> {
  const head = Buffer.alloc(2);
  const fh = await open(file, 'r');
  await fh.read(head, 0, 2, 0);
  await fh.close();
  const extract = tar.extract();
  const src = createReadStream(file);
  const done = (async () => {
    for await (const entry of extract) {
      const name = normalize(entry.header.name).replace(/^(\.\.(\/|$))+/, '');
      if (name.startsWith('..') || name.startsWith(sep) || name.split(sep).includes('..')) {
        entry.resume();
        throw archiveError(`archive entry "${entry.header.name}" points outside the archive`, { entry: entry.header.name });
      }
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const dest = join(dir, name);
      try {
        await mkdir(join(dest, '..'), { recursive: true });
        await pipeline(entry, createWriteStream(dest));
      } catch (e) {
        // A hostile archive: a file where a directory must be, a name twice as file and directory (issue 7).
        throw archiveError(`cannot unpack archive entry "${entry.header.name}": ${(e as Error).message}`, { entry: entry.header.name });
      }
    }
  })().catch((e) => {
    throw e instanceof StoreError ? e : archiveError(`cannot read archive ${file}: ${(e as Error).message}`);
  });
  const body = head[0] === 0x1f && head[1] === 0x8b ? src.pipe(createGunzip()) : src;
  await Promise.all([pipeline(body, extract).catch((e) => { throw archiveError(`cannot read archive ${file}: ${(e as Error).message}`); }), done]);
}

/** loadDockerArchive reads manifest.json; layers (tar or gzip) are stored gzip-compressed, diffIDs checked against the config. */
async function loadDockerArchive(store: Store, dir: string): Promise<LoadedImage[]> {
  let entries: { Config: string; RepoTags?: string[] | null; Layers: string[] }[];
  try {
    entries = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    if (!Array.isArray(entries)) throw new Error('not an array');
  } catch (e) {
    throw archiveError(`manifest.json of the archive is invalid: ${(e as Error).message}`);
  }
  const loaded: LoadedImage[] = [];
  const lease = await store.lease('load');
  try {
    for (const [n, e] of entries.entries()) {
      if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw archiveError(`manifest.json entry ${n} lacks Config or Layers`);
      const configBytes = await readFile(safeJoin(dir, e.Config)).catch(() => {
        throw archiveError(`the archive lacks ${e.Config}, named in manifest.json`);
      });
      const configDoc = parseConfig(configBytes);
      const diffIDs = configDoc.config.rootfs.diff_ids;
      if (diffIDs.length !== e.Layers.length) throw archiveError(`image ${n}: config lists ${diffIDs.length} layers, manifest.json ${e.Layers.length}`);
      const layers: Descriptor[] = [];
      for (const [i, layerPath] of e.Layers.entries()) {
        const file = safeJoin(dir, layerPath);
        const gz = await isGzipFile(file);
        let desc: Descriptor;
        let diffID: Digest;
        if (gz) {
          // Already compressed (docker 25+ archives may carry OCI blobs): keep the bytes, compute the diffID.
          const info = await store.blobs.write(createReadStream(file));
          const h = createDigester();
          let size = 0;
          try {
            for await (const c of createReadStream(file).pipe(createGunzip())) {
              h.update(c as Buffer);
              size += (c as Buffer).byteLength;
            }
          } catch (err) {
            // A layer that only looks gzipped (issue 7): a typed error, not zlib's.
            throw archiveError(`layer ${layerPath} does not decompress: ${(err as Error).message}`, { layer: layerPath });
          }
          diffID = h.digest();
          await recordLayerInfo(store, info.digest, { diffID, uncompressedSize: size });
          desc = { mediaType: MediaType.ociLayerGzip, digest: info.digest, size: info.size };
        } else {
          // Kept uncompressed, as docker load keeps it and as a build stores its layers: a push gzips it.
          const w = await writeLayer(store, createReadStream(file, { highWaterMark: 1 << 20 }), { compression: 'none' });
          desc = w.descriptor;
          diffID = w.diffID;
        }
        await lease.add(desc.digest);
        if (diffID !== diffIDs[i]) throw archiveError(`layer ${layerPath} hashes to ${diffID}, but the image config says ${diffIDs[i]}`, { layer: layerPath });
        layers.push(desc);
      }
      const refs: string[] = [];
      for (const t of e.RepoTags ?? []) {
        try {
          refs.push(parseDockerRef(t).toString());
        } catch (err) {
          throw archiveError(`manifest.json names an invalid tag "${t}": ${(err as Error).message}`);
        }
      }
      // writeImage re-serialises the config: keep the archive's exact bytes instead, so the image ID is unchanged.
      const cfg = await store.blobs.put(configBytes);
      await lease.add(cfg.digest);
      const { descriptor } = await writeImageWithConfig(store, cfg, layers, refs);
      loaded.push({ digest: descriptor.digest, references: refs });
    }
  } finally {
    await lease.release();
  }
  return loaded;
}

async function writeImageWithConfig(store: Store, cfg: { digest: Digest; size: number }, layers: Descriptor[], refs: string[]) {
  const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: cfg.digest, size: cfg.size }, layers };
  const m = await store.blobs.put(Buffer.from(JSON.stringify(manifest)));
  const descriptor: Descriptor = { mediaType: MediaType.ociManifest, digest: m.digest, size: m.size };
  await store.addImage(descriptor, refs);
  return { descriptor };
}

/** loadOciLayout copies (verifying) every blob an OCI layout's index.json reaches, and names the images. */
async function loadOciLayout(store: Store, dir: string): Promise<LoadedImage[]> {
  let index: ManifestDocument;
  try {
    index = parseManifestDocument(await readFile(join(dir, 'index.json')), MediaType.ociIndex);
  } catch (e) {
    throw archiveError(`index.json of the OCI layout is invalid: ${(e as Error).message}`);
  }
  if (index.kind !== 'index') throw archiveError('index.json of the OCI layout is not an image index');
  const copyBlob = async (d: Descriptor) => {
    const file = join(dir, 'blobs', d.digest.split(':')[0] as string, digestHex(d.digest));
    // Opened only when read: a stream the store never reads (the blob is already there) must not emit an
    // unhandled error for a file the layout lacks (issue 7: that crashed the process).
    const lazy = (async function* () {
      yield* createReadStream(file, { highWaterMark: 1 << 20 });
    })();
    try {
      await store.blobs.write(lazy as AsyncIterable<Uint8Array>, { digest: d.digest, size: d.size });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw archiveError(`the OCI layout lacks blob ${d.digest}`, { digest: d.digest });
      throw e;
    }
  };
  const loaded: LoadedImage[] = [];
  const lease = await store.lease('load');
  try {
    for (const top of index.index.manifests) {
      let desc = top;
      await copyBlob(desc);
      let doc = parseManifestDocument(await store.blobs.read(desc.digest), desc.mediaType);
      if (doc.kind === 'index') {
        const want = hostPlatform();
        const pick = doc.index.manifests.find((m) => platformMatches(want, m.platform));
        if (!pick) throw archiveError(`no manifest for ${want.os}/${want.architecture} in index ${desc.digest}`);
        desc = pick;
        await copyBlob(desc);
        doc = parseManifestDocument(await store.blobs.read(desc.digest), desc.mediaType);
        if (doc.kind !== 'manifest') throw archiveError(`nested index ${desc.digest} is not supported`);
      }
      await lease.add(desc.digest);
      for (const b of [doc.manifest.config, ...doc.manifest.layers]) {
        await copyBlob(b);
        await lease.add(b.digest);
      }
      const refs: string[] = [];
      const name = top.annotations?.[CONTAINERD_IMAGE_NAME] ?? top.annotations?.[REF_NAME];
      // A bare ref.name ("latest") is a tag without a repository: the image loads untagged, as docker does.
      if (name && (name.includes('/') || name.includes(':') || top.annotations?.[CONTAINERD_IMAGE_NAME])) {
        try {
          refs.push(parseDockerRef(name).toString());
        } catch {
          /* not a reference: untagged */
        }
      }
      await store.addImage({ mediaType: doc.mediaType, digest: desc.digest, size: desc.size }, refs);
      loaded.push({ digest: desc.digest, references: refs });
    }
  } finally {
    await lease.release();
  }
  return loaded;
}

function safeJoin(dir: string, rel: string): string {
  const n = normalize(rel);
  if (n.startsWith('..') || n.startsWith(sep) || n.split(sep).includes('..')) throw archiveError(`archive path "${rel}" points outside the archive`);
  return join(dir, n);
}

async function isGzipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => {
    throw archiveError(`the archive lacks ${file.split(sep).slice(-2).join('/')}, named in manifest.json`);
  });
  const b = Buffer.alloc(2);
  try {
    await fh.read(b, 0, 2, 0);
  } catch (e) {
    throw archiveError(`cannot read ${file.split(sep).slice(-2).join('/')} of the archive: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
  return b[0] === 0x1f && b[1] === 0x8b;
}

