import { posix } from 'node:path';
import { cleanEntryPath, compareNames, joinRel, splitRel } from '../layer/paths.ts';
import type { Store } from '../store/store.ts';
import { ExploreError } from './errors.ts';
import { KIND_NAMES, Kind, hashHex, type EntryType, type LayerIndex } from './file-index.ts';
import { Change, NONE, type ChangeCode, type FsTree, type LayerApply, type NodeId } from './fs-tree.ts';
import { compileGlob, type PathGlob } from './glob.ts';
import { checkLayer, type ImageModel } from './image-model.ts';
import { layerEntries } from './layer-tar.ts';

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'unchanged';
const CHANGE_NAMES: readonly ChangeKind[] = ['unchanged', 'added', 'modified', 'deleted'];

/** ExploreQuery picks a layer, a view and filters. */
export interface ExploreQuery {
  /** Layer index, base first (default: the top layer). */
  layer?: number;
  /** 'layer': what this layer adds, modifies and deletes; 'image': the filesystem as of this layer. */
  view?: 'layer' | 'image';
  /** Keep only entries with these changes (against the layers below the chosen one). */
  changes?: ChangeKind[];
  /** A path glob (see compileGlob); a matching directory keeps everything below it. */
  pattern?: string;
  /** Keep only files of at least this many bytes (directories stay when something below them does). */
  minSize?: number;
  /** Order of entries (and of each directory's children): by path (default) or largest first. */
  sort?: 'path' | 'size';
}

/** FileView is one entry as the explorer shows it. */
export interface FileView {
  path: string;
  name: string;
  type: Exclude<EntryType, 'whiteout' | 'opaque'>;
  mode: number;
  uid: number;
  gid: number;
  /** File bytes; for a directory, the bytes of the (filtered) files below it. */
  size: number;
  mtime: number | null;
  linkTarget: string | null;
  sha256: string | null;
  /** The layer whose entry this is (for a deletion: the layer that had written what was deleted). */
  layer: number;
  change: ChangeKind;
}

/** TreeView is a directory tree with aggregated sizes; directories deeper than the depth asked for carry
 * their totals but no children (`more` says how many they hold). */
export interface TreeView extends FileView {
  files: number;
  children?: TreeView[];
  more?: number;
}

/** View is one view of a layer as columns (no object per entry: views of 100,000 files stay cheap for the
 * garbage collector). Node 0 is the root; every node comes after its parent, so one pass forward sees
 * parents first and one pass backward sees children first. keep, size and files are the filter's results. */
class View {
  n = 1;
  readonly paths: string[] = [''];
  readonly ixs: (LayerIndex | null)[] = [null];
  layer: Int32Array;
  idx: Int32Array;
  change: Uint8Array;
  dir: Uint8Array;
  parent: Int32Array;
  first: Int32Array;
  next: Int32Array;
  keep: Uint8Array;
  size: Float64Array;
  files: Int32Array;
  constructor(cap: number) {
    cap = Math.max(64, cap + 1);
    this.layer = new Int32Array(cap).fill(-1);
    this.idx = new Int32Array(cap).fill(-1);
    this.change = new Uint8Array(cap);
    this.dir = new Uint8Array(cap);
    this.parent = new Int32Array(cap).fill(-1);
    this.first = new Int32Array(cap).fill(-1);
    this.next = new Int32Array(cap).fill(-1);
    this.keep = new Uint8Array(cap);
    this.size = new Float64Array(cap);
    this.files = new Int32Array(cap);
    this.dir[0] = 1;
  }

