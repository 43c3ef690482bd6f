import { readFileSync, statSync } from 'node:fs';
import { constants as osc } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { SandboxError } from './errors.ts';
import { launchBwrap, type LaunchEnd, type SandboxHost } from './launch.ts';
import { LineSplitter } from './lines.ts';
import { prepareRoot, type SandboxMount } from './root-prep.ts';
import { sandboxProbe } from './support.ts';
import { resolveUser, type ExecUser } from './user.ts';

/** One sandboxed run: a RUN step or `strata run`. */
export interface SandboxRunOptions {
  /** A prepared, writable root filesystem (the step's snapshot). */
  rootfs: string;
  /** Already resolved: a shell-form RUN is [...shell, cmd]. */
  argv: string[];
  /** KEY=VALUE, exactly the container's environment (bwrap also exports PWD=cwd). */
  env: string[];
  /** Working directory inside; created (owned by root, kept) when missing, as docker does. */
  cwd: string;
  /** docker USER syntax: 'name', 'uid', 'uid:gid', 'name:group'; root when absent. */
  user?: string;
  /** host: the host's network namespace; none: a new one with only loopback. */
  network: 'host' | 'none';
  mounts?: SandboxMount[];
  hostname?: string;
  stdin?: 'ignore' | Readable;
  /** Output, line by line as it comes (a line without '\n' at the end comes when the stream ends). */
  onOutput?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Abort: the whole process tree is killed and the run rejects with SANDBOX_CANCELLED. */
  signal?: AbortSignal;
}

/** How a run ended. A step killed by signal n has exitCode 128+n (what docker and BuildKit report) and
 * signal set; bwrap folds the two together, so an explicit `exit 137` also reads as SIGKILL. */
export interface SandboxResult {
  exitCode: number;
  signal?: string;
}

const DEFAULT_HOSTNAME = 'strata';
const MAX_HELD = 100;
const GONE_TIMEOUT_MS = 1000;

/** runInSandbox runs argv inside rootfs in new mount, pid, ipc, uts and user namespaces (and a new
 * network namespace for network 'none'), with /proc, a minimal /dev, /dev/shm and the given mounts, as
 * the image's user, and resolves with its exit status. It throws SandboxError: SANDBOX_UNAVAILABLE when
 * this host cannot create namespaces (the reason is sandboxSupport's), SANDBOX_CANCELLED on abort, and
 * other codes when the run cannot start. Nothing written for the sandbox (mount points) stays in rootfs. */
export async function runInSandbox(opts: SandboxRunOptions): Promise<SandboxResult> {
  const rootfs = checkOptions(opts);
  const probe = await sandboxProbe();
  if (!probe.ok) throw new SandboxError('SANDBOX_UNAVAILABLE', probe.reason, { reason: probe.reason });
  const { host } = probe;
  if (opts.signal?.aborted) throw cancelled(opts.signal);

  const user = resolveUser(rootfs, opts.user);
  if (host.mapping.kind === 'subuid') {
    const { subuid, subgid } = host.mapping;
    for (const [what, id, range] of [['uid', user.uid, subuid], ['gid', user.gid, subgid], ...user.groups.map((g) => ['gid', g, subgid] as const)] as const) {
      if (id > range.count) {
        throw new SandboxError('SANDBOX_USER_NOT_MAPPED', `${what} ${id} is outside the ${range.count} subordinate ids this user has (/etc/sub${what})`, { [what]: id, count: range.count });
      }
    }
  }

  const prepared = prepareRoot({ rootfs, cwd: opts.cwd, mounts: opts.mounts ?? [], network: opts.network, canChown: host.mapping.kind === 'root' });
  try {
    const options = [
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
      ...(opts.network === 'none' ? ['--unshare-net'] : []),
      // The step is pid 1 (as in docker), dies with us, and has no controlling terminal to inject into.
      '--as-pid-1', '--die-with-parent', '--new-session',
      '--hostname', opts.hostname ?? DEFAULT_HOSTNAME,
      ...prepared.options,
      '--clearenv',
      // Secret variables last (they win over the image's), through the options pipe: never in `ps`.
      ...[...opts.env, ...prepared.secretEnv].flatMap((e) => {
        const eq = e.indexOf('=');
        return ['--setenv', e.slice(0, eq), e.slice(eq + 1)];
      }),
      '--chdir', opts.cwd,
    ];
    return await execute(opts, host, user, options, prepared.shmDir, prepared.data);
  } finally {
    prepared.cleanup();
  }
}

