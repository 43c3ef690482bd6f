import { z } from 'zod';
import { StrataError } from '../util/errors.ts';
import { sha256Digest, type Digest } from './digest.ts';

/** HistoryEntry records how a layer (or an empty step) came to be (config.md#properties). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** ContainerConfig is the runtime part of an image config, with Docker's extensions. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

/** ImageConfig is the image configuration JSON (config.md). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

export class ConfigError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFIG_INVALID', message, details);
  }
}

const configSchema = z
  .object({
    architecture: z.string(),
    os: z.string(),
    rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(z.string()) }),
    config: z.record(z.string(), z.unknown()).nullable().optional(),
    history: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .passthrough();

export interface ConfigDocument {
  digest: Digest;
  bytes: Uint8Array;
  config: ImageConfig;
}

/** parseConfig parses image config bytes, keeping the bytes beside the value. */
export function parseConfig(bytes: Uint8Array): ConfigDocument {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new ConfigError(`image config is not valid JSON: ${(e as Error).message}`);
  }
  const r = configSchema.safeParse(json);
  if (!r.success) throw new ConfigError(`invalid image config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; ')}`);
  const config = r.data as unknown as ImageConfig;
  if (config.config === null) delete config.config;
  return { digest: sha256Digest(bytes), bytes, config };
}

/** layerHistory pairs each non-empty history entry with its layer index (history entries with empty_layer have none). */
export function layerHistory(config: ImageConfig): (HistoryEntry | undefined)[] {
  const out: (HistoryEntry | undefined)[] = [];
  for (const h of config.history ?? []) if (!h.empty_layer) out.push(h);
  const n = config.rootfs.diff_ids.length;
  // Images with fewer history entries than layers (hand-made ones) leave the rest unnamed.
  while (out.length < n) out.push(undefined);
  return out.slice(0, n);
}
