import { lstatSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { rmSync } from 'node:fs';
import { diffTrees, type Change } from '../layer/diff.ts';
import { overlayDiff, type OverlayDiff } from '../layer/overlay-diff.ts';
import { materialize, mountOverlay, overlayFailed, overlayPathsOk, overlayUnavailable, unmountOverlay, type OverlayDirs } from './overlay-root.ts';
import { timed } from './metrics.ts';
import { copyTree } from './rootfs.ts';

export interface RunMountSpec {
  type: 'bind' | 'tmpfs' | 'cache' | 'secret';
  source?: string;
  target: string;
  readonly: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  env?: string;
}

export interface RunStepOptions {
  /** The root filesystem before the step: left untouched by a copy, consumed by an overlay (lowerConsumed). */
  lower: string;
  /** Where the root filesystem after the step is made (must not exist yet). */
  upper: string;
  argv: string[];
  env: string[];
  cwd: string;
  user: string;
  network: 'host' | 'none';
  mounts: RunMountSpec[];
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface RunStepResult {
  exitCode: number;
  signal?: string;
  changes: Change[];
  lastLines: string[];
  /** How the step saw its root: an overlay mount over lower, or a copy of lower. */
  mode: 'overlay' | 'copy';
  /** True when lower is gone: its entries the step left alone were moved into upper (overlay mode). */
  lowerConsumed: boolean;
}

const LAST_LINES = 20;

/** runStep runs one RUN instruction in the sandbox and reads its changes as a layer changeset. Where the
 * kernel allows (root, overlayfs) the step runs on an overlay mount over lower: nothing is copied, the
 * changes are read from the upper directory, and upper then becomes the whole root by moving lower's
 * untouched entries into it. Elsewhere lower is copied to upper and the two trees are compared. Both ways
 * give the same changeset, so the same layer digests. The sandbox leaves no mount point behind. */
export async function runStep(o: RunStepOptions): Promise<RunStepResult> {
  const dirs: OverlayDirs = { lower: o.lower, upper: o.upper, work: `${o.upper}.work`, merged: `${o.upper}.merged` };
  if ((await overlayUnavailable()) === null && overlayPathsOk(dirs)) {
    let mounted = false;
    try {
      await timed('snapshot', () => mountOverlay(dirs));
      mounted = true;
    } catch (e) {
      overlayFailed(`mounting overlayfs failed: ${(e as Error).message}`);
      for (const p of [dirs.upper, dirs.work, dirs.merged]) rmSync(p, { recursive: true, force: true });
    }
    if (mounted) return runOnOverlay(o, dirs);
  }
  return runOnCopy(o);
}

async function runOnOverlay(o: RunStepOptions, dirs: OverlayDirs): Promise<RunStepResult> {
  const lastLines: string[] = [];
  let r: SandboxOutcome;
  let diff: OverlayDiff | null = null;
  try {
    r = await sandboxed(o, dirs.merged, lastLines);
    // Read while mounted: the merged view is how opaque directories are told apart.
    if (r.exitCode === 0) diff = await timed('snapshot', () => overlayDiff(dirs.lower, dirs.upper, dirs.merged));
  } finally {
    await timed('snapshot', () => unmountOverlay(dirs));
  }
  if (!diff) {
    rmSync(dirs.upper, { recursive: true, force: true });
    return { exitCode: r.exitCode, ...(r.signal ? { signal: r.signal } : {}), changes: [], lastLines, mode: 'overlay', lowerConsumed: false };
  }
  const { opaque } = diff;
  await timed('snapshot', async () => materialize(dirs.upper, dirs.lower, opaque));
  return { exitCode: 0, changes: diff.changes, lastLines, mode: 'overlay', lowerConsumed: true };
}

async function runOnCopy(o: RunStepOptions): Promise<RunStepResult> {
  await timed('snapshot', () => copyTree(o.lower, o.upper));
  // Everything in upper older than this marker is known to be a pristine copy: the differ trusts its metadata.
  const marker = join(o.upper, '..', `.marker-${posix.basename(o.upper)}`);
  writeFileSync(marker, '');
  const unchangedBefore = lstatSync(marker, { bigint: true }).ctimeNs;
  unlinkSync(marker);
  const lastLines: string[] = [];
  const r = await sandboxed(o, o.upper, lastLines);
  if (r.exitCode !== 0) return { exitCode: r.exitCode, ...(r.signal ? { signal: r.signal } : {}), changes: [], lastLines, mode: 'copy', lowerConsumed: false };
  const changes = await timed('snapshot', () => diffTrees(o.lower, o.upper, { unchangedBefore }));
  return { exitCode: 0, changes, lastLines, mode: 'copy', lowerConsumed: false };
}

interface SandboxOutcome {
  exitCode: number;
  signal?: string;
}

async function sandboxed(o: RunStepOptions, rootfs: string, lastLines: string[]): Promise<SandboxOutcome> {
  // Loaded on first RUN: builds without RUN never touch the sandbox.
  const { runInSandbox } = await import('../sandbox/index.ts');
  return timed('sandbox', () => runInSandbox({
    rootfs,
    argv: o.argv,
    env: o.env,
    cwd: o.cwd,
    ...(o.user ? { user: o.user } : {}),
    network: o.network,
    mounts: o.mounts.map((m) => ({
      type: m.type,
      ...(m.source ? { source: m.source } : {}),
      target: m.target,
      readonly: m.readonly,
      ...(m.mode !== undefined ? { mode: m.mode } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.gid !== undefined ? { gid: m.gid } : {}),
      // A secret's env= makes it a variable of this step only: never in the config, a layer or the cache key.
      ...(m.type === 'secret' && m.env ? { env: m.env } : {}),
    })),
    ...(o.signal ? { signal: o.signal } : {}),
    onOutput: (stream, line) => {
      lastLines.push(line);
      if (lastLines.length > LAST_LINES) lastLines.shift();
      o.onOutput?.(stream, line);
    },
  }));
}
