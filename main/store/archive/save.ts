import { createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { createDigester, digestHex, type Digest } from '../../oci/digest.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { isGzipLayer, MediaType } from '../../oci/media-types.ts';
import { parseDockerRef } from '../../oci/reference.ts';
import { writeFileAtomic } from '../../util/fs-atomic.ts';
import { CONTAINERD_IMAGE_NAME, REF_NAME } from '../index-file.ts';
import { layerInfo, recordLayerInfo } from '../layer-writer.ts';
import { descriptorOf, type Image, type Store } from '../store.ts';

/** SaveItem is one image to export, under the name the user asked for (or untagged). */
interface SaveItem {
  image: Image;
  reference: string | null;
}

async function resolveAll(store: Store, refs: string[]): Promise<SaveItem[]> {
  const items: SaveItem[] = [];
  for (const r of refs) {
    const image = await store.resolve(r);
    let reference: string | null = null;
    try {
      const full = parseDockerRef(r).toString();
      if (image.references.includes(full)) reference = full;
    } catch {
      /* a digest or ID: exported with all its tags */
    }
    if (reference) items.push({ image, reference });
    else if (image.references.length) for (const ref of image.references) items.push({ image, reference: ref });
    else items.push({ image, reference: null });
  }
  return items;
}

/** saveOciLayout writes images into an OCI image layout directory (image-layout.md), as BuildKit's OCI
 * exporter does: `ref.name` is the tag, `io.containerd.image.name` the full name. */
export async function saveOciLayout(store: Store, refs: string[], dir: string): Promise<{ manifests: Descriptor[] }> {
  const items = await resolveAll(store, refs);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const manifests: Descriptor[] = [];
  const copied = new Set<string>();
  for (const { image, reference } of items) {
    for (const d of [image.digest, image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)]) {
      if (copied.has(d)) continue;
      copied.add(d);
      const dest = join(dir, 'blobs', d.split(':')[0] as string, digestHex(d));
      await mkdir(dirname(dest), { recursive: true });
      await rm(dest, { force: true });
      // A copy (a reflink where the filesystem can), never a hard link: edits to the export must not reach the store.
      await copyFile(store.blobs.path(d), dest, constants.COPYFILE_FICLONE);
    }
    const desc = descriptorOf(image);
    if (reference) {
      const ref = parseDockerRef(reference);
      desc.annotations = { [CONTAINERD_IMAGE_NAME]: ref.toString(), [REF_NAME]: ref.tag ?? 'latest' };
    }
    manifests.push(desc);
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n');
  await writeFileAtomic(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }) + '\n');
  return { manifests };
}

/** uncompressedSize knows (or measures once, then remembers) a layer's tar size. */
async function uncompressedSize(store: Store, layer: Descriptor): Promise<{ size: number; diffID?: Digest }> {
  if (!isGzipLayer(layer.mediaType)) return { size: layer.size };
  const info = await layerInfo(store, layer.digest);
  if (info) return { size: info.uncompressedSize, diffID: info.diffID };
  let size = 0;
  const h = createDigester();
  for await (const chunk of store.blobs.open(layer.digest).pipe(createGunzip())) {
    size += (chunk as Buffer).byteLength;
    h.update(chunk as Buffer);
  }
  const diffID = h.digest();
  await recordLayerInfo(store, layer.digest, { diffID, uncompressedSize: size });
  return { size, diffID };
}

/** saveDockerArchive writes images as `docker save` does (manifest.json, <config>.json, <diffid>/layer.tar),
 * readable by `docker load` and skopeo's docker-archive transport. Layers are stored uncompressed, as docker does. */
export async function saveDockerArchive(store: Store, refs: string[], file: string): Promise<void> {
  const items = await resolveAll(store, refs);
  const pack = tar.pack();
  const tmp = `${file}.strata-${process.pid}.tmp`;
  const writing = pipeline(pack, createWriteStream(tmp));
  const entry = (header: Partial<tar.Header> & { name: string }, body?: Buffer) =>
    new Promise<void>((res, rej) => {
      const h = { mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, ...header } as tar.Header;
      const cb = (e?: Error | null) => (e ? rej(e) : res());
      if (body) pack.entry(h, body, cb);
      else pack.entry(h, cb);
    });
  try {
    const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const byImage = new Map<Digest, { Config: string; RepoTags: string[] | null; Layers: string[] }>();
    const repositories: Record<string, Record<string, string>> = {};
    const written = new Set<string>();
    for (const { image, reference } of items) {
      let m = byImage.get(image.digest);
      if (!m) {
        const configName = `${digestHex(image.manifest.config.digest)}.json`;
        if (!written.has(configName)) {
          written.add(configName);
          await entry({ name: configName }, Buffer.from(image.configDoc.bytes));
        }
        const layers: string[] = [];
        const diffIDs = image.configDoc.config.rootfs.diff_ids;
        for (const [i, layer] of image.manifest.layers.entries()) {
          const diffID = diffIDs[i] ?? (await uncompressedSize(store, layer)).diffID ?? layer.digest;
          const name = `${digestHex(diffID)}/layer.tar`;
          layers.push(name);
          if (written.has(name)) continue;
          written.add(name);
          const { size } = await uncompressedSize(store, layer);
          await entry({ name: `${digestHex(diffID)}/`, type: 'directory', mode: 0o755 });
          await entry({ name: `${digestHex(diffID)}/VERSION` }, Buffer.from('1.0'));
          await new Promise<void>((res, rej) => {
            const sink = pack.entry({ name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' } as tar.Header, (e) => (e ? rej(e) : res()));
            const src = store.blobs.open(layer.digest);
            const body = isGzipLayer(layer.mediaType) ? src.pipe(createGunzip()) : src;
            body.on('error', rej);
            body.pipe(sink);
          });
        }
        m = { Config: configName, RepoTags: null, Layers: layers };
        byImage.set(image.digest, m);
        manifest.push(m);
      }
      if (reference) {
        const ref = parseDockerRef(reference);
        (m.RepoTags ??= []).push(ref.familiarString());
        const last = m.Layers[m.Layers.length - 1];
        if (last) (repositories[ref.familiarName] ??= {})[ref.tag ?? 'latest'] = last.split('/')[0] as string;
      }
    }
    await entry({ name: 'manifest.json' }, Buffer.from(JSON.stringify(manifest)));
    await entry({ name: 'repositories' }, Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
    await writing;
    await rename(tmp, file);
  } catch (e) {
    pack.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

