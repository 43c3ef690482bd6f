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

export type StepStatus = 'queued' | 'running' | 'cached' | 'done' | 'failed' | 'cancelled';
export type StageStatus = 'queued' | 'running' | 'cached' | 'done' | 'failed' | 'skipped' | 'cancelled';

/** One Dockerfile instruction of a build, as the stage graph and the step list show it. */
export interface BuildStepState {
  id: string;
  stage: number;
  index: number;
  kind: string;
  /** The instruction as written (one line). */
  instruction: string;
  startLine: number;
  endLine: number;
  /** Whether the step can change the filesystem (and so hit or miss the cache). */
  fsStep: boolean;
  status: StepStatus;
  startedAt: number | null;
  endedAt: number | null;
  cacheKey: string | null;
  /** Why the step was not taken from the cache, in a user's words. */
  missReason: string | null;
  layer: { digest: string; size: number; uncompressedSize: number } | null;
  error: string | null;
}

/** One stage of the build graph. */
export interface BuildStageState {
  index: number;
  name: string | null;
  /** The FROM operand (an image reference, a stage name, or scratch). */
  base: string;
  /** Stages this stage reads from (FROM <stage>, COPY --from, RUN --mount from=). */
  dependsOn: number[];
  /** Whether the target needs this stage (unneeded stages are skipped, not built). */
  needed: boolean;
  target: boolean;
  status: StageStatus;
}

export interface BuildResult {
  digest: string;
  configDigest: string;
  references: string[];
  cachedSteps: number;
  fsSteps: number;
  durationMs: number;
}

/** A batched delta of a build's status: the first one carries every stage and step. */
export interface BuildStatusEvent {
  buildId: string;
  stages?: BuildStageState[];
  steps?: BuildStepState[];
  logs?: { stepId: string; stream: 'stdout' | 'stderr'; line: string }[];
  result?: { ok: true; value: BuildResult } | { ok: false; error: SerializedError };
}

export interface BuildRequestParams {
  contextDir: string;
  /** Dockerfile path, relative to the context (default: Dockerfile). */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  noCacheFilter?: string[];
  secrets?: { id: string; src: string }[];
  network?: 'default' | 'none';
}

/** What the editor and the build form need to know about a Dockerfile. */
export interface DockerfileAnalysis {
  ok: boolean;
  stages: {
    index: number;
    name: string | null;
    base: string;
    startLine: number;
    dependsOn: number[];
    edges: { ref: number | string; via: 'FROM' | 'COPY --from' | 'RUN --mount'; line: number }[];
    instructions: number;
  }[];
  args: { name: string; defaultValue: string | null }[];
  problems: { line: number; endLine: number; severity: 'error' | 'warning'; message: string }[];
}

export interface BuildContextInfo {
  contextDir: string;
  dockerfile: string;
  exists: boolean;
  text: string;
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
  /** build starts a build; its progress arrives as 'build/status' events with this id. */
  build(params: BuildRequestParams): Promise<{ buildId: string }>;
  cancelBuild(params: { buildId: string }): Promise<{ cancelled: boolean }>;
  /** openContext reads a context folder's Dockerfile (default name Dockerfile) for the editor. */
  openContext(params: { contextDir: string; dockerfile?: string }): Promise<BuildContextInfo>;
  /** saveDockerfile writes the editor's text back (only inside the context folder). */
  saveDockerfile(params: { contextDir: string; dockerfile: string; text: string }): Promise<{ saved: true }>;
  analyzeDockerfile(params: { text: string }): Promise<DockerfileAnalysis>;
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
  'build',
  'cancelBuild',
  'openContext',
  'saveDockerfile',
  'analyzeDockerfile',
] as const satisfies readonly EngineMethod[];

/** EngineEvents are pushed from main to every window. */
export interface EngineEvents {
  'images/changed': { reason: string };
  'build/status': BuildStatusEvent;
}
export type EngineEventName = keyof EngineEvents;
export const ENGINE_EVENTS = ['images/changed', 'build/status'] as const satisfies readonly EngineEventName[];

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
