import { layerHistory } from '../oci/config.ts';
import type { Digest } from '../oci/digest.ts';
import type { Image, Store } from '../store/store.ts';
import { ExploreError } from './errors.ts';
import { layerIndex, type LayerIndex } from './file-index.ts';
import { replay, type FsTree, type LayerApply } from './fs-tree.ts';

/** SourceLine is where in a Dockerfile a layer's instruction stands (from Strata's history comments). */
export interface SourceLine {
  file: string;
  line: number;
}

/** LayerMeta is one layer with the history step that made it. */
export interface LayerMeta {
  index: number;
  digest: Digest;
  diffID: Digest | null;
  mediaType: string;
  size: number;
  createdBy: string | null;
  /** The instruction keyword (RUN, COPY, ADD, WORKDIR…), when created_by names one. */
  instruction: string | null;
  source: SourceLine | null;
  /** Whether the layer comes from the base image rather than the image's own Dockerfile. */
  base: boolean;
}

/** ImageModel is an image opened for exploring: its layers, their file indexes and history. */
export interface ImageModel {
  image: Image;
  layers: LayerMeta[];
  indexes: LayerIndex[];
  /** How many bottom layers are the base image's. */
  baseLayers: number;
  /** state memoizes the tree as of a layer (most recent two). */
  state(k: number): { tree: FsTree; last: LayerApply };
}

const INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** instructionOf reads the instruction keyword out of a history created_by, in the forms Strata, BuildKit
 * (`RUN /bin/sh -c … # buildkit`) and the classic builder (`/bin/sh -c #(nop) COPY …`) write. */
export function instructionOf(createdBy: string | null | undefined): string | null {
  if (!createdBy) return null;
  const s = createdBy.trim();
  const nop = /#\(nop\)\s+([A-Za-z]+)/.exec(s);
  if (nop) return (nop[1] as string).toUpperCase();
  const first = (/^[A-Za-z]+/.exec(s)?.[0] ?? '').toUpperCase();
  if (INSTRUCTIONS.has(first) && /^[A-Z]+\b/.test(s)) return first;
  // The classic builder writes a RUN as the bare shell command; build args show as "|N K=V … /bin/sh -c".
  if (/^(\|\d+\s.*?)?\/bin\/(ba|da)?sh\s+-c\s/.test(s) || s.startsWith('cmd /S /C')) return 'RUN';
  return null;
}

/** sourceOf parses Strata's `FILE:LINE` history comment. */
export function sourceOf(comment: string | undefined): SourceLine | null {
  const m = comment ? /^(.+):(\d+)$/.exec(comment.trim()) : null;
  if (!m || /\s/.test(m[1] as string)) return null;
  return { file: m[1] as string, line: Number(m[2]) };
}

/** baseLayerCount finds how many bottom layers came from the base image: the longest layer prefix this
 * image shares with another stored image, else the layers before the first Dockerfile step, else one (as dive). */
export async function baseLayerCount(store: Store, img: Image, sources: (SourceLine | null)[]): Promise<number> {
  const mine = img.configDoc.config.rootfs.diff_ids;
  let best = 0;
  try {
    for (const other of await store.listImages()) {
      const theirs = other.configDoc.config.rootfs.diff_ids;
      if (other.digest === img.digest || theirs.length === 0 || theirs.length >= mine.length || theirs.length <= best) continue;
      if (theirs.every((d, i) => d === mine[i])) best = theirs.length;
    }
  } catch {
    // An unreadable image elsewhere in the store must not stop the analysis of this one.
  }
  if (best > 0) return best;
  const firstSourced = sources.findIndex((s) => s !== null);
  if (firstSourced >= 0) return firstSourced;
  return Math.min(1, mine.length);
}

const models = new Map<string, Promise<ImageModel>>();
const MODEL_CACHE = 4;

/** openImageModel resolves a reference and loads (building where needed) the file index of every layer.
 * Models are kept for the few most recent images: the explorer asks many questions of one image. */
export async function openImageModel(store: Store, ref: string): Promise<ImageModel> {
  const img = await store.resolve(ref);
  const key = `${store.home}\n${img.digest}`;
  let p = models.get(key);
  if (!p) {
    p = loadModel(store, img);
    models.set(key, p);
    p.catch(() => models.delete(key));
    while (models.size > MODEL_CACHE) models.delete(models.keys().next().value as string);
  } else {
    models.delete(key);
    models.set(key, p);
  }
  const m = await p;
  // References move between calls (tag, untag); the cached model keeps the latest.
  m.image.references = img.references;
  return m;
}

async function loadModel(store: Store, img: Image): Promise<ImageModel> {
  const history = layerHistory(img.configDoc.config);
  const diffIds = img.configDoc.config.rootfs.diff_ids;
  const sources = img.manifest.layers.map((_, i) => sourceOf(history[i]?.comment));
  const base = await baseLayerCount(store, img, sources);
  const layers: LayerMeta[] = img.manifest.layers.map((l, i) => ({
    index: i,
    digest: l.digest,
    diffID: diffIds[i] ?? null,
    mediaType: l.mediaType,
    size: l.size,
    createdBy: history[i]?.created_by ?? null,
    instruction: instructionOf(history[i]?.created_by),
    source: sources[i] ?? null,
    base: i < base,
  }));
  const indexes: LayerIndex[] = [];
  // One at a time: indexing is CPU-bound (gunzip + sha256), and the store's copy serves everyone after.
  for (const l of layers) indexes.push(await layerIndex(store, l.digest));
  const states = new Map<number, { tree: FsTree; last: LayerApply }>();
  const model: ImageModel = {
    image: img,
    layers,
    indexes,
    baseLayers: base,
    state(k: number) {
      checkLayer(model, k);
      let s = states.get(k);
      if (!s) {
        const r = replay(indexes, k);
        s = { tree: r.tree, last: r.last as LayerApply };
        states.set(k, s);
        while (states.size > 2) states.delete(states.keys().next().value as number);
      }
      return s;
    },
  };
  return model;
}

/** checkLayer refuses a layer index the image does not have. */
export function checkLayer(model: ImageModel, k: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= model.layers.length) {
    throw new ExploreError('EXPLORE_LAYER_RANGE', `layer ${k} is not in image ${model.image.digest.slice(7, 19)}, which has ${model.layers.length} layer${model.layers.length === 1 ? '' : 's'} (0..${model.layers.length - 1})`, { layer: k, layers: model.layers.length });
  }
}

/** forgetImageModels drops cached models (tests and benchmarks). */
export function forgetImageModels(): void {
  models.clear();
}
