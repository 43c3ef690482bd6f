// Image archives built by hand (docker-save tars and OCI layouts) so `strata load` can be fed hostile ones.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../oci/media-types.ts';
import { hostPlatform } from '../oci/platform.ts';
import { rawTar, type RawEntry } from './raw-tar.ts';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** imageConfig is a minimal config for layers with the given diffIDs (hex). */
export function imageConfig(diffIDs: string[]): Buffer {
  const p = hostPlatform();
  return Buffer.from(JSON.stringify({ architecture: p.architecture, os: p.os, config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIDs.map((h) => `sha256:${h}`) } }));
}

export interface DockerArchiveOptions {
  layers: Buffer[];
  repoTags?: string[];
  /** Replace what manifest.json says (after the default is built). */
  manifest?: (m: { Config: string; RepoTags: string[]; Layers: string[] }[]) => unknown;
  config?: Buffer;
  /** Entries written before the archive's own. */
  before?: RawEntry[];
  /** Entries written after. */
  extra?: RawEntry[];
  /** Layer bytes stored instead of the ones the diffIDs were computed from. */
  storedLayers?: Buffer[];
}

/** dockerArchive builds a `docker save` tar. */
export function dockerArchive(o: DockerArchiveOptions): Buffer {
  const diffIDs = o.layers.map((l) => sha256(l));
  const config = o.config ?? imageConfig(diffIDs);
  const configName = `${sha256(config)}.json`;
  const layerNames = o.layers.map((_, i) => `layer${i}/layer.tar`);
  const m = [{ Config: configName, RepoTags: o.repoTags ?? ['strata-test/loaded:1'], Layers: layerNames }];
  const manifest = o.manifest ? o.manifest(m) : m;
  const entries: RawEntry[] = [...(o.before ?? [])];
  entries.push({ name: configName, body: config });
  (o.storedLayers ?? o.layers).forEach((l, i) => entries.push({ name: `layer${i}/`, type: '5' }, { name: layerNames[i] as string, body: l }));
  entries.push({ name: 'manifest.json', body: JSON.stringify(manifest) });
  entries.push(...(o.extra ?? []));
  return rawTar(entries);
}

export interface OciBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

const blob = (mediaType: string, bytes: Buffer): OciBlob => ({ mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length, bytes });

/** ociImage makes the blobs of an image (gzip layers): config, layers, manifest. */
export function ociImage(layerTars: Buffer[]): { manifest: OciBlob; config: OciBlob; layers: OciBlob[] } {
  const layers = layerTars.map((t) => blob(MediaType.ociLayerGzip, gzipSync(t)));
  const config = blob(MediaType.ociConfig, imageConfig(layerTars.map((t) => sha256(t))));
  const desc = (b: OciBlob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  const manifest = blob(MediaType.ociManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc(config), layers: layers.map(desc) })));
  return { manifest, config, layers };
}

/** ociLayoutDir writes an OCI layout: index.json naming `top` (annotated with a name) and the blobs given. */
export function ociLayoutDir(dir: string, index: unknown, blobs: { digest: string; bytes: Buffer }[]): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), typeof index === 'string' ? index : JSON.stringify(index));
  for (const b of blobs) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  return dir;
}

/** ociIndex is an index.json naming one manifest. */
export function ociIndex(manifest: { mediaType: string; digest: string; size: number }, name = 'docker.io/strata-test/oci:1'): unknown {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, annotations: { 'io.containerd.image.name': name } }] };
}
