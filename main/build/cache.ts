import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import type { Store } from '../store/store.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import type { SourceFile } from './context.ts';
import { fileStamp } from '../util/file-stamp.ts';

/** StepInputs is everything a step's result depends on; its digest is the step's cache key.
 * Content-based: file checksums, never mtimes; the base image by digest; the build args the step uses. */
export interface StepInputs {
  parentKey: string;
  /** The instruction after expansion, with its flags, as one canonical string. */
  op: string;
  /** Context files the step reads (COPY/ADD, RUN --mount=type=bind), with their checksums. */
  files?: SourceFile[];
  /** Build args (and other variables) the step depends on, with their values. */
  args?: Record<string, string>;
  /** The base image's manifest digest (FROM). */
  base?: string;
  /** Results of other stages this step reads (COPY --from=stage), by their final cache key. */
  from?: Record<string, string>;
}

/** CachedLayer is what a filesystem step produced; null layer = the step changed nothing. */
export interface CachedLayer {
  descriptor: Descriptor;
  diffID: Digest;
  uncompressedSize: number;
  /** No blob: the step's result is kept only as its stage's root filesystem, in the snapshot cache (the last
   * filesystem step of a stage no image carries, read by COPY --from; see rootOnlyLayer). */
  rootOnly?: true;
}

/** ROOT_ONLY_MEDIA_TYPE marks the descriptor of a rootOnly layer: it names no blob, only a snapshot. */
export const ROOT_ONLY_MEDIA_TYPE = 'application/vnd.strata.root-only';

/** rootOnlyLayer stands for a step result that no image carries and so is never tarred: BuildKit keeps an
 * intermediate stage's result as a snapshot, not a layer, too. Its digest only names the stage's root
 * filesystem in the snapshot cache: one per execution (the step's key and a nonce), so a step run again
 * (--no-cache, a `curl .../latest` that now gives other bytes) never finds the root an earlier run left under
 * the same name. A build that would need it as a layer runs the step again. */
export function rootOnlyLayer(key: string): CachedLayer {
  const digest = `sha256:${createHash('sha256').update(`strata root-only\n${key}\n${randomBytes(16).toString('hex')}`).digest('hex')}` as Digest;
  return { descriptor: { mediaType: ROOT_ONLY_MEDIA_TYPE, digest, size: 0 }, diffID: digest, uncompressedSize: 0, rootOnly: true };
}

export interface CacheRecord {
  key: string;
  layer: CachedLayer | null;
}

/** stepKey hashes inputs canonically (sorted keys) into a cache key. */
export function stepKey(inputs: StepInputs): string {
  const h = createHash('sha256');
  const files = inputs.files;
  if (files && immutableLists.has(files)) {
    // The same bytes as canonicalJson(inputs), the kept list's JSON encoded once: encoding a 1 MB string
    // costs several times its sha256.
    let bytes = immutableBytes.get(files);
    if (!bytes) immutableBytes.set(files, (bytes = Buffer.from(canonicalJson(files))));
    const parts = canonicalJson({ ...inputs, files: HOLE }).split(JSON.stringify(HOLE));
    if (parts.length === 2) return 'sha256:' + h.update(parts[0] as string).update(bytes).update(parts[1] as string).digest('hex');
  }
  return 'sha256:' + h.update(canonicalJson(inputs)).digest('hex');
}

// Lists promised never to change again, with their canonical JSON once made (null: not yet), and encoded.
const immutableLists = new WeakMap<unknown[], string | null>();
const immutableBytes = new WeakMap<unknown[], Buffer>();
// Stands for such a list in the rest of a step's inputs (a nonce: no instruction text can hold it).
const HOLE = `\u0000${randomBytes(12).toString('hex')}`;

/** markImmutable promises that a list (and everything in it) never changes again: its canonical JSON is
 * made once (a watched context's COPY file list, keyed again by every warm rebuild). */
export function markImmutable(list: unknown[]): void {
  if (!immutableLists.has(list)) immutableLists.set(list, null);
}

