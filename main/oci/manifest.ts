import { z } from 'zod';
import { StrataError } from '../util/errors.ts';
import { sha256Digest, type Digest } from './digest.ts';
import { descriptorSchema, type Descriptor } from './descriptor.ts';
import { MediaType, isIndexMediaType, isManifestMediaType } from './media-types.ts';

export class ManifestError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('MANIFEST_INVALID', message, details);
  }
}

/** ImageManifest is an OCI image manifest or a Docker schema2 manifest (manifest.md). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** ImageIndex is an OCI index or a Docker manifest list (image-index.md). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(10_000),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(descriptorSchema).max(10_000),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A parsed document with the exact bytes it came from: digests are over bytes, never re-serialised JSON. */
export type ManifestDocument =
  | { kind: 'manifest'; mediaType: string; digest: Digest; bytes: Uint8Array; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; digest: Digest; bytes: Uint8Array; index: ImageIndex };

/** MAX_MANIFEST_BYTES bounds what we accept as a manifest (the distribution spec suggests 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** parseManifestDocument parses manifest or index bytes; the media type comes from the document, else the hint. */
export function parseManifestDocument(bytes: Uint8Array, mediaTypeHint?: string): ManifestDocument {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw new ManifestError(`manifest is ${bytes.byteLength} bytes, over the ${MAX_MANIFEST_BYTES} limit`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new ManifestError(`manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ManifestError('manifest is not a JSON object');
  const obj = json as Record<string, unknown>;
  const declared = typeof obj.mediaType === 'string' ? obj.mediaType : undefined;
  let mediaType = declared ?? mediaTypeHint;
  if (!mediaType || (!isManifestMediaType(mediaType) && !isIndexMediaType(mediaType))) {
    // OCI allows mediaType to be absent: infer from shape.
    if ('manifests' in obj) mediaType = MediaType.ociIndex;
    else if ('config' in obj && 'layers' in obj) mediaType = MediaType.ociManifest;
    else throw new ManifestError(`unsupported manifest media type ${JSON.stringify(declared ?? mediaTypeHint ?? '')}`);
  }
  const digest = sha256Digest(bytes);
  if (isIndexMediaType(mediaType)) {
    const r = indexSchema.safeParse(obj);
    if (!r.success) throw new ManifestError(`invalid image index: ${formatZod(r.error)}`, { digest });
    return { kind: 'index', mediaType, digest, bytes, index: r.data as ImageIndex };
  }
  const r = manifestSchema.safeParse(obj);
  if (!r.success) throw new ManifestError(`invalid image manifest: ${formatZod(r.error)}`, { digest });
  return { kind: 'manifest', mediaType, digest, bytes, manifest: r.data as ImageManifest };
}

/** formatZod renders the first zod issues as `path: message`. */
export function formatZod(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** encodeJson serialises a document canonically (sorted keys are not required by OCI; we keep insertion order). */
export function encodeJson(doc: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(doc));
}
