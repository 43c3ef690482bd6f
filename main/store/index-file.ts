import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { descriptorSchema, type Descriptor } from '../oci/descriptor.ts';
import { MediaType } from '../oci/media-types.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { StoreError } from './errors.ts';
import { FileLock } from './lock.ts';

/** REF_NAME is the annotation naming a tagged manifest in an image layout's index.json (annotations.md). */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** IMAGE_NAME is containerd's/BuildKit's full image name annotation, written on export. */
export const CONTAINERD_IMAGE_NAME = 'io.containerd.image.name';

/** IndexEntry is one line of the store's index.json: a manifest, tagged with a full reference or untagged. */
export interface IndexEntry {
  descriptor: Descriptor;
  reference: string | null;
}

const indexJsonSchema = z.object({
  schemaVersion: z.literal(2),
  manifests: z.array(descriptorSchema),
});

/** IndexFile is the store's index.json: every tag (full normalized reference → manifest) lives here.
 * All changes happen under a cross-process lock, as read-modify-write, written atomically. */
export class IndexFile {
  readonly path: string;
  readonly lock: FileLock;
  constructor(readonly root: string) {
    this.path = join(root, 'index.json');
    this.lock = new FileLock(join(root, 'index.json.lock'));
  }

  /** read returns the current entries (no lock: the file is only ever replaced whole). */
  async read(): Promise<IndexEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    let parsed;
    try {
      parsed = indexJsonSchema.parse(JSON.parse(text));
    } catch (e) {
      throw new StoreError('STORE_CORRUPT', `the store's index.json is unreadable (${this.path}): ${(e as Error).message}`, { path: this.path });
    }
    return parsed.manifests.map((d) => {
      const { annotations, ...rest } = d;
      const reference = annotations?.[REF_NAME] ?? null;
      const others = { ...(annotations ?? {}) };
      delete others[REF_NAME];
      const descriptor: Descriptor = Object.keys(others).length ? { ...rest, annotations: others } : rest;
      return { descriptor, reference };
    });
  }

  /** update applies fn to the entries under the lock and writes the result. */
  async update<T>(fn: (entries: IndexEntry[]) => Promise<{ entries: IndexEntry[]; result: T }> | { entries: IndexEntry[]; result: T }): Promise<T> {
    await mkdir(this.root, { recursive: true });
    return this.lock.run(async () => {
      const before = await this.read();
      const { entries, result } = await fn(before);
      // Nothing changed (a rebuild that tags what the tag already names): no write, no fsync.
      if (this.serialize(entries) !== this.serialize(before)) await this.write(entries);
      return result;
    });
  }

  private async write(entries: IndexEntry[]): Promise<void> {
    await writeFileAtomic(this.path, this.serialize(entries), join(this.root, 'tmp'));
  }

  private serialize(entries: IndexEntry[]): string {
    const manifests = entries.map(({ descriptor, reference }) => {
      const annotations = { ...(descriptor.annotations ?? {}), ...(reference ? { [REF_NAME]: reference } : {}) };
      const d: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
      if (descriptor.platform) d.platform = descriptor.platform;
      if (Object.keys(annotations).length) d.annotations = annotations;
      return d;
    });
    const doc = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
    return JSON.stringify(doc, null, 2) + '\n';
  }
}