/** canonicalJson is JSON with sorted keys (undefined members left out). Written as loops: a COPY of 10,000
 * files keys 10,000 entries on every build, warm ones included. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    const known = immutableLists.get(v);
    if (known) return known;
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      s += canonicalJson(v[i]) ?? ''; // as Array.join writes undefined
    }
    s += ']';
    if (known === null) immutableLists.set(v, s);
    return s;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    let s = '{';
    let first = true;
    // Insertion sort (same code-unit order as sort()): objects here have a handful of keys, 10,000 times.
    const keys = Object.keys(o);
    for (let i = 1; i < keys.length; i++) {
      const k = keys[i] as string;
      let j = i - 1;
      for (; j >= 0 && (keys[j] as string) > k; j--) keys[j + 1] = keys[j] as string;
      keys[j + 1] = k;
    }
    for (const k of keys) {
      const x = o[k];
      if (x === undefined) continue;
      if (!first) s += ',';
      first = false;
      s += JSON.stringify(k) + ':' + canonicalJson(x);
    }
    return s + '}';
  }
  return JSON.stringify(v);
}

/** BuildCache keeps step results by key, and each build's step inputs so the next build can say why it missed. */
export class BuildCache {
  readonly dir: string;
  constructor(readonly store: Store) {
    this.dir = join(store.home, 'cache');
  }

  private recordPath(key: string): string {
    return join(this.dir, 'steps', key.replace(':', '-') + '.json');
  }

  /** get returns a record whose blobs are all still in the store, or null (a rootOnly record's snapshot is
   * the solver's to check). */
  async get(key: string): Promise<CacheRecord | null> {
    let rec: CacheRecord;
    try {
      rec = JSON.parse(await readFile(this.recordPath(key), 'utf8'));
    } catch {
      return null;
    }
    if (rec.layer && !rec.layer.rootOnly && !(await this.store.blobs.has(rec.layer.descriptor.digest))) return null;
    return rec;
  }

  /** put records a step result. */
  async put(rec: CacheRecord): Promise<void> {
    await mkdir(join(this.dir, 'steps'), { recursive: true });
    await writeFileAtomic(this.recordPath(rec.key), JSON.stringify(rec), join(this.store.home, 'tmp'));
  }

  private historyPath(buildId: string): string {
    return join(this.dir, 'history', createHash('sha256').update(buildId).digest('hex') + '.json');
  }

  /** previousInputs returns the inputs each step had in the last build of the same Dockerfile and context.
   * The result is shared with later builds in this process: read it, never change it. */
  async previousInputs(buildIdentity: string): Promise<Record<string, StepInputs>> {
    const path = this.historyPath(buildIdentity);
    const stamp = fileStamp(path);
    if (stamp === null) return {};
    const memo = parsedHistories.get(path);
    if (memo && memo.stamp === stamp) {
      this.lastSaved.set(buildIdentity, memo.text);
      memo.parsed ??= JSON.parse(memo.text) as Record<string, StepInputs>;
      this.lastRead.set(buildIdentity, memo.parsed);
      return memo.parsed;
    }
    try {
      const text = await readFile(path, 'utf8');
      const parsed = JSON.parse(text) as Record<string, StepInputs>;
      this.lastSaved.set(buildIdentity, text);
      this.lastRead.set(buildIdentity, parsed);
      rememberHistory(path, { stamp, text, parsed });
      return parsed;
    } catch {
      return {};
    }
  }

  /** The history text last read or written per build identity: an unchanged one is not written again. */
  private readonly lastSaved = new Map<string, string>();
  /** The parsed history previousInputs returned, when it still matches the file. */
  private readonly lastRead = new Map<string, Record<string, StepInputs>>();

