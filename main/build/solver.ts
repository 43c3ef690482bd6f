import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, posix, resolve as resolvePath } from 'node:path';
import type { BuildRequestParams, BuildResult, BuildStageState, BuildStatusEvent, BuildStepState } from '../../preload/contract.ts';
import { ArgScope, type StageArgs } from '../dockerfile/instructions/args.ts';
import { DockerfileError } from '../dockerfile/instructions/errors.ts';
import { SCRATCH, stageDependencies, type StageRef } from '../dockerfile/instructions/graph.ts';
import { parseStages, type ParsedStages } from '../dockerfile/instructions/stages.ts';
import { placeError } from '../dockerfile/error-position.ts';
import type { CopyInstruction, AddInstruction, RunInstruction, Stage, StageInstruction, WorkdirInstruction } from '../dockerfile/instructions/types.ts';
import type { Change } from '../layer/diff.ts';
import type { ImageConfig } from '../oci/config.ts';
import type { Digest } from '../oci/digest.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, type Platform } from '../oci/platform.ts';
import { configPlatform, whyNotRunnable } from './platform.ts';
import { writeImage } from '../store/image-writer.ts';
import { STORED_AT, type Lease, type Store } from '../store/store.ts';
import { serializeError, StrataError } from '../util/errors.ts';
import { secureJoin } from '../util/secure-join.ts';
import { BuildCache, missReason, rootOnlyLayer, stepKey, type CachedLayer, type StepInputs } from './cache.ts';
import { applyMetadata, commandArgv, createdBy, DEFAULT_PATH, DEFAULT_SHELL, resolveWorkdir, setEnv } from './config-ops.ts';
import { BuildContext, type SourceFile } from './context.ts';
import { archiveKind, download, extractInto, type ArchiveKind } from './add.ts';
import { copyInto, type CopySource } from './copy.ts';
import { BuildError } from './errors.ts';
import { changesFromPaths, storeLayer } from './layer.ts';
import { addBytes, timed } from './metrics.ts';
import { applyLayers, copyTree, SnapshotCache, unmountCheckout } from './rootfs.ts';
import { overlayUnavailable, type OverlayDirs } from './overlay-root.ts';
import { resolveUser } from './users.ts';
import { runStep, type RunMountSpec } from './run-step.ts';
import { BuildStatus } from './status.ts';

export interface BuildHooks {
  buildId?: string;
  onStatus?: (e: BuildStatusEvent) => void;
  signal?: AbortSignal;
  /** openContext supplies the walked context (the engine's watched contexts); default BuildContext.open. */
  openContext?: (contextDir: string, opts: { hashCachePath: string }) => Promise<BuildContext>;
}

/** One stage while it runs: the image so far, its cache key chain, and (lazily) its root filesystem. */
interface StageRun {
  stage: Stage;
  config: ImageConfig;
  layers: CachedLayer[];
  /** baseLayers: how many of layers are the FROM image's (a FROM stage: its parent's); checkouts snapshot that chain. */
  baseLayers: number;
  key: string;
  args: StageArgs;
  argNames: Set<string>;
  shell: string[];
  cmdSet: boolean;
  /** The materialized root filesystem, current up to the last step; null until a step needs it. */
  rootfs: string | null;
  /** Whether some step of this stage (or what it builds on) was rebuilt rather than taken from the cache. */
  rebuilt: boolean;
  lastChange: string | null;
  /** A copy of the root filesystem as a RUN step left it, being made (while its layer is written) to become
   * that chain's snapshot; the next step that writes into the root waits for it. */
  snapshotting: Promise<void> | null;
  /** The instruction being built (what is left of the stage decides how its root is checked out). */
  current: StageInstruction | null;
  /** The root is an overlay mount over a snapshot (mountCheckout), unmounted when the build ends. */
  mounted: OverlayDirs | null;
  /** Every step of the stage is done: its root is whole, whatever becomes of the build. */
  finished?: boolean;
}

/** Why a rootOnly cache record is not taken (see fsStep). */
export const ROOT_NEEDED_AS_LAYER = "built before only as an intermediate stage's root (no layer); this build needs its layer";
export const ROOT_NOT_KEPT = 'its kept stage root is not in the snapshot cache (pruned, or the build that made it did not finish)';

/** stepLayer is a step's result as the build status shows it: its layer, or rootOnly (no blob to show). */
function stepLayer(layer: CachedLayer | null): Pick<BuildStepState, 'layer' | 'rootOnly'> {
  if (layer?.rootOnly) return { layer: null, rootOnly: true };
  return { layer: layer ? { digest: layer.descriptor.digest, size: layer.descriptor.size, uncompressedSize: layer.uncompressedSize } : null };
}

const EPOCH_ISO = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
/** MOUNT_MIN_BYTES: a root whose layers hold less is cloned, not mounted (see rootfsOf). */
const MOUNT_MIN_BYTES = 8 * 1024 * 1024;

/** Builder runs one build: Dockerfile → stages → steps → layers → image, with a content-based cache. */
class Builder {
  readonly id: string;
  readonly status: BuildStatus;
  readonly cache: BuildCache;
  readonly snapshots: SnapshotCache;
  readonly tmp: string;
  readonly started = Date.now();
  private readonly abort = new AbortController();
  private readonly results = new Map<number, Promise<StageRun>>();
  private readonly inputs: Record<string, StepInputs> = {};
  private previous: Record<string, StepInputs> = {};
  private parsed!: ParsedStages;
  private scope!: ArgScope;
  private deps!: Map<number, Set<StageRef>>;
  private ctx!: BuildContext;
  private lease!: Lease;
  private file = 'Dockerfile';
  /** the Dockerfile's text, to place errors on their line and column */
  private text: string | undefined;
  private identity = '';
  private sourceDateEpoch = 0;
  /** Background work (compression, snapshot copies) the build waits for before it ends. */
  private readonly background: Promise<unknown>[] = [];
  private readonly runs: StageRun[] = [];
  /** Per stage whose result no image of this build carries (not the target, nobody's FROM): its last
   * filesystem instruction, whose result is kept as the stage's root filesystem only (rootOnlyLayer). */
  private readonly rootOnlyLast = new Map<number, StageInstruction>();
  private cachedSteps = 0;
  private fsSteps = 0;
  private overlaySteps = 0;
  private overlayRoots = 0;
  private counter = 0;

