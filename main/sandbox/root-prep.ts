import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { SandboxError } from './errors.ts';
import { FIRST_DATA_FD } from './launch.ts';
import { resolveInRoot } from './root-path.ts';

/** A mount a step asks for (RUN --mount). Defaults: bind is read-only unless readonly is false (as in
 * BuildKit), cache is writable, secret is always read-only (mode 0400), tmpfs is writable with mode 1777.
 * uid/gid apply to cache only: a secret belongs to the step's user (bwrap creates it in the sandbox). */
export interface SandboxMount {
  type: 'bind' | 'tmpfs' | 'cache' | 'secret';
  /** Host path: required for bind, cache (created when missing) and secret (a file, read when the run starts). */
  source?: string;
  /** Where it appears; '' for a secret that is only an environment variable (env set). */
  target: string;
  /** secret only: also expose the secret's content as this environment variable (BuildKit `env=`). */
  env?: string;
  readonly?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

interface Created {
  path: string; // inside the root
  kind: 'dir' | 'file';
}
interface Parent {
  hostPath: string;
  names: string[];
  atime: number; // seconds, as utimes takes them
  mtime: number;
}

/** What preparing a root filesystem produced: bwrap options for the mounts, and how to undo what was
 * written into the root for them. */
export interface PreparedRoot {
  options: string[];
  /** Bytes bwrap reads from descriptors FIRST_DATA_FD, +1, … (secrets: they never touch a disk). */
  data: Buffer[];
  /** KEY=VALUE of secrets exposed as environment variables (set after the step's own environment). */
  secretEnv: string[];
  /** Where the sandbox's /dev/shm is mounted. */
  shmDir: string;
  /** cleanup removes every mount point created for this run (if still empty) and restores the times of
   * the directories they were created in, so nothing of the sandbox reaches the layer. It returns the
   * paths it had to leave because the step put something in them. */
  cleanup(): string[];
}

const HOST_FILES = ['/etc/resolv.conf', '/etc/hosts'];

/** prepareRoot readies `rootfs` for one run: creates the working directory (kept, as docker does),
 * creates mount points the image lacks (removed afterwards by cleanup), reads secrets into memory (bwrap
 * gets them through a pipe and keeps them on its private tmpfs: no copy on disk that a kill -9 could leave
 * behind), and returns the bwrap mount options. Every target is resolved inside the root with its
 * symlinks followed there, so an image cannot point a mount at the host. */
export function prepareRoot(opts: { rootfs: string; cwd: string; mounts: SandboxMount[]; network: 'host' | 'none'; canChown: boolean }): PreparedRoot {
  const { rootfs } = opts;
  const created: Created[] = [];
  const parents = new Map<string, Parent>();
  const data: Buffer[] = [];
  const secretEnv: string[] = [];
  const cleanup = (): string[] => {
    const left = removeCreated(rootfs, created);
    for (const p of parents.values()) restoreTimes(p);
    return left;
  };

  try {
    const all = normalizeMounts(opts.mounts);
    // Secrets that are only environment variables need no mount point.
    for (const m of all.filter((x) => x.target === '')) secretEnv.push(secretVariable(m, readSource(m)));
    const mounts = all.filter((m) => m.target !== '');
    // A working directory inside a mount is the mount's business (bwrap's chdir reports it if missing).
    if (!mounts.some((m) => isUnder(posix.normalize(opts.cwd), m.target))) makeWorkdir(rootfs, opts.cwd);
    // Targets nested in a fresh tmpfs are created by bwrap inside it; any other nesting could walk
    // symlinks a previous step left in a host directory, so it is refused (normalizeMounts).
    const tmpfsTargets = mounts.filter((m) => m.type === 'tmpfs').map((m) => m.target);
    const hostTargets = mounts.filter((m) => m.type !== 'tmpfs').map((m) => m.target);
    const inTmpfs = (p: string) => tmpfsTargets.some((t) => isUnder(p, t) && p !== t);

    const place = (target: string, kind: 'dir' | 'file'): string => {
      if (inTmpfs(target)) return target;
      const r = resolveInRoot(rootfs, target);
      if (['/proc', '/dev'].some((d) => isUnder(r.path, d)) && !['/proc', '/dev'].includes(target)) {
        throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount target ${target} resolves to ${r.path}, inside a filesystem the sandbox provides`, { target, resolved: r.path });
      }
      if (hostTargets.some((t) => isUnder(r.path, t) && r.path !== t) || (r.path !== target && inTmpfs(r.path))) {
        throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount target ${target} resolves to ${r.path}, inside another mount`, { target, resolved: r.path });
      }
      if (r.stat) {
        checkKind(target, r.stat, kind);
        return r.path;
      }
      rememberParent(parents, join(rootfs, posix.dirname(r.missing[0]!)));
      r.missing.forEach((p, i) => {
        const k = i === r.missing.length - 1 ? kind : 'dir';
        if (k === 'dir') mkdirSync(join(rootfs, p), { mode: 0o755 });
        else writeFileSync(join(rootfs, p), '', { flag: 'wx', mode: 0o644 });
        created.push({ path: p, kind: k });
      });
      return r.path;
    };

    const options = ['--bind', rootfs, '/', '--proc', place('/proc', 'dir'), '--dev', place('/dev', 'dir')];
    const shmDir = posix.join(resolveInRoot(rootfs, '/dev').path, 'shm');
    options.push('--perms', '1777', '--tmpfs', shmDir);
    // A root without /tmp gets a private one, so that it does not appear in the layer.
    if (!resolveInRoot(rootfs, '/tmp').stat) options.push('--perms', '1777', '--tmpfs', place('/tmp', 'dir'));

    for (const m of mounts) {
      switch (m.type) {
        case 'tmpfs':
          options.push('--perms', (m.mode ?? 0o1777).toString(8), '--tmpfs', place(m.target, 'dir'));
          break;
        case 'bind': {
          const st = statSource(m);
          options.push(m.readonly === false ? '--bind' : '--ro-bind', m.source!, place(m.target, st.isDirectory() ? 'dir' : 'file'));
          break;
        }
        case 'cache': {
          if (!existsSync(m.source!)) mkdirSync(m.source!, { recursive: true, mode: 0o755 });
          const st = statSource(m);
          if (!st.isDirectory()) throw new SandboxError('SANDBOX_MOUNT_FAILED', `cache source ${m.source} is not a directory`, { source: m.source });
          if (m.mode !== undefined) chmodSync(m.source!, m.mode);
          if (opts.canChown && (m.uid !== undefined || m.gid !== undefined)) chownSync(m.source!, m.uid ?? st.uid, m.gid ?? st.gid);
          options.push(m.readonly === true ? '--ro-bind' : '--bind', m.source!, place(m.target, 'dir'));
          break;
        }
        case 'secret': {
          const bytes = readSource(m);
          if (m.env) secretEnv.push(secretVariable(m, bytes));
          data.push(bytes);
          options.push('--perms', (m.mode ?? 0o400).toString(8).padStart(4, '0'), '--ro-bind-data', String(FIRST_DATA_FD + data.length - 1), place(m.target, 'file'));
          break;
        }
      }
    }

    if (opts.network === 'host') {
      // The host's resolver files, read-only, over the image's (or over an empty mount point removed after).
      for (const f of HOST_FILES) {
        if (!existsSync(f) || mounts.some((m) => isUnder(f, m.target))) continue;
        const r = resolveInRoot(rootfs, f);
        if (r.stat?.isDirectory()) continue;
        options.push('--ro-bind', f, place(f, 'file'));
      }
    }
    return { options, data, secretEnv, shmDir, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function makeWorkdir(rootfs: string, cwd: string): void {
  const r = resolveInRoot(rootfs, cwd);
  if (r.stat && !r.stat.isDirectory()) throw new SandboxError('SANDBOX_CWD_INVALID', `working directory ${cwd} exists and is not a directory`, { cwd });
  for (const p of r.missing) mkdirSync(join(rootfs, p), { mode: 0o755 });
}

function normalizeMounts(mounts: SandboxMount[]): SandboxMount[] {
  const seen = new Set<string>();
  const out = mounts.map((m, i) => {
    const bad = (why: string) => new SandboxError('SANDBOX_INVALID_OPTIONS', `mount ${i} (${m.type} on ${m.target}): ${why}`, { field: `mounts[${i}]` });
    if (!['bind', 'tmpfs', 'cache', 'secret'].includes(m.type)) throw bad(`unknown type ${String(m.type)}`);
    if (m.env !== undefined) {
      if (m.type !== 'secret') throw bad('env applies to secret mounts only');
      if (typeof m.env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.env)) throw bad(`env ${JSON.stringify(String(m.env).slice(0, 64))} is not an environment variable name`);
    }
    if (m.type === 'secret' && m.env && m.target === '') {
      if (typeof m.source !== 'string' || m.source === '' || m.source.includes('\0')) throw bad('a source path is required');
      return { ...m, target: '' };
    }
    if (typeof m.target !== 'string' || !m.target.startsWith('/') || m.target.includes('\0')) throw bad('the target must be an absolute path');
    const target = posix.normalize(m.target).replace(/(.)\/$/, '$1');
    if (target === '/' || isUnder(target, '/proc') || isUnder(target, '/dev')) throw bad('the target may not be /, /proc or /dev (or below them)');
    if (seen.has(target)) throw bad('another mount has the same target');
    seen.add(target);
    if (m.type !== 'tmpfs' && (typeof m.source !== 'string' || m.source === '' || m.source.includes('\0'))) throw bad('a source path is required');
    if (m.mode !== undefined && (m.type === 'bind' || !Number.isInteger(m.mode) || m.mode < 0 || m.mode > 0o7777)) throw bad('mode must be 0..07777, on tmpfs, cache or secret');
    for (const k of ['uid', 'gid'] as const) {
      const v = m[k];
      if (v === undefined) continue;
      if (m.type === 'bind' || m.type === 'tmpfs' || !Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw bad(`${k} must be an id, on cache or secret`);
    }
    return { ...m, target };
  });
  // Parents before children, as docker mounts them.
  out.sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  for (const m of out) {
    if (m.target === '') continue;
    const outer = out.find((o) => o !== m && o.type !== 'tmpfs' && o.target !== '' && isUnder(m.target, o.target));
    if (outer) throw new SandboxError('SANDBOX_INVALID_OPTIONS', `mount target ${m.target} lies inside the ${outer.type} mount at ${outer.target}`, { target: m.target });
  }
  return out;
}

/** MAX_SECRET_BYTES bounds a secret (BuildKit's limit): it is held in memory and piped to bwrap. */
const MAX_SECRET_BYTES = 500 * 1024;

function readSource(m: SandboxMount): Buffer {
  const st = statSource(m);
  if (!st.isFile()) throw new SandboxError('SANDBOX_MOUNT_FAILED', `secret source ${m.source} is not a file`, { source: m.source });
  if (st.size > MAX_SECRET_BYTES) throw new SandboxError('SANDBOX_MOUNT_FAILED', `secret source ${m.source} is ${st.size} bytes, over the ${MAX_SECRET_BYTES} a secret may have`, { source: m.source });
  try {
    return readFileSync(m.source!);
  } catch (e) {
    throw new SandboxError('SANDBOX_MOUNT_FAILED', `secret source ${m.source} cannot be read: ${(e as Error).message}`, { source: m.source }, { cause: e });
  }
}

/** secretVariable is NAME=content; the content never appears in a message, only where it came from. */
function secretVariable(m: SandboxMount, bytes: Buffer): string {
  if (bytes.includes(0)) throw new SandboxError('SANDBOX_MOUNT_FAILED', `secret ${m.source} holds a NUL byte: it cannot be the environment variable ${m.env}`, { source: m.source, env: m.env });
  return `${m.env}=${bytes.toString('utf8')}`;
}

function statSource(m: SandboxMount): Stats {
  try {
    return statSync(m.source!);
  } catch (e) {
    throw new SandboxError('SANDBOX_MOUNT_FAILED', `${m.type} mount source ${m.source} cannot be used: ${(e as Error).message}`, { source: m.source }, { cause: e });
  }
}

function checkKind(target: string, st: Stats, kind: 'dir' | 'file'): void {
  if (kind === 'dir' && !st.isDirectory()) throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount target ${target} exists in the image and is not a directory`, { target });
  if (kind === 'file' && st.isDirectory()) throw new SandboxError('SANDBOX_MOUNT_FAILED', `mount target ${target} is a directory in the image, but the source is a file`, { target });
}

function isUnder(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(dir + '/');
}

function rememberParent(parents: Map<string, Parent>, hostPath: string): void {
  if (parents.has(hostPath)) return;
  const st = lstatSync(hostPath, { bigint: true });
  parents.set(hostPath, { hostPath, names: readdirSync(hostPath).sort(), atime: utimesSeconds(st.atimeNs), mtime: utimesSeconds(st.mtimeNs) });
}

/** utimesSeconds turns a file time (ns) into the seconds utimes takes so that setting it gives back the same
 * microsecond: libuv's utimes keeps whole microseconds, cutting off the rest of a double that is often a
 * hair below the value meant, so the time is given as its microsecond plus half (restores never drift; a
 * cancel test once saw 3 µs after 20 restores). */
export function utimesSeconds(ns: bigint): number {
  const us = ns / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
}

// Removal re-resolves each path inside the root, so a step that swapped a directory for a symlink
// cannot make us delete anything outside it.
function removeCreated(rootfs: string, created: Created[]): string[] {
  const left: string[] = [];
  for (const c of [...created].reverse()) {
    try {
      const r = resolveInRoot(rootfs, c.path);
      if (!r.stat) continue;
      if (r.path !== c.path) {
        left.push(c.path);
        continue;
      }
      if (c.kind === 'dir' && r.stat.isDirectory()) rmdirSync(r.hostPath);
      else if (c.kind === 'file' && r.stat.isFile() && r.stat.size === 0) unlinkSync(r.hostPath);
      else left.push(c.path);
    } catch {
      left.push(c.path); // not empty: the step wrote into it, so it belongs to the layer now
    }
  }
  return left;
}

function restoreTimes(p: Parent): void {
  try {
    if (readdirSync(p.hostPath).sort().join('\0') === p.names.join('\0')) utimesSync(p.hostPath, p.atime, p.mtime);
  } catch {
    /* the step removed it: nothing to restore */
  }
}

