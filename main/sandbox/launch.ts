import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { HostTools, IdMapping } from './host.ts';
import type { UsernsHolder } from './userns-holder.ts';
import type { ExecUser } from './user.ts';

/** Docker's default capability set (moby oci/caps/defaults.go), given to steps that run as root. Inside
 * a user namespace they act on the sandbox's own resources and on files whose owners are mapped. */
export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The host side of the sandbox: tools, id mapping and (rootless with ranges) the namespace holder. */
export interface SandboxHost {
  tools: HostTools;
  mapping: IdMapping;
  holder?: UsernsHolder;
}

/** What one bwrap invocation needs; `options` are the mode-independent bwrap options (namespaces,
 * mounts, environment, working directory), passed through a pipe so they never show in `ps`. */
export interface LaunchSpec {
  host: SandboxHost;
  user: ExecUser;
  options: string[];
  argv: string[];
  stdin: 'ignore' | 'pipe';
  /** Where the sandbox's /dev/shm is (options must mount bwrap's --dev there). */
  shmDir: string;
  /** Bytes written to descriptors FIRST_DATA_FD, +1, … (options name them in --ro-bind-data). */
  data?: Buffer[];
}

/** A running bwrap: its process and a promise of how it ended. */
export interface Launched {
  child: ChildProcess;
  /** The host pid of the step's first process (pid 1 inside), once bwrap reports it. */
  childPid(): number | undefined;
  /** kill ends everything at once: bwrap's process group and the step's pid 1 (whose pid namespace,
   * and so every process and mount of the sandbox, dies with it). */
  kill(): void;
  done: Promise<LaunchEnd>;
}

/** How bwrap ended. exitCode is the step's status (n, or 128+n after signal n, as bwrap and shells
 * report it); undefined when the step never started (setup or exec failed: see bwrap's stderr). */
export interface LaunchEnd {
  exitCode: number | undefined;
  bwrapCode: number | null;
  bwrapSignal: NodeJS.Signals | null;
  /** A failure on our side of the protocol (writing the id map). */
  protocolError?: Error;
}

// Fixed descriptors in bwrap: 3 status JSON, 4 info (child pid), 5 options, 6 user-namespace gate.
const FD_STATUS = 3;
const FD_INFO = 4;
const FD_ARGS = 5;
const FD_GATE = 6;
/** FIRST_DATA_FD is the first descriptor of LaunchSpec.data (secrets, piped: they never touch a disk). */
export const FIRST_DATA_FD = 7;

/** launchBwrap starts bwrap for one step. With an external id map (root, subuid) bwrap waits on fd 6
 * until the map of its new user namespace is written: by us as root (every id to itself), or by the
 * holder inside the rootless namespace (every held id to itself). */
