import { compareNames } from '../layer/paths.ts';
import { adviseGroup, type Advice } from './advice.ts';
import { Kind, hashHex, sameContent, type LayerIndex } from './file-index.ts';
import { FsTree, NONE } from './fs-tree.ts';
import type { ImageModel, LayerMeta, SourceLine } from './image-model.ts';

export type WasteKind = 'deleted' | 'overwritten' | 'duplicate';

/** WasteItem is one copy of a file's bytes the image carries for nothing, counted once. */
export interface WasteItem {
  path: string;
  size: number;
  kind: WasteKind;
  /** The layer whose bytes are wasted (the one that wrote them): the waste is charged to it. */
  layer: number;
  /** deleted/overwritten: the layer that deleted or replaced the file; duplicate: the layer holding the copy kept. */
  byLayer: number;
  /** overwritten: the new entry has the very same content (a chmod, chown or touch rewrote it). */
  sameContent?: boolean;
  /** duplicate: the path of the copy kept. */
  original?: string;
  sha256: string | null;
}

/** LayerWaste is one layer's share: what it carries, and what of it is wasted. */
export interface LayerWaste {
  index: number;
  digest: string;
  instruction: string | null;
  createdBy: string | null;
  source: SourceLine | null;
  base: boolean;
  /** Entries that are not directories (files, links, devices). */
  files: number;
  fileBytes: number;
  /** Bytes of this layer wasted (deleted, overwritten later, or duplicating a lower layer). */
  wastedBytes: number;
  /** Bytes of lower layers this layer deleted or overwrote. */
  causedBytes: number;
}

/** LineWaste sums the waste charged to one Dockerfile line. */
export interface LineWaste {
  file: string;
  line: number;
  instruction: string | null;
  createdBy: string | null;
  wastedBytes: number;
  layers: number[];
}

/** WasteReport is the image's waste, efficiency and advice. */
export interface WasteReport {
  image: { digest: string; references: string[] };
  /** Bytes of file content over all layers (every copy). */
  totalBytes: number;
  wastedBytes: number;
  /** 1 − wasted/total (1 for an image with no file bytes). */
  efficiency: number;
  baseLayers: number;
  /** Bytes of the layers above the base image, and the waste they cause or carry (dive's user waste, without
   * waste that stays inside the base). */
  userBytes: number;
  userWastedBytes: number;
  /** userWastedBytes / userBytes (a ratio; 0 when there are no user bytes). */
  userWastedPercent: number;
  wasteCount: number;
  layers: LayerWaste[];
  byLine: LineWaste[];
  topFiles: WasteItem[];
  advice: Advice[];
}

export interface WasteOptions {
  /** How many of the largest waste items to list (default 20). */
  top?: number;
  /** Give advice for groups of waste of at least this many bytes (default 100 kB). */
  adviceMinBytes?: number;
}

/** analyzeWaste replays the layers and charges every wasted copy once: a file a later layer deletes or
 * replaces is wasted whole (its bytes stay in its layer), and of identical files surviving in several
 * layers, all but the lowest copy are wasted. Nothing counted twice (unlike dive, wagoodman/dive#684). */
