import type { ContainerConfig } from '../oci/config.ts';
import { compareNames, joinRel } from '../layer/paths.ts';
import type { Store } from '../store/store.ts';
import { KIND_NAMES, Kind, sameContent, hashHex, type EntryType, type LayerIndex } from './file-index.ts';
import { NONE, type FsTree, type NodeId } from './fs-tree.ts';
import { openImageModel, type ImageModel } from './image-model.ts';

export type DiffAspect = 'type' | 'content' | 'link' | 'mode' | 'owner';

/** FileDiff is one path that differs between image A and image B. */
export interface FileDiff {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** Entry type in A and B (null where absent). */
  typeA: EntryType | null;
  typeB: EntryType | null;
  sizeA: number | null;
  sizeB: number | null;
  /** For changed entries: what differs (content is compared by sha256, not by size). */
  what?: DiffAspect[];
}

/** ConfigDiff is one runtime setting that differs; for Env, Labels and ExposedPorts one per key. */
export interface ConfigDiff {
  field: 'Env' | 'Cmd' | 'Entrypoint' | 'User' | 'WorkingDir' | 'ExposedPorts' | 'Labels';
  key?: string;
  a: unknown;
  b: unknown;
}

export interface ImageSide {
  digest: string;
  references: string[];
  layers: number;
  fileBytes: number;
}

/** ImageDiff is everything that differs between two images. */
export interface ImageDiff {
  a: ImageSide;
  b: ImageSide;
  /** Layers both images have (same diffID), with their positions. */
  commonLayers: { diffID: string; digestA: string; digestB: string; indexA: number; indexB: number; size: number }[];
  /** How many bottom layers the two share in order (a common base). */
  sharedPrefix: number;
  files: FileDiff[];
  summary: { added: number; removed: number; changed: number; addedBytes: number; removedBytes: number; changedBytes: number };
  config: ConfigDiff[];
}

/** diffImages compares two stored images: files (final filesystems, by content checksum), layers and config. */
export async function diffImages(store: Store, refA: string, refB: string): Promise<ImageDiff> {
  const a = await openImageModel(store, refA);
  const b = await openImageModel(store, refB);
  return diffModels(a, b);
}

/** diffModels is diffImages on opened images. */
export function diffModels(a: ImageModel, b: ImageModel): ImageDiff {
  const files: FileDiff[] = [];
  if (a.layers.length || b.layers.length) {
    const ta = a.layers.length ? a.state(a.layers.length - 1).tree : null;
    const tb = b.layers.length ? b.state(b.layers.length - 1).tree : null;
    walkPair(ta, ta ? ta.root : NONE, tb, tb ? tb.root : NONE, '', files);
  }
  const summary = { added: 0, removed: 0, changed: 0, addedBytes: 0, removedBytes: 0, changedBytes: 0 };
  for (const f of files) {
    summary[f.change]++;
    if (f.change === 'added') summary.addedBytes += f.sizeB ?? 0;
    else if (f.change === 'removed') summary.removedBytes += f.sizeA ?? 0;
    else summary.changedBytes += f.sizeB ?? 0;
  }
  const idsA = a.image.configDoc.config.rootfs.diff_ids;
  const idsB = b.image.configDoc.config.rootfs.diff_ids;
  const posB = new Map<string, number>();
  idsB.forEach((d, i) => posB.has(d) || posB.set(d, i));
  const commonLayers: ImageDiff['commonLayers'] = [];
  const seen = new Set<string>();
  idsA.forEach((d, i) => {
    const j = posB.get(d);
    if (j === undefined || seen.has(d)) return;
    seen.add(d);
    commonLayers.push({ diffID: d, digestA: a.layers[i]?.digest ?? '', digestB: b.layers[j]?.digest ?? '', indexA: i, indexB: j, size: a.layers[i]?.size ?? 0 });
  });
  let sharedPrefix = 0;
  while (sharedPrefix < idsA.length && sharedPrefix < idsB.length && idsA[sharedPrefix] === idsB[sharedPrefix]) sharedPrefix++;
  const side = (m: ImageModel): ImageSide => ({ digest: m.image.digest, references: m.image.references, layers: m.layers.length, fileBytes: m.indexes.reduce((s, ix) => s + ix.fileBytes, 0) });
  return { a: side(a), b: side(b), commonLayers, sharedPrefix, files, summary, config: diffConfig(a.image.configDoc.config.config ?? {}, b.image.configDoc.config.config ?? {}) };
}

interface Meta {
  type: EntryType;
  kind: number;
  size: number;
  ix: LayerIndex | null;
  i: number;
}

function meta(t: FsTree, n: NodeId): Meta {
  const kind = t.kindOf(n);
  return { type: KIND_NAMES[kind] as EntryType, kind, size: t.ownSize(n), ix: t.index(n), i: t.idxOf[n] as number };
}

/** walkPair compares two directories' children by name, recursing where both are directories; a
 * directory on one side only lists everything below it. */
