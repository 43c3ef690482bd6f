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
  /** The step's result is kept only as its stage's root filesystem, for the stages that read it (COPY --from):
   * no image carries this stage, so no layer was written (as BuildKit, which tars no intermediate stage). */
  rootOnly?: boolean;
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
  /** RUN steps that ran on an overlay mount of their root (the others ran on a copy of it). */
  overlaySteps?: number;
  /** Stage roots mounted (overlay) over a cached snapshot instead of cloned from it. */
  overlayRoots?: number;
  durationMs: number;
}

/** A batched delta of a build's status: the first one carries every stage and step. */
export interface BuildStatusEvent {
  buildId: string;
  /** The event's number within its build (1, 2, …): a window that asked listBuilds drops the ones its
   * snapshot already holds. */
  seq?: number;
  stages?: BuildStageState[];
  steps?: BuildStepState[];
  logs?: { stepId: string; stream: 'stdout' | 'stderr'; line: string }[];
  result?: { ok: true; value: BuildResult } | { ok: false; error: SerializedError };
}

/** A build as the engine holds it now (listBuilds): running, or among the last ones finished. A window
 * that reloaded or reconnected rebuilds its view from it instead of showing steps it last saw. */
export interface BuildSnapshot {
  buildId: string;
  contextDir: string;
  dockerfile: string;
  tags: string[];
  target: string | null;
  startedAt: number;
  finishedAt: number | null;
  /** How many 'build/status' events went out so far: events with a higher seq are newer. */
  seq: number;
  stages: BuildStageState[];
  steps: BuildStepState[];
  /** The last lines of each step's log (older ones counted in droppedLogLines). */
  logs: NonNullable<BuildStatusEvent['logs']>;
  droppedLogLines: Record<string, number>;
  result?: BuildStatusEvent['result'];
}

/** What to run of an image (docker run --rm IMAGE [CMD…]): its entrypoint with cmd, or the image's CMD. */
export interface RunImageParams {
  ref: string;
  /** Replaces the image's CMD (the entrypoint stays). */
  cmd?: string[];
  network?: 'host' | 'none';
}

/** A batch of a run's output (bounded: lines past the per-batch cap are counted in dropped). */
export interface RunOutputEvent {
  runId: string;
  lines: { stream: 'stdout' | 'stderr'; line: string }[];
  dropped?: number;
}

/** How a run ended: its exit code (128+n and the signal's name when killed by a signal), or why it could
 * not run (SANDBOX_CANCELLED when stopped). Always the run's last event. */
export type RunExitEvent = { runId: string; durationMs: number } & ({ exitCode: number; signal?: string } | { error: SerializedError });

/** A run as the engine holds it now (listRuns): running, or among the last ones ended (with how). */
export interface RunSnapshot {
  runId: string;
  /** The image's manifest digest. */
  digest: string;
  argv: string[];
  startedAt: number;
  exit: RunExitEvent | null;
}

/** AppCommand is a command of the window's menu or its keyboard shortcuts. */
export type AppCommand = 'build' | 'push';

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
  problems: { line: number; endLine: number; column?: number; severity: 'error' | 'warning'; message: string }[];
}

export interface BuildContextInfo {
  contextDir: string;
  dockerfile: string;
  exists: boolean;
  text: string;
}

/** One state change of a push or pull: per blob, then the manifest and the tags (registry client events). */
export type TransferProgress =
  | ({ kind: 'blob'; operation: 'push' | 'pull'; digest: string; size: number; mediaType: string; role: 'config' | 'layer' } & (
      | { state: 'checking' }
      | { state: 'exists' }
      | { state: 'mounting'; from: string }
      | { state: 'mounted'; from: string }
      | { state: 'uploading'; bytesDone: number; total: number; rate: number }
      | { state: 'downloading'; bytesDone: number; total: number; rate: number }
      | { state: 'compressing'; bytesDone: number; total: number; rate: number }
      | { state: 'compressed'; into: string; intoSize: number; intoMediaType: string }
      | { state: 'retrying'; reason: string; attempt: number; at: number }
      | { state: 'done' }
      | { state: 'failed'; error: SerializedError }
    ))
  | { kind: 'manifest'; operation: 'push' | 'pull' | 'tag'; digest: string; mediaType: string; state: 'fetching' | 'putting' | 'done' | 'failed'; error?: SerializedError }
  | { kind: 'tag'; operation: 'push' | 'pull' | 'tag'; reference: string; digest: string; state: 'done' | 'failed'; error?: SerializedError };