  private grow(): void {
    const cap = this.layer.length * 2;
    const up = <T extends Int32Array | Uint8Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as { new (n: number): T })(cap);
      b.set(a);
      if (fill !== 0) b.fill(fill, a.length);
      return b;
    };
    this.layer = up(this.layer, -1);
    this.idx = up(this.idx, -1);
    this.change = up(this.change, 0);
    this.dir = up(this.dir, 0);
    this.parent = up(this.parent, -1);
    this.first = up(this.first, -1);
    this.next = up(this.next, -1);
    this.keep = up(this.keep, 0);
    this.size = up(this.size, 0);
    this.files = up(this.files, 0);
  }

  add(parent: number, path: string, ix: LayerIndex | null, layer: number, idx: number, change: ChangeCode, dir: boolean): number {
    if (this.n >= this.layer.length) this.grow();
    const v = this.n++;
    this.paths.push(path);
    this.ixs.push(ix);
    this.layer[v] = layer;
    this.idx[v] = idx;
    this.change[v] = change;
    this.dir[v] = dir ? 1 : 0;
    this.parent[v] = parent;
    this.next[v] = this.first[parent] as number;
    this.first[parent] = v;
    return v;
  }

  /** keptChildren lists a node's children the filter kept. */
  keptChildren(v: number): number[] {
    const out: number[] = [];
    for (let c = this.first[v] as number; c !== -1; c = this.next[c] as number) if (this.keep[c]) out.push(c);
    return out;
  }

  name(v: number): string {
    const p = this.paths[v] as string;
    return p.slice(p.lastIndexOf('/') + 1);
  }
}

function resolveLayer(model: ImageModel, q: ExploreQuery): number {
  const k = q.layer ?? model.layers.length - 1;
  checkLayer(model, k);
  return k;
}

/** viewOf builds a view: the chosen layer's own entries and deletions ('layer'), or the whole merged
 * filesystem as of that layer with each entry's change ('image'); there the layer's deletions show (as
 * dive shows them) only when the change filter asks for them, so sizes and counts stay the image's. */
function viewOf(model: ImageModel, k: number, view: 'layer' | 'image', withDeleted: boolean): View {
  const { tree, last } = model.state(k);
  const ix = model.indexes[k] as LayerIndex;
  const ghosts = view === 'layer' || withDeleted ? deletions(tree, last) : [];
  let ghostCount = 0;
  for (const [, g] of ghosts) tree.walk(g, () => ghostCount++);
  const v = new View((view === 'image' ? tree.count : ix.count * 2) + ghostCount);
  // Copy a tree's nodes (live, or a detached subtree) under a view node, parents first.
  const toView = new Int32Array(tree.count).fill(-1);
  const copy = (top: NodeId, under: number, change: ChangeCode | null): void => {
    tree.walk(top, (n, path) => {
      const layer = tree.layerOf[n] as number;
      const idx = tree.idxOf[n] as number;
      const c = change ?? (layer !== k ? Change.UNCHANGED : idx < 0 ? Change.ADDED : (last.changes[idx] as ChangeCode));
      const parent = n === top ? under : (toView[tree.parentOf[n] as number] as number);
      toView[n] = n === tree.root ? 0 : v.add(parent, path, tree.index(n), layer, idx, c, tree.isDir(n));
    });
  };
  // Where a view has no entry for a parent directory, a placeholder (layer -1) holds its children.
  const byPath = new Map<string, number>([['', 0]]);
  const dirOf = (path: string): number => {
    const hit = byPath.get(path);
    if (hit !== undefined) return hit;
    const [parent] = splitRel(path);
    const p = dirOf(parent);
    let found = -1;
    if (view === 'image') for (let c = v.first[p] as number; c !== -1 && found < 0; c = v.next[c] as number) if (v.paths[c] === path && v.dir[c]) found = c;
    const id = found >= 0 ? found : v.add(p, path, null, -1, -1, Change.UNCHANGED, true);
    byPath.set(path, id);
    return id;
  };
  if (view === 'image') copy(tree.root, 0, null);
  else {
    for (let i = 0; i < ix.count; i++) {
      const kind = ix.kinds[i];
      if (kind === Kind.WHITEOUT || kind === Kind.OPAQUE) continue;
      const path = ix.paths[i] as string;
      const isDir = kind === Kind.DIR;
      const placeholder = isDir ? byPath.get(path) : undefined;
      if (placeholder !== undefined) {
        // The entry comes after its children in the tar: it takes over the placeholder.
        v.ixs[placeholder] = ix;
        v.layer[placeholder] = k;
        v.idx[placeholder] = i;
        v.change[placeholder] = last.changes[i] as ChangeCode;
        continue;
      }
      const id = v.add(dirOf(splitRel(path)[0]), path, ix, k, i, last.changes[i] as ChangeCode, isDir);
      if (isDir) byPath.set(path, id);
    }
  }
  for (const [path, g] of ghosts) copy(g, dirOf(splitRel(path)[0]), Change.DELETED);
  return v;
}