function walkPair(ta: FsTree | null, na: NodeId, tb: FsTree | null, nb: NodeId, path: string, out: FileDiff[]): void {
  const names = new Set<string>();
  if (ta && na !== NONE) for (const c of ta.children(na)) names.add(ta.name(c));
  if (tb && nb !== NONE) for (const c of tb.children(nb)) names.add(tb.name(c));
  for (const name of [...names].sort(compareNames)) {
    const p = joinRel(path, name);
    const ca = ta ? ta.lookup(p) : NONE;
    const cb = tb ? tb.lookup(p) : NONE;
    const ma = ta && ca !== NONE ? meta(ta, ca) : null;
    const mb = tb && cb !== NONE ? meta(tb, cb) : null;
    if (ma && !mb) {
      listAll(ta as FsTree, ca, 'removed', out);
      continue;
    }
    if (mb && !ma) {
      listAll(tb as FsTree, cb, 'added', out);
      continue;
    }
    if (!ma || !mb) continue;
    const what = compareEntries(ma, mb);
    if (ma.kind === Kind.DIR && mb.kind === Kind.DIR) {
      if (what.length) out.push({ path: '/' + p, change: 'changed', typeA: ma.type, typeB: mb.type, sizeA: 0, sizeB: 0, what });
      walkPair(ta, ca, tb, cb, p, out);
    } else if (ma.kind === Kind.DIR || mb.kind === Kind.DIR) {
      // A directory became something else (or the reverse): its contents went or came with it.
      if (ma.kind === Kind.DIR) for (const c of (ta as FsTree).children(ca)) listAll(ta as FsTree, c, 'removed', out);
      out.push({ path: '/' + p, change: 'changed', typeA: ma.type, typeB: mb.type, sizeA: ma.size, sizeB: mb.size, what });
      if (mb.kind === Kind.DIR) for (const c of (tb as FsTree).children(cb)) listAll(tb as FsTree, c, 'added', out);
    } else if (what.length) out.push({ path: '/' + p, change: 'changed', typeA: ma.type, typeB: mb.type, sizeA: ma.size, sizeB: mb.size, what });
  }
}

function listAll(t: FsTree, n: NodeId, change: 'added' | 'removed', out: FileDiff[]): void {
  const rows: FileDiff[] = [];
  t.walk(n, (node, p) => {
    const m = meta(t, node);
    rows.push(change === 'added' ? { path: '/' + p, change, typeA: null, typeB: m.type, sizeA: null, sizeB: m.size } : { path: '/' + p, change, typeA: m.type, typeB: null, sizeA: m.size, sizeB: null });
  });
  // Keep the diff sorted by path, directories before what is in them.
  rows.sort((x, y) => comparePathStrings(x.path, y.path));
  out.push(...rows);
}

function comparePathStrings(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const c = compareNames(as[i] as string, bs[i] as string);
    if (c !== 0) return c;
  }
  return as.length - bs.length;
}

function compareEntries(a: Meta, b: Meta): DiffAspect[] {
  const what: DiffAspect[] = [];
  const ka = a.kind === Kind.HARDLINK ? Kind.FILE : a.kind;
  const kb = b.kind === Kind.HARDLINK ? Kind.FILE : b.kind;
  if (ka !== kb) what.push('type');
  if (ka === Kind.FILE && kb === Kind.FILE) {
    const differs = a.ix && b.ix ? !sameContent(a.ix, a.i, b.ix, b.i) : (a.ix ? hashHex(a.ix, a.i) : null) !== (b.ix ? hashHex(b.ix, b.i) : null);
    if (differs) what.push('content');
  }
  const link = (m: Meta) => (m.ix && (m.kind === Kind.SYMLINK || m.kind === Kind.CHAR || m.kind === Kind.BLOCK) ? m.ix.links[m.i] : '');
  if (ka === kb && link(a) !== link(b)) what.push('link');
  const mode = (m: Meta) => (m.ix ? m.ix.modes[m.i] : 0o755);
  const owner = (m: Meta) => (m.ix ? `${m.ix.uids[m.i]}:${m.ix.gids[m.i]}` : '0:0');
  // A symlink's mode means nothing (always 0777 on Linux).
  if (ka === kb && ka !== Kind.SYMLINK && mode(a) !== mode(b)) what.push('mode');
  if (owner(a) !== owner(b)) what.push('owner');
  return what;
}

const envMap = (env: string[] | undefined) => {
  const m = new Map<string, string>();
  for (const kv of env ?? []) {
    const eq = kv.indexOf('=');
    m.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  return m;
};

/** diffConfig lists the runtime settings that differ (docker's config names). */
export function diffConfig(a: ContainerConfig, b: ContainerConfig): ConfigDiff[] {
  const out: ConfigDiff[] = [];
  const keyed = (field: ConfigDiff['field'], ma: Map<string, unknown>, mb: Map<string, unknown>) => {
    for (const k of [...new Set([...ma.keys(), ...mb.keys()])].sort(compareNames)) {
      const va = ma.has(k) ? ma.get(k) : null;
      const vb = mb.has(k) ? mb.get(k) : null;
      if (va !== vb) out.push({ field, key: k, a: va, b: vb });
    }
  };
  keyed('Env', envMap(a.Env), envMap(b.Env));
  for (const field of ['Cmd', 'Entrypoint'] as const) {
    const va = a[field] ?? null;
    const vb = b[field] ?? null;
    if (JSON.stringify(va) !== JSON.stringify(vb)) out.push({ field, a: va, b: vb });
  }
  for (const field of ['User', 'WorkingDir'] as const) {
    const va = a[field] || '';
    const vb = b[field] || '';
    if (va !== vb) out.push({ field, a: va, b: vb });
  }
  const ports = (c: ContainerConfig) => new Map(Object.keys(c.ExposedPorts ?? {}).map((p) => [p, true] as [string, unknown]));
  keyed('ExposedPorts', ports(a), ports(b));
  keyed('Labels', new Map(Object.entries(a.Labels ?? {})), new Map(Object.entries(b.Labels ?? {})));
  return out;
}
