import { chmod, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, type Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { parseConfig, type ConfigDocument } from '../oci/config.ts';
import { parseManifestDocument, type ImageManifest, type ManifestDocument } from '../oci/manifest.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { BlobStore } from './blobs.ts';
import { StoreError } from './errors.ts';
import { IndexFile, type IndexEntry } from './index-file.ts';
import { FileLock } from './lock.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { twinsOf } from './layer-twins.ts';

/** Image is a read-only view of one stored image: its manifest and config, with their bytes. */
export interface Image {
  digest: Digest;
  manifestDoc: Extract<ManifestDocument, { kind: 'manifest' }>;
  manifest: ImageManifest;
  configDoc: ConfigDocument;
  references: string[];
  /** When this store got the image (built, pulled or loaded), if recorded: images built reproducibly carry
   * a fixed `created` in their config, so this is the time to show. */
  storedAt?: string;
}

/** STORED_AT is the index.json annotation that records when the store got an image. */
export const STORED_AT = 'org.opencontainers.image.created';

/** Store is Strata's image and layer store: an OCI image layout under $STRATA_HOME.
 * Call order is the containers/image one: blobs first, then the manifest, then the tag. */
export class Store {
  readonly blobs: BlobStore;
  readonly index: IndexFile;
  readonly tmpDir: string;
  /** gcLock is held by garbage collection; writers hold leases (see lease()). */
  readonly gcLock: FileLock;

  private constructor(readonly home: string) {
    this.tmpDir = join(home, 'tmp');
    this.blobs = new BlobStore(home, this.tmpDir);
    this.index = new IndexFile(home);
    this.gcLock = new FileLock(join(home, 'gc.lock'), 120_000);
  }

  /** open creates (if needed) and opens the store at home. */
  static async open(home: string): Promise<Store> {
    await mkdir(join(home, 'blobs', 'sha256'), { recursive: true });
    // Unpacked layers (snapshots/, build roots in tmp/) may hold an untrusted image's device nodes and setuid
    // files: only the store's owner may reach them, as containerd's 0700 snapshot roots (issue 7).
    for (const d of ['tmp', 'snapshots']) {
      await mkdir(join(home, d), { recursive: true });
      await chmod(join(home, d), 0o700);
    }
    await mkdir(join(home, 'leases'), { recursive: true });
    try {
      await stat(join(home, 'oci-layout'));
    } catch {
      await writeFile(join(home, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }) + '\n');
    }
    return new Store(home);
  }

  /** normalizeReference turns a user's name into the full docker reference the store keys tags by. */
  static normalizeReference(input: string): string {
    return parseDockerRef(input).toString();
  }

  /** entries lists index.json: every tag and untagged image. */
  entries(): Promise<IndexEntry[]> {
    return this.index.read();
  }

  /** readManifest loads and parses a stored manifest or index. */
  async readManifest(digest: Digest, mediaTypeHint?: string): Promise<ManifestDocument> {
    return parseManifestDocument(await this.blobs.read(digest), mediaTypeHint);
  }

  /** loadImage loads an image by manifest digest. */
  async loadImage(digest: Digest, references: string[] = []): Promise<Image> {
    const doc = await this.readManifest(digest);
    if (doc.kind !== 'manifest') throw new StoreError('STORE_CORRUPT', `${digest} is an index, not an image manifest`, { digest });
    const configDoc = parseConfig(await this.blobs.read(doc.manifest.config.digest));
    return { digest, manifestDoc: doc, manifest: doc.manifest, configDoc, references };
  }

  /** listImages returns every image (one per manifest digest) with its references, newest first. */
  async listImages(): Promise<Image[]> {
    const entries = await this.entries();
    const byDigest = new Map<Digest, string[]>();
    const storedAt = new Map<Digest, string>();
    for (const e of entries) {
      const refs = byDigest.get(e.descriptor.digest) ?? [];
      if (e.reference) refs.push(e.reference);
      byDigest.set(e.descriptor.digest, refs);
      const at = e.descriptor.annotations?.[STORED_AT];
      if (at && at > (storedAt.get(e.descriptor.digest) ?? '')) storedAt.set(e.descriptor.digest, at);
    }
    const images: Image[] = [];
    for (const [digest, refs] of byDigest) {
      const img = await this.loadImage(digest, refs.sort());
      const at = storedAt.get(digest);
      if (at) img.storedAt = at;
      images.push(img);
    }
    const when = (i: Image) => i.storedAt ?? i.configDoc.config.created ?? '';
    images.sort((a, b) => when(b).localeCompare(when(a)) || a.digest.localeCompare(b.digest));
    return images;
  }

  /** resolve finds an image by reference (`nginx`, `localhost:5000/a:b`), manifest digest, image ID
   * (config digest) or an unambiguous ID/digest prefix of at least 4 hex characters, as docker does. */
  async resolve(input: string): Promise<Image> {
    const entries = await this.entries();
    const s = input.trim();
    const byDigest = (d: string) => entries.filter((e) => e.descriptor.digest === d);
    const refsOf = (d: Digest) => entries.filter((e) => e.descriptor.digest === d && e.reference).map((e) => e.reference as string).sort();
    if (isDigest(s) && byDigest(s).length) return this.loadImage(s as Digest, refsOf(s as Digest));
    // A hex prefix: match manifest digests and config digests (docker's IMAGE ID).
    const hex = s.startsWith('sha256:') ? s.slice(7) : s;
    if (/^[a-f0-9]{4,64}$/.test(hex)) {
      const matches = new Set<Digest>();
      for (const e of entries) {
        if (e.descriptor.digest.slice(7).startsWith(hex)) matches.add(e.descriptor.digest);
      }
      if (matches.size === 0) {
        for (const img of await this.listImages()) if (img.manifest.config.digest.slice(7).startsWith(hex)) matches.add(img.digest);
      }
      if (matches.size === 1) {
        const d = [...matches][0] as Digest;
        return this.loadImage(d, refsOf(d));
      }
      if (matches.size > 1) throw new StoreError('IMAGE_NOT_FOUND', `"${s}" matches ${matches.size} images: give more of the digest`, { input: s });
    }
    const full = Store.normalizeReference(s);
    const hit = entries.find((e) => e.reference === full);
    if (!hit) throw new StoreError('IMAGE_NOT_FOUND', `no image "${s}" in the store (looked for ${full})`, { input: s, reference: full });
    return this.loadImage(hit.descriptor.digest, refsOf(hit.descriptor.digest));
  }

  /** addImage records a manifest (whose blobs must all be stored) under the given references.
   * Returns the references that moved from another image, with that image's digest. */
  async addImage(descriptor: Descriptor, references: string[]): Promise<{ moved: { reference: string; from: Digest }[] }> {
    await this.assertComplete(descriptor.digest);
    const refs = references.map((r) => Store.normalizeReference(r));
    return this.index.update((entries) => {
      const moved: { reference: string; from: Digest }[] = [];
      let next = entries.filter((e) => {
        if (e.reference && refs.includes(e.reference)) {
          if (e.descriptor.digest !== descriptor.digest) moved.push({ reference: e.reference, from: e.descriptor.digest });
          return false;
        }
        return true;
      });
      // Drop an untagged entry for the same image: it now has a name.
      if (refs.length) next = next.filter((e) => !(e.reference === null && e.descriptor.digest === descriptor.digest));
      const hasAny = next.some((e) => e.descriptor.digest === descriptor.digest);
      const base: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
      if (descriptor.annotations && Object.keys(descriptor.annotations).length) base.annotations = { ...descriptor.annotations };
      if (refs.length === 0 && !hasAny) next.push({ descriptor: base, reference: null });
      // A tag that already names this image keeps its entry as it was (when it was stored, first).
      for (const r of refs) next.push({ descriptor: entries.find((e) => e.reference === r && e.descriptor.digest === descriptor.digest)?.descriptor ?? base, reference: r });
      // An image whose last tag moved away stays listed, untagged (docker's <none>), until prune or rmi.
      for (const m of moved) {
        if (next.some((e) => e.descriptor.digest === m.from)) continue;
        const old = entries.find((e) => e.descriptor.digest === m.from);
        if (old) next.push({ descriptor: old.descriptor, reference: null });
      }
      return { entries: next, result: { moved } };
    });
  }

  /** tag points dst at the image src names (docker tag). Returns the image dst pointed at before, if any. */
  async tag(src: string, dst: string): Promise<{ reference: string; digest: Digest; previous: Digest | null }> {
    const img = await this.resolve(src);
    const reference = Store.normalizeReference(dst);
    const { moved } = await this.addImage(descriptorOf(img), [reference]);
    return { reference, digest: img.digest, previous: moved[0]?.from ?? null };
  }

  /** untag removes one tag; the image stays (untagged) if nothing else names it, until prune. */
  async untag(input: string): Promise<{ reference: string; digest: Digest }> {
    const reference = Store.normalizeReference(input);
    return this.index.update((entries) => {
      const hit = entries.find((e) => e.reference === reference);
      if (!hit) throw new StoreError('IMAGE_NOT_FOUND', `no tag "${input}" in the store (looked for ${reference})`, { input, reference });
      const next = entries.filter((e) => e !== hit);
      if (!next.some((e) => e.descriptor.digest === hit.descriptor.digest)) next.push({ descriptor: hit.descriptor, reference: null });
      return { entries: next, result: { reference, digest: hit.descriptor.digest } };
    });
  }

  /** removeImage is docker rmi: a reference loses its tag, and the image goes when no tag is left
   * (by digest/ID: the image and all its tags, which needs force when it has several). Frees its blobs. */
  async removeImage(input: string, opts: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: Digest | null; freedBytes: number }> {
    const img = await this.resolve(input);
    let byName: string | null = null;
    try {
      const full = Store.normalizeReference(input);
      if (img.references.includes(full)) byName = full;
    } catch {
      /* not a name: a digest or ID */
    }
    const result = await this.index.update((entries) => {
      const untagged: string[] = [];
      let next: IndexEntry[];
      if (byName) {
        next = entries.filter((e) => e.reference !== byName);
        untagged.push(byName);
      } else {
        const tags = entries.filter((e) => e.descriptor.digest === img.digest && e.reference).map((e) => e.reference as string);
        if (tags.length > 1 && !opts.force) {
          throw new StoreError('IMAGE_IN_USE', `image ${img.digest.slice(7, 19)} has ${tags.length} tags (${tags.join(', ')}): remove them by name, or force`, { tags });
        }
        next = entries.filter((e) => e.descriptor.digest !== img.digest);
        untagged.push(...tags);
      }
      const stillThere = next.some((e) => e.descriptor.digest === img.digest);
      return { entries: next, result: { untagged, deleted: stillThere ? null : img.digest } };
    });
    const freedBytes = result.deleted ? (await this.gc()).freedBytes : 0;
    return { ...result, freedBytes };
  }

  /** assertComplete checks that a manifest and every blob it names are stored, with the sizes it says
   * (a tag only points at complete images). */
  async assertComplete(digest: Digest): Promise<void> {
    const doc = await this.readManifest(digest);
    const children = doc.kind === 'manifest' ? [doc.manifest.config, ...doc.manifest.layers] : doc.index.manifests;
    for (const c of children) {
      if (!(await this.blobs.has(c.digest))) {
        throw new StoreError('BLOB_UNKNOWN', `image ${digest} is incomplete: blob ${c.digest} is missing`, { digest, missing: c.digest });
      }
      // A descriptor whose size is not the blob's makes an image no registry or runtime accepts (issue 7).
      const size = await this.blobs.size(c.digest);
      if (size !== c.size) {
        throw new StoreError('BLOB_SIZE_MISMATCH', `image ${digest} is invalid: blob ${c.digest} has ${size} bytes, the manifest says ${c.size}`, { digest, blob: c.digest, expected: c.size, actual: size });
      }
    }
  }

  /** reachable is every blob digest some index entry reaches (manifests, configs, layers, index children). */
  async reachable(): Promise<Set<Digest>> {
    const seen = new Set<Digest>();
    const visit = async (d: Digest, depth: number): Promise<void> => {
      if (seen.has(d) || depth > 8) return;
      seen.add(d);
      let doc: ManifestDocument;
      try {
        doc = await this.readManifest(d);
      } catch {
        return; // missing or not a manifest: fsck reports it
      }
      if (doc.kind === 'manifest') {
        seen.add(doc.manifest.config.digest);
        for (const l of doc.manifest.layers) seen.add(l.digest);
        // An uncompressed layer's gzip twin (what a push sent) lives as long as the layer.
        for (const t of await twinsOf(this, doc.manifest.layers)) seen.add(t);
      } else {
        for (const m of doc.index.manifests) await visit(m.digest, depth + 1);
      }
    };
    for (const e of await this.entries()) await visit(e.descriptor.digest, 0);
    return seen;
  }

  /** lease keeps blobs alive while a writer (build, pull, load) has not yet tagged them: the digests it adds,
   * and every blob written or used (BlobStore.has) since the lease began. Take it BEFORE writing or relying on
   * any blob. The lease file names its pid: one left by a dead process no longer protects anything. */
  async lease(name: string): Promise<Lease> {
    const path = join(this.home, 'leases', `${process.pid}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Date.now()}`);
    const digests = new Set<Digest>();
    await writeFile(path, '');
    // "since" is on the filesystem's clock (the file's mtime), the clock blob mtimes are compared with.
    const since = (await stat(path, { bigint: true })).mtimeNs;
    return {
      add: async (...ds: Digest[]) => {
        const before = digests.size;
        for (const d of ds) digests.add(d);
        if (digests.size === before) return; // nothing new to protect
        // Replaced whole (atomic): gc must never read a half-written lease. Not fsync'd: a lease means
        // nothing after a crash (its process is gone), only other processes must see it whole.
        await writeFileAtomic(path, [`since ${since}`, ...digests].join('\n'), this.tmpDir, { sync: false });
      },
      release: async () => {
        await rm(path, { force: true });
      },
    };
  }

  /** liveLeases reads the leases of running processes (removing those of dead ones). */
  private async liveLeases(): Promise<{ digests: Set<Digest>; since: bigint[] }> {
    const digests = new Set<Digest>();
    const since: bigint[] = [];
    const dir = join(this.home, 'leases');
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const pid = Number(f.split('-')[0]);
      if (!alive(pid)) {
        await rm(join(dir, f), { force: true });
        continue;
      }
      const st = await stat(join(dir, f), { bigint: true }).catch(() => null);
      if (!st) continue; // released meanwhile
      const text = await readFile(join(dir, f), 'utf8').catch(() => '');
      const s = /^since (\d+)$/m.exec(text);
      since.push(s ? BigInt(s[1] as string) : st.mtimeNs);
      for (const line of text.split('\n')) if (isDigest(line)) digests.add(line as Digest);
    }
    return { digests, since };
  }

  /** gc deletes every blob that no tag reaches and no live lease protects (prune's second half).
   * Against concurrent writers (who lease, write or use blobs, tag, then release): blobs are listed first,
   * then leases read, then tags; a blob written or used since gc began or since a live lease began is kept;
   * a victim is moved aside and deleted only if nobody rewrote or used it meanwhile. */
  async gc(): Promise<{ removed: Digest[]; freedBytes: number }> {
    return this.gcLock.run(async () => {
      await mkdir(this.tmpDir, { recursive: true });
      const mark = join(this.tmpDir, `gcmark-${process.pid}`);
      await writeFile(mark, '');
      const startedAt = (await stat(mark, { bigint: true })).mtimeNs;
      await rm(mark, { force: true });
      const candidates: Digest[] = [];
      for await (const d of this.blobs.list()) candidates.push(d);
      const leases = await this.liveLeases();
      const keep = await this.reachable();
      const removed: Digest[] = [];
      let freedBytes = 0;
      for (const d of candidates) {
        if (keep.has(d) || leases.digests.has(d)) continue;
        const path = this.blobs.path(d);
        const before = await stat(path, { bigint: true }).catch(() => null);
        if (!before) continue;
        if (before.mtimeNs >= startedAt || leases.since.some((s) => before.mtimeNs >= s)) continue;
        const aside = join(this.tmpDir, `gc-${process.pid}-${d.replace(':', '-')}`);
        try {
          await rename(path, aside);
        } catch {
          continue;
        }
        const after = await stat(aside, { bigint: true }).catch(() => null);
        if (!after || after.ino !== before.ino || after.mtimeNs !== before.mtimeNs) {
          // Rewritten or used between the check and the move: put it back (a newer copy may already be there).
          await link(aside, path).catch(() => {});
          await rm(aside, { force: true });
          continue;
        }
        await rm(aside, { force: true });
        freedBytes += Number(before.size);
        removed.push(d);
      }
      return { removed, freedBytes };
    });
  }

  /** prune removes untagged images, then garbage-collects blobs (docker image prune + blob gc). */
  async prune(): Promise<{ images: Digest[]; removed: Digest[]; freedBytes: number }> {
    const images = await this.index.update((entries) => {
      const tagged = new Set(entries.filter((e) => e.reference).map((e) => e.descriptor.digest));
      const dropped = entries.filter((e) => !e.reference && !tagged.has(e.descriptor.digest)).map((e) => e.descriptor.digest);
      return { entries: entries.filter((e) => e.reference || tagged.has(e.descriptor.digest)), result: dropped };
    });
    const { removed, freedBytes } = await this.gc();
    return { images, removed, freedBytes };
  }
}

export interface Lease {
  add(...digests: Digest[]): Promise<void>;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** descriptorOf is the manifest descriptor of a stored image. */
export function descriptorOf(img: Image): Descriptor {
  return { mediaType: img.manifestDoc.mediaType, digest: img.digest, size: img.manifestDoc.bytes.byteLength };
}
