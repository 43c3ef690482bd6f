// Watched build contexts for the long-running engine: the walked entries are kept between builds and only the
// paths inotify reported are stat'ed again. The full walk (BuildContext.open) stays the source of truth: any
// doubt about the events falls back to it. The one-shot CLI never uses this.
import { lstatSync, readFileSync, statfsSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, isAbsolute, join, posix, relative, resolve as resolvePath } from 'node:path';
import { ContextFilter, type FilterDecision } from '../dockerfile/ignore/context-filter.ts';
import { BuildContext, checkContextRoot, readIgnoreText, rootEntry, statEntry, walkTree, type ContextEntry, type ContextTree, type WalkDir } from './context.ts';
import { parseMountinfo } from '../util/mountinfo.ts';

/** WatchFn is fs.watch as the watcher calls it (tests inject failures). */
export type WatchFn = (path: string, listener: (event: string, filename: string | Buffer | null) => void) => FSWatcher;

export interface ContextWatchOptions {
  /** Most directories watched (one inotify watch each); a larger context is walked in full every build. */
  maxDirs?: number;
  /** Most events between two builds before the next one walks in full: kept below inotify's queue, whose
   * overflow libuv drops silently (seeing that many events is the only sign one may have happened). */
  maxEvents?: number;
  /** Most dirty paths re-stat'ed one by one; more are cheaper (and surer) to walk. */
  maxDirty?: number;
  /** How long after a failure to watch (ENOSPC, EMFILE…) watching is tried again. */
  retryMs?: number;
  watch?: WatchFn;
}

/** How an open got its entries: a full walk (with why), the kept entries as they were, or some re-stat'ed. */
export interface OpenReport {
  kind: 'full' | 'reused' | 'incremental';
  reason: string;
  /** Paths re-stat'ed (incremental). */
  paths: number;
}

// Local file systems whose changes inotify sees (made on this machine); others (NFS, FUSE, 9p…) are walked.
const INOTIFY_FS = new Set([0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x794c7630, 0xf2f52010, 0x2fc12fc1, 0xcafe4a11, 0x858458f6]);
const INOTIFY_FS_NAMES = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'tmpfs', 'overlay', 'f2fs', 'zfs', 'bcachefs', 'ramfs']);

function queueLimit(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim()) || 16384;
  } catch {
    return 16384;
  }
}

// Paths whose change is walked in full: the ignore files at the root (they decide every other entry) and
// the Dockerfile (cheap insurance: it is what the user edits most, and what the build reads first).
const triggersFullWalk = (rel: string, dockerfile: string | null) => rel === '.dockerignore' || (!rel.includes('/') && rel.endsWith('.dockerignore')) || rel === 'Dockerfile' || rel === dockerfile;

// Events seen by every watcher of this process: libuv reads them all from one inotify queue, so its
// overflow (which libuv drops silently) can only be inferred from their total since a watcher's last open.
let totalEvents = 0;

/** Two turns of the event loop: inotify events queued before the call have reached the listeners after it
 * (one poll phase at least runs in between), so a change saved just before a build is never missed. */
function drainEvents(): Promise<void> {
  return new Promise((r) => setImmediate(() => setImmediate(r)));
}

class FullWalk extends Error {}

/** ContextWatcher keeps one context's walked entries current from inotify events (one watch per directory). */
export class ContextWatcher {
  readonly root: string;
  private tree: ContextTree | null = null;
  private filter: ContextFilter | null = null;
  /** The .dockerignore text when it is a symlink (its target may change where no watch of ours sees it). */
  private linkedIgnore: string | null | undefined;
  /** Walked directories and the filter's decision for each (what their entries are decided against). */
  private decisions = new Map<string, FilterDecision | null>();
  private watchers = new Map<string, FSWatcher>();
  /** Paths an event named since the last open (a directory's own events name the directory). */
  private dirty = new Set<string>();
  /** Files with other hard links: a change through a link outside the context reaches no watch here. */
  private linked = new Set<string>();
  /** totalEvents when the entries were last brought up to date. */
  private eventsAtOpen = 0;
  private fullReason: string | null = 'first build';
  private rootId = '';
  /** Why the context is walked without watching (too many directories, watching failed), and until when. */
  private unwatched: { reason: string; until: number; tooManyDirs?: boolean } | null = null;
  private closed = false;
  private readonly maxDirs: number;
  private readonly maxEvents: number;
  private readonly maxDirty: number;
  private readonly retryMs: number;
  private readonly watchFn: WatchFn;
  /** last is how the last open got its entries. */
  last: OpenReport | null = null;

