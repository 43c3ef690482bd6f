import { randomBytes } from 'node:crypto';
import type {
  BuildContextInfo,
  BuildRequestParams,
  DockerfileAnalysis,
  EngineApi,
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
} from '../../preload/contract.ts';
import type { ContainerConfig } from '../oci/config.ts';
import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath, sep } from 'node:path';
import { analyzeDockerfile } from '../build/analyze.ts';
import { parseDockerRef } from '../oci/reference.ts';
import { StrataError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { layerInfo } from '../store/layer-writer.ts';
import type { Image, Store } from '../store/store.ts';
import { computeUsage, type UsageReport } from '../store/usage.ts';
import { EventHub } from './events.ts';

export const STRATA_VERSION = '0.1.0';

/** Engine implements the contract over one store; every door (window, browser mode, CLI) calls it. */
export class Engine implements EngineApi {
  readonly events = new EventHub();
  constructor(
    readonly store: Store,
    readonly mode: 'electron' | 'browser' | 'cli' = 'cli',
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
    this.events.emit('images/changed', { reason: `removed ${ref}` });
    return r;
  }

  async pruneImages(): Promise<PruneResult> {
    const r = await this.store.prune();
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

  /** build starts a build in the background; progress and the result arrive as 'build/status' events. */
  async build(params: BuildRequestParams): Promise<{ buildId: string }> {
    const buildId = randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.builds.set(buildId, controller);
    const { runBuild } = await import('../build/solver.ts');
    runBuild(this.store, params, { buildId, signal: controller.signal, onStatus: (e) => this.events.emit('build/status', e) })
      .then(() => this.events.emit('images/changed', { reason: `built ${buildId}` }))
      .catch(() => {
        /* the failure went out as the build's last status event */
      })
      .finally(() => this.builds.delete(buildId));
    return { buildId };
  }

  async cancelBuild({ buildId }: { buildId: string }): Promise<{ cancelled: boolean }> {
    const c = this.builds.get(buildId);
    if (!c) return { cancelled: false };
    c.abort();
    return { cancelled: true };
  }

  async openContext({ contextDir, dockerfile }: { contextDir: string; dockerfile?: string }): Promise<BuildContextInfo> {
    const dir = resolvePath(contextDir);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new StrataError('BUILD_CONTEXT', `"${contextDir}" is not a folder`);
    const rel = dockerfile ?? 'Dockerfile';
    const file = insideContext(dir, rel);
    const text = await readFile(file, 'utf8').catch(() => null);
    return { contextDir: dir, dockerfile: rel, exists: text !== null, text: text ?? '' };
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

  async version() {
    return { version: STRATA_VERSION, home: this.store.home, mode: this.mode };
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