/** deletions lists what a layer took away for good: removed nodes whose path it did not write again, and
 * inside directories it replaced, the lower children it did not write again. */
export function deletions(tree: FsTree, last: LayerApply): [string, NodeId][] {
  const out: [string, NodeId][] = [];
  const compare = (path: string, old: NodeId, live: NodeId) => {
    if (live === NONE) {
      out.push([path, old]);
      return;
    }
    if (tree.isDir(old) && tree.isDir(live)) {
      for (const c of tree.children(old)) {
        const p = joinRel(path, tree.name(c));
        compare(p, c, tree.lookup(p));
      }
    }
  };
  for (const [path, old] of last.removed) compare(path, old, tree.lookup(path));
  return out;
}

/** entryView is one entry as the explorer shows it (size: its own, or what is below a directory). */
function entryView(path: string, ix: LayerIndex | null, i: number, layer: number, change: ChangeCode, size: number, dir: boolean): FileView {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const c = CHANGE_NAMES[change] as ChangeKind;
  if (!ix || i < 0) return { path: '/' + path, name, type: 'dir', mode: 0o755, uid: 0, gid: 0, size, mtime: null, linkTarget: null, sha256: null, layer, change: c };
  const kind = ix.kinds[i] as number;
  return {
    path: '/' + path,
    name,
    type: dir ? 'dir' : (KIND_NAMES[kind] as FileView['type']),
    mode: ix.modes[i] as number,
    uid: ix.uids[i] as number,
    gid: ix.gids[i] as number,
    size,
    mtime: ix.mtimes[i] as number,
    linkTarget: kind === Kind.SYMLINK ? (ix.links[i] as string) : kind === Kind.HARDLINK ? '/' + (ix.links[i] as string) : null,
    sha256: kind === Kind.FILE || kind === Kind.HARDLINK ? hashHex(ix, i) : null,
    layer,
    change: c,
  };
}

const viewEntry = (v: View, id: number): FileView => entryView(v.paths[id] as string, v.ixs[id] as LayerIndex | null, v.idx[id] as number, v.layer[id] as number, v.change[id] as ChangeCode, v.size[id] as number, v.dir[id] === 1);

/** filterView marks what the filters keep, with sizes and file counts summed over kept files: forward for
 * the pattern (a directory that matches takes what is below it), backward for the sums. */
function filterView(v: View, q: ExploreQuery): View {
  const glob: PathGlob | null = q.pattern ? compileGlob(q.pattern) : null;
  const changes = q.changes?.length ? new Set(q.changes) : null;
  const changeOk = new Uint8Array(4);
  for (let c = 0; c < 4; c++) changeOk[c] = !changes || changes.has(CHANGE_NAMES[c] as ChangeKind) ? 1 : 0;
  const minSize = q.minSize ?? 0;
  const matched = new Uint8Array(v.n);
  for (let id = 1; id < v.n; id++) {
    const p = v.parent[id] as number;
    matched[id] = !glob || (p > 0 && matched[p]) || glob.test(v.paths[id] as string) ? 1 : 0;
  }
  const anyKept = new Uint8Array(v.n);
  for (let id = v.n - 1; id >= 1; id--) {
    let keep: boolean;
    if (v.dir[id]) {
      // A directory that is itself what matched (a new empty one, a chmod) stays with nothing kept below;
      // placeholders for parents a view only implies (layer -1) do not.
      keep = anyKept[id] === 1 || (v.layer[id] as number) >= 0 && matched[id] === 1 && changeOk[v.change[id] as number] === 1 && minSize <= 0;
    } else {
      const ix = v.ixs[id];
      const i = v.idx[id] as number;
      const size = ix && i >= 0 && ix.kinds[i] === Kind.FILE ? (ix.sizes[i] as number) : 0;
      keep = matched[id] === 1 && changeOk[v.change[id] as number] === 1 && size >= minSize;
      if (keep) {
        v.size[id] = size;
        v.files[id] = 1;
      }
    }
    if (!keep) continue;
    v.keep[id] = 1;
    const p = v.parent[id] as number;
    anyKept[p] = 1;
    (v.size[p] as number) += v.size[id] as number;
    (v.files[p] as number) += v.files[id] as number;
  }
  v.keep[0] = 1;
  return v;
}

