// Runs a command in a root filesystem with bubblewrap: new mount, pid, ipc and uts namespaces (and network
// with network 'none'); the image's user through a user namespace that maps it 1:1, so files it writes are
// owned by that uid on disk. Used by RUN steps and `strata run`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
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

/** Where the user-switching tool is mounted inside the sandbox: /dev is the sandbox's own tmpfs, so
 * nothing of it reaches the image's filesystem. */
const TOOL_DIR = '/dev/.strata-tools';

let setpriv: { loader: string; files: string[] } | null = null;

/** setprivTool finds util-linux's setpriv and the shared libraries it needs (ldd), to run it inside any
 * image through the host's dynamic loader: the image needs no tool of its own to switch users. */
function setprivTool(): { loader: string; files: string[] } {
  if (setpriv) return setpriv;
  const bin = '/usr/bin/setpriv';
  if (!existsSync(bin)) throw new SandboxError('SANDBOX_UNAVAILABLE', 'USER needs setpriv (util-linux) on the host', { reason: 'no /usr/bin/setpriv' });
  const out = spawnSync('ldd', [bin], { encoding: 'utf8' }).stdout ?? '';
  const libs = [...out.matchAll(/=>\s*(\S+)\s*\(/g)].map((m) => m[1] as string);
  const loader = /^\s*(\/\S*ld-linux\S*)\s*\(/m.exec(out)?.[1];
  if (!loader) throw new SandboxError('SANDBOX_UNAVAILABLE', 'cannot find the dynamic loader setpriv needs', { reason: out });
  return (setpriv = { loader, files: [bin, loader, ...libs] });
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
  if (!root && (user.uid !== 0 || user.gid !== 0)) {
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
  // Strata as root: the step's user is switched to inside the sandbox by the host's setpriv (real ids, so
  // files it writes are owned by that uid on disk). Strata as a user: a user namespace maps it to root.
  const needUserns = !root;
  if (needUserns) args.push('--unshare-user', '--uid', '0', '--gid', '0');
  const switchUser = root && (user.uid !== 0 || user.gid !== 0 || user.groups.length > 0);
  // bwrap running as the step's user could not reach paths under a private home (e.g. /root/.local/share):
  // then every host path is handed over as an open file descriptor instead (--bind-fd), opened here.
  const bind = (flag: '--bind' | '--ro-bind', source: string, dest: string) => args.push(flag, source, dest);
  bind('--bind', o.rootfs, '/');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm');
  for (const f of netFiles) bind('--ro-bind', f, f);
  for (const m of o.mounts ?? []) {
    if (m.type === 'tmpfs') args.push('--tmpfs', m.target);
    else {
      if (!m.source || !existsSync(m.source)) throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount source ${m.source ?? '(none)'} for ${m.target} does not exist`, { target: m.target });
      bind(m.readonly || m.type === 'secret' ? '--ro-bind' : '--bind', m.source, m.target);
    }
  }
  args.push('--chdir', o.cwd || '/', '--clearenv');
  for (const kv of env) {
    const eq = kv.indexOf('=');
    if (eq > 0) args.push('--setenv', kv.slice(0, eq), kv.slice(eq + 1));
  }
  let argv = o.argv;
  if (switchUser) {
    const tool = setprivTool();
    for (const f of tool.files) args.push('--ro-bind', f, `${TOOL_DIR}/${basename(f)}`);
    const groups = user.groups.length ? ['--groups', user.groups.join(',')] : ['--clear-groups'];
    argv = [`${TOOL_DIR}/${basename(tool.loader)}`, '--library-path', TOOL_DIR, `${TOOL_DIR}/setpriv`, '--reuid', String(user.uid), '--regid', String(user.gid), ...groups, '--', ...o.argv];
  }
  args.push('--', ...argv);

  return new Promise((resolve, reject) => {
    const child = spawn(BWRAP, args, {
      stdio: [o.stdin && o.stdin !== 'ignore' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
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