/** A batch of a transfer's progress; the last one carries the result. */
export interface TransferEvent {
  transferId: string;
  operation: 'push' | 'pull';
  reference: string;
  events?: TransferProgress[];
  result?: { ok: true; value: { digest: string; references: string[]; bytes: number } } | { ok: false; error: SerializedError };
}

export interface PushPlanView {
  references: string[];
  digest: string;
  blobs: { digest: string; size: number; mediaType: string; role: 'config' | 'layer'; action: 'exists' | 'mount' | 'upload'; from?: string }[];
  bytesToUpload: number;
  bytesTotal: number;
}

export interface CredentialView {
  registry: string;
  username: string;
  /** Where it comes from: Strata's own store, docker's config.json, or a credential helper. */
  source: string;
}

/** Several images side by side: their layers merged into bands (a band shared by several images is one
 * band across their columns), with the bytes sharing saves. */
export interface ImageComparison {
  images: { digest: string; reference: string | null; size: number; uniqueSize: number; layers: string[] }[];
  /** Bands from the bottom (bases) up; columns lists the indexes of the images that have the layer. */
  bands: { digest: string; size: number; uncompressedSize: number | null; createdBy: string | null; columns: number[] }[];
  /** Bytes of layers at least two of these images share (counted once). */
  sharedBytes: number;
  /** What storing these images separately would cost minus what the store holds for them (compressed). */
  savedOnDisk: number;
  /** Bytes a push of every image to one registry does not send again (layers already there are skipped). */
  savedOnWire: number;
  /** Pairwise shared layer bytes: matrix[i][j] for images i and j (diagonal: the image's layer bytes). */
  matrix: number[][];
}

/** Where in a Dockerfile a layer's instruction stands (when Strata built the image). */
export interface SourceLineView {
  file: string;
  line: number;
}

/** One layer as the explorer lists it, base first. */
export interface ExplorerLayerView {
  index: number;
  digest: string;
  /** Compressed size of the layer blob. */
  size: number;
  /** Entries that are not directories (files, links, devices). */
  files: number;
  fileBytes: number;
  instruction: string | null;
  createdBy: string | null;
  source: SourceLineView | null;
  /** Whether the layer is the base image's rather than the image's own Dockerfile's. */
  base: boolean;
}

/** An image opened in the explorer (its layers indexed once, kept in the store). */
export interface ExplorerImageView {
  digest: string;
  references: string[];
  baseLayers: number;
  layers: ExplorerLayerView[];
}

export type ExploreChange = 'added' | 'modified' | 'deleted' | 'unchanged';
export type ExploreEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** What to show of an image: one layer ('layer': its own changes; 'image': the filesystem as of it), filtered. */
export interface ExploreQueryParams {
  ref: string;
  /** Layer index, base first (default: the top layer). */
  layer?: number;
  view?: 'layer' | 'image';
  changes?: ExploreChange[];
  /** A path glob (`*`, `**`, `?`, `[…]`); a matching directory keeps everything below it. */
  pattern?: string;
  minSize?: number;
  sort?: 'path' | 'size';
}

/** One entry of a layer or image view (deletions carry the layer that had written what was deleted). */
export interface ExploreEntry {
  path: string;
  name: string;
  type: ExploreEntryType;
  mode: number;
  uid: number;
  gid: number;
  /** File bytes; for a directory, the bytes of the (filtered) files below it. */
  size: number;
  mtime: number | null;
  linkTarget: string | null;
  sha256: string | null;
  layer: number;
  change: ExploreChange;
}

/** A directory tree with summed sizes: directories below the depth asked for carry no children, and `more`
 * says how many they hold; `omitted` counts children left out of a directory that has too many to send. */
export interface ExploreTreeNode extends ExploreEntry {
  files: number;
  children?: ExploreTreeNode[];
  more?: number;
  omitted?: number;
}

export interface ExploreTreeView {
  layer: number;
  view: 'layer' | 'image';
  root: ExploreTreeNode;
  totalFiles: number;
  totalSize: number;
  /** Some directories were cut (too many entries for one answer): ask for them by `root`. */
  truncated: boolean;
}

export interface ExploreFileList {
  layer: number;
  view: 'layer' | 'image';
  total: number;
  totalSize: number;
  entries: ExploreEntry[];
}

/** The start of a text file of an image (bounded). */
export interface ImageFileContent {
  path: string;
  layer: number;
  size: number;
  text: string;
  truncated: boolean;
}