/** ListResult is a page of the flat file list. */
export interface ListResult {
  layer: number;
  view: 'layer' | 'image';
  /** Matching non-directory entries, and their bytes. */
  total: number;
  totalSize: number;
  entries: FileView[];
}

/** listFiles is the flat list of a view (no directories), filtered, sorted, paged. */
export function listFiles(model: ImageModel, q: ExploreQuery & { offset?: number; limit?: number } = {}): ListResult {
  const k = resolveLayer(model, q);
  const view = q.view ?? 'layer';
  const v = filterView(viewOf(model, k, view, !!q.changes?.includes('deleted')), q);
  const size = v.size;
  const paths = v.paths;
  const order = q.sort === 'size' ? (a: number, b: number) => (size[b] as number) - (size[a] as number) || compareNames(paths[a] as string, paths[b] as string) : (a: number, b: number) => compareNames(paths[a] as string, paths[b] as string);
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.max(0, q.limit ?? 1000);
  // Only the first offset+limit entries are needed: keep those in order instead of sorting them all.
  const want = offset + limit;
  let top: number[] = [];
  let total = 0;
  if (want > 4096) {
    for (let id = 1; id < v.n; id++) if (v.keep[id] && !v.dir[id]) top.push(id);
    total = top.length;
    top = top.sort(order).slice(0, want);
  } else for (let id = 1; id < v.n; id++) {
    if (!v.keep[id] || v.dir[id]) continue;
    total++;
    if (top.length === want && (want === 0 || order(id, top[want - 1] as number) >= 0)) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order(top[mid] as number, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, id);
    if (top.length > want) top.pop();
  }
  const kept = { length: total };
  return { layer: k, view, total: kept.length, totalSize: v.size[0] as number, entries: top.slice(offset, offset + limit).map((id) => viewEntry(v, id)) };
}

/** TreeResult is a view's tree from a directory down to a depth. */
export interface TreeResult {
  layer: number;
  view: 'layer' | 'image';
  root: TreeView;
  totalFiles: number;
  totalSize: number;
}

/** fileTree is a view as a tree with directory sizes summed over the filtered files, from `root` (a
 * directory path, default '/') down `depth` levels (default 3; the UI asks for deeper parts as they open). */