  /** saveInputs remembers this build's step inputs (by step slot) for the next build's miss reasons. */
  async saveInputs(buildIdentity: string, inputs: Record<string, StepInputs>): Promise<void> {
    // The inputs read at the start equal these (compared as data, cheaper than 10,000 files as text): no write.
    const read = this.lastRead.get(buildIdentity);
    if (read && sameJsonData(inputs, read)) return;
    const text = JSON.stringify(inputs);
    // A rebuild with nothing changed has the same inputs: skip the (synced) rewrite.
    if (this.lastSaved.get(buildIdentity) === text) return;
    await mkdir(join(this.dir, 'history'), { recursive: true });
    const path = this.historyPath(buildIdentity);
    await writeFileAtomic(path, text, join(this.store.home, 'tmp'));
    this.lastSaved.set(buildIdentity, text);
    this.lastRead.delete(buildIdentity);
    const stamp = fileStamp(path);
    // Parsed again on the next read rather than kept as the live inputs object, which its build may still hold.
    if (stamp !== null) rememberHistory(path, { stamp, text, parsed: null });
  }
}

// Step histories read or written in this process, by path, with the stamp of the file they match: a warm
// rebuild in a running app neither reads nor parses the last build's inputs again.
const parsedHistories = new Map<string, { stamp: string; text: string; parsed: Record<string, StepInputs> | null }>();
const HISTORY_MEMO_LIMIT = 8;

function rememberHistory(path: string, memo: { stamp: string; text: string; parsed: Record<string, StepInputs> | null }): void {
  parsedHistories.delete(path);
  parsedHistories.set(path, memo);
  if (parsedHistories.size > HISTORY_MEMO_LIMIT) parsedHistories.delete(parsedHistories.keys().next().value as string);
}


/** sameJsonData says whether a and b serialize to the same JSON data (members in any order; an undefined
 * member is an absent one, an undefined array item is null), as JSON.parse(JSON.stringify(a)) deep-equals b. */
export function sameJsonData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonData(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    if (!Object.hasOwn(y, k) || y[k] === undefined || !sameJsonData(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) n--;
  return n === 0;
}

const MAX_NAMED = 3;

/** missReason explains, in a user's words, why a step's key differs from the one it had last time. */
export function missReason(now: StepInputs, before: StepInputs | undefined, parentRebuilt: boolean): string {
  if (!before) return 'not built before';
  if (now.base !== before.base) return before.base && now.base ? `base image moved (${short(before.base)} → ${short(now.base)})` : 'base image changed';
  // A changed build arg explains a changed instruction text too (the arg was expanded into it).
  const args = argChanges(now.args ?? {}, before.args ?? {});
  if (args.length) return args.join(', ');
  if (now.op !== before.op) return `instruction changed (was: ${before.op.length > 80 ? before.op.slice(0, 77) + '...' : before.op})`;
  const files = fileChanges(now.files ?? [], before.files ?? []);
  if (files.length) return files.length > MAX_NAMED ? `${files.slice(0, MAX_NAMED).join(', ')} and ${files.length - MAX_NAMED} more` : files.join(', ');
  const from = Object.keys({ ...now.from, ...before.from }).filter((k) => now.from?.[k] !== before.from?.[k]);
  if (from.length) return `stage ${from.join(', ')} changed`;
  if (now.parentKey !== before.parentKey) return parentRebuilt ? 'previous step rebuilt' : 'previous step changed';
  return 'not in the cache (pruned)';
}

function short(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

function argChanges(now: Record<string, string>, before: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k of Object.keys({ ...now, ...before }).sort()) {
    if (now[k] === before[k]) continue;
    if (before[k] === undefined) out.push(`ARG ${k} set to ${now[k]}`);
    else if (now[k] === undefined) out.push(`ARG ${k} no longer set (was ${before[k]})`);
    else out.push(`ARG ${k} changed from ${before[k]} to ${now[k]}`);
  }
  return out;
}

function fileChanges(now: SourceFile[], before: SourceFile[]): string[] {
  const b = new Map(before.map((f) => [f.rel, f]));
  const n = new Map(now.map((f) => [f.rel, f]));
  const out: string[] = [];
  for (const f of now) {
    const old = b.get(f.rel);
    if (!old) out.push(`${f.rel || '.'} added`);
    else if (old.hash !== f.hash || old.type !== f.type || old.linkTarget !== f.linkTarget) out.push(`${f.rel} changed`);
    else if (old.mode !== f.mode) out.push(`${f.rel} mode changed`);
  }
  for (const f of before) if (!n.has(f.rel)) out.push(`${f.rel} removed`);
  return out;
}