  constructor(root: string, opts: ContextWatchOptions = {}) {
    this.root = resolvePath(root);
    this.maxDirs = opts.maxDirs ?? 2000;
    this.maxEvents = opts.maxEvents ?? Math.min(4096, Math.floor(queueLimit() / 2));
    this.maxDirty = opts.maxDirty ?? 2000;
    this.retryMs = opts.retryMs ?? 30_000;
    this.watchFn = opts.watch ?? ((path, listener) => fsWatch(path, { persistent: false }, listener));
  }

  /** pending tells whether an event arrived since the last open (tests poll it instead of sleeping). */
  get pending(): boolean {
    return this.dirty.size > 0 || this.fullReason !== null;
  }

  /** watching is how many directories are watched now. */
  get watching(): number {
    return this.watchers.size;
  }

  /** open returns the context as a full walk would see it now, from the kept entries when events allow. */
  async open(opts: { hashCachePath?: string; dockerfile?: string } = {}): Promise<BuildContext> {
    if (this.closed) return BuildContext.open(this.root, opts);
    await drainEvents();
    if (this.closed) return BuildContext.open(this.root, opts); // let go (LRU) while draining
    const st = checkContextRoot(this.root);
    if (`${st.dev}:${st.ino}` !== this.rootId) this.markFull('context root replaced');
    if (totalEvents - this.eventsAtOpen > this.maxEvents) this.markFull(`more than ${this.maxEvents} events (the inotify queue may have overflowed)`);
    for (const rel of this.linked) this.dirty.add(rel);
    if (this.linkedIgnore !== undefined && readIgnoreText(this.root) !== this.linkedIgnore) this.markFull('.dockerignore changed (through its symlink)');
    const dockerfile = opts.dockerfile ? posixRel(isAbsolute(opts.dockerfile) ? relative(this.root, opts.dockerfile) : opts.dockerfile) : null;
    if (this.fullReason === null && this.dirty.size) {
      const paths = this.dirty.size;
      try {
        this.update(dockerfile);
        this.last = { kind: 'incremental', reason: `${paths} path(s) changed`, paths };
      } catch (e) {
        this.markFull(e instanceof FullWalk ? e.message : `re-stat failed: ${(e as Error).message}`);
      }
    } else if (this.fullReason === null) {
      this.eventsAtOpen = totalEvents;
      this.last = { kind: 'reused', reason: 'no change', paths: 0 };
    }
    if (this.fullReason !== null) {
      const reason = this.fullReason;
      this.fullWalk(st);
      this.last = { kind: 'full', reason, paths: 0 };
    }
    return BuildContext.fromTree(this.root, this.tree as ContextTree, opts);
  }

  /** close stops every watch; later opens walk in full. */
  close(): void {
    this.closed = true;
    this.stopWatching();
    this.tree = null;
  }

  private markFull(reason: string): void {
    this.fullReason ??= reason;
    this.dirty.clear();
  }