export function fileTree(model: ImageModel, q: ExploreQuery & { root?: string; depth?: number } = {}): TreeResult {
  const k = resolveLayer(model, q);
  const view = q.view ?? 'layer';
  if (view === 'image' && !q.pattern && !q.changes?.length && !(q.minSize && q.minSize > 0)) return wholeImageTree(model, k, q);
  const v = filterView(viewOf(model, k, view, !!q.changes?.includes('deleted')), q);
  const depth = q.depth ?? 3;
  const rootPath = (q.root ?? '/').replace(/^\/+|\/+$/g, '');
  let start = 0;
  if (rootPath) {
    start = -1;
    for (let id = 1; id < v.n && start < 0; id++) if (v.paths[id] === rootPath && v.dir[id] && v.keep[id]) start = id;
    if (start < 0) throw new ExploreError('EXPLORE_NOT_FOUND', `no directory /${rootPath} in this view of layer ${k}`, { path: '/' + rootPath, layer: k });
  }
  const size = v.size;
  const paths = v.paths;
  const sorter = q.sort === 'size' ? (a: number, b: number) => (size[b] as number) - (size[a] as number) || compareNames(paths[a] as string, paths[b] as string) : (a: number, b: number) => compareNames(paths[a] as string, paths[b] as string);
  const out = (id: number, d: number): TreeView => {
    const fv = viewEntry(v, id) as TreeView;
    fv.files = v.files[id] as number;
    if (v.dir[id]) {
      const kids = v.keptChildren(id);
      if (d < depth) fv.children = kids.sort(sorter).map((c) => out(c, d + 1));
      else if (kids.length) fv.more = kids.length;
      else fv.children = [];
    }
    return fv;
  };
  const root = out(start, 0);
  if (start === 0) {
    root.path = '/';
    root.name = '/';
  }
  return { layer: k, view, root, totalFiles: v.files[0] as number, totalSize: v.size[0] as number };
}

/** wholeImageTree is fileTree for the unfiltered image view, straight from the replayed tree and its
 * directory totals (computed once per tree): opening a big image's tree touches only what it shows. */
function wholeImageTree(model: ImageModel, k: number, q: { root?: string; depth?: number; sort?: ExploreQuery['sort'] }): TreeResult {
  const { tree, last } = model.state(k);
  tree.aggregate();
  const rootPath = (q.root ?? '/').replace(/^\/+|\/+$/g, '');
  const start = tree.lookup(rootPath);
  if (start === NONE || !tree.isDir(start)) throw new ExploreError('EXPLORE_NOT_FOUND', `no directory /${rootPath} in this view of layer ${k}`, { path: '/' + rootPath, layer: k });
  const depth = q.depth ?? 3;
  const size = tree.size;
  const paths = tree.paths;
  const sorter = q.sort === 'size' ? (a: NodeId, b: NodeId) => (size[b] as number) - (size[a] as number) || compareNames(paths[a] as string, paths[b] as string) : (a: NodeId, b: NodeId) => compareNames(paths[a] as string, paths[b] as string);
  const out = (n: NodeId, d: number): TreeView => {
    const layer = tree.layerOf[n] as number;
    const idx = tree.idxOf[n] as number;
    const change = layer !== k ? Change.UNCHANGED : idx < 0 ? Change.ADDED : (last.changes[idx] as ChangeCode);
    const isDir = tree.isDir(n);
    const fv = entryView(tree.paths[n] as string, tree.index(n), idx, layer, change, size[n] as number, isDir) as TreeView;
    fv.files = tree.files[n] as number;
    if (isDir) {
      const kids = tree.children(n);
      if (d < depth) fv.children = kids.sort(sorter).map((c) => out(c, d + 1));
      else if (kids.length) fv.more = kids.length;
      else fv.children = [];
    }
    return fv;
  };
  const root = out(start, 0);
  if (start === tree.root) {
    root.path = '/';
    root.name = '/';
  }
  return { layer: k, view: 'image', root, totalFiles: tree.files[tree.root] as number, totalSize: tree.size[tree.root] as number };
}

/** resolveLinks follows symbolic links inside the image, in every component of a path (as the kernel would
 * with the image as root: `..` stops at the root, absolute targets start from it). */
function resolveLinks(tree: FsTree, path: string): string {
  let parts = path.split('/').filter((p) => p && p !== '.');
  const cur: string[] = [];
  let hops = 0;
  while (parts.length) {
    const name = parts.shift() as string;
    if (name === '..') {
      cur.pop();
      continue;
    }
    const node = tree.lookup(cur.length ? `${cur.join('/')}/${name}` : name);
    if (node !== NONE && tree.kindOf(node) === Kind.SYMLINK) {
      if (++hops > 40) throw new ExploreError('EXPLORE_NOT_A_FILE', `/${path}: too many levels of symbolic links`, { path: '/' + path });
      const target = (tree.index(node) as LayerIndex).links[tree.idxOf[node] as number] as string;
      if (target.startsWith('/')) cur.length = 0;
      parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts];
      continue;
    }
    cur.push(name);
  }
  return cur.join('/');
}

