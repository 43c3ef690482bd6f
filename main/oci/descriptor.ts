import { z } from 'zod';
import type { Digest } from './digest.ts';
import { isDigest } from './digest.ts';
import type { Platform } from './platform.ts';

/** Descriptor points at content by media type, digest and size (descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

export const digestSchema = z.string().refine(isDigest, { message: 'invalid digest' }).transform((s) => s as Digest);

export const descriptorSchema = z.object({
  mediaType: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, 'invalid media type'),
  digest: digestSchema,
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});