export function analyzeWaste(model: ImageModel, opts: WasteOptions = {}): WasteReport {
  const n = model.layers.length;
  const items: WasteItem[] = [];
  const tree = new FsTree(model.indexes);
  for (let k = 0; k < n; k++) {
    const applied = tree.apply(k);
    for (const top of applied.removed.values()) {
      tree.walk(top, (node, p) => {
        const ix = tree.index(node);
        const i = tree.idxOf[node] as number;
        if (!ix || ix.kinds[i] !== Kind.FILE || (ix.sizes[i] as number) === 0) return;
        const now = tree.lookup(p);
        const item: WasteItem = { path: '/' + p, size: ix.sizes[i] as number, kind: now !== NONE ? 'overwritten' : 'deleted', layer: tree.layerOf[node] as number, byLayer: k, sha256: hashHex(ix, i) };
        if (now !== NONE && tree.kindOf(now) === Kind.FILE) item.sameContent = sameContent(ix, i, tree.index(now) as LayerIndex, tree.idxOf[now] as number);
        items.push(item);
      });
    }
  }
  // Duplicates among the files that survive: same content in several layers keeps the lowest copy.
  const groups = new Map<string, { layer: number; path: string; size: number }[]>();
  tree.walk(tree.root, (node, p) => {
    const ix = tree.index(node);
    const i = tree.idxOf[node] as number;
    if (!ix || ix.kinds[i] !== Kind.FILE || (ix.sizes[i] as number) === 0) return;
    const h = hashHex(ix, i) as string;
    const g = groups.get(h);
    const rec = { layer: tree.layerOf[node] as number, path: p, size: ix.sizes[i] as number };
    if (g) g.push(rec);
    else groups.set(h, [rec]);
  });
  for (const [sha, g] of groups) {
    if (g.length < 2) continue;
    g.sort((a, b) => a.layer - b.layer || compareNames(a.path, b.path));
    const kept = g[0] as { layer: number; path: string; size: number };
    const seen = new Set([kept.layer]);
    for (const c of g) {
      if (seen.has(c.layer)) continue;
      seen.add(c.layer);
      items.push({ path: '/' + c.path, size: c.size, kind: 'duplicate', layer: c.layer, byLayer: kept.layer, original: '/' + kept.path, sha256: sha });
    }
  }

  const layers: LayerWaste[] = model.layers.map((l, i) => {
    const ix = model.indexes[i] as LayerIndex;
    let files = 0;
    for (let j = 0; j < ix.count; j++) if (ix.kinds[j] !== Kind.DIR && ix.kinds[j] !== Kind.WHITEOUT && ix.kinds[j] !== Kind.OPAQUE) files++;
    return { index: i, digest: l.digest, instruction: l.instruction, createdBy: l.createdBy, source: l.source, base: l.base, files, fileBytes: ix.fileBytes, wastedBytes: 0, causedBytes: 0 };
  });
  let wastedBytes = 0;
  let userWastedBytes = 0;
  for (const it of items) {
    wastedBytes += it.size;
    (layers[it.layer] as LayerWaste).wastedBytes += it.size;
    if (it.kind !== 'duplicate') (layers[it.byLayer] as LayerWaste).causedBytes += it.size;
    const userCaused = it.kind !== 'duplicate' && !(model.layers[it.byLayer] as LayerMeta).base;
    if (!(model.layers[it.layer] as LayerMeta).base || userCaused) userWastedBytes += it.size;
  }
  const totalBytes = layers.reduce((s, l) => s + l.fileBytes, 0);
  const userBytes = layers.reduce((s, l) => s + (l.base ? 0 : l.fileBytes), 0);

  const lines = new Map<string, LineWaste>();
  for (const l of layers) {
    if (!l.source || l.wastedBytes === 0) continue;
    const key = `${l.source.file}:${l.source.line}`;
    const lw = lines.get(key) ?? { file: l.source.file, line: l.source.line, instruction: l.instruction, createdBy: l.createdBy, wastedBytes: 0, layers: [] };
    lw.wastedBytes += l.wastedBytes;
    lw.layers.push(l.index);
    lines.set(key, lw);
  }
  const byLine = [...lines.values()].sort((a, b) => b.wastedBytes - a.wastedBytes || a.line - b.line);

  // Advice: one per group of waste with the same cause (kind, writer, deleter), largest first.
  const adviceGroups = new Map<string, WasteItem[]>();
  for (const it of items) {
    const key = `${it.kind}|${it.layer}|${it.byLayer}|${it.sameContent ? 1 : 0}`;
    const g = adviceGroups.get(key);
    if (g) g.push(it);
    else adviceGroups.set(key, [it]);
  }
  const minAdvice = opts.adviceMinBytes ?? 100_000;
  const advice: Advice[] = [];
  for (const g of adviceGroups.values()) {
    const bytes = g.reduce((s, it) => s + it.size, 0);
    if (bytes < minAdvice) continue;
    g.sort((a, b) => b.size - a.size || compareNames(a.path, b.path));
    const first = g[0] as WasteItem;
    advice.push(adviseGroup({ kind: first.kind, sameContent: !!first.sameContent, writer: model.layers[first.layer] as LayerMeta, by: model.layers[first.byLayer] as LayerMeta, items: g, bytes }));
  }
  advice.sort((a, b) => b.bytes - a.bytes);

  const sorted = [...items].sort((a, b) => b.size - a.size || compareNames(a.path, b.path));
  return {
    image: { digest: model.image.digest, references: model.image.references },
    totalBytes,
    wastedBytes,
    efficiency: totalBytes > 0 ? 1 - wastedBytes / totalBytes : 1,
    baseLayers: model.baseLayers,
    userBytes,
    userWastedBytes,
    userWastedPercent: userBytes > 0 ? userWastedBytes / userBytes : 0,
    wasteCount: items.length,
    layers,
    byLine,
    topFiles: sorted.slice(0, opts.top ?? 20),
    advice: advice.slice(0, 20),
  };
}
