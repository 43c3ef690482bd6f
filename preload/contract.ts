// The one contract between the renderer and the engine: every call and event, typed from both ends.
// Types and channel names only: no electron import, no runtime dependencies (the sandboxed preload bundles it).

export interface SerializedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: SerializedError };

/** One image (one manifest) in the store, with what it shares with the others. */
export interface ImageSummary {
  digest: string;
  configDigest: string;
  references: string[];
  familiarReferences: string[];
  size: number;
  sharedSize: number;
  uniqueSize: number;
  created: string | null;
  architecture: string;
  os: string;
  layerCount: number;
}

/** One layer of an image, base first, with the instruction that created it (config history). */
export interface LayerView {
  index: number;
  digest: string;
  diffID: string | null;
  mediaType: string;
  size: number;
  uncompressedSize: number | null;
  createdBy: string | null;
  created: string | null;
  comment: string | null;
  /** How many images in the store use this layer (1 = only this one). */
  usedBy: number;
}

/** One history step as `docker history` lists them (empty steps included). */
export interface HistoryView {
  created: string | null;
  createdBy: string;
  comment: string | null;
  emptyLayer: boolean;
  size: number;
  layerDigest: string | null;
}

export interface RuntimeConfigView {
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  user: string;
  workingDir: string;
  exposedPorts: string[];
  labels: Record<string, string>;
  volumes: string[];
  stopSignal: string | null;
}

export interface ImageDetail extends ImageSummary {
  manifestMediaType: string;
  layers: LayerView[];
  history: HistoryView[];
  config: RuntimeConfigView;
}

export interface StoreUsage {
  /** Bytes of every blob on disk (each stored once). */
  onDisk: number;
  /** Sum of every image's size, as if nothing were shared. */
  imagesTotal: number;
  /** imagesTotal - bytes on disk that images reach: what sharing saves. */
  savedBySharing: number;
  images: number;
  blobs: number;
  /** Blobs no image reaches (prune frees them). */
  unreferencedBytes: number;
}

export type ReferenceCheck =
  | { ok: true; normalized: string; familiar: string }
  | { ok: false; error: string };

export interface TagResult {
  reference: string;
  digest: string;
  previous: string | null;
}

export interface RemoveResult {
  untagged: string[];
  deleted: string | null;
  freedBytes: number;
}

export interface PruneResult {
  images: string[];
  removedBlobs: number;
  freedBytes: number;
}

/** EngineApi is implemented by main/service/engine.ts and called by every door (window, browser, CLI). */
export interface EngineApi {
  listImages(params: Record<string, never>): Promise<ImageSummary[]>;
  inspectImage(params: { ref: string }): Promise<ImageDetail>;
  tagImage(params: { source: string; target: string }): Promise<TagResult>;
  untagImage(params: { ref: string }): Promise<{ reference: string; digest: string }>;
  removeImage(params: { ref: string; force?: boolean }): Promise<RemoveResult>;
  pruneImages(params: Record<string, never>): Promise<PruneResult>;
  storeUsage(params: Record<string, never>): Promise<StoreUsage>;
  checkReference(params: { input: string }): Promise<ReferenceCheck>;
  version(params: Record<string, never>): Promise<{ version: string; home: string; mode: 'electron' | 'browser' | 'cli' }>;
}

export type EngineMethod = keyof EngineApi;
export type ParamsOf<M extends EngineMethod> = Parameters<EngineApi[M]>[0];
export type ResultOf<M extends EngineMethod> = Awaited<ReturnType<EngineApi[M]>>;

/** ENGINE_METHODS lists every method; preload exposes exactly these. */
export const ENGINE_METHODS = [
  'listImages',
  'inspectImage',
  'tagImage',
  'untagImage',
  'removeImage',
  'pruneImages',
  'storeUsage',
  'checkReference',
  'version',
] as const satisfies readonly EngineMethod[];

/** EngineEvents are pushed from main to every window. */
export interface EngineEvents {
  'images/changed': { reason: string };
}
export type EngineEventName = keyof EngineEvents;
export const ENGINE_EVENTS = ['images/changed'] as const satisfies readonly EngineEventName[];

/** Channel names (Electron IPC) and the browser-mode WebSocket path. */
export const CHANNEL_INVOKE = 'strata:invoke';
export const CHANNEL_EVENT = 'strata:event';
export const WS_PATH = 'ws';

/** Wire messages of the browser mode (the same contract over a WebSocket). */
export type ClientMessage = { id: number; method: EngineMethod; params: unknown };
export type ServerMessage =
  | ({ id: number } & Envelope<unknown>)
  | { event: EngineEventName; payload: unknown };

/** StrataBridge is what preload puts on window.strata, and what the browser-mode client mimics. */
export interface StrataBridge {
  invoke<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>>;
  on<E extends EngineEventName>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
}