  private stopWatching(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** watchDir starts watching one directory (before it is read); throws when it cannot be watched. */
  private watchDir(rel: string, abs: string): void {
    const w = this.watchFn(abs, (_event, filename) => {
      if (this.watchers.get(rel) !== w) return; // a watch replaced or closed since
      totalEvents++;
      if (this.fullReason !== null) return;
      const name = filename === null ? null : String(filename);
      // No name: something in the directory changed; the directory's own name: it was itself changed or
      // deleted (its watch may be dead). Both re-walk the directory (from its parent, for the second).
      if (name === null || name === basename(abs)) {
        if (rel === '') return this.markFull(name === null ? 'unnamed event at the root' : 'event on the context root itself');
        this.dirty.add(rel);
      }
      if (name !== null) this.dirty.add(rel ? `${rel}/${name}` : name);
      if (this.dirty.size > this.maxDirty) this.markFull(`more than ${this.maxDirty} changed paths`);
    });
    w.on('error', (e) => {
      if (this.watchers.get(rel) === w) this.markFull(`watch error: ${e.message}`);
    });
    this.watchers.set(rel, w);
  }

  private fullWalk(st: { dev: bigint; ino: bigint }): void {
    this.stopWatching();
    this.dirty.clear();
    this.linked.clear();
    this.decisions = new Map();
    this.eventsAtOpen = totalEvents;
    this.fullReason = null;
    this.rootId = `${st.dev}:${st.ino}`;
    let watching = !this.unwatched || Date.now() >= this.unwatched.until;
    const foreign = watching ? unwatchableFs(this.root) : null;
    if (foreign) {
      this.unwatched = { reason: foreign, until: Date.now() + this.retryMs };
      watching = false;
    }
    let dirs = 0;
    const stop = (reason: string, until: number, tooManyDirs = false) => {
      this.stopWatching();
      this.unwatched = { reason, until, tooManyDirs };
      watching = false;
    };
    const onDir = (d: WalkDir) => {
      this.decisions.set(d.rel, d.decision);
      if (++dirs > this.maxDirs && watching) stop(`more than ${this.maxDirs} directories`, Number.POSITIVE_INFINITY, true);
      if (!watching) return;
      try {
        this.watchDir(d.rel, d.abs);
      } catch (e) {
        stop(`cannot watch: ${(e as Error).message}`, Date.now() + this.retryMs);
      }
    };
    try {
      // The root is watched before .dockerignore is read, every directory before it is read: a change
      // made during the walk is either seen by it or reported for the next build.
      onDir({ rel: '', abs: this.root, decision: null });
      const ignoreText = readIgnoreText(this.root);
      const filter = ContextFilter.fromDockerignore(ignoreText);
      this.linkedIgnore = isSymlink(join(this.root, '.dockerignore')) ? ignoreText : undefined;
      const tree: ContextTree = { entries: new Map([['', rootEntry(this.root)]]), children: new Map(), memo: new Map() };
      walkTree(tree, filter, { rel: '', abs: this.root, decision: null }, (d) => d.rel !== '' && onDir(d));
      for (const e of tree.entries.values()) if (e.nlink !== undefined) this.linked.add(e.rel);
      this.tree = tree;
      this.filter = filter;
      if (watching) this.unwatched = null;
      else {
        // Without watches, every build walks in full (a context that shrank enough is watched again).
        this.fullReason = `not watched (${this.unwatched?.reason ?? 'closed'})`;
        if (this.unwatched?.tooManyDirs && dirs <= this.maxDirs) this.unwatched = null;
      }
    } catch (e) {
      this.stopWatching();
      this.tree = null;
      this.fullReason = 'the last walk failed';
      throw e;
    }
  }

  /** update re-stats the dirty paths into a copy of the tree (builds still running keep theirs). */
  private update(dockerfile: string | null): void {
    const old = this.tree as ContextTree;
    const tree: ContextTree = { entries: new Map(old.entries), children: new Map(old.children), memo: new Map(old.memo) };
    // Parents first: a re-walked directory makes its children's events moot.
    const paths = [...this.dirty].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    this.dirty.clear();
    this.eventsAtOpen = totalEvents;
    const fresh = new Set<string>();
    const parents = new Set<string>();
    for (const rel of paths) {
      const slash = rel.lastIndexOf('/');
      const parent = slash < 0 ? '' : rel.slice(0, slash);
      if (fresh.has(parent) || !this.decisions.has(parent)) continue; // walked just now, or not walked at all
      const name = rel.slice(slash + 1);
      if (triggersFullWalk(rel, dockerfile)) throw new FullWalk(`${rel} changed`);
      forgetDerived(tree, rel);
      this.refreshPath(tree, rel, parent, name, fresh);
      if (parent !== '') parents.add(parent);
    }
    // A directory's own times change with its listing, which raises no event where it is watched from.
    for (const dir of parents) {
      const old = tree.entries.get(dir);
      if (!old || fresh.has(dir)) continue;
      const now = statEntry(dir, old.abs);
      if (now.type !== 'dir' || now.ino !== old.ino) throw new FullWalk(`${dir} replaced`);
      tree.entries.set(dir, now);
    }
    this.tree = tree;
  }

  private refreshPath(tree: ContextTree, rel: string, parent: string, name: string, fresh: Set<string>): void {
    const parentAbs = (tree.entries.get(parent) as ContextEntry).abs;
    const abs = parentAbs.endsWith('/') ? parentAbs + name : `${parentAbs}/${name}`;
    let entry: ContextEntry | null = null;
    try {
      entry = statEntry(rel, abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    const decision = entry && (this.filter as ContextFilter).includes(rel, entry.type === 'dir', this.decisions.get(parent) ?? null);
    const keep = !!entry && !!decision && (entry.type === 'dir' ? !decision.skipDir : decision.included);
    const old = tree.entries.get(rel);
    if (old?.type === 'dir' || this.decisions.has(rel)) this.dropSubtree(tree, rel);
    this.linked.delete(rel);
    if (!keep || !entry) {
      tree.entries.delete(rel);
      setName(tree, parent, name, false);
      return;
    }
    tree.entries.set(rel, entry);
    setName(tree, parent, name, true);
    if (entry.nlink !== undefined) this.linked.add(rel);
    if (entry.type !== 'dir') return;
    // A directory named by an event is walked again with new watches: it may be another one now (inode
    // numbers are reused at once), and its old watch may be dead.
    if (this.decisions.size + 1 > this.maxDirs) throw new FullWalk(`more than ${this.maxDirs} directories`);
    const onDir = (d: WalkDir) => {
      this.decisions.set(d.rel, d.decision);
      fresh.add(d.rel);
      if (this.decisions.size > this.maxDirs) throw new FullWalk(`more than ${this.maxDirs} directories`);
      try {
        this.watchDir(d.rel, d.abs);
      } catch (e) {
        this.unwatched = { reason: `cannot watch: ${(e as Error).message}`, until: Date.now() + this.retryMs };
        throw new FullWalk(this.unwatched.reason);
      }
    };
    const walked: string[] = [];
    walkTree(tree, this.filter as ContextFilter, { rel, abs, decision }, (d) => {
      walked.push(d.rel);
      onDir(d);
    });
    for (const d of walked) {
      for (const n of tree.children.get(d) ?? []) if (tree.entries.get(`${d}/${n}`)?.nlink !== undefined) this.linked.add(`${d}/${n}`);
    }
  }

  /** dropSubtree forgets everything below a directory (entries, listings, watches), through the listings. */
  private dropSubtree(tree: ContextTree, rel: string): void {
    const stack = [rel];
    while (stack.length) {
      const d = stack.pop() as string;
      for (const name of tree.children.get(d) ?? []) {
        const child = `${d}/${name}`;
        if (this.decisions.has(child)) stack.push(child);
        tree.entries.delete(child);
        this.linked.delete(child);
      }
      tree.children.delete(d);
      this.decisions.delete(d);
      const w = this.watchers.get(d);
      if (w) {
        this.watchers.delete(d);
        w.close();
      }
    }
  }
}

/** unwatchableFs says why the context's changes may escape inotify (its file system, or one mounted inside
 * it, is not a local one), or null. */
function unwatchableFs(root: string): string | null {
  try {
    if (!INOTIFY_FS.has(statfsSync(root).type)) return 'file system without inotify';
    return foreignMount(root, readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return 'file system unknown';
  }
}

/** foreignMount names a mount below root (in /proc/self/mountinfo's format) of a file system inotify may
 * not see changes of, or returns null. */
export function foreignMount(root: string, mountinfo: string): string | null {
  const under = root.endsWith('/') ? root : root + '/';
  for (const m of parseMountinfo(mountinfo)) {
    if (m.point.startsWith(under) && !INOTIFY_FS_NAMES.has(m.fsType)) return `${m.fsType} mounted at ${m.point}`;
  }
  return null;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** posixRel is a Dockerfile path as a context-relative path ('./a//Dockerfile' → 'a/Dockerfile'). */
function posixRel(p: string): string {
  return posix.normalize(p.replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

/** forgetDerived drops what was derived from the directories a changed path is in (or, for a directory, below). */
function forgetDerived(tree: ContextTree, rel: string): void {
  const memo = tree.memo as Map<string, unknown>;
  for (const k of memo.keys()) if (k === '' || k === rel || rel.startsWith(k + '/') || k.startsWith(rel + '/')) memo.delete(k);
}

function depth(rel: string): number {
  let n = 0;
  for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) n++;
  return n;
}

/** setName adds or removes one name of a directory's sorted listing (a new array: the old one is shared). */
function setName(tree: ContextTree, dir: string, name: string, present: boolean): void {
  const names = tree.children.get(dir) ?? [];
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((names[mid] as string) < name) lo = mid + 1;
    else hi = mid;
  }
  const found = names[lo] === name;
  if (found === present) return;
  const next = names.slice();
  if (present) next.splice(lo, 0, name);
  else next.splice(lo, 1);
  tree.children.set(dir, next);
}

/** ContextWatchers keeps the few contexts built last watched (least recently built ones are let go). */
export class ContextWatchers {
  private readonly byRoot = new Map<string, ContextWatcher>();
  private closed = false;

  constructor(private readonly opts: ContextWatchOptions & { limit?: number } = {}) {}

  /** open is BuildContext.open for a context the engine builds, from its watcher (made on first use). */
  async open(contextDir: string, opts: { hashCachePath?: string; dockerfile?: string } = {}): Promise<BuildContext> {
    if (this.closed) return BuildContext.open(contextDir, opts);
    const w = this.watcher(contextDir);
    return w.open(opts);
  }

  /** watcher returns the context's watcher, now the most recently used one. */
  watcher(contextDir: string): ContextWatcher {
    const root = resolvePath(contextDir);
    let w = this.byRoot.get(root);
    if (w) this.byRoot.delete(root);
    else w = new ContextWatcher(root, this.opts);
    this.byRoot.set(root, w);
    const limit = this.opts.limit ?? 4;
    while (this.byRoot.size > limit) {
      const [oldest, ow] = this.byRoot.entries().next().value as [string, ContextWatcher];
      this.byRoot.delete(oldest);
      ow.close();
    }
    return w;
  }

  /** get returns the watcher of a context if it has one (tests and the profile read it). */
  get(contextDir: string): ContextWatcher | undefined {
    return this.byRoot.get(resolvePath(contextDir));
  }

  /** close stops watching every context. */
  close(): void {
    this.closed = true;
    for (const w of this.byRoot.values()) w.close();
    this.byRoot.clear();
  }
}
