import { randomBytes } from 'node:crypto';
import type {
  BuildContextInfo,
  BuildRequestParams,
  BuildSnapshot,
  RunImageParams,
  RunSnapshot,
  CredentialView,
  PushPlanView,
  TransferEvent,
  TransferProgress,
  DockerfileAnalysis,
  EngineApi,
  ImageComparison,
  HistoryView,
  ImageDetail,
  ImageSummary,
  LayerView,
  PruneResult,
  ReferenceCheck,
  RemoveResult,
  RuntimeConfigView,
  StoreUsage,
  TagResult,
  ExplorerImageView,
  ExploreFileList,
  ExploreQueryParams,
  ExploreTreeView,
  ImageDiffView,
  ImageFileContent,
  WasteReportView,
} from '../../preload/contract.ts';
import type { ContainerConfig } from '../oci/config.ts';
import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath, sep } from 'node:path';
import { analyzeDockerfile } from '../build/analyze.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { serializeError, StrataError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { layerInfo } from '../store/layer-writer.ts';
import type { Image, Store } from '../store/store.ts';
import { computeUsage, type UsageReport } from '../store/usage.ts';
import { EventHub } from './events.ts';
import { STRATA_VERSION } from './version.ts';
import { BuildLedger } from './build-ledger.ts';
import { RunSession } from './run-session.ts';
import { RecentContexts } from './recent-contexts.ts';
import { Explorer, pruneLayerIndexes } from '../explore/index.ts';
import { boundTree, pageDiff } from './explore-service.ts';

export { STRATA_VERSION };
/** Most image runs going at once (each holds a copy of its image's filesystem). */
export const MAX_RUNS = 4;
/** Ended runs listRuns still reports. */
const RUNS_KEPT = 5;

/** Engine implements the contract over one store; every door (window, browser mode, CLI) calls it. */
export class Engine implements EngineApi {
  readonly events = new EventHub();
  constructor(
    readonly store: Store,
    readonly mode: 'electron' | 'browser' | 'cli' = 'cli',
    /** Where Strata keeps its own logins (the app: encrypted with the OS keychain); default docker's config. */
    readonly credentialStore?: import('../registry/credentials.ts').CredentialStore,
  ) {}

  private async snapshot(): Promise<{ images: Image[]; usage: UsageReport }> {
    const images = await this.store.listImages();
    return { images, usage: await computeUsage(this.store, images) };
  }

  async listImages(): Promise<ImageSummary[]> {
    const { images, usage } = await this.snapshot();
    return images.map((img) => summarize(img, usage));
  }

  async inspectImage({ ref }: { ref: string }): Promise<ImageDetail> {
    const target = await this.store.resolve(ref);
    const { usage } = await this.snapshot();
    const summary = summarize(target, usage);
    const cfg = target.configDoc.config;
    const history = cfg.history ?? [];
    const layers: LayerView[] = [];
    const historyViews: HistoryView[] = [];
    let li = 0;
    for (const h of history) {
      const layer = h.empty_layer ? undefined : target.manifest.layers[li];
      historyViews.push({
        created: h.created ?? null,
        createdBy: h.created_by ?? '',
        comment: h.comment ?? null,
        emptyLayer: !!h.empty_layer,
        size: layer?.size ?? 0,
        layerDigest: layer?.digest ?? null,
      });
      if (!h.empty_layer) li++;
    }
    const nonEmpty = history.filter((h) => !h.empty_layer);
    for (const [i, l] of target.manifest.layers.entries()) {
      const h = nonEmpty[i];
      const info = await layerInfo(this.store, l.digest);
      layers.push({
        index: i,
        digest: l.digest,
        diffID: cfg.rootfs.diff_ids[i] ?? info?.diffID ?? null,
        mediaType: l.mediaType,
        size: l.size,
        uncompressedSize: info?.uncompressedSize ?? null,
        createdBy: h?.created_by ?? null,
        created: h?.created ?? null,
        comment: h?.comment ?? null,
        usedBy: usage.blobUsers.get(l.digest) ?? 1,
      });
    }
    return { ...summary, manifestMediaType: target.manifestDoc.mediaType, layers, history: historyViews, config: runtimeView(cfg.config) };
  }

