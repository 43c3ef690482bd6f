import { splitRel } from '../layer/paths.ts';
import { Kind, type LayerIndex } from './file-index.ts';

/** Change codes of one layer's entries against the layers below. */
export const Change = { UNCHANGED: 0, ADDED: 1, MODIFIED: 2, DELETED: 3 } as const;
export type ChangeCode = (typeof Change)[keyof typeof Change];

/** A node of an FsTree, by number; NONE is no node. */
export type NodeId = number;
export const NONE = -1;

/** LayerApply is what applying one layer did: the nodes it took out of the tree (detached with what was
 * below them, keyed by the path they had) and the change of each of its entries against the tree below. */
export interface LayerApply {
  layer: number;
  removed: Map<string, NodeId>;
  changes: Uint8Array;
}

/** FsTree is the filesystem the layers of an image make, replayed from their file indexes with the
 * image-spec rules (layer.md "Applying Changesets"): whiteouts delete, opaque markers hide a directory's
 * lower contents, an entry replaces what was at its path unless both are directories.
 * Nodes live in columns (no object per node): a 100,000-file image replays without feeding the garbage
 * collector, and live nodes are found by path in one map whose keys are the index's own path strings. */
export class FsTree {
  readonly root: NodeId = 0;
  count = 1;
  /** Root-relative path of each node (detached nodes keep the path they had). */
  readonly paths: string[] = [''];
  /** The layer and entry that wrote each node last (entry -1: a parent directory no entry named). */
  layerOf: Int32Array;
  idxOf: Int32Array;
  parentOf: Int32Array;
  private first: Int32Array;
  private next: Int32Array;
  private prev: Int32Array;
  /** Bytes and non-directory entries at and below each node, once aggregate() ran. */
  size: Float64Array;
  files: Int32Array;
  private readonly byPath = new Map<string, NodeId>();
  private aggregated = false;

  constructor(readonly indexes: readonly LayerIndex[]) {
    const cap = Math.max(1024, indexes.reduce((s, ix) => s + ix.count, 0) + 64);
    this.layerOf = new Int32Array(cap).fill(-1);
    this.idxOf = new Int32Array(cap).fill(-1);
    this.parentOf = new Int32Array(cap).fill(NONE);
    this.first = new Int32Array(cap).fill(NONE);
    this.next = new Int32Array(cap).fill(NONE);
    this.prev = new Int32Array(cap).fill(NONE);
    this.size = new Float64Array(cap);
    this.files = new Int32Array(cap);
    this.byPath.set('', 0);
  }

  /** isDir says whether a node is a directory (implied parents are). */
  isDir(n: NodeId): boolean {
    const i = this.idxOf[n] as number;
    return i < 0 || this.indexes[this.layerOf[n] as number]?.kinds[i] === Kind.DIR;
  }

  /** kindOf is a node's entry kind. */
  kindOf(n: NodeId): number {
    const i = this.idxOf[n] as number;
    return i < 0 ? Kind.DIR : (this.indexes[this.layerOf[n] as number]?.kinds[i] ?? Kind.DIR);
  }

  /** ownSize is a node's own content bytes (0 for anything but a regular file). */
  ownSize(n: NodeId): number {
    const i = this.idxOf[n] as number;
    return i < 0 ? 0 : (this.indexes[this.layerOf[n] as number]?.sizes[i] ?? 0);
  }

  /** index is the layer index holding a node's entry, or null for an implied directory. */
  index(n: NodeId): LayerIndex | null {
    return (this.idxOf[n] as number) < 0 ? null : (this.indexes[this.layerOf[n] as number] as LayerIndex);
  }

  name(n: NodeId): string {
    const p = this.paths[n] as string;
    return p.slice(p.lastIndexOf('/') + 1);
  }

  /** lookup finds the live node at a root-relative path ('' is the root), without following links. */
  lookup(path: string): NodeId {
    return this.byPath.get(path) ?? NONE;
  }

  /** children lists a node's children (live or, for a detached node, as they were). */
  children(n: NodeId): NodeId[] {
    const out: NodeId[] = [];
    for (let c = this.first[n] as number; c !== NONE; c = this.next[c] as number) out.push(c);
    return out;
  }

  hasChildren(n: NodeId): boolean {
    return this.first[n] !== NONE;
  }

  /** childNamed finds a child by name (a scan: for detached subtrees, where paths are not mapped). */
  childNamed(n: NodeId, name: string): NodeId {
    for (let c = this.first[n] as number; c !== NONE; c = this.next[c] as number) if (this.name(c) === name) return c;
    return NONE;
  }