  constructor(
    readonly store: Store,
    readonly req: BuildRequestParams,
    readonly hooks: BuildHooks,
  ) {
    this.id = hooks.buildId ?? randomBytes(8).toString('hex');
    this.status = new BuildStatus(this.id, (e) => hooks.onStatus?.(e));
    this.cache = new BuildCache(store);
    this.snapshots = new SnapshotCache(store);
    this.tmp = join(store.tmpDir, `build-${process.pid}-${this.id}`);
    hooks.signal?.addEventListener('abort', () => this.abort.abort(hooks.signal?.reason), { once: true });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  async run(): Promise<BuildResult> {
    try {
      const result = await this.execute();
      this.status.finish({ ok: true, value: result });
      return result;
    } catch (e) {
      // Our own abort (one stage failed) stops the others; only the caller's signal means "cancelled".
      const err = this.hooks.signal?.aborted && !(e instanceof BuildError && e.code === 'BUILD_CANCELLED') ? new BuildError('BUILD_CANCELLED', 'build cancelled') : e;
      for (const s of this.status.steps.values()) if (s.status === 'running' || s.status === 'queued') this.status.step(s.id, { status: 'cancelled', endedAt: s.status === 'running' ? Date.now() : null });
      for (const s of this.status.stages) if (s.status === 'running' || s.status === 'queued') this.status.stage(s.index, { status: 'cancelled' });
      if (this.text !== undefined) placeError(err, this.text, this.file);
      this.status.finish({ ok: false, error: serializeError(err) });
      throw err;
    } finally {
      // A failed stage aborts the others: they stop at their next step (a RUN is killed), and nothing below
      // may touch their roots before they have.
      await Promise.allSettled([...this.results.values()]);
      await Promise.allSettled(this.background);
      await this.keepSnapshots();
      await this.lease?.release();
      // Removing the build's scratch roots (an overlay to unmount, what a COPY wrote through it: ~50 ms for
      // seed's 400 files) is no part of the result: it goes on after the build returns (settleBuilds awaits
      // it; a process that dies first leaves tmp/ to fsck --repair, as any crash does).
      const cleanup = this.cleanup();
      cleanups.add(cleanup);
      void cleanup.finally(() => cleanups.delete(cleanup));
    }
  }

  private async cleanup(): Promise<void> {
    // Mounted roots go first: nothing is ever removed through a mount.
    for (const r of this.runs) if (r.mounted) await unmountCheckout(r.mounted).catch(() => {});
    await rm(this.tmp, { recursive: true, force: true }).catch(() => {});
  }

  /** keepSnapshots makes each finished stage's root filesystem (a directory the build would delete) the
   * snapshot of its layer chain, by a rename, and bounds the snapshots kept. */
  private async keepSnapshots(): Promise<void> {
    try {
      for (const copying of this.pendingCopy.values()) {
        const dir = await copying;
        if (dir) await rm(dir, { recursive: true, force: true });
      }
      // A failed step may leave its root half-written: only the roots of stages whose every step is done are
      // kept (in a failed build too: a later build takes what they built from the cache, rootOnly steps included).
      for (const r of this.runs) {
        if (!r.finished || !r.rootfs || r.mounted) continue;
        const dir = r.rootfs;
        r.rootfs = null;
        await this.snapshots.adopt(r.layers.map((l) => l.descriptor), dir);
      }
      await this.snapshots.prune();
    } catch {
      /* snapshots are only a cache */
    }
  }

  private async execute(): Promise<BuildResult> {
    const contextDir = resolvePath(this.req.contextDir);
    const dockerfilePath = this.req.dockerfile ? (isAbsolute(this.req.dockerfile) ? this.req.dockerfile : join(contextDir, this.req.dockerfile)) : join(contextDir, 'Dockerfile');
    this.file = this.req.dockerfile ?? 'Dockerfile';
    let text: string;
    try {
      if (!statSync(contextDir).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new BuildError('BUILD_CONTEXT', `build context "${this.req.contextDir}" is not a directory`);
    }
    try {
      text = readFileSync(dockerfilePath, 'utf8');
    } catch {
      throw new BuildError('BUILD_CONTEXT', `cannot read Dockerfile ${dockerfilePath}`, { file: dockerfilePath });
    }
    this.identity = `${contextDir}\n${dockerfilePath}\n${this.req.target ?? ''}`;
    this.text = text;
    this.parsed = parseStages(text, { file: this.file });
    const buildArgs = this.req.buildArgs ?? {};
    this.sourceDateEpoch = Number(buildArgs.SOURCE_DATE_EPOCH ?? process.env.SOURCE_DATE_EPOCH ?? 0) || 0;
    this.scope = ArgScope.create(this.parsed.metaArgs, { buildArgs, escapeToken: this.parsed.escapeToken, file: this.file });
    this.deps = stageDependencies(this.parsed.stages, { scope: this.scope, file: this.file });
    const stages = this.parsed.stages;
    let target = stages[stages.length - 1] as Stage;
    if (this.req.target) {
      const t = stages.find((s) => s.name === this.req.target!.toLowerCase());
      if (!t) throw new BuildError('BUILD_INVALID', `target stage "${this.req.target}" could not be found (stages: ${stages.map((s) => s.name ?? s.index).join(', ')})`);
      target = t;
    }
    // Stages the target needs (through FROM, COPY --from, RUN --mount from=), and those whose layers it carries.
    const needed = new Set<number>();
    const visit = (i: number) => {
      if (needed.has(i)) return;
      needed.add(i);
      for (const d of this.deps.get(i) ?? []) if (typeof d === 'number') visit(d);
    };
    visit(target.index);
    // A stage that is neither the target nor any stage's FROM is only read (COPY --from, RUN --mount from=):
    // its last filesystem step needs no layer, only the root it leaves (BuildKit tars no intermediate stage).
    const fromBases = new Set(stages.flatMap((s) => [...(this.deps.get(s.index) ?? [])].filter((d): d is number => typeof d === 'number' && this.isFromDep(s.index, d))));
    for (const s of stages) {
      if (!needed.has(s.index) || s.index === target.index || fromBases.has(s.index)) continue;
      const last = s.instructions.findLast((i) => ['COPY', 'ADD', 'RUN', 'WORKDIR'].includes(i.kind));
      if (last) this.rootOnlyLast.set(s.index, last);
    }
    this.initStatus(target.index, needed);
    this.ctx = await timed('context', () => (this.hooks.openContext ?? BuildContext.open)(contextDir, { hashCachePath: join(this.store.home, 'cache', 'context', createHash('sha256').update(contextDir).digest('hex') + '.json') }));
    this.previous = await this.cache.previousInputs(this.identity);
    this.lease = await this.store.lease(`build-${this.id}`);
    await mkdir(this.tmp, { recursive: true });

    for (const s of stages) if (needed.has(s.index)) this.stageResult(s.index);
    const final = await this.stageResult(target.index);
    // Every stage the target needed must have finished (and any failure surfaced) before the image is written.
    await Promise.all([...needed].map((i) => this.stageResult(i)));

    // The image carries its layers as the steps stored them (uncompressed tars, digest = diffID), as docker's
    // and podman's stores do: nothing is gzipped at build time; a push sends gzip twins (store/layer-twins.ts).
    const layers = final.layers;
    if (this.signal.aborted) throw new BuildError('BUILD_CANCELLED', 'build cancelled');
    if (layers.some((l) => l.rootOnly)) throw new BuildError('BUILD_CACHE', 'internal error: the image would carry a layer that was never written');
    const config: ImageConfig = {
      ...final.config,
      created: EPOCH_ISO(this.sourceDateEpoch),
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
    };
    delete (config as Record<string, unknown>).container_config;
    const { descriptor, configDescriptor } = await writeImage(this.store, config, layers.map((l) => l.descriptor), this.req.tags ?? [], undefined, { [STORED_AT]: new Date().toISOString() });
    await this.cache.saveInputs(this.identity, this.inputs);
    await this.ctx.saveHashCache();
    addBytes('hash', this.ctx.hashedBytes);
    return {
      digest: descriptor.digest,
      configDigest: configDescriptor.digest,
      references: (this.req.tags ?? []).map((t) => this.normalizeTag(t)),
      cachedSteps: this.cachedSteps,
      fsSteps: this.fsSteps,
      overlaySteps: this.overlaySteps,
      overlayRoots: this.overlayRoots,
      durationMs: Date.now() - this.started,
    };
  }

  private normalizeTag(t: string): string {
    // Store.addImage already validated it; this only reports the normalized form.
    return (this.store.constructor as typeof import('../store/store.ts').Store).normalizeReference(t);
  }

  private isFromDep(stage: number, dep: StageRef): boolean {
    const s = this.parsed.stages[stage] as Stage;
    const base = this.scope.expandFrom(s.from, { file: this.file }).instruction.baseName;
    return typeof dep === 'number' && (this.parsed.stages[dep] as Stage).name === base;
  }

  private stepId(stage: number, i: number): string {
    return `${stage}.${i}`;
  }

  private initStatus(target: number, needed: Set<number>): void {
    const stages: BuildStageState[] = [];
    const steps: BuildStepState[] = [];
    for (const s of this.parsed.stages) {
      stages.push({
        index: s.index,
        name: s.name ?? null,
        base: this.scope.expandFrom(s.from, { file: this.file }).instruction.baseName,
        dependsOn: [...(this.deps.get(s.index) ?? [])].filter((d): d is number => typeof d === 'number'),
        needed: needed.has(s.index),
        target: s.index === target,
        status: needed.has(s.index) ? 'queued' : 'skipped',
      });
      const all = [s.from, ...s.instructions];
      all.forEach((inst, i) => {
        steps.push({
          id: this.stepId(s.index, i),
          stage: s.index,
          index: i,
          kind: inst.kind,
          instruction: inst.original,
          startLine: inst.loc.startLine,
          endLine: inst.loc.endLine,
          fsStep: ['FROM', 'COPY', 'ADD', 'RUN', 'WORKDIR'].includes(inst.kind),
          status: 'queued',
          startedAt: null,
          endedAt: null,
          cacheKey: null,
          missReason: null,
          layer: null,
          error: null,
        });
      });
    }
    this.status.init(stages, steps);
  }

  private stageResult(index: number): Promise<StageRun> {
    let p = this.results.get(index);
    if (!p) {
      p = this.runStage(index);
      p.catch(() => this.abort.abort()); // one failed stage stops the others
      this.results.set(index, p);
    }
    return p;
  }

  private checkCancelled(): void {
    if (this.signal.aborted) throw new BuildError('BUILD_CANCELLED', 'build cancelled');
  }

  private where(inst: { loc: { startLine: number; endLine: number } }): string {
    return `${this.file}:${inst.loc.startLine}`;
  }

  private async runStage(index: number): Promise<StageRun> {
    const stage = this.parsed.stages[index] as Stage;
    // Wait for every stage this one reads (FROM <stage>, COPY --from, RUN --mount from=).
    for (const d of this.deps.get(index) ?? []) if (typeof d === 'number') await this.stageResult(d);
    this.checkCancelled();
    this.status.stage(index, { status: 'running' });
    const fromId = this.stepId(index, 0);
    this.status.step(fromId, { status: 'running', startedAt: Date.now() });
    let run: StageRun;
    try {
      run = await this.from(stage);
      this.runs.push(run);
    } catch (e) {
      this.failStep(fromId, e);
      this.status.stage(index, { status: 'failed' });
      throw e;
    }
    const instructions = [...stage.instructions];
    let i = 1;
    for (const inst of instructions) {
      this.checkCancelled();
      const id = this.stepId(index, i++);
      this.status.step(id, { status: 'running', startedAt: Date.now() });
      try {
        await this.step(run, inst, id);
      } catch (e) {
        this.failStep(id, e);
        this.status.stage(index, { status: 'failed' });
        throw e;
      }
    }
    run.finished = true;
    const stepsOfStage = [...this.status.steps.values()].filter((s) => s.stage === index && s.fsStep && s.kind !== 'FROM');
    this.status.stage(index, { status: stepsOfStage.every((s) => s.status === 'cached') ? 'cached' : 'done' });
    return run;
  }

  private failStep(id: string, e: unknown): void {
    const cancelled = this.signal.aborted;
    this.status.step(id, { status: cancelled ? 'cancelled' : 'failed', endedAt: Date.now(), error: (e as Error).message });
  }

  /** from starts a stage: a base image from the store, an earlier stage, or scratch. */
  private async from(stage: Stage): Promise<StageRun> {
    const id = this.stepId(stage.index, 0);
    const fromInst = this.scope.expandFrom(stage.from, { file: this.file }).instruction;
    const base = fromInst.baseName;
    // FROM --platform: the stage is for that platform (its base image must be one), else for its base's.
    const wanted = fromInst.platform ? parsePlatform(fromInst.platform) : null;
    const fromStage = [...(this.deps.get(stage.index) ?? [])].find((d): d is number => typeof d === 'number' && this.isFromDep(stage.index, d));
    let run: StageRun;
    if (fromStage !== undefined) {
      const parent = await this.stageResult(fromStage);
      run = {
        stage,
        config: structuredClone(parent.config),
        layers: [...parent.layers],
        baseLayers: parent.baseLayers,
        key: parent.key,
        args: parent.args.fork(),
        argNames: new Set(parent.argNames),
        shell: [...parent.shell],
        cmdSet: false,
        rootfs: null,
        rebuilt: parent.rebuilt,
        lastChange: parent.rebuilt ? `stage ${parent.stage.name ?? parent.stage.index} rebuilt` : null,
        snapshotting: null,
        current: null,
        mounted: null,
      };
      this.status.step(id, { status: parent.rebuilt ? 'done' : 'cached', endedAt: Date.now(), cacheKey: run.key });
    } else {
      const platform = wanted ?? hostPlatform();
      let config: ImageConfig;
      let layers: CachedLayer[] = [];
      let baseDigest = 'scratch';
      let pulled = false;
      if (base === SCRATCH) {
        config = { architecture: platform.architecture, os: platform.os, ...(platform.variant && platform.variant !== 'v8' ? { variant: platform.variant } : {}), config: { Env: [DEFAULT_PATH] }, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
        if (wanted && !platformMatches(wanted, hostPlatform())) baseDigest = `scratch ${formatPlatform(wanted)}`;
      } else {
        let img;
        try {
          img = await this.store.resolve(base);
        } catch (e) {
          if (e instanceof StrataError && e.code === 'INVALID_REFERENCE') throw new DockerfileError(`invalid base image name "${base}": ${e.message}`, { loc: stage.loc, instruction: 'FROM', file: this.file });
          if (!(e instanceof StrataError && e.code === 'IMAGE_NOT_FOUND')) throw e;
          // Not here: pull it, as docker build does (progress goes to the FROM step's log).
          img = await this.pullBase(base, stage, id, wanted);
          pulled = true;
        }
        if (wanted && !platformMatches(wanted, configPlatform(img.configDoc.config))) {
          // The store holds the name for another platform: pull the wanted one, leaving the tag where it is.
          const have = formatPlatform(configPlatform(img.configDoc.config));
          try {
            img = await this.pullBase(base, stage, id, wanted);
          } catch (e) {
            throw new BuildError('BUILD_BASE_IMAGE', `${this.where(stage)}: FROM --platform=${formatPlatform(wanted)} ${base}: the store holds ${base} for ${have} only, and ${formatPlatform(wanted)} could not be pulled: ${(e as Error).message.replace(/^[^:]*:\d+: /, '')}`, { line: stage.loc.startLine, base, platform: formatPlatform(wanted), available: have }, { cause: e });
          }
          pulled = true;
          if (!platformMatches(wanted, configPlatform(img.configDoc.config))) {
            throw new BuildError('BUILD_BASE_IMAGE', `${this.where(stage)}: FROM --platform=${formatPlatform(wanted)} ${base}: the registry's image is for ${formatPlatform(configPlatform(img.configDoc.config))}`, { line: stage.loc.startLine, base, platform: formatPlatform(wanted) });
          }
        }
        baseDigest = img.digest;
        config = structuredClone(img.configDoc.config);
        delete config.created;
        const diffIDs = config.rootfs.diff_ids;
        layers = img.manifest.layers.map((d, i) => ({ descriptor: d, diffID: diffIDs[i] as Digest, uncompressedSize: 0 }));
        await this.lease.add(img.digest, img.manifest.config.digest, ...img.manifest.layers.map((l) => l.digest));
      }
      config.history = [...(config.history ?? [])];
      config.config = { ...(config.config ?? {}) };
      const inputs: StepInputs = { parentKey: '', op: 'FROM', base: baseDigest };
      const key = stepKey(inputs);
      this.record(id, inputs);
      run = {
        stage,
        config,
        layers,
        baseLayers: layers.length,
        key,
        args: this.scope.stage(config.config?.Env ?? []),
        argNames: new Set(),
        shell: config.config?.Shell ?? [...DEFAULT_SHELL],
        cmdSet: false,
        rootfs: null,
        rebuilt: false,
        lastChange: null,
        snapshotting: null,
        current: null,
        mounted: null,
      };
      const before = this.previous[id];
      const moved = before !== undefined && before.base !== inputs.base;
      if (moved) run.lastChange = missReason(inputs, before, false);
      // The base was already here (and is what it was last time): nothing to do, as BuildKit's CACHED.
      this.status.step(id, { status: before && !moved && !pulled ? 'cached' : 'done', endedAt: Date.now(), cacheKey: key, missReason: moved ? run.lastChange : null });
    }
    // ONBUILD triggers of the base run first, as if written right after FROM (docker semantics).
    const triggers = run.config.config?.OnBuild ?? [];
    if (triggers.length) {
      run.config.config = { ...run.config.config, OnBuild: null };
      const parsed = parseStages(`FROM scratch\n${triggers.join('\n')}\n`, { file: `${this.file} (ONBUILD of ${base})` });
      for (const inst of parsed.stages[0]?.instructions ?? []) {
        const fake = { ...inst, loc: stage.loc } as StageInstruction;
        await this.step(run, fake, id);
      }
    }
    return run;
  }

  private async pullBase(base: string, stage: Stage, stepId: string, platform: Platform | null = null) {
    const { pull } = await import('../registry/index.ts');
    // A base for another platform than this machine's is pulled untagged: the name keeps pointing at the host's.
    const foreign = platform !== null && !platformMatches(platform, hostPlatform());
    this.status.log(stepId, 'stdout', `pulling ${base}${platform ? ` for ${formatPlatform(platform)}` : ''}`);
    try {
      const r = await pull(this.store, base, {
        ...(platform ? { platform } : {}),
        ...(foreign ? { tag: false } : {}),
        signal: this.signal,
        onProgress: (events) => {
          for (const e of events) if (e.kind === 'blob' && (e.state === 'done' || e.state === 'exists')) this.status.log(stepId, 'stdout', `${e.digest.slice(7, 19)}: ${e.state === 'done' ? 'downloaded' : 'already here'}`);
        },
      });
      this.status.log(stepId, 'stdout', `pulled ${r.reference} (${r.digest})`);
      return await this.store.resolve(r.digest);
    } catch (e) {
      throw new BuildError('BUILD_BASE_IMAGE', `${this.where(stage)}: base image "${base}" is not in the store and could not be pulled: ${(e as Error).message}`, { line: stage.loc.startLine, base }, { cause: e });
    }
  }

  private record(id: string, inputs: StepInputs): void {
    this.inputs[id] = inputs;
  }

  /** step dispatches one instruction of a stage; its errors carry the instruction's line. */
  private async step(run: StageRun, raw: StageInstruction, id: string): Promise<void> {
    run.current = raw;
    try {
      await this.dispatchStep(run, raw, id);
    } catch (e) {
      if (e instanceof BuildError && typeof e.details?.line !== 'number' && e.code !== 'BUILD_CANCELLED') {
        throw new BuildError(e.code, e.message, { ...e.details, line: raw.loc.startLine }, { cause: e.cause });
      }
      // The sandbox cannot start (no namespaces here, an unmapped user): the step's line says where.
      if (e instanceof StrataError && e.code.startsWith('SANDBOX_') && e.code !== 'SANDBOX_CANCELLED') {
        throw new BuildError('BUILD_SANDBOX', `${this.where(raw)}: ${raw.kind}: ${e.message}`, { ...e.details, line: raw.loc.startLine, sandboxCode: e.code }, { cause: e });
      }
      throw e;
    }
  }

  private async dispatchStep(run: StageRun, raw: StageInstruction, id: string): Promise<void> {
    if (raw.kind === 'ARG') {
      const r = run.args.declare(raw);
      for (const a of r.args) run.argNames.add(a.key);
      this.status.step(id, { status: 'done', endedAt: Date.now() });
      return;
    }
    const { instruction: inst, usedVars } = run.args.expand(raw, { file: this.file });
    const used: Record<string, string> = {};
    for (const v of usedVars) if (run.argNames.has(v)) used[v] = run.args.env.get(v) ?? '';
    switch (inst.kind) {
      case 'COPY':
      case 'ADD':
        return this.copyStep(run, inst, id, used);
      case 'RUN':
        return this.runStep(run, inst, id);
      case 'WORKDIR':
        return this.workdirStep(run, inst, id, used);
      default: {
        if (inst.kind === 'ENV') for (const kv of inst.env) run.args.setEnv(kv.key, kv.value);
        if (inst.kind === 'SHELL') run.shell = [...inst.shell];
        applyMetadata(run.config, inst, run.shell, run);
        run.config.history!.push({ created: EPOCH_ISO(this.sourceDateEpoch), created_by: createdBy(inst, run.shell), comment: `${this.file}:${inst.loc.startLine}`, empty_layer: true });
        const inputs: StepInputs = { parentKey: run.key, op: createdBy(inst, run.shell), args: used };
        const before = this.previous[id];
        const key = stepKey(inputs);
        if (before && stepKey(before) !== key) run.lastChange = `line ${inst.loc.startLine} changed: ${createdBy(inst, run.shell)}`;
        run.key = key;
        this.record(id, inputs);
        this.status.step(id, { status: 'done', endedAt: Date.now(), cacheKey: key });
      }
    }
  }

  /** fsStep is the cache protocol every filesystem step follows: key, lookup, else execute and store. */
  private async fsStep(run: StageRun, id: string, inputs: StepInputs, historyLine: string, line: number, execute: () => Promise<{ root: string; changes: Change[] } | null>): Promise<void> {
    this.fsSteps++;
    const key = stepKey(inputs);
    this.record(id, inputs);
    const stageName = run.stage.name ?? String(run.stage.index);
    const noCache = this.req.noCache || (this.req.noCacheFilter ?? []).map((s) => s.toLowerCase()).includes(stageName);
    let rec = noCache ? null : await this.cache.get(key);
    const rootOnly = run.current !== null && this.rootOnlyLast.get(run.stage.index) === run.current;
    let unusable: string | null = null;
    if (rec?.layer?.rootOnly) {
      // Kept as a root filesystem only: usable while it is still this stage's last step and its snapshot is there.
      if (!rootOnly) unusable = ROOT_NEEDED_AS_LAYER;
      else if (!(await this.snapshots.has([...run.layers, rec.layer].map((l) => l.descriptor)))) unusable = ROOT_NOT_KEPT;
      if (unusable) rec = null;
    }
    let layer: CachedLayer | null;
    if (rec) {
      this.cachedSteps++;
      layer = rec.layer;
      if (layer?.rootOnly && run.rootfs) {
        // The snapshot is the whole root after this step: a later checkout clones it instead. (Never a
        // mounted root: rootfsOf does not mount a stage that keeps its root.)
        await this.settleSnapshot(run);
        await rm(run.rootfs, { recursive: true, force: true });
        run.rootfs = null;
      } else if (layer && run.rootfs) {
        await this.settleSnapshot(run);
        await timed('checkout', () => applyLayers(this.store, [layer!.descriptor], run.rootfs!));
      }
      this.status.step(id, { status: 'cached', endedAt: Date.now(), cacheKey: key, ...stepLayer(layer) });
    } else {
      const before = this.previous[id];
      const reason = noCache ? 'cache disabled (--no-cache)' : unusable ? unusable : before && before.parentKey !== inputs.parentKey && stepKey({ ...before, parentKey: inputs.parentKey }) === key ? (run.lastChange ?? (run.rebuilt ? 'previous step rebuilt' : 'previous step changed')) : missReason(inputs, before, run.rebuilt);
      this.status.step(id, { missReason: reason, cacheKey: key });
      await this.settleSnapshot(run);
      const out = await timed(inputs.op.startsWith('{"run"') ? 'run' : 'copy', execute);
      // The tar is stored uncompressed (tar + sha256 only), and the image carries it so. A result no image
      // carries is not tarred at all: the root it leaves becomes its chain's snapshot when the build ends.
      if (out && rootOnly && out.changes.length) layer = rootOnlyLayer(key);
      else layer = out ? await timed('layer', () => storeLayer(this.store, out.root, out.changes, { sourceDateEpoch: this.sourceDateEpoch }), (l) => l?.uncompressedSize ?? 0) : null;
      await this.cache.put({ key, layer });
      run.rebuilt = true;
      run.lastChange = null;
      this.status.step(id, { status: 'done', endedAt: Date.now(), ...stepLayer(layer) });
    }
    if (layer?.rootOnly) {
      run.layers.push(layer);
      run.finished = true; // its last filesystem step: the root is whole, and kept even if the build stops now
    } else if (layer) {
      // A cache hit touched its blobs (BlobStore.has) after the lease began, which protects them from gc:
      // only layers written here are added to the lease file (each add rewrites and syncs it).
      if (!rec) await this.lease.add(layer.descriptor.digest);
      run.layers.push(layer);
    }
    if (run.snapshotting === null && this.pendingCopy.has(run)) {
      const copying = this.pendingCopy.get(run)!;
      this.pendingCopy.delete(run);
      const chain = run.layers.map((l) => l.descriptor);
      run.snapshotting = copying.then((dir) => (dir ? this.snapshots.adopt(chain, dir) : undefined)).catch(() => {});
      this.background.push(run.snapshotting);
    }
    run.key = key;
    run.config.history!.push({
      created: EPOCH_ISO(this.sourceDateEpoch),
      created_by: historyLine,
      comment: `${this.file}:${line}`,
      ...(layer ? {} : { empty_layer: true }),
    });
  }

  /** settleSnapshot waits for a root's snapshot copy before a step writes into the root. */
  private async settleSnapshot(run: StageRun): Promise<void> {
    if (run.snapshotting) {
      await run.snapshotting;
      run.snapshotting = null;
    }
  }

  /** pendingCopy: roots a RUN just produced, being copied until the step's layer (and so the chain) is known. */
  private readonly pendingCopy = new Map<StageRun, Promise<string | null>>();

  /** homeOf is the USER's home from the image's /etc/passwd (docker sets HOME from it), else / (root: /root). */
  private async homeOf(run: StageRun, user: string): Promise<string> {
    try {
      return resolveUser(await this.rootfsOf(run), user || 'root').home;
    } catch {
      return /^(|root|0)(:.*)?$/.test(user) ? '/root' : '/';
    }
  }

  /** flatten turns a mounted root into a plain directory (a RUN consumes its root by renames). */
  private async flatten(run: StageRun): Promise<void> {
    const dir = join(this.tmp, `rootfs-${run.stage.index}-${this.counter++}`);
    await copyTree(run.rootfs!, dir);
    await unmountCheckout(run.mounted!);
    run.mounted = null;
    run.rootfs = dir;
  }

  /** rootfsOf materializes a stage's root filesystem (base snapshot + layers so far), once. */
  private async rootfsOf(run: StageRun): Promise<string> {
    if (run.rootfs) return run.rootfs;
    const dir = join(this.tmp, `rootfs-${run.stage.index}-${this.counter++}`);
    // A root no RUN step will consume is an overlay mount over its snapshot where the kernel allows: no
    // clone. Not for a small root: cloning a few MB costs less than what the overlay adds to every file a
    // COPY then writes through it (10,000 small files created ~10-25% slower than in a plain directory,
    // measured by hand, not in the bench).
    const at = run.current ? run.stage.instructions.indexOf(run.current) : -1;
    const bytes = run.layers.reduce((n, l) => n + Math.max(l.uncompressedSize, l.descriptor.size), 0);
    // Nor for a stage whose root is kept as its last step's result (rootOnlyLast): a mount is never kept.
    if (at >= 0 && bytes >= MOUNT_MIN_BYTES && !this.rootOnlyLast.has(run.stage.index) && !run.stage.instructions.slice(at).some((i) => i.kind === 'RUN') && (await overlayUnavailable()) === null) {
      const mounted = await timed('checkout', () => this.snapshots.mountCheckout(run.layers.map((l) => l.descriptor), dir, run.baseLayers));
      if (mounted) {
        this.overlayRoots++;
        run.mounted = mounted;
        run.rootfs = dir;
        return dir;
      }
    }
    // Hard links: a stage root's writers never write into an existing file (see linkTree).
    await timed('checkout', () => this.snapshots.checkout(run.layers.map((l) => l.descriptor), dir, run.baseLayers, 'link'));
    run.rootfs = dir;
    return dir;
  }

  private async workdirStep(run: StageRun, inst: WorkdirInstruction, id: string, used: Record<string, string>): Promise<void> {
    const c = (run.config.config ??= {});
    const path = resolveWorkdir(c.WorkingDir, inst.path);
    c.WorkingDir = path;
    const inputs: StepInputs = { parentKey: run.key, op: `WORKDIR ${path}`, args: used };
    await this.fsStep(run, id, inputs, `WORKDIR ${path}`, inst.loc.startLine, async () => {
      const root = await this.rootfsOf(run);
      const written = this.mkdirp(root, path);
      return written.length ? { root, changes: changesFromPaths(root, written) } : null;
    });
  }

  private mkdirp(root: string, path: string): string[] {
    const created: string[] = [];
    let cur = '';
    for (const part of posix.normalize(path).split('/').filter(Boolean)) {
      cur += '/' + part;
      const abs = secureJoin(root, cur);
      try {
        if (statSync(abs).isDirectory()) continue;
      } catch {
        /* missing: create */
      }
      // Through a symlink (resolved inside root) parents may be missing too: create them all (issue 7).
      let first: string | undefined;
      try {
        first = mkdirSync(abs, { recursive: true, mode: 0o755 });
      } catch (e) {
        throw new BuildError('BUILD_INVALID', `WORKDIR ${path}: cannot create ${cur} in the image: ${(e as Error).message}`, { path });
      }
      for (let d = abs; first !== undefined && d.length >= first.length; d = posix.dirname(d)) created.push(posix.relative(root, d));
    }
    return created;
  }

  private async copyStep(run: StageRun, inst: CopyInstruction | AddInstruction, id: string, used: Record<string, string>): Promise<void> {
    const c = (run.config.config ??= {});
    const dest = inst.dest.startsWith('/') ? inst.dest : posix.join(c.WorkingDir || '/', inst.dest) + (inst.dest.endsWith('/') || inst.dest === '.' ? '/' : '');
    const fromRef = inst.kind === 'COPY' ? inst.from : undefined;
    const parents = inst.kind === 'COPY' && inst.parents;
    // COPY --parents keeps each source's directories (below a `/./` pivot, when the source has one).
    const parentDirs = new Map<CopySource, string>();
    const pivotOf = (src: string) => {
      const i = src.indexOf('/./');
      return i >= 0 ? posix.normalize(src.slice(0, i)).replace(/^\/+/, '').replace(/^\.$/, '') : '';
    };
    const parentDir = (src: string, rel: string, isDir: boolean) => {
      const under = posix.relative(pivotOf(src), posix.normalize(rel).replace(/^\/+/, ''));
      if (under.startsWith('..')) return '';
      // A directory keeps its own name too (its contents land in dest/<its path>).
      const d = isDir ? under : posix.dirname(under);
      return d === '.' ? '' : d;
    };
    const flags = [fromRef ? `--from=${fromRef}` : '', parents ? '--parents' : '', inst.chown ? `--chown=${inst.chown}` : '', inst.chmod ? `--chmod=${inst.chmod}` : '', ...inst.exclude.map((e) => `--exclude=${e}`)].filter(Boolean);
    const op = [inst.kind, ...flags, ...inst.sources, ...inst.inlineSources.map((s) => `<<${s.path}`), dest].join(' ');
    const inputs: StepInputs = { parentKey: run.key, op, args: used };
    let sources: (CopySource & { remote?: boolean })[] = [];
    /** For COPY --from: materializes the source root and lists the sources, only when the step runs (a cache
     * hit needs neither: the key holds the stage's key or the image's digest). */
    let loadFrom: (() => Promise<void>) | null = null;
    if (fromRef !== undefined) {
      // COPY --from=<stage|index|image>: read from that stage's (or image's) root filesystem.
      const dep = [...(this.deps.get(run.stage.index) ?? [])];
      const byIndex = /^\d+$/.test(fromRef) ? Number(fromRef) : undefined;
      const stageIdx = byIndex ?? this.parsed.stages.find((s) => s.name === fromRef.toLowerCase())?.index;
      let materialize: () => Promise<string>;
      if (stageIdx !== undefined && dep.includes(stageIdx)) {
        const other = await this.stageResult(stageIdx);
        inputs.from = { [fromRef]: other.key };
        materialize = () => this.rootfsOf(other);
      } else {
        const img = await this.store.resolve(fromRef).catch((e) => {
          throw new BuildError('BUILD_BASE_IMAGE', `${this.where(inst)}: COPY --from image "${fromRef}" is not in the store (${(e as Error).message})`);
        });
        inputs.from = { [fromRef]: img.digest };
        materialize = async () => {
          // The image's snapshot itself: COPY only reads its sources.
          const snap = await timed('checkout', () => this.snapshots.readOnly(img.manifest.layers));
          if (snap) return snap;
          const empty = join(this.tmp, `image-${img.digest.slice(7, 19)}-${this.counter++}`);
          await mkdir(empty, { recursive: true });
          return empty;
        };
      }
      loadFrom = async () => {
        const sourceRoot = await materialize();
        const found: CopySource[] = [];
        for (const src of inst.sources) {
          const abs = secureJoin(sourceRoot, src);
          try {
            statSync(abs);
          } catch {
            throw new BuildError('BUILD_SOURCE_NOT_FOUND', `${this.where(inst)}: ${inst.kind} --from=${fromRef} ${src}: not found in ${fromRef}`, { line: inst.loc.startLine, source: src });
          }
          const source = { abs, name: src };
          if (parents) parentDirs.set(source, parentDir(src, src, statSync(abs).isDirectory()));
          found.push(source);
        }
        sources.unshift(...found); // before any inline (heredoc) sources, as listed
      };
    } else {
      const files: SourceFile[] = [];
      const lists: SourceFile[][] = [];
      for (const src of inst.sources) {
        if (/^https?:\/\//.test(src)) {
          if (inst.kind !== 'ADD') throw new BuildError('BUILD_INVALID', `${this.where(inst)}: COPY cannot take a URL (${src}); use ADD`, { line: inst.loc.startLine });
          // The content decides the cache key, so the file is fetched before the lookup (as docker does).
          const d = await download(src, join(this.tmp, `add-${this.counter++}`), inst.kind === 'ADD' ? inst.checksum : undefined, this.where(inst), this.signal);
          files.push({ rel: src, type: 'file', mode: 0o600, hash: d.sha256 });
          sources.push({ abs: d.file, name: d.name, remote: true });
          continue;
        }
        const matches = this.ctx.match(src);
        if (matches.length === 0) {
          throw new BuildError('BUILD_SOURCE_NOT_FOUND', `${this.where(inst)}: ${inst.kind} ${src}: not found in the build context${/[*?[]/.test(src) ? ' (no file matches the pattern)' : ' (or excluded by .dockerignore)'}`, { line: inst.loc.startLine, source: src });
        }
        for (const m of matches) {
          lists.push(await timed('hash', () => this.ctx.sourceFiles(m)));
          files.push(...(lists.at(-1) as SourceFile[]));
          const source: CopySource = m.type === 'dir' ? { abs: m.abs, name: m.rel, entries: this.ctx.walkUnder(m.rel).map((e) => (m.rel ? e.rel.slice(m.rel.length + 1) : e.rel)) } : { abs: m.abs, name: m.rel };
          if (parents) parentDirs.set(source, parentDir(src, m.rel, m.type === 'dir'));
          sources.push(source);
        }
      }
      // One source's list as the context gave it: a watched context's list keeps its canonical JSON (step key).
      inputs.files = lists.length === 1 && lists[0]!.length === files.length ? lists[0]! : files;
    }
    if (inst.inlineSources.length) {
      const dir = join(this.tmp, `inline-${this.counter++}`);
      await mkdir(dir, { recursive: true });
      for (const s of inst.inlineSources) {
        writeFileSync(join(dir, posix.basename(s.path)), s.data, { mode: 0o644 });
        sources.push({ abs: join(dir, posix.basename(s.path)), name: s.path });
      }
      inputs.op += ' ' + createHash('sha256').update(inst.inlineSources.map((s) => s.data).join('\0')).digest('hex');
    }
    await this.fsStep(run, id, inputs, `${inst.kind} ${[...inst.sources, ...inst.inlineSources.map((s) => s.path)].join(' ')} ${dest}`.replace(/\s+/g, ' '), inst.loc.startLine, async () => {
      if (loadFrom) await loadFrom();
      const root = await this.rootfsOf(run);
      let uid = 0;
      let gid = 0;
      if (inst.chown) ({ uid, gid } = resolveUser(root, inst.chown, { groupDefaultsToUid: true }));
      const mode = inst.chmod ? parseInt(inst.chmod, 8) : undefined;
      if (mode !== undefined && (Number.isNaN(mode) || mode > 0o7777)) throw new BuildError('BUILD_INVALID', `${this.where(inst)}: invalid --chmod=${inst.chmod}: expected octal permissions`);
      // ADD unpacks local tar archives (plain, gzip, bzip2, xz) into the destination; URLs stay files.
      const unpack = inst.kind === 'ADD' && inst.unpack !== false;
      const archives = unpack ? sources.filter((x) => !x.remote && statSync(x.abs).isFile() && archiveKind(x.abs)) : [];
      const plain = sources.filter((x) => !archives.includes(x));
      const copyOpts = { uid, gid, ...(mode !== undefined ? { mode } : {}), exclude: inst.exclude };
      let written: string[];
      if (parents) {
        // Each source lands under dest at its own parent path (dest is a directory, as BuildKit's --parents).
        written = [];
        for (const x of plain) written.push(...copyInto(root, [x], posix.join(dest, parentDirs.get(x) ?? '') + '/', copyOpts));
      } else {
        written = copyInto(root, plain, archives.length && !dest.endsWith('/') && plain.length + archives.length > 1 ? dest + '/' : dest, copyOpts);
      }
      for (const a of archives) written.push(...(await extractInto(root, a.abs, archiveKind(a.abs) as Exclude<ArchiveKind, null>, dest)));
      return { root, changes: changesFromPaths(root, written) };
    });
    sources = [];
  }

  private async runStep(run: StageRun, inst: RunInstruction, id: string): Promise<void> {
    const foreign = whyNotRunnable(configPlatform(run.config));
    if (foreign) throw new BuildError('BUILD_PLATFORM', `${this.where(inst)}: RUN: ${foreign}`, { line: inst.loc.startLine, platform: formatPlatform(configPlatform(run.config)) });
    const c = (run.config.config ??= {});
    let argv = commandArgv(inst.cmd, run.shell);
    // RUN <<EOF: the heredoc is the script the shell runs (BuildKit: a lone heredoc as the command).
    if (inst.cmd.form === 'shell' && inst.heredocs.length && /^<<-?["']?\w+["']?$/.test(inst.cmd.command.trim())) {
      const doc = inst.heredocs[0]!;
      argv = doc.data.startsWith('#!') ? ['/bin/sh', '-c', doc.data] : [...run.shell, doc.data];
    }
    const env = new Map<string, string>();
    for (const [k, v] of run.args.env) env.set(k, v);
    if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH.slice(5));
    // HOME comes from the image's /etc/passwd at run time (as runc sets it); it is not part of the cache key.
    const needsHome = !env.has('HOME');
    for (const [k, v] of this.scope.proxyEnv()) if (!env.has(k)) env.set(k, v);
    const envList = [...env].map(([k, v]) => `${k}=${v}`);
    const args: Record<string, string> = {};
    for (const n of run.argNames) if (run.args.env.has(n)) args[n] = run.args.env.get(n) as string;
    const mounts: RunMountSpec[] = [];
    const files: SourceFile[] = [];
    for (const m of inst.mounts) {
      if (m.type === 'bind' && !m.from) {
        const src = m.source ?? '.';
        const matches = this.ctx.match(src);
        if (!matches.length) throw new BuildError('BUILD_SOURCE_NOT_FOUND', `${this.where(inst)}: RUN --mount=type=bind source ${src}: not found in the build context`);
        for (const e of matches) files.push(...(await this.ctx.sourceFiles(e)));
        mounts.push({ type: 'bind', source: (matches[0] as { abs: string }).abs, target: m.target ?? '/', readonly: m.readOnly });
      } else if (m.type === 'bind' && m.from) {
        const idx = this.parsed.stages.find((s) => s.name === m.from!.toLowerCase())?.index;
        let root: string;
        if (idx !== undefined) {
          const other = await this.stageResult(idx);
          root = await this.rootfsOf(other);
          if (m.readOnly === false) {
            // Writable: a copy of its own (as BuildKit, what the step writes there is discarded). Never the
            // stage's root itself: its files may be hard links of snapshots (linkTree).
            const copy = join(this.tmp, `mount-${this.counter++}`);
            await mkdir(copy, { recursive: true });
            await copyTree(root, copy);
            root = copy;
          }
        } else {
          const img = await this.store.resolve(m.from);
          // Read-only (the default): the image's snapshot itself; writable: a clone the step may spoil.
          const snap = m.readOnly === false ? null : await this.snapshots.readOnly(img.manifest.layers);
          if (snap) root = snap;
          else {
            root = join(this.tmp, `mount-${this.counter++}`);
            await this.snapshots.checkout(img.manifest.layers, root);
          }
        }
        mounts.push({ type: 'bind', source: secureJoin(root, m.source ?? '/'), target: m.target ?? '/', readonly: m.readOnly });
      } else if (m.type === 'cache') {
        const cacheId = m.id ?? m.target ?? '';
        const dir = join(this.store.home, 'cache', 'mounts', createHash('sha256').update(cacheId).digest('hex').slice(0, 32));
        await mkdir(dir, { recursive: true });
        mounts.push({ type: 'cache', source: dir, target: m.target ?? '/', readonly: m.readOnly, ...(m.uid !== undefined ? { uid: m.uid } : {}), ...(m.gid !== undefined ? { gid: m.gid } : {}), ...(m.mode !== undefined ? { mode: m.mode } : {}) });
      } else if (m.type === 'secret') {
        const secretId = m.id ?? posix.basename(m.target ?? '');
        const secret = (this.req.secrets ?? []).find((s) => s.id === secretId);
        if (!secret) {
          if (m.required) throw new BuildError('BUILD_INVALID', `${this.where(inst)}: secret "${secretId}" is required but was not given (strata build --secret id=${secretId},src=FILE)`);
          continue;
        }
        mounts.push({ type: 'secret', source: resolvePath(secret.src), target: m.target ?? (m.env ? '' : `/run/secrets/${secretId}`), readonly: true, ...(m.mode !== undefined ? { mode: m.mode } : {}), ...(m.uid !== undefined ? { uid: m.uid } : {}), ...(m.gid !== undefined ? { gid: m.gid } : {}), ...(m.env ? { env: m.env } : {}) });
      } else if (m.type === 'tmpfs') {
        mounts.push({ type: 'tmpfs', target: m.target ?? '/tmp', readonly: false });
      } else {
        throw new BuildError('BUILD_INVALID', `${this.where(inst)}: RUN --mount=type=${m.type} is not supported`);
      }
    }
    const network = inst.network === 'none' ? 'none' : this.req.network === 'none' ? 'none' : 'host';
    // The cache key never holds secret values: only the mount spec (id and target).
    const op = JSON.stringify({ run: argv, mounts: inst.mounts.map((m) => m.spec), network, user: c.User ?? '', cwd: c.WorkingDir ?? '/', env: envList.filter((e) => !Object.hasOwn(args, e.split('=')[0] as string)) });
    const inputs: StepInputs = { parentKey: run.key, op, args, ...(files.length ? { files } : {}) };
    await this.fsStep(run, id, inputs, createdBy(inst, run.shell), inst.loc.startLine, async () => {
      if (run.mounted) await this.flatten(run);
      const lower = await this.rootfsOf(run);
      const chainBefore = run.layers.map((l) => l.descriptor);
      const upper = join(this.tmp, `rootfs-${run.stage.index}-${this.counter++}`);
      const result = await runStep({
        lower,
        upper,
        argv,
        env: needsHome ? [...envList, `HOME=${await this.homeOf(run, c.User || '')}`] : envList,
        cwd: c.WorkingDir || '/',
        user: c.User || '',
        network,
        mounts,
        signal: this.signal,
        onOutput: (stream, line) => this.status.log(id, stream, line),
      });
      if (result.exitCode !== 0) {
        throw new BuildError('BUILD_STEP_FAILED', `${this.where(inst)}: RUN ${inst.original.replace(/^RUN\s+/i, '').slice(0, 120)}: ${result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`}`, { line: inst.loc.startLine, exitCode: result.exitCode, lastOutput: result.lastLines });
      }
      // The root before the step is the snapshot of the chain so far: kept by a rename, not deleted (an
      // overlay step has moved its untouched entries into the new root instead: nothing is left to keep).
      if (result.lowerConsumed) this.overlaySteps++;
      else await this.snapshots.adopt(chainBefore, lower);
      run.rootfs = upper;
      // When a COPY/ADD/WORKDIR writes into this root next, copy it first (while the layer is written) so a
      // rebuild from here on (one source file touched) clones it instead of unpacking every layer again.
      const next = run.stage.instructions.slice(Number(id.split('.')[1])).find((x) => ['COPY', 'ADD', 'WORKDIR', 'RUN'].includes(x.kind));
      if (next && next.kind !== 'RUN') {
        const copying = (async () => {
          const dir = await this.snapshots.tempDir();
          try {
            // A real copy, not linkTree: measured on this VM's ext4, a snapshot linked to the live root made
            // the next touched build's COPY (400 new files through an overlay over it) ~60 ms slower, in
            // ext4's search for a free inode (find_inode_bit/recently_deleted), more than the link saves.
            await copyTree(upper, dir);
            return dir;
          } catch {
            await rm(dir, { recursive: true, force: true });
            return null;
          }
        })();
        this.pendingCopy.set(run, copying);
        this.background.push(copying);
      }
      return { root: upper, changes: result.changes };
    });
  }
}

/** Scratch removals of finished builds still going on (see Builder.run). */
const cleanups = new Set<Promise<void>>();

/** settleBuilds waits until every finished build has removed its scratch roots and mounts. */
export async function settleBuilds(): Promise<void> {
  while (cleanups.size) await Promise.allSettled([...cleanups]);
}

/** runBuild builds an image from a context folder and a Dockerfile, as `docker build` does. */
export async function runBuild(store: Store, req: BuildRequestParams, hooks: BuildHooks = {}): Promise<BuildResult> {
  return new Builder(store, req, hooks).run();
}

