import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runInSandbox } from '../sandbox/index.ts';
import { resolveUser } from './users.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_PATH } from './config-ops.ts';
import { BuildError } from './errors.ts';
import { SnapshotCache } from './rootfs.ts';

export interface RunImageOptions {
  /** Replaces the image's CMD (docker run IMAGE CMD...). */
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  network?: 'host' | 'none';
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
  signal?: AbortSignal;
}

/** runImage runs an image's entrypoint and command in the sandbox on a throwaway copy of its filesystem,
 * as `docker run --rm` does, and returns the exit code. */
export async function runImage(store: Store, ref: string, o: RunImageOptions): Promise<{ exitCode: number; signal?: string }> {
  const img = await store.resolve(ref);
  const c = img.configDoc.config.config ?? {};
  const entrypoint = o.entrypoint ?? c.Entrypoint ?? [];
  const cmd = o.cmd && o.cmd.length ? o.cmd : (c.Cmd ?? []);
  const argv = [...entrypoint, ...cmd];
  if (!argv.length) throw new BuildError('BUILD_INVALID', `image ${ref} has no ENTRYPOINT or CMD: give a command to run`);
  const env = [...(c.Env ?? [])];
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
  for (const kv of o.env ?? []) {
    const k = kv.split('=', 1)[0];
    const i = env.findIndex((e) => e.split('=', 1)[0] === k);
    if (i >= 0) env[i] = kv;
    else env.push(kv);
  }
  const snapshots = new SnapshotCache(store);
  await snapshots.ensure(img.manifest.layers);
  const root = join(store.tmpDir, `run-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await snapshots.checkout(img.manifest.layers, root);
    if (!env.some((e) => e.startsWith('HOME='))) {
      let home = '/';
      try {
        home = resolveUser(root, (o.user ?? c.User) || 'root').home;
      } catch {
        /* the sandbox reports an unknown user */
      }
      env.push(`HOME=${home}`);
    }
    return await runInSandbox({
      rootfs: root,
      argv,
      env,
      cwd: o.workdir ?? (c.WorkingDir || '/'),
      ...((o.user ?? c.User) ? { user: (o.user ?? c.User) as string } : {}),
      network: o.network ?? 'host',
      onOutput: o.onOutput,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