export type WasteKindView = 'deleted' | 'overwritten' | 'duplicate';

/** One copy of a file's bytes the image carries for nothing (counted once). */
export interface WasteItemView {
  path: string;
  size: number;
  kind: WasteKindView;
  /** The layer that wrote the wasted bytes (charged with them). */
  layer: number;
  /** deleted/overwritten: the layer that deleted or replaced it; duplicate: the layer of the copy kept. */
  byLayer: number;
  sameContent?: boolean;
  original?: string;
  sha256: string | null;
}

export interface WasteAdviceView {
  kind: string;
  alternatives: string[];
  bytes: number;
  files: number;
  lines: SourceLineView[];
  layers: number[];
  paths: string[];
  message: string;
}

/** An image's waste: efficiency (1 − wasted/total), per layer, per Dockerfile line, top files, advice. */
export interface WasteReportView {
  image: { digest: string; references: string[] };
  totalBytes: number;
  wastedBytes: number;
  efficiency: number;
  baseLayers: number;
  userBytes: number;
  userWastedBytes: number;
  userWastedPercent: number;
  wasteCount: number;
  layers: {
    index: number;
    digest: string;
    instruction: string | null;
    createdBy: string | null;
    source: SourceLineView | null;
    base: boolean;
    files: number;
    fileBytes: number;
    wastedBytes: number;
    causedBytes: number;
  }[];
  byLine: { file: string; line: number; instruction: string | null; createdBy: string | null; wastedBytes: number; layers: number[] }[];
  topFiles: WasteItemView[];
  advice: WasteAdviceView[];
}

/** One path that differs between images A and B (content compared by sha256). */
export interface FileDiffView {
  path: string;
  change: 'added' | 'removed' | 'changed';
  typeA: string | null;
  typeB: string | null;
  sizeA: number | null;
  sizeB: number | null;
  what?: ('type' | 'content' | 'link' | 'mode' | 'owner')[];
}

export interface ConfigDiffView {
  field: 'Env' | 'Cmd' | 'Entrypoint' | 'User' | 'WorkingDir' | 'ExposedPorts' | 'Labels';
  key?: string;
  a: unknown;
  b: unknown;
}

/** What differs between two images: files, layers in common, runtime config. `files` is one page of the
 * differences (filesTotal counts them all). */
export interface ImageDiffView {
  a: { digest: string; references: string[]; layers: number; fileBytes: number };
  b: { digest: string; references: string[]; layers: number; fileBytes: number };
  commonLayers: { diffID: string; digestA: string; digestB: string; indexA: number; indexB: number; size: number }[];
  sharedPrefix: number;
  files: FileDiffView[];
  filesTotal: number;
  truncated: boolean;
  summary: { added: number; removed: number; changed: number; addedBytes: number; removedBytes: number; changedBytes: number };
  config: ConfigDiffView[];
}

