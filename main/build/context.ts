import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync, type BigIntStats } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { createHash } from 'node:crypto';
import { ContextFilter, type FilterDecision } from '../dockerfile/ignore/context-filter.ts';
import { goFilepathMatch } from '../dockerfile/ignore/glob-syntax.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { markImmutable } from './cache.ts';
import { BuildError } from './errors.ts';
import { fileStamp } from '../util/file-stamp.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** ContextEntry is one path of the build context that .dockerignore lets through. */
export interface ContextEntry {
  rel: string;
  abs: string;
  type: EntryType;
  mode: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  linkTarget?: string;
  /** Hard links to this (non-directory) entry, when more than one: a change made through another may
   * reach no watch of the context. */
  nlink?: number;
}

/** SourceFile is one file of a COPY source with its content checksum: what cache keys are made of. */
export interface SourceFile {
  /** Path relative to the context root. */
  rel: string;
  type: EntryType;
  mode: number;
  linkTarget?: string;
  /** sha256 of the content (files), '' otherwise. */
  hash: string;
}

const WILDCARD = /[*?[]/;

function typeOf(st: BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

interface HashCacheEntry {
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  hash: string;
}

/** ContextTree is a walked context: every kept entry by path ('' is the root) and each walked directory's
 * kept names, sorted. A tree handed to a BuildContext is never changed afterwards (watchers copy on write). */
export interface ContextTree {
  entries: Map<string, ContextEntry>;
  children: Map<string, string[]>;
  /** What was derived from the entries below a directory (a COPY's file list), by the directory's path:
   * a watcher carries it over to the next tree minus what a change touched. */
  memo?: Map<string, DirMemo>;
}

/** DirMemo is what one directory's entries gave (shared between builds: never changed once set). */
export interface DirMemo {
  under?: ContextEntry[];
  files?: SourceFile[];
}

/** WalkDir is one directory about to be read: where it is and the filter's decision for it (null: the root). */
export interface WalkDir {
  rel: string;
  abs: string;
  decision: FilterDecision | null;
}

/** readIgnoreText reads the context's .dockerignore, or null when there is none. */
export function readIgnoreText(root: string): string | null {
  try {
    return readFileSync(join(root, '.dockerignore'), 'utf8');
  } catch {
    return null;
  }
}

/** checkContextRoot throws BUILD_CONTEXT unless root is a directory (not a symlink to one). */
export function checkContextRoot(root: string): BigIntStats {
  let st;
  try {
    st = lstatSync(root, { bigint: true });
  } catch {
    throw new BuildError('BUILD_CONTEXT', `build context "${root}" does not exist`, { root });
  }
  if (!st.isDirectory()) throw new BuildError('BUILD_CONTEXT', `build context "${root}" is not a directory`, { root });
  return st;
}

/** rootEntry is the context root's entry, as every walk starts. */
export function rootEntry(root: string): ContextEntry {
  return { rel: '', abs: root, type: 'dir', mode: 0o755, size: 0, mtimeNs: 0n, ctimeNs: 0n, ino: 0n };
}

/** statEntry lstats one path of the context into its entry (a symlink with its target). */
export function statEntry(rel: string, abs: string): ContextEntry {
  const st = lstatSync(abs, { bigint: true });
  const type = typeOf(st);
  const entry: ContextEntry = { rel, abs, type, mode: Number(st.mode & 0o7777n), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
  if (type === 'symlink') entry.linkTarget = readlinkSync(abs);
  if (type !== 'dir' && st.nlink > 1n) entry.nlink = Number(st.nlink);
  return entry;
}

/** walkTree walks below one directory (whose own entry is already in tree) into tree, honouring the filter;
 * onDir sees every directory before it is read (a watcher starts watching there, so no change is missed). */
export function walkTree(tree: ContextTree, filter: ContextFilter, start: WalkDir, onDir?: (dir: WalkDir) => void): void {
  // Paths are built by concatenation from the normalized root (as join would make them): join per entry
  // is a measurable share of walking 10,000 files.
  const stack: WalkDir[] = [start];
  while (stack.length) {
    const dir = stack.pop() as WalkDir;
    const { rel, abs: dirAbs, decision } = dir;
    onDir?.(dir);
    const prefix = dirAbs === '.' ? '' : dirAbs.endsWith('/') ? dirAbs : dirAbs + '/';
    let names: string[];
    try {
      names = readdirSync(dirAbs).sort();
    } catch (e) {
      throw new BuildError('BUILD_CONTEXT', `cannot read ${rel || '.'} in the build context: ${(e as Error).message}`);
    }
    const kept: string[] = [];
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childAbs = prefix + name;
      const entry = statEntry(childRel, childAbs);
      const d = filter.includes(childRel, entry.type === 'dir', decision);
      if (entry.type === 'dir') {
        if (d.skipDir) continue;
        stack.push({ rel: childRel, abs: childAbs, decision: d });
      } else if (!d.included) continue;
      kept.push(name);
      tree.entries.set(childRel, entry);
    }
    tree.children.set(rel, kept);
  }
}

/** BuildContext is the context folder as the build sees it: filtered by .dockerignore, walked once,
 * file contents hashed at most once per change (a persistent cache keyed by inode, size and times). */
export class BuildContext {
  private hashCache: Record<string, HashCacheEntry> = {};
  private readonly memo: Map<string, DirMemo>;
  private hashCacheDirty = false;
  /** hashedBytes counts bytes actually read for hashing in this build (benchmarks report it). */
  hashedBytes = 0;

  private constructor(
    readonly root: string,
    private readonly hashCachePath: string | null,
    private readonly entries: Map<string, ContextEntry>,
    private readonly children: Map<string, string[]>,
    memo: Map<string, DirMemo> | undefined,
  ) {
    this.memo = memo ?? new Map();
  }

  /** open walks the context at root, honouring its .dockerignore (or the given patterns text). */
  static async open(root: string, opts: { ignoreText?: string | null; hashCachePath?: string } = {}): Promise<BuildContext> {
    checkContextRoot(root);
    const ignoreText = opts.ignoreText === undefined ? readIgnoreText(root) : opts.ignoreText;
    const tree: ContextTree = { entries: new Map([['', rootEntry(root)]]), children: new Map() };
    walkTree(tree, ContextFilter.fromDockerignore(ignoreText), { rel: '', abs: join(root), decision: null });
    return BuildContext.fromTree(root, tree, opts);
  }

  /** fromTree makes the context of an already walked tree (a watcher's), which it must not change afterwards. */
  static async fromTree(root: string, tree: ContextTree, opts: { hashCachePath?: string } = {}): Promise<BuildContext> {
    const ctx = new BuildContext(root, opts.hashCachePath ?? null, tree.entries, tree.children, tree.memo);
    if (ctx.hashCachePath) ctx.hashCache = await loadHashCache(ctx.hashCachePath);
    return ctx;
  }

  /** get returns the entry at a context-relative path, or undefined. */
  get(rel: string): ContextEntry | undefined {
    return this.entries.get(rel);
  }

  /** size is how many entries the context has (after .dockerignore). */
  get size(): number {
    return this.entries.size - 1;
  }

  /** resolve follows a symlink inside the context (never outside it), returning the final entry. */
  resolve(rel: string, depth = 0): ContextEntry | undefined {
    const e = this.entries.get(rel);
    if (!e || e.type !== 'symlink' || depth > 40) return e;
    const target = e.linkTarget as string;
    const base = target.startsWith('/') ? '/' : '/' + posix.dirname(rel);
    const next = posix.normalize(posix.join(base, target)).replace(/^\/+/, '');
    return this.resolve(next, depth + 1);
  }

  /** match resolves one COPY/ADD source (wildcards as Go's filepath.Match, per path segment) to context entries.
   * A path is cleaned inside the context: `../x` is `x`, as BuildKit does. */
  match(source: string): ContextEntry[] {
    const cleaned = posix.normalize('/' + source).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!WILDCARD.test(cleaned)) {
      const e = this.resolve(cleaned);
      return e ? [e] : [];
    }
    let frontier = [''];
    for (const seg of cleaned.split('/')) {
      const next: string[] = [];
      for (const dir of frontier) {
        const d = this.resolve(dir);
        if (!d || d.type !== 'dir') continue;
        const dirRel = d.rel;
        for (const name of this.children.get(dirRel) ?? []) {
          const r = goFilepathMatch(seg, name);
          if (r.bad) throw new BuildError('BUILD_INVALID', `invalid wildcard in source "${source}"`);
          if (r.matched) next.push(dirRel ? `${dirRel}/${name}` : name);
        }
      }
      frontier = next;
    }
    return frontier.map((r) => this.entries.get(r) as ContextEntry);
  }

  /** walkUnder lists every entry below a directory entry, sorted, depth first (not following symlinks).
   * The list is shared (the same for every call while the entries below do not change): do not modify it. */
  walkUnder(dirRel: string): ContextEntry[] {
    const m = this.memo.get(dirRel);
    if (m?.under) return m.under;
    const out: ContextEntry[] = [];
    const visit = (rel: string) => {
      for (const name of this.children.get(rel) ?? []) {
        const childRel = rel ? `${rel}/${name}` : name;
        const e = this.entries.get(childRel) as ContextEntry;
        out.push(e);
        if (e.type === 'dir') visit(childRel);
      }
    };
    visit(dirRel);
    if (this.entries.get(dirRel)?.type === 'dir') this.memo.set(dirRel, { ...m, under: out });
    return out;
  }

  /** The cached checksum of a file whose inode, size and times still agree with the cache, else undefined. */
  private cachedHash(e: ContextEntry): string | undefined {
    const c = this.hashCache[e.rel];
    if (c && c.size === e.size && c.mtimeNs === String(e.mtimeNs) && c.ctimeNs === String(e.ctimeNs) && c.ino === String(e.ino)) return c.hash;
    return undefined;
  }

  /** fileHash is the sha256 of a file's content, from the persistent cache when inode, size and times agree. */
  async fileHash(e: ContextEntry): Promise<string> {
    const cached = this.cachedHash(e);
    if (cached !== undefined) return cached;
    const h = createHash('sha256');
    if (e.size < 1 << 16) h.update(readFileSync(e.abs));
    else for await (const chunk of createReadStream(e.abs, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
    this.hashedBytes += e.size;
    const hash = h.digest('hex');
    this.hashCache[e.rel] = { ino: String(e.ino), size: e.size, mtimeNs: String(e.mtimeNs), ctimeNs: String(e.ctimeNs), hash };
    this.hashCacheDirty = true;
    return hash;
  }

  /** sourceFiles lists what one matched source contributes (itself and, for a directory, everything below),
   * with content checksums. */
  async sourceFiles(entry: ContextEntry): Promise<SourceFile[]> {
    // A directory's list is kept while nothing below it changes (a watched context's warm rebuild).
    const memo = entry.type === 'dir' ? this.memo.get(entry.rel) : undefined;
    if (memo?.files) return memo.files;
    const list = entry.type === 'dir' ? [entry, ...this.walkUnder(entry.rel)] : [entry];
    const out: SourceFile[] = [];
    for (const e of list) {
      // Cache hits are taken synchronously: 10,000 awaits cost more than the lookups on a warm rebuild.
      const hash = e.type !== 'file' ? '' : (this.cachedHash(e) ?? (await this.fileHash(e)));
      const f: SourceFile = { rel: e.rel, type: e.type, mode: e.mode, hash };
      if (e.linkTarget !== undefined) f.linkTarget = e.linkTarget;
      out.push(f);
    }
    if (entry.type === 'dir' && this.entries.get(entry.rel) === entry) {
      // Shared by later builds (and their step keys): frozen, so nothing can change it under them.
      for (const f of out) Object.freeze(f);
      markImmutable(Object.freeze(out) as SourceFile[]);
      this.memo.set(entry.rel, { ...this.memo.get(entry.rel), files: out });
    }
    return out;
  }

  /** saveHashCache persists the checksums for the next build. */
  async saveHashCache(): Promise<void> {
    if (!this.hashCachePath || !this.hashCacheDirty) return;
    // Forget files that are gone from the context.
    for (const k of Object.keys(this.hashCache)) if (!this.entries.has(k)) delete this.hashCache[k];
    await mkdir(posix.dirname(this.hashCachePath), { recursive: true });
    await writeFileAtomic(this.hashCachePath, JSON.stringify(this.hashCache));
    this.hashCacheDirty = false;
    rememberHashCache(this.hashCachePath, this.hashCache);
  }
}

// Hash caches parsed in this process, by path, with the stamp (inode, size, mtime) of the file they came from:
// a warm rebuild in a running app reuses the object instead of parsing 10,000 entries again. Sharing it is
// safe because every entry is checked against the file's inode, size and times before use.
const parsedHashCaches = new Map<string, { stamp: string; cache: Record<string, HashCacheEntry> }>();


async function loadHashCache(path: string): Promise<Record<string, HashCacheEntry>> {
  const stamp = fileStamp(path);
  if (stamp === null) return {};
  const memo = parsedHashCaches.get(path);
  if (memo && memo.stamp === stamp) return memo.cache;
  let cache: Record<string, HashCacheEntry>;
  try {
    cache = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return {};
  }
  remember(path, { stamp, cache });
  return cache;
}

// A running app builds a few contexts again and again: keep the ones read or written last only.
const MEMO_LIMIT = 8;

function remember(path: string, memo: { stamp: string; cache: Record<string, HashCacheEntry> }): void {
  parsedHashCaches.delete(path);
  parsedHashCaches.set(path, memo);
  if (parsedHashCaches.size > MEMO_LIMIT) parsedHashCaches.delete(parsedHashCaches.keys().next().value as string);
}

function rememberHashCache(path: string, cache: Record<string, HashCacheEntry>): void {
  const stamp = fileStamp(path);
  if (stamp === null) parsedHashCaches.delete(path);
  else remember(path, { stamp, cache });
}