  async compareImages({ refs }: { refs: string[] }): Promise<ImageComparison> {
    const images: Image[] = [];
    for (const r of refs) images.push(await this.store.resolve(r));
    const history = images.map((img) => {
      const nonEmpty = (img.configDoc.config.history ?? []).filter((h) => !h.empty_layer);
      return new Map(img.manifest.layers.map((l, i) => [l.digest as string, nonEmpty[i]?.created_by ?? null]));
    });
    // Bands in the order layers stack: level by level from the base, each digest once.
    const bands: ImageComparison['bands'] = [];
    const index = new Map<string, number>();
    const depth = Math.max(...images.map((i) => i.manifest.layers.length));
    for (let level = 0; level < depth; level++) {
      images.forEach((img, col) => {
        const l = img.manifest.layers[level];
        if (!l) return;
        let b = index.get(l.digest);
        if (b === undefined) {
          b = bands.length;
          index.set(l.digest, b);
          bands.push({ digest: l.digest, size: l.size, uncompressedSize: null, createdBy: history[col]?.get(l.digest) ?? null, columns: [] });
        }
        if (!bands[b]!.columns.includes(col)) bands[b]!.columns.push(col);
      });
    }
    for (const b of bands) b.uncompressedSize = (await layerInfo(this.store, b.digest as never))?.uncompressedSize ?? null;
    const layerSets = images.map((img) => new Map(img.manifest.layers.map((l) => [l.digest as string, l.size])));
    const matrix = images.map((_, i) => images.map((__, j) => {
      let sum = 0;
      for (const [d, size] of layerSets[i]!) if (layerSets[j]!.has(d)) sum += size;
      return sum;
    }));
    const shared = bands.filter((b) => b.columns.length > 1);
    const sharedBytes = shared.reduce((s, b) => s + b.size, 0);
    const extraCopies = shared.reduce((s, b) => s + b.size * (b.columns.length - 1), 0);
    return {
      images: images.map((img, i) => ({
        digest: img.digest,
        reference: img.references[0] ?? null,
        size: [...layerSets[i]!.values()].reduce((a, b) => a + b, 0),
        uniqueSize: [...layerSets[i]!].filter(([d]) => (bands[index.get(d)!]?.columns.length ?? 1) === 1).reduce((a, [, s]) => a + s, 0),
        layers: img.manifest.layers.map((l) => l.digest),
      })),
      bands,
      sharedBytes,
      savedOnDisk: extraCopies,
      savedOnWire: extraCopies,
      matrix,
    };
  }

  async tagImage({ source, target }: { source: string; target: string }): Promise<TagResult> {
    const r = await this.store.tag(source, target);
    this.events.emit('images/changed', { reason: `tagged ${r.reference}` });
    return r;
  }

  async untagImage({ ref }: { ref: string }): Promise<{ reference: string; digest: string }> {
    const r = await this.store.untag(ref);
    this.events.emit('images/changed', { reason: `untagged ${r.reference}` });
    return r;
  }

  async removeImage({ ref, force }: { ref: string; force?: boolean }): Promise<RemoveResult> {
    const r = await this.store.removeImage(ref, { force: !!force });
    if (r.deleted) await this.dropLayerIndexes();
    this.events.emit('images/changed', { reason: `removed ${ref}` });
    return r;
  }

  async pruneImages(): Promise<PruneResult> {
    const r = await this.store.prune();
    await this.dropLayerIndexes();
    this.events.emit('images/changed', { reason: 'pruned' });
    return { images: r.images, removedBlobs: r.removed.length, freedBytes: r.freedBytes };
  }