/** EngineApi is implemented by main/service/engine.ts and called by every door (window, browser, CLI). */
export interface EngineApi {
  listImages(params: Record<string, never>): Promise<ImageSummary[]>;
  inspectImage(params: { ref: string }): Promise<ImageDetail>;
  compareImages(params: { refs: string[] }): Promise<ImageComparison>;
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
  /** listBuilds is where builds stand now: the running ones and the last finished, newest first. */
  listBuilds(params: Record<string, never>): Promise<BuildSnapshot[]>;
  /** runImage runs an image in the sandbox on a throwaway copy of its filesystem; its output arrives as
   * 'run/output' events and its end as one 'run/exit'. */
  runImage(params: RunImageParams): Promise<{ runId: string; argv: string[] }>;
  /** cancelRun stops a run (its processes are killed). */
  cancelRun(params: { runId: string }): Promise<{ cancelled: boolean }>;
  /** listRuns is where runs stand: the running ones and the last ended, newest first (no output: a window
   * that missed some shows the rest as it comes). */
  listRuns(params: Record<string, never>): Promise<RunSnapshot[]>;
  /** openContext reads a context folder's Dockerfile (default name Dockerfile) for the editor. */
  openContext(params: { contextDir: string; dockerfile?: string }): Promise<BuildContextInfo>;
  /** recentContexts is the context folders last opened, most recent first (those still there). */
  recentContexts(params: Record<string, never>): Promise<string[]>;
  /** saveDockerfile writes the editor's text back (only inside the context folder). */
  saveDockerfile(params: { contextDir: string; dockerfile: string; text: string }): Promise<{ saved: true }>;
  analyzeDockerfile(params: { text: string }): Promise<DockerfileAnalysis>;
  /** pushImage starts a push in the background; progress arrives as 'transfer/progress' events. */
  pushImage(params: { ref: string; tags?: string[]; chunkSize?: number }): Promise<{ transferId: string }>;
  planPush(params: { ref: string; tags?: string[] }): Promise<PushPlanView>;
  pullImage(params: { ref: string; platform?: string }): Promise<{ transferId: string }>;
  cancelTransfer(params: { transferId: string }): Promise<{ cancelled: boolean }>;
  remoteTag(params: { source: string; tags: string[] }): Promise<{ digest: string; references: string[] }>;
  login(params: { registry: string; username: string; password: string }): Promise<CredentialView>;
  logout(params: { registry: string }): Promise<{ registry: string; removed: boolean }>;
  listCredentials(params: Record<string, never>): Promise<CredentialView[]>;
  /** testCredential asks the registry whether the saved credential works. */
  testCredential(params: { registry: string }): Promise<{ ok: boolean; message: string }>;
  /** exploreImage opens an image in the layer explorer (indexing its layers the first time). */
  exploreImage(params: { ref: string }): Promise<ExplorerImageView>;
  /** exploreTree is a layer's file tree from `root` down `depth` levels, filtered (bounded: see truncated). */
  exploreTree(params: ExploreQueryParams & { root?: string; depth?: number }): Promise<ExploreTreeView>;
  /** exploreFiles is the same view as a flat list of files, one page at a time. */
  exploreFiles(params: ExploreQueryParams & { offset?: number; limit?: number }): Promise<ExploreFileList>;
  /** readImageFile is the start of a text file of the image as of a layer. */
  readImageFile(params: { ref: string; path: string; layer?: number; maxBytes?: number }): Promise<ImageFileContent>;
  /** analyzeImage is the waste report: efficiency, wasted bytes charged to Dockerfile lines, advice. */
  analyzeImage(params: { ref: string; top?: number }): Promise<WasteReportView>;
  /** diffImages lists what differs between two images: files (by checksum), common layers, config. */
  diffImages(params: { a: string; b: string; offset?: number; limit?: number }): Promise<ImageDiffView>;
}

export type EngineMethod = keyof EngineApi;
export type ParamsOf<M extends EngineMethod> = Parameters<EngineApi[M]>[0];
export type ResultOf<M extends EngineMethod> = Awaited<ReturnType<EngineApi[M]>>;

/** ENGINE_METHODS lists every method; preload exposes exactly these. */
export const ENGINE_METHODS = [
  'listImages',
  'inspectImage',
  'compareImages',
  'tagImage',
  'untagImage',
  'removeImage',
  'pruneImages',
  'storeUsage',
  'checkReference',
  'version',
  'build',
  'cancelBuild',
  'listBuilds',
  'runImage',
  'cancelRun',
  'listRuns',
  'openContext',
  'recentContexts',
  'saveDockerfile',
  'analyzeDockerfile',
  'pushImage',
  'planPush',
  'pullImage',
  'cancelTransfer',
  'remoteTag',
  'login',
  'logout',
  'listCredentials',
  'testCredential',
  'exploreImage',
  'exploreTree',
  'exploreFiles',
  'readImageFile',
  'analyzeImage',
  'diffImages',
] as const satisfies readonly EngineMethod[];

/** EngineEvents are pushed from main to every window. */
export interface EngineEvents {
  'images/changed': { reason: string };
  'build/status': BuildStatusEvent;
  'transfer/progress': TransferEvent;
  'run/output': RunOutputEvent;
  'run/exit': RunExitEvent;
  /** A menu item or accelerator of the Electron window (browser mode reads the keys itself). */
  'app/command': { command: AppCommand };
}
export type EngineEventName = keyof EngineEvents;
export const ENGINE_EVENTS = ['images/changed', 'build/status', 'transfer/progress', 'run/output', 'run/exit', 'app/command'] as const satisfies readonly EngineEventName[];

/** Channel names (Electron IPC) and the browser-mode WebSocket path. */
export const CHANNEL_INVOKE = 'strata:invoke';
export const CHANNEL_EVENT = 'strata:event';
/** The native folder picker of the Electron window (window.strataPickFolder). */
export const CHANNEL_PICK_FOLDER = 'strata:pick-folder';
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
