import { lstatSync, readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { diffTrees, type Change } from '../layer/diff.ts';
import { secureJoin } from '../util/secure-join.ts';
import { copyTree } from './rootfs.ts';

export interface RunMountSpec {
  type: 'bind' | 'tmpfs' | 'secret';
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
 * and diff before/after into a changeset. Mount points the sandbox had to create are not part of it. */
export async function runStep(o: RunStepOptions): Promise<RunStepResult> {
  await copyTree(o.lower, o.upper);
  // Everything in upper older than this marker is known to be a pristine copy: the differ trusts its metadata.
  const marker = join(o.upper, '..', `.marker-${posix.basename(o.upper)}`);
  writeFileSync(marker, '');
  const unchangedBefore = lstatSync(marker, { bigint: true }).ctimeNs;
  unlinkSync(marker);
  const lastLines: string[] = [];
  // Loaded on first RUN: builds without RUN never touch the sandbox.
  const { runInSandbox } = await import('../sandbox/bwrap-root.ts');
  const r = await runInSandbox({
    rootfs: o.upper,
    argv: o.argv,
    env: o.env,
    cwd: o.cwd,
    ...(o.user ? { user: o.user } : {}),
    network: o.network,
    mounts: o.mounts.map((m) => ({
      type: m.type === 'secret' ? 'secret' : m.type === 'tmpfs' ? 'tmpfs' : 'bind',
      ...(m.source ? { source: m.source } : {}),
      target: m.target,
      readonly: m.readonly,
      ...(m.mode !== undefined ? { mode: m.mode } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.gid !== undefined ? { gid: m.gid } : {}),
    })),
    ...(o.signal ? { signal: o.signal } : {}),
    onOutput: (stream, line) => {
      lastLines.push(line);
      if (lastLines.length > LAST_LINES) lastLines.shift();
      o.onOutput?.(stream, line);
    },
  });
  if (r.exitCode !== 0) return { exitCode: r.exitCode, ...(r.signal ? { signal: r.signal } : {}), changes: [], lastLines };
  // The sandbox's own mount points (and the network files it binds) are not the step's doing either.
  removeMountStubs(o.lower, o.upper, [...o.mounts.map((m) => m.target), '/proc', '/dev', '/etc/resolv.conf', '/etc/hosts']);
  const changes = await diffTrees(o.lower, o.upper, { unchangedBefore });
  return { exitCode: 0, changes, lastLines };
}

/** removeMountStubs deletes mount points (and the empty parents made for them) that the step's image did
 * not have: BuildKit leaves no trace of a --mount in the layer. */
function removeMountStubs(lower: string, upper: string, targets: string[]): void {
  for (const t of targets) {
    let path = posix.normalize('/' + t);
    while (path !== '/') {
      const inLower = exists(secureJoin(lower, path, false));
      if (inLower) break;
      const abs = secureJoin(upper, path, false);
      try {
        const st = lstatSync(abs);
        if (st.isDirectory()) {
          if (readdirSync(abs).length) break;
          rmdirSync(abs);
        } else if (st.isFile() && statSync(abs).size === 0) unlinkSync(abs);
        else break;
      } catch {
        /* gone already */
      }
      path = posix.dirname(path);
    }
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