  /** walk visits a node and everything below it, parents first. */
  walk(n: NodeId, visit: (node: NodeId, path: string) => void): void {
    const stack: NodeId[] = [n];
    while (stack.length) {
      const x = stack.pop() as NodeId;
      visit(x, this.paths[x] as string);
      for (let c = this.first[x] as number; c !== NONE; c = this.next[c] as number) stack.push(c);
    }
  }

  /** aggregate sums bytes and entries into every live directory, once (a replayed tree does not change). */
  aggregate(): void {
    if (this.aggregated) return;
    this.aggregated = true;
    const order: NodeId[] = [];
    this.walk(this.root, (x) => order.push(x));
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i] as NodeId;
      if (!this.isDir(n)) {
        this.size[n] = this.ownSize(n);
        this.files[n] = 1;
      }
      const p = this.parentOf[n] as number;
      if (p !== NONE) {
        (this.size[p] as number) += this.size[n] as number;
        (this.files[p] as number) += this.files[n] as number;
      }
    }
  }

  private grow(): void {
    const cap = this.layerOf.length * 2;
    const up = <T extends Int32Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as { new (n: number): T })(cap);
      b.set(a);
      if (fill !== 0) b.fill(fill, a.length);
      return b;
    };
    this.layerOf = up(this.layerOf, -1);
    this.idxOf = up(this.idxOf, -1);
    this.parentOf = up(this.parentOf, NONE);
    this.first = up(this.first, NONE);
    this.next = up(this.next, NONE);
    this.prev = up(this.prev, NONE);
    this.size = up(this.size, 0);
    this.files = up(this.files, 0);
  }

  /** add makes a live node at path under parent. */
  private add(parent: NodeId, path: string, layer: number, idx: number): NodeId {
    if (this.count >= this.layerOf.length) this.grow();
    const n = this.count++;
    this.paths.push(path);
    this.layerOf[n] = layer;
    this.idxOf[n] = idx;
    this.parentOf[n] = parent;
    const head = this.first[parent] as number;
    this.next[n] = head;
    if (head !== NONE) this.prev[head] = n;
    this.first[parent] = n;
    this.byPath.set(path, n);
    return n;
  }

  /** detach takes a node (and what is below it) out of the tree; it keeps its own children. */
  private detach(n: NodeId): void {
    const p = this.parentOf[n] as number;
    if (p !== NONE) {
      const pr = this.prev[n] as number;
      const nx = this.next[n] as number;
      if (pr !== NONE) this.next[pr] = nx;
      else this.first[p] = nx;
      if (nx !== NONE) this.prev[nx] = pr;
    }
    this.parentOf[n] = NONE;
    this.prev[n] = NONE;
    this.next[n] = NONE;
    this.unmap(n);
  }

  private unmap(n: NodeId): void {
    const stack: NodeId[] = [n];
    while (stack.length) {
      const x = stack.pop() as NodeId;
      if (this.byPath.get(this.paths[x] as string) === x) this.byPath.delete(this.paths[x] as string);
      for (let c = this.first[x] as number; c !== NONE; c = this.next[c] as number) stack.push(c);
    }
  }

  /** apply replays layer k (its index is indexes[k]) onto the tree. */
  apply(k: number): LayerApply {
    const ix = this.indexes[k] as LayerIndex;
    const removed = new Map<string, NodeId>();
    const changes = new Uint8Array(ix.count);
    // Deletions first: whiteouts and opaque markers only ever speak about the layers below.
    for (let i = 0; i < ix.count; i++) {
      const kind = ix.kinds[i];
      if (kind !== Kind.WHITEOUT && kind !== Kind.OPAQUE) continue;
      changes[i] = Change.DELETED;
      const path = ix.paths[i] as string;
      const node = this.lookup(path);
      if (node === NONE) continue;
      if (kind === Kind.WHITEOUT) {
        if (node === this.root) continue;
        this.detach(node);
        removed.set(path, node);
      } else if (this.isDir(node)) {
        // The children leave together: the directory keeps no list of them, they keep their paths.
        const kids = this.children(node);
        this.first[node] = NONE;
        for (const c of kids) {
          this.parentOf[c] = NONE;
          this.prev[c] = NONE;
          this.next[c] = NONE;
          this.unmap(c);
          removed.set(this.paths[c] as string, c);
        }
      }
    }
    // Directories this layer brought back at a path it had removed (or below such a one): only there can an
    // entry's earlier self have been taken away with an ancestor.
    const revived = new Set<NodeId>();
    const priorFor = (path: string, parent: NodeId): NodeId => {
      if (!removed.size) return NONE;
      if (!revived.has(parent)) return removed.get(path) ?? NONE;
      return this.priorOf(path, removed);
    };
    // Entries come grouped by directory: remember the last parent (forgotten whenever anything is replaced).
    let lastPath: string | null = null;
    let lastDir: NodeId = this.root;
    for (let i = 0; i < ix.count; i++) {
      const kind = ix.kinds[i];
      if (kind === Kind.WHITEOUT || kind === Kind.OPAQUE) continue;
      const path = ix.paths[i] as string;
      const cut = path.lastIndexOf('/');
      if (lastPath === null || (cut < 0 ? lastPath !== '' : cut !== lastPath.length || !path.startsWith(lastPath))) {
        lastPath = cut < 0 ? '' : path.slice(0, cut);
        lastDir = this.ensureDir(lastPath, k, removed, revived, priorFor);
      }
      const parent = lastDir;
      const existing = this.lookup(path);
      const isDir = kind === Kind.DIR;
      if (existing !== NONE) {
        if (isDir && this.isDir(existing)) {
          changes[i] = this.metaDiffers(existing, k, i) ? Change.MODIFIED : Change.UNCHANGED;
          this.layerOf[existing] = k;
          this.idxOf[existing] = i;
          continue;
        }
        this.detach(existing);
        if (!removed.has(path)) removed.set(path, existing);
        lastPath = null;
        changes[i] = Change.MODIFIED;
        this.add(parent, path, k, i);
        continue;
      }
      const prior = priorFor(path, parent);
      changes[i] = prior === NONE ? Change.ADDED : isDir && this.isDir(prior) && !this.metaDiffers(prior, k, i) ? Change.UNCHANGED : Change.MODIFIED;
      const n = this.add(parent, path, k, i);
      if (isDir && prior !== NONE) revived.add(n);
    }
    return { layer: k, removed, changes };
  }

  /** ensureDir returns the live directory at path, creating implied parents (layer k, no entry) on the
   * way; a non-directory in the way is replaced, as extraction would. */
  private ensureDir(path: string, k: number, removed: Map<string, NodeId>, revived: Set<NodeId>, priorFor: (path: string, parent: NodeId) => NodeId): NodeId {
    const hit = this.lookup(path);
    if (hit !== NONE && this.isDir(hit)) return hit;
    const [parentPath] = splitRel(path);
    const parent = path === '' ? this.root : this.ensureDir(parentPath, k, removed, revived, priorFor);
    if (hit !== NONE) {
      this.detach(hit);
      if (!removed.has(path)) removed.set(path, hit);
    }
    const prior = priorFor(path, parent);
    const n = this.add(parent, path, k, -1);
    if (prior !== NONE || hit !== NONE) revived.add(n);
    return n;
  }

  /** priorOf finds what a path held below this layer when this layer removed it, or an ancestor of it. */
  private priorOf(path: string, removed: Map<string, NodeId>): NodeId {
    const rest: string[] = [];
    let p = path;
    for (;;) {
      const hit = removed.get(p);
      if (hit !== undefined) {
        let n = hit;
        for (let j = rest.length - 1; j >= 0 && n !== NONE; j--) n = this.childNamed(n, rest[j] as string);
        return n;
      }
      if (p === '') return NONE;
      const [parent, name] = splitRel(p);
      rest.push(name);
      p = parent;
    }
  }

  private metaDiffers(n: NodeId, k: number, i: number): boolean {
    const j = this.idxOf[n] as number;
    if (j < 0) return false;
    const a = this.indexes[this.layerOf[n] as number] as LayerIndex;
    const b = this.indexes[k] as LayerIndex;
    return a.modes[j] !== b.modes[i] || a.uids[j] !== b.uids[i] || a.gids[j] !== b.gids[i];
  }
}

/** replay builds the tree of layers 0..upto, returning it with what the last layer did. */
export function replay(indexes: readonly LayerIndex[], upto: number, each?: (a: LayerApply, tree: FsTree) => void): { tree: FsTree; last: LayerApply | null } {
  const tree = new FsTree(indexes);
  let last: LayerApply | null = null;
  for (let k = 0; k <= upto; k++) {
    last = tree.apply(k);
    each?.(last, tree);
  }
  return { tree, last };
}

