import { lstatSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { diffTrees, type Change } from '../layer/diff.ts';
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
  /** The root filesystem before the step (left untouched). */
  lower: string;
  /** Where the root filesystem after the step is made (a copy of lower the step runs in). */
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
}

const LAST_LINES = 20;

/** runStep runs one RUN instruction: copy the root filesystem, run the command in the sandbox there,
 * and diff before/after into a changeset (the sandbox leaves no mount point behind in the root). */
export async function runStep(o: RunStepOptions): Promise<RunStepResult> {
  await copyTree(o.lower, o.upper);
  // Everything in upper older than this marker is known to be a pristine copy: the differ trusts its metadata.
  const marker = join(o.upper, '..', `.marker-${posix.basename(o.upper)}`);
  writeFileSync(marker, '');
  const unchangedBefore = lstatSync(marker, { bigint: true }).ctimeNs;
  unlinkSync(marker);
  const lastLines: string[] = [];
  // Loaded on first RUN: builds without RUN never touch the sandbox.
  const { runInSandbox } = await import('../sandbox/index.ts');
  const r = await runInSandbox({
    rootfs: o.upper,
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
  });
  if (r.exitCode !== 0) return { exitCode: r.exitCode, ...(r.signal ? { signal: r.signal } : {}), changes: [], lastLines };
  const changes = await diffTrees(o.lower, o.upper, { unchangedBefore });
  return { exitCode: 0, changes, lastLines };
}
