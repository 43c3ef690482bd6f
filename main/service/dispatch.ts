import { z } from 'zod';
import type { EngineApi, EngineMethod, Envelope } from '../../preload/contract.ts';
import { serializeError, StrataError } from '../util/errors.ts';

const ref = z.string().min(1).max(4096);
const none = z.object({}).strict();
/** The explorer's layer, view and filters (exploreTree and exploreFiles). */
const exploreQuery = {
  ref,
  layer: z.number().int().min(0).max(10_000).optional(),
  view: z.enum(['layer', 'image']).optional(),
  changes: z.array(z.enum(['added', 'modified', 'deleted', 'unchanged'])).max(4).optional(),
  pattern: z.string().max(1024).optional(),
  minSize: z.number().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  sort: z.enum(['path', 'size']).optional(),
};

/** PARAMS validates every argument that crosses into main: the renderer is untrusted. */
export const PARAMS = {
  listImages: none,
  inspectImage: z.object({ ref }).strict(),
  compareImages: z.object({ refs: z.array(ref).min(2).max(32) }).strict(),
  tagImage: z.object({ source: ref, target: ref }).strict(),
  untagImage: z.object({ ref }).strict(),
  removeImage: z.object({ ref, force: z.boolean().optional() }).strict(),
  pruneImages: none,
  storeUsage: none,
  checkReference: z.object({ input: z.string().max(4096) }).strict(),
  version: none,
  build: z
    .object({
      contextDir: z.string().min(1).max(4096),
      dockerfile: z.string().min(1).max(4096).optional(),
      tags: z.array(ref).max(64).optional(),
      buildArgs: z.record(z.string().min(1).max(256), z.string().max(65536)).optional(),
      target: z.string().max(256).optional(),
      noCache: z.boolean().optional(),
      noCacheFilter: z.array(z.string().max(256)).max(64).optional(),
      secrets: z.array(z.object({ id: z.string().min(1).max(256), src: z.string().min(1).max(4096) }).strict()).max(64).optional(),
      network: z.enum(['default', 'none']).optional(),
    })
    .strict(),
  cancelBuild: z.object({ buildId: z.string().min(1).max(64) }).strict(),
  listBuilds: none,
  runImage: z
    .object({
      ref,
      cmd: z.array(z.string().max(65536)).max(4096).optional(),
      network: z.enum(['host', 'none']).optional(),
    })
    .strict(),
  cancelRun: z.object({ runId: z.string().min(1).max(64) }).strict(),
  listRuns: none,
  recentContexts: none,
  openContext: z.object({ contextDir: z.string().min(1).max(4096), dockerfile: z.string().min(1).max(4096).optional() }).strict(),
  saveDockerfile: z.object({ contextDir: z.string().min(1).max(4096), dockerfile: z.string().min(1).max(4096), text: z.string().max(1 << 20) }).strict(),
  analyzeDockerfile: z.object({ text: z.string().max(1 << 20) }).strict(),
  pushImage: z.object({ ref, tags: z.array(z.string().min(1).max(256)).max(64).optional(), chunkSize: z.number().int().min(1024).max(1 << 30).optional() }).strict(),
  planPush: z.object({ ref, tags: z.array(z.string().min(1).max(256)).max(64).optional() }).strict(),
  pullImage: z.object({ ref, platform: z.string().max(64).optional() }).strict(),
  cancelTransfer: z.object({ transferId: z.string().min(1).max(64) }).strict(),
  remoteTag: z.object({ source: ref, tags: z.array(z.string().min(1).max(256)).min(1).max(64) }).strict(),
  login: z.object({ registry: z.string().min(1).max(512), username: z.string().min(1).max(512), password: z.string().min(1).max(8192) }).strict(),
  logout: z.object({ registry: z.string().min(1).max(512) }).strict(),
  listCredentials: none,
  testCredential: z.object({ registry: z.string().min(1).max(512) }).strict(),
  exploreImage: z.object({ ref }).strict(),
  exploreTree: z.object({ ...exploreQuery, root: z.string().max(4096).optional(), depth: z.number().int().min(0).max(64).optional() }).strict(),
  exploreFiles: z.object({ ...exploreQuery, offset: z.number().int().min(0).max(1e7).optional(), limit: z.number().int().min(0).max(1000).optional() }).strict(),
  readImageFile: z.object({ ref, path: z.string().min(1).max(4096), layer: z.number().int().min(0).max(10_000).optional(), maxBytes: z.number().int().min(0).max(1 << 20).optional() }).strict(),
  analyzeImage: z.object({ ref, top: z.number().int().min(0).max(200).optional() }).strict(),
  diffImages: z.object({ a: ref, b: ref, offset: z.number().int().min(0).max(1e7).optional(), limit: z.number().int().min(0).max(5000).optional() }).strict(),
} satisfies Record<EngineMethod, z.ZodType>;

export class InvalidRequestError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_REQUEST', message, details);
  }
}

/** A renderer may send megabyte keys and values: an error names them, bounded, and never echoes a value. */
const MAX_NAME = 40;
const MAX_MESSAGE = 200;

/** quoteBounded quotes a name from the caller, cut to MAX_NAME characters. */
function quoteBounded(name: string): string {
  return JSON.stringify(name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name) + (name.length > MAX_NAME ? ` (${name.length} characters)` : '');
}

/** describeIssue says what is wrong where, in at most about MAX_MESSAGE characters plus bounded key names. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : quoteBounded(String(k)))).join('.') || 'params';
  const where = path.length > MAX_MESSAGE ? `${path.slice(0, MAX_MESSAGE)}…` : path;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 5).map(quoteBounded).join(', ');
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}`;
  }
  if (issue.code === 'invalid_key') return `${where}: invalid key`;
  const message = issue.message.length > MAX_MESSAGE ? `${issue.message.slice(0, MAX_MESSAGE)}…` : issue.message;
  return `${where}: ${message}`;
}

/** dispatch validates a call from any door and runs it, always answering with an envelope. */
export async function dispatch(engine: EngineApi, method: unknown, params: unknown): Promise<Envelope<unknown>> {
  try {
    if (typeof method !== 'string' || !Object.hasOwn(PARAMS, method)) {
      throw new InvalidRequestError(`unknown method ${typeof method === 'string' ? quoteBounded(method) : typeof method}`);
    }
    const m = method as EngineMethod;
    const parsed = PARAMS[m].safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidRequestError(`invalid arguments to ${m}: ${issue ? describeIssue(issue) : 'rejected'}`, { method: m });
    }
    const fn = engine[m] as (p: unknown) => Promise<unknown>;
    return { ok: true, result: await fn.call(engine, parsed.data) };
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}