export function launchBwrap(spec: LaunchSpec): Launched {
  const { host, user } = spec;
  const { mapping, tools } = host;
  const externalMap = mapping.kind !== 'single';
  const asRoot = user.uid === 0;

  const mode: string[] = [];
  if (externalMap) mode.push('--unshare-user', '--userns-block-fd', String(FD_GATE), '--info-fd', String(FD_INFO));
  else mode.push('--unshare-user', '--uid', String(user.uid), '--gid', String(user.gid));
  if (asRoot) {
    // bwrap keeps its own capabilities for root and raises the requested ones as ambient otherwise.
    if (mapping.kind !== 'single') mode.push('--cap-drop', 'ALL');
    for (const c of DEFAULT_CAPS) mode.push('--cap-add', c);
  }
  const options = [...mode, '--json-status-fd', String(FD_STATUS), ...spec.options];
  if (externalMap) {
    // The sandboxed child never closes the gate, so the step would inherit it; reading it into a file
    // (an empty one, then hidden under a fresh /dev/shm) makes bwrap close it before the step starts.
    options.push('--file', String(FD_GATE), `${spec.shmDir}/.userns-gate`, '--perms', '1777', '--tmpfs', spec.shmDir);
  }

  let cmd = tools.bwrap;
  let args = ['--args', String(FD_ARGS), '--', ...spec.argv];
  let uid: number | undefined;
  let gid: number | undefined;
  if (mapping.kind === 'root') {
    if (user.groups.length > 0 && tools.setpriv) {
      cmd = tools.setpriv;
      args = ['--reuid', String(user.uid), '--regid', String(user.gid), '--groups', user.groups.join(','), '--', tools.bwrap, ...args];
    } else {
      // Node drops supplementary groups whenever uid/gid are given (setgroups(0) before setgid/setuid).
      uid = user.uid;
      gid = user.gid;
    }
  } else if (mapping.kind === 'subuid') {
    cmd = tools.nsenter!;
    const enter = [`--user=${host.holder!.nsPath}`];
    if (user.groups.length > 0 && tools.setpriv) {
      // Root of the held namespace may set groups there; nsenter alone would clear them.
      args = [...enter, '--setuid', '0', '--setgid', '0', '--', tools.setpriv, '--reuid', String(user.uid), '--regid', String(user.gid), '--groups', user.groups.join(','), '--', tools.bwrap, ...args];
    } else {
      args = [...enter, '--setuid', String(user.uid), '--setgid', String(user.gid), '--', tools.bwrap, ...args];
    }
  }

  const data = spec.data ?? [];
  const stdio: ('pipe' | 'ignore')[] = [spec.stdin, 'pipe', 'pipe', 'pipe', externalMap ? 'pipe' : 'ignore', 'pipe', externalMap ? 'pipe' : 'ignore', ...data.map(() => 'pipe' as const)];
  const child = spawn(cmd, args, {
    stdio,
    cwd: '/',
    // Its own process group: until the step starts (and bwrap calls setsid for it), bwrap's sandboxed child
    // is in it too, so a cancel during setup reaches it before it could outlive the monitor.
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    ...(uid !== undefined ? { uid, gid } : {}),
  });

  const fd = (n: number) => (child.stdio as unknown as (NodeJS.ReadableStream & NodeJS.WritableStream | null)[])[n] ?? null;
  let pid: number | undefined;
  let exitCode: number | undefined;
  let protocolError: Error | undefined;
  const status = fd(FD_STATUS);
  let statusText = '';
  status?.on('data', (d: Buffer) => {
    statusText += d.toString();
    let nl: number;
    while ((nl = statusText.indexOf('\n')) >= 0) {
      const line = statusText.slice(0, nl);
      statusText = statusText.slice(nl + 1);
      try {
        const j = JSON.parse(line) as { 'child-pid'?: number; 'exit-code'?: number };
        if (typeof j['child-pid'] === 'number') {
          pid = j['child-pid'];
          if (killed) kill();
        }
        if (typeof j['exit-code'] === 'number') exitCode = j['exit-code'];
      } catch {
        /* not ours */
      }
    }
  });
  status?.on('error', () => undefined);

  const argsPipe = fd(FD_ARGS);
  argsPipe?.on('error', () => undefined);
  argsPipe?.end(Buffer.from(options.map((o) => o + '\0').join(''), 'utf8'));
  data.forEach((bytes, i) => {
    const pipe = fd(FIRST_DATA_FD + i);
    pipe?.on('error', () => undefined); // bwrap gone before reading: the run fails on its own
    pipe?.end(bytes);
  });

  if (externalMap) {
    const info = fd(FD_INFO)!;
    const gate = fd(FD_GATE)!;
    gate.on('error', () => undefined);
    info.on('error', () => undefined);
    let infoText = '';
    let mapped = false;
    info.on('data', (d: Buffer) => {
      infoText += d.toString();
      const m = /"child-pid"\s*:\s*(\d+)/.exec(infoText);
      if (!m || mapped) return;
      mapped = true;
      const childPid = Number(m[1]);
      writeIdentityMap(host, childPid).then(
        () => gate.end('1'),
        (e: Error) => {
          protocolError = e;
          kill();
        },
      );
    });
  }

  let killed = false;
  const kill = () => {
    killed = true;
    for (const target of [child.pid === undefined ? undefined : -child.pid, pid]) {
      if (target === undefined) continue;
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  const done = new Promise<LaunchEnd>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ exitCode, bwrapCode: code, bwrapSignal: signal, ...(protocolError ? { protocolError } : {}) }));
  });
  return { child, childPid: () => pid, kill, done };
}

async function writeIdentityMap(host: SandboxHost, pid: number): Promise<void> {
  if (host.mapping.kind === 'root') {
    // As root, every host id maps to itself: ownership on disk is exactly what the step sees.
    writeFileSync(`/proc/${pid}/uid_map`, '0 0 4294967295\n');
    writeFileSync(`/proc/${pid}/gid_map`, '0 0 4294967295\n');
    return;
  }
  await host.holder!.mapIdentity(pid);
}
