// Runs a command in a root filesystem with bubblewrap: new mount, pid, ipc and uts namespaces (and network
// with network 'none'); the image's user through a user namespace that maps it 1:1, so files it writes are
// owned by that uid on disk. Used by RUN steps and `strata run`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { secureJoin } from '../util/secure-join.ts';
import { SandboxError } from './errors.ts';
import { resolveUser } from './user.ts';

export const BWRAP = '/usr/bin/bwrap';

export interface SandboxMount {
  type: 'bind' | 'tmpfs' | 'secret';
  source?: string;
  target: string;
  readonly?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface SandboxOptions {
  rootfs: string;
  argv: string[];
  env: string[];
  cwd: string;
  user?: string;
  network: 'host' | 'none';
  mounts?: SandboxMount[];
  hostname?: string;
  stdin?: 'ignore' | Readable;
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
  signal?: AbortSignal;
}

export interface SandboxResult {
  exitCode: number;
  signal?: string;
}

let probe: { ok: true; method: string } | { ok: false; reason: string } | null = null;

/** sandboxSupport says (once per process) whether this host can run sandboxed steps, and if not why. */
export function sandboxSupport(): { ok: true; method: string } | { ok: false; reason: string } {
  if (probe) return probe;
  if (process.platform !== 'linux') return (probe = { ok: false, reason: `RUN needs Linux namespaces; this host is ${process.platform}` });
  if (!existsSync(BWRAP)) return (probe = { ok: false, reason: `bubblewrap is not installed (${BWRAP}); install the bubblewrap package` });
  const args = isRoot() ? ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--bind', '/', '/', '--', '/bin/true'] : ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--bind', '/', '/', '--', '/bin/true'];
  const r = spawnSync(BWRAP, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return (probe = { ok: false, reason: `this host cannot create Linux namespaces: ${(r.stderr || r.error?.message || 'bwrap failed').trim()}` });
  return (probe = { ok: true, method: isRoot() ? 'bubblewrap (root)' : 'bubblewrap (user namespace)' });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** ensureMountPoint creates a mount target (and its parents) inside rootfs if it is missing. */
function ensureMountPoint(rootfs: string, target: string, kind: 'dir' | 'file'): void {
  const abs = secureJoin(rootfs, target);
  if (existsSync(abs)) return;
  if (kind === 'dir') mkdirSync(abs, { recursive: true, mode: 0o755 });
  else {
    mkdirSync(dirname(abs), { recursive: true, mode: 0o755 });
    writeFileSync(abs, '', { mode: 0o644 });
  }
}

/** homeOf is the user's home from the image's /etc/passwd (docker sets HOME from it), else / (or /root). */
function homeOf(rootfs: string, uid: number): string {
  try {
    for (const line of readFileSync(secureJoin(rootfs, '/etc/passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(uid) && f[5]) return f[5];
    }
  } catch {
    /* no passwd file */
  }
  return uid === 0 ? '/root' : '/';
}

/** runInSandbox runs argv inside rootfs and resolves with its exit code; output arrives line by line. */
export function runInSandbox(o: SandboxOptions): Promise<SandboxResult> {
  const support = sandboxSupport();
  if (!support.ok) return Promise.reject(new SandboxError('SANDBOX_UNAVAILABLE', support.reason, { reason: support.reason }));
  if (!o.argv.length) return Promise.reject(new SandboxError('SANDBOX_INVALID_OPTIONS', 'nothing to run: the command is empty', { field: 'argv' }));
  let st;
  try {
    st = lstatSync(o.rootfs);
  } catch {
    st = null;
  }
  if (!st?.isDirectory()) return Promise.reject(new SandboxError('SANDBOX_ROOTFS_INVALID', `root filesystem ${o.rootfs} is not a directory`));
  const user = resolveUser(o.rootfs, o.user);
  const root = isRoot();
  if (!root && user.uid !== 0) {
    return Promise.reject(new SandboxError('SANDBOX_USER_NOT_MAPPED', `USER ${o.user} needs subordinate ids when Strata does not run as root`, { user: o.user }));
  }
  // The working directory is created if missing, as docker does (it becomes part of the step's changes).
  const cwdAbs = secureJoin(o.rootfs, o.cwd || '/');
  if (!existsSync(cwdAbs)) mkdirSync(cwdAbs, { recursive: true, mode: 0o755 });

  // Mount points are made here, as the caller: a step running as a non-root user could not create them in a
  // root-owned image. The caller removes those its image did not have before (they are not the step's doing).
  ensureMountPoint(o.rootfs, '/proc', 'dir');
  ensureMountPoint(o.rootfs, '/dev', 'dir');
  const netFiles = o.network === 'host' ? ['/etc/resolv.conf', '/etc/hosts'].filter((f) => existsSync(f)) : [];
  for (const f of netFiles) ensureMountPoint(o.rootfs, f, 'file');
  for (const m of o.mounts ?? []) {
    const isDir = m.type === 'tmpfs' || (m.source !== undefined && existsSync(m.source) && lstatSync(m.source).isDirectory());
    ensureMountPoint(o.rootfs, m.target, isDir ? 'dir' : 'file');
  }
  const env = [...o.env];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${homeOf(o.rootfs, user.uid)}`);

  const args = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', o.hostname ?? 'strata'];
  if (o.network === 'none') args.push('--unshare-net');
  // A non-root user (or a non-root Strata) gets a user namespace that maps its id to itself.
  const needUserns = !root || user.uid !== 0 || user.gid !== 0;
  if (needUserns) args.push('--unshare-user', '--uid', String(user.uid), '--gid', String(user.gid));
  args.push('--bind', o.rootfs, '/', '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm');
  if (o.network === 'host') {
    for (const f of netFiles) args.push('--ro-bind', f, f);
  }
  for (const m of o.mounts ?? []) {
    if (m.type === 'tmpfs') args.push('--tmpfs', m.target);
    else {
      if (!m.source || !existsSync(m.source)) throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount source ${m.source ?? '(none)'} for ${m.target} does not exist`, { target: m.target });
      args.push(m.readonly || m.type === 'secret' ? '--ro-bind' : '--bind', m.source, m.target);
    }
  }
  args.push('--chdir', o.cwd || '/', '--clearenv');
  for (const kv of env) {
    const eq = kv.indexOf('=');
    if (eq > 0) args.push('--setenv', kv.slice(0, eq), kv.slice(eq + 1));
  }
  args.push('--', ...o.argv);

  return new Promise((resolve, reject) => {
    const child = spawn(BWRAP, args, {
      stdio: [o.stdin && o.stdin !== 'ignore' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      ...(needUserns && root ? { uid: user.uid, gid: user.gid } : {}),
    });
    if (o.stdin && o.stdin !== 'ignore' && child.stdin) o.stdin.pipe(child.stdin);
    let setupError = '';
    const lines = (stream: 'stdout' | 'stderr', r: Readable) => {
      createInterface({ input: r, crlfDelay: Infinity }).on('line', (line) => {
        if (stream === 'stderr' && line.startsWith('bwrap: ')) setupError += line + '\n';
        o.onOutput?.(stream, line);
      });
    };
    lines('stdout', child.stdout as Readable);
    lines('stderr', child.stderr as Readable);
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    if (o.signal?.aborted) kill();
    o.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (e) => reject(new SandboxError('SANDBOX_SETUP_FAILED', `cannot start bubblewrap: ${e.message}`)));
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', kill);
      if (o.signal?.aborted) return reject(new SandboxError('SANDBOX_CANCELLED', 'the step was cancelled'));
      if (setupError && code === 1 && /bwrap: (execvp|Can't|Failed|Creating)/.test(setupError)) {
        const notFound = /execvp/.test(setupError);
        return reject(new SandboxError(notFound ? 'SANDBOX_EXEC_FAILED' : 'SANDBOX_SETUP_FAILED', notFound ? `cannot run ${o.argv[0]}: ${setupError.trim().replace(/^bwrap: /, '')}` : setupError.trim(), { stderr: setupError }));
      }
      if (sig) return resolve({ exitCode: 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 }) as Record<string, number>)[sig]!, signal: sig });
      resolve({ exitCode: code ?? 1 });
    });
  });
}