async function execute(opts: SandboxRunOptions, host: SandboxHost, user: ExecUser, options: string[], shmDir: string, data: Buffer[]): Promise<SandboxResult> {
  const stdinStream = opts.stdin && opts.stdin !== 'ignore' ? opts.stdin : undefined;
  const launched = launchBwrap({ host, user, options, argv: opts.argv, stdin: stdinStream ? 'pipe' : 'ignore', shmDir, data });
  const { child } = launched;

  // bwrap's own complaints ("bwrap: ...") are held back: they become the error when the step never ran.
  const held: string[] = [];
  const emit = (stream: 'stdout' | 'stderr', line: string) => {
    try {
      opts.onOutput?.(stream, line);
    } catch {
      /* a failing listener must not break the run */
    }
  };
  const out = new LineSplitter((l) => emit('stdout', l));
  const err = new LineSplitter((l) => (l.startsWith('bwrap: ') && held.length < MAX_HELD ? held.push(l) : emit('stderr', l)));
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdout!.on('end', () => out.end());
  child.stderr!.on('end', () => err.end());
  if (stdinStream && child.stdin) {
    child.stdin.on('error', () => undefined); // the step may exit without reading its input
    stdinStream.pipe(child.stdin);
  }

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    launched.kill();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let end: LaunchEnd;
  try {
    end = await launched.done;
  } catch (e) {
    throw new SandboxError('SANDBOX_SETUP_FAILED', `cannot start bubblewrap: ${(e as Error).message}`, {}, { cause: e });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stdinStream?.unpipe(child.stdin ?? undefined);
  }
  const pid = launched.childPid();
  if (pid !== undefined) await waitGone(pid);

  if (aborted) throw cancelled(opts.signal!);
  if (end.exitCode !== undefined) {
    for (const l of held) emit('stderr', l);
    return result(end.exitCode);
  }
  if (end.protocolError) throw new SandboxError('SANDBOX_SETUP_FAILED', end.protocolError.message, {}, { cause: end.protocolError });
  if (end.bwrapSignal) return result(128 + (osc.signals[end.bwrapSignal] ?? 0));
  const diag = held.map((l) => l.slice('bwrap: '.length)).join('\n');
  const exec = /^execvp (.*?): (.*)$/m.exec(diag);
  if (exec) throw new SandboxError('SANDBOX_EXEC_FAILED', `cannot run ${JSON.stringify(exec[1])}: ${exec[2]}`, { argv: opts.argv, stderr: diag });
  if (/^Can't chdir/m.test(diag)) throw new SandboxError('SANDBOX_CWD_INVALID', `cannot enter working directory ${opts.cwd}: ${diag}`, { cwd: opts.cwd, stderr: diag });
  throw new SandboxError('SANDBOX_SETUP_FAILED', `the sandbox could not be set up: ${diag || `bwrap exited with ${end.bwrapCode}`}`, { stderr: diag, code: end.bwrapCode });
}

const SIGNAL_NAMES = new Map(Object.entries(osc.signals).map(([name, n]) => [n, name]));

function result(exitCode: number): SandboxResult {
  const sig = exitCode > 128 ? SIGNAL_NAMES.get(exitCode - 128) : undefined;
  return sig ? { exitCode, signal: sig } : { exitCode };
}

function cancelled(signal: AbortSignal): SandboxError {
  return new SandboxError('SANDBOX_CANCELLED', 'the run was cancelled; its processes were killed', {}, { cause: signal.reason });
}

// The step's pid 1 dies with bwrap (PR_SET_PDEATHSIG) and takes its pid namespace, mounts included,
// with it; after a cancel, wait until the kernel has done so.
async function waitGone(pid: number): Promise<void> {
  const start = startTime(pid);
  if (start === undefined) return;
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (startTime(pid) !== start) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' || f[0] === 'X' ? undefined : f[19];
  } catch {
    return undefined;
  }
}

function checkOptions(opts: SandboxRunOptions): string {
  const bad = (field: string, why: string) => new SandboxError('SANDBOX_INVALID_OPTIONS', `${field}: ${why}`, { field });
  const hasNul = (s: string) => s.includes('\0');
  if (typeof opts.rootfs !== 'string' || opts.rootfs === '') throw bad('rootfs', 'a directory is required');
  const rootfs = resolve(opts.rootfs);
  let st;
  try {
    st = statSync(rootfs);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be used: ${(e as Error).message}`;
    throw new SandboxError('SANDBOX_ROOTFS_INVALID', `root filesystem ${rootfs} ${why}`, { rootfs }, { cause: e });
  }
  if (!st.isDirectory()) throw new SandboxError('SANDBOX_ROOTFS_INVALID', `root filesystem ${rootfs} is not a directory`, { rootfs });
  if (!Array.isArray(opts.argv) || opts.argv.length === 0 || opts.argv[0] === '') throw bad('argv', 'a command is required');
  if (opts.argv.some((a) => typeof a !== 'string' || hasNul(a))) throw bad('argv', 'arguments must be strings without NUL');
  if (!Array.isArray(opts.env)) throw bad('env', 'a list of KEY=VALUE is required');
  for (const e of opts.env) {
    if (typeof e !== 'string' || hasNul(e) || e.indexOf('=') < 1) throw bad('env', `${JSON.stringify(e)} is not KEY=VALUE`);
  }
  if (typeof opts.cwd !== 'string' || !isAbsolute(opts.cwd) || hasNul(opts.cwd)) throw bad('cwd', 'an absolute path is required');
  if (opts.network !== 'host' && opts.network !== 'none') throw bad('network', "must be 'host' or 'none'");
  if (opts.hostname !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/.test(opts.hostname)) throw bad('hostname', `${JSON.stringify(opts.hostname)} is not a host name`);
  if (opts.user !== undefined && (typeof opts.user !== 'string' || hasNul(opts.user))) throw bad('user', 'must be a string');
  return rootfs;
}