/** FileContent is the start of a text file. */
export interface FileContent {
  path: string;
  layer: number;
  size: number;
  text: string;
  truncated: boolean;
}

export const TEXT_LIMIT = 64 * 1024;

/** readTextFile reads a text file of the image as of a layer (default the top), at most maxBytes (64 KiB)
 * of it; symlinks are followed inside the image; binary files (a NUL, or not UTF-8) are refused. */
export async function readTextFile(store: Store, model: ImageModel, q: { path: string; layer?: number; maxBytes?: number }): Promise<FileContent> {
  const k = resolveLayer(model, q);
  const { tree } = model.state(k);
  const want = posix.normalize('/' + q.path).slice(1);
  const path = resolveLinks(tree, want);
  const node = tree.lookup(path);
  if (node === NONE) throw new ExploreError('EXPLORE_NOT_FOUND', `no file /${want} in the image as of layer ${k}${path !== want ? ` (its links lead to /${path}, which is missing)` : ''}`, { path: '/' + want, layer: k });
  let kind = tree.kindOf(node);
  let entryPath = path;
  if (kind === Kind.HARDLINK) {
    entryPath = (tree.index(node) as LayerIndex).links[tree.idxOf[node] as number] as string;
    kind = Kind.FILE;
  }
  if (kind !== Kind.FILE) throw new ExploreError('EXPLORE_NOT_A_FILE', `/${want} is a ${KIND_NAMES[tree.kindOf(node)]}, not a file`, { path: '/' + want, type: KIND_NAMES[tree.kindOf(node)] });
  const layer = tree.layerOf[node] as number;
  const ix = model.indexes[layer] as LayerIndex;
  const max = Math.max(0, Math.min(q.maxBytes ?? TEXT_LIMIT, 16 * TEXT_LIMIT));
  const chunks: Buffer[] = [];
  let got = 0;
  let size = 0;
  let found = false;
  for await (const { header, body } of layerEntries(store, ix.digest)) {
    let name: string | null = null;
    try {
      name = cleanEntryPath(header.name);
    } catch {
      // A name the index refused too: it cannot be the one asked for.
    }
    if (!found && (header.type === 'file' || header.type === 'contiguous-file' || !header.type) && name === entryPath) {
      found = true;
      size = header.size ?? 0;
      for await (const chunk of body) {
        if (got < max) {
          const part = chunk.subarray(0, max - got);
          chunks.push(part);
          got += part.byteLength;
        }
        if (got >= max) break;
      }
      break;
    }
    for await (const _ of body);
  }
  if (!found) throw new ExploreError('EXPLORE_NOT_FOUND', `/${entryPath} is in the index of layer ${layer} but not in its tar`, { path: '/' + entryPath, layer });
  const bytes = Buffer.concat(chunks);
  const truncated = size > bytes.byteLength;
  if (bytes.includes(0)) throw new ExploreError('EXPLORE_BINARY', `/${want} is a binary file (${size} bytes): not shown as text`, { path: '/' + want, size });
  // A cut can split a UTF-8 sequence: leave out up to 3 trailing bytes of an unfinished one.
  let end = bytes.byteLength;
  if (truncated) {
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && ((bytes[end - back - 1] as number) & 0xc0) === 0x80) back++;
    const lead = bytes[end - back - 1];
    if (lead !== undefined && lead >= 0xc0) {
      const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      if (back + 1 < need) end -= back + 1;
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch {
    throw new ExploreError('EXPLORE_BINARY', `/${want} is not UTF-8 text (${size} bytes): not shown`, { path: '/' + want, size });
  }
  return { path: '/' + want, layer, size, text, truncated };
}