  async storeUsage(): Promise<StoreUsage> {
    const { images, usage } = await this.snapshot();
    return {
      onDisk: usage.onDisk,
      imagesTotal: usage.imagesTotal,
      savedBySharing: usage.savedBySharing,
      images: images.length,
      blobs: usage.blobs,
      unreferencedBytes: usage.unreferencedBytes,
    };
  }

  async checkReference({ input }: { input: string }): Promise<ReferenceCheck> {
    try {
      const ref = parseDockerRef(input);
      return { ok: true, normalized: ref.toString(), familiar: ref.familiarString() };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  private readonly builds = new Map<string, AbortController>();
  /** The contexts built last, watched so a rebuild need not walk them again (the app only: the CLI is one-shot). */
  private contexts: import('../build/context-watch.ts').ContextWatchers | null = null;
  /** contextWatchOptions tunes those watchers (tests inject failures); read at the first build. */
  contextWatchOptions: import('../build/context-watch.ts').ContextWatchOptions = {};
  private closed = false;
  /** Where every build stands, for windows that reload or reconnect (listBuilds). */
  private readonly ledger = new BuildLedger();

  /** build starts a build in the background; progress and the result arrive as 'build/status' events. */
  async build(params: BuildRequestParams): Promise<{ buildId: string }> {
    const buildId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.builds.set(buildId, controller);
    this.ledger.start(buildId, params);
    const { runBuild } = await import('../build/solver.ts');
    const contexts = await this.watchedContexts();
    const openContext = contexts ? (dir: string, o: { hashCachePath: string }) => contexts.open(dir, { ...o, ...(params.dockerfile ? { dockerfile: params.dockerfile } : {}) }) : undefined;
    runBuild(this.store, params, { buildId, signal: controller.signal, onStatus: (e) => this.events.emit('build/status', this.ledger.record(e)), ...(openContext ? { openContext } : {}) })
      .then(() => this.events.emit('images/changed', { reason: `built ${buildId}` }))
      .catch(() => {
        /* the failure went out as the build's last status event */
      })
      .finally(() => this.builds.delete(buildId));
    return { buildId };
  }

  private async watchedContexts(): Promise<import('../build/context-watch.ts').ContextWatchers | null> {
    if (this.mode === 'cli' || this.closed) return null;
    if (!this.contexts) {
      const { ContextWatchers } = await import('../build/context-watch.ts');
      this.contexts ??= new ContextWatchers(this.contextWatchOptions);
    }
    return this.contexts;
  }

  /** contextWatcher is the watcher of a context the engine built (tests and the profile read it). */
  contextWatcher(contextDir: string): import('../build/context-watch.ts').ContextWatcher | undefined {
    return this.contexts?.get(contextDir);
  }

  /** settle waits (at most timeoutMs) until finished builds have removed their scratch roots and unmounted
   * what they mounted, which goes on after a build returns: for an app about to quit. */
  async settle(timeoutMs = 5000): Promise<void> {
    const { settleBuilds } = await import('../build/solver.ts');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settleBuilds(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** close lets go of what the engine holds between calls (the watches of the contexts it built). */
  close(): void {
    this.closed = true;
    this.contexts?.close();
    this.contexts = null;
  }

  async cancelBuild({ buildId }: { buildId: string }): Promise<{ cancelled: boolean }> {
    const c = this.builds.get(buildId);
    if (!c) return { cancelled: false };
    c.abort();
    return { cancelled: true };
  }

  async listBuilds(): Promise<BuildSnapshot[]> {
    return this.ledger.list();
  }

  private readonly runs = new Map<string, AbortController>();
  /** Every run's snapshot (running ones, and the last few ended) for listRuns. */
  private readonly runLog: RunSnapshot[] = [];

  async runImage({ ref, cmd, network }: RunImageParams): Promise<{ runId: string; argv: string[] }> {
    if (this.runs.size >= MAX_RUNS) throw new StrataError('RUN_LIMIT', `${MAX_RUNS} runs are going already: stop one first`);
    const img = await this.store.resolve(ref); // a clear error now for an unknown image, not later as an event
    const c = img.configDoc.config.config ?? {};
    const argv = [...(c.Entrypoint ?? []), ...(cmd?.length ? cmd : (c.Cmd ?? []))];
    if (!argv.length) throw new StrataError('RUN_NO_COMMAND', `image ${ref} has no ENTRYPOINT or CMD: give a command to run`);
    const { runImage } = await import('../build/run-image.ts');
    const runId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.runs.set(runId, controller);
    const started = Date.now();
    const snap: RunSnapshot = { runId, digest: img.digest, argv, startedAt: started, exit: null };
    this.runLog.unshift(snap);
    const session = new RunSession(runId, {
      output: (e) => this.events.emit('run/output', e),
      exit: (e) => {
        snap.exit = e;
        // Keep every running one and the last few ended.
        let ended = 0;
        for (let i = 0; i < this.runLog.length; i++) if (this.runLog[i]!.exit && ++ended > RUNS_KEPT) this.runLog.splice(i--, 1);
        this.events.emit('run/exit', e);
      },
    });
    // The image's digest, not the name: a tag moved meanwhile does not change what runs.
    runImage(this.store, img.digest, { ...(cmd?.length ? { cmd } : {}), ...(network ? { network } : {}), signal: controller.signal, onOutput: (stream, line) => session.output(stream, line) })
      .then(
        (r) => r,
        (e: unknown) => ({ error: serializeError(e) }),
      )
      .then((end) => {
        // Forgotten before the exit goes out: a window that sees the exit can no longer cancel it.
        this.runs.delete(runId);
        session.exit(end, Date.now() - started);
      });
    return { runId, argv };
  }

  async cancelRun({ runId }: { runId: string }): Promise<{ cancelled: boolean }> {
    const c = this.runs.get(runId);
    c?.abort();
    return { cancelled: !!c };
  }

  async listRuns(): Promise<RunSnapshot[]> {
    return this.runLog.map((r) => ({ ...r, argv: [...r.argv] }));
  }

  async openContext({ contextDir, dockerfile }: { contextDir: string; dockerfile?: string }): Promise<BuildContextInfo> {
    const dir = resolvePath(contextDir);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new StrataError('BUILD_CONTEXT', `"${contextDir}" is not a folder`);
    const rel = dockerfile ?? 'Dockerfile';
    const file = insideContext(dir, rel);
    const text = await readFile(file, 'utf8').catch(() => null);
    await this.recent.add(dir).catch(() => {}); // remembering is a convenience: never fail the open for it
    return { contextDir: dir, dockerfile: rel, exists: text !== null, text: text ?? '' };
  }

  private recentList: RecentContexts | null = null;
  private get recent(): RecentContexts {
    return (this.recentList ??= new RecentContexts(this.store.home));
  }

  async recentContexts(): Promise<string[]> {
    return this.recent.list();
  }

  async saveDockerfile({ contextDir, dockerfile, text }: { contextDir: string; dockerfile: string; text: string }): Promise<{ saved: true }> {
    const dir = resolvePath(contextDir);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new StrataError('BUILD_CONTEXT', `"${contextDir}" is not a folder`);
    await writeFileAtomic(insideContext(dir, dockerfile), text);
    return { saved: true };
  }

  async analyzeDockerfile({ text }: { text: string }): Promise<DockerfileAnalysis> {
    return analyzeDockerfile(text);
  }

  private readonly transfers = new Map<string, AbortController>();
  /** One registry session for the engine's life: tokens stay cached per scope until they expire. */
  private session: import('../registry/client.ts').RegistrySession | null = null;

  private async registry() {
    const mod = await import('../registry/index.ts');
    this.session ??= new mod.RegistrySession();
    return { mod, session: this.session };
  }

  private startTransfer(operation: 'push' | 'pull', reference: string, run: (signal: AbortSignal, onProgress: (e: unknown[]) => void) => Promise<{ digest: string; references: string[]; bytes: number }>): { transferId: string } {
    const transferId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.transfers.set(transferId, controller);
    const emit = (e: Omit<TransferEvent, 'transferId' | 'operation' | 'reference'>) => this.events.emit('transfer/progress', { transferId, operation, reference, ...e });
    run(controller.signal, (events) => emit({ events: events as TransferProgress[] }))
      .then((value) => {
        emit({ result: { ok: true, value } });
        if (operation === 'pull') this.events.emit('images/changed', { reason: `pulled ${reference}` });
      })
      .catch((e) => emit({ result: { ok: false, error: serializeError(e) } }))
      .finally(() => this.transfers.delete(transferId));
    return { transferId };
  }

  async pushImage({ ref, tags, chunkSize }: { ref: string; tags?: string[]; chunkSize?: number }): Promise<{ transferId: string }> {
    await this.store.resolve(ref); // a clear error now for an unknown image, not later as an event
    const { mod, session } = await this.registry();
    return this.startTransfer('push', ref, async (signal, onProgress) => {
      const r = await mod.push(this.store, ref, { session, signal, onProgress, ...(tags ? { tags } : {}), ...(chunkSize ? { chunkSize } : {}) });
      return { digest: r.digest, references: r.references, bytes: r.bytesUploaded };
    });
  }

  async planPush({ ref, tags }: { ref: string; tags?: string[] }): Promise<PushPlanView> {
    const { mod, session } = await this.registry();
    const plan = await mod.planPush(this.store, ref, { session, ...(tags ? { tags } : {}) });
    return { references: plan.references, digest: plan.digest, blobs: plan.blobs.map((b) => ({ ...b })), bytesToUpload: plan.bytesToUpload, bytesTotal: plan.bytesTotal };
  }

  async pullImage({ ref, platform }: { ref: string; platform?: string }): Promise<{ transferId: string }> {
    const { mod, session } = await this.registry();
    return this.startTransfer('pull', ref, async (signal, onProgress) => {
      const r = await mod.pull(this.store, ref, { session, signal, onProgress, ...(platform ? { platform } : {}) });
      return { digest: r.digest, references: [r.reference], bytes: r.bytesDownloaded };
    });
  }

  async cancelTransfer({ transferId }: { transferId: string }): Promise<{ cancelled: boolean }> {
    const c = this.transfers.get(transferId);
    c?.abort();
    return { cancelled: !!c };
  }

  async remoteTag({ source, tags }: { source: string; tags: string[] }): Promise<{ digest: string; references: string[] }> {
    const { mod, session } = await this.registry();
    const r = await mod.remoteTag(source, tags, { session });
    return { digest: r.digest, references: r.references };
  }

  async login({ registry, username, password }: { registry: string; username: string; password: string }): Promise<CredentialView> {
    const { mod } = await this.registry();
    const r = await mod.login(registry, username, password, this.credentialStore ? { store: this.credentialStore } : {});
    this.session = null; // new credentials: forget cached tokens
    return { registry: r.registry, username: r.username, source: describeSource(r.source) };
  }

  async logout({ registry }: { registry: string }): Promise<{ registry: string; removed: boolean }> {
    const { mod } = await this.registry();
    const r = await mod.logout(registry, this.credentialStore ? { store: this.credentialStore } : {});
    this.session = null;
    return { registry: r.registry, removed: r.removed };
  }

  async listCredentials(): Promise<CredentialView[]> {
    const { mod } = await this.registry();
    const list = await mod.listCredentials(this.credentialStore ? { store: this.credentialStore } : {});
    return list.map((c) => ({ registry: c.registry, username: c.username ?? '(identity token)', source: describeSource(c.source) }));
  }

  async testCredential({ registry }: { registry: string }): Promise<{ ok: boolean; message: string }> {
    const { mod } = await this.registry();
    try {
      await new mod.RegistryClient(mod.normalizeRegistry(registry), this.credentialStore ? { credentials: this.credentialStore } : {}).ping('login');
      return { ok: true, message: `${mod.normalizeRegistry(registry)} accepts the saved credential` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  private explorer: Explorer | null = null;
  /** The layer explorer over this store (its file indexes live in the store, under meta/index). */
  private get explore(): Explorer {
    return (this.explorer ??= new Explorer(this.store));
  }

  /** dropLayerIndexes deletes the file indexes of layers gc removed (an index never outlives its blob). */
  private async dropLayerIndexes(): Promise<void> {
    await pruneLayerIndexes(this.store).catch(() => 0);
  }

  async exploreImage(params: { ref: string }): Promise<ExplorerImageView> {
    return this.explore.exploreImage(params);
  }

  async exploreTree(params: ExploreQueryParams & { root?: string; depth?: number }): Promise<ExploreTreeView> {
    return boundTree(await this.explore.exploreTree(params));
  }

  async exploreFiles(params: ExploreQueryParams & { offset?: number; limit?: number }): Promise<ExploreFileList> {
    return this.explore.exploreFiles({ ...params, limit: Math.min(params.limit ?? 200, 1000) });
  }

  async readImageFile(params: { ref: string; path: string; layer?: number; maxBytes?: number }): Promise<ImageFileContent> {
    return this.explore.readImageFile(params);
  }

  async analyzeImage({ ref, top }: { ref: string; top?: number }): Promise<WasteReportView> {
    return this.explore.analyzeImage({ ref, top: top ?? 20 });
  }

  async diffImages({ a, b, offset, limit }: { a: string; b: string; offset?: number; limit?: number }): Promise<ImageDiffView> {
    return pageDiff(await this.explore.diffImages({ a, b }), offset, limit);
  }

  async version() {
    return { version: STRATA_VERSION, home: this.store.home, mode: this.mode };
  }
}

/** describeSource says in words where a credential lives. */
function describeSource(s: import('../registry/credentials.ts').CredentialSource): string {
  switch (s.kind) {
    case 'docker-config':
      return `docker config (${s.path})`;
    case 'credential-helper':
      return `credential helper docker-credential-${s.helper}`;
    case 'custom':
      return s.name;
    default:
      return 'given for this session';
  }
}

/** insideContext resolves a Dockerfile path that must stay inside the context folder. */
function insideContext(dir: string, rel: string): string {
  const file = resolvePath(dir, rel);
  if (file !== dir && !file.startsWith(dir + sep)) throw new StrataError('BUILD_CONTEXT', `the Dockerfile "${rel}" must be inside the context folder`);
  return file;
}

function summarize(img: Image, usage: UsageReport): ImageSummary {
  const u = usage.perImage.get(img.digest) ?? { size: 0, sharedSize: 0, uniqueSize: 0 };
  const cfg = img.configDoc.config;
  return {
    digest: img.digest,
    configDigest: img.manifest.config.digest,
    references: img.references,
    familiarReferences: img.references.map((r) => parseDockerRef(r).familiarString()),
    size: u.size,
    sharedSize: u.sharedSize,
    uniqueSize: u.uniqueSize,
    created: img.storedAt ?? cfg.created ?? null,
    architecture: cfg.architecture,
    os: cfg.os,
    layerCount: img.manifest.layers.length,
  };
}

function runtimeView(c: ContainerConfig | undefined): RuntimeConfigView {
  return {
    env: c?.Env ?? [],
    cmd: c?.Cmd ?? null,
    entrypoint: c?.Entrypoint ?? null,
    user: c?.User ?? '',
    workingDir: c?.WorkingDir ?? '',
    exposedPorts: Object.keys(c?.ExposedPorts ?? {}),
    labels: c?.Labels ?? {},
    volumes: Object.keys(c?.Volumes ?? {}),
    stopSignal: c?.StopSignal ?? null,
  };
}
