import { chooseIdMapping, describeMapping, findHostTools, type IdMapping } from './host.ts';
import { launchBwrap, type SandboxHost } from './launch.ts';
import { UsernsHolder } from './userns-holder.ts';

/** What sandboxSupport answers: how RUN steps are contained here, or why they cannot be. */
export type SandboxSupport = { ok: true; method: string } | { ok: false; reason: string };

type Probe = { ok: true; host: SandboxHost; method: string } | { ok: false; reason: string };

let probe: Promise<Probe> | undefined;

/** sandboxSupport says whether this host can run RUN steps in Linux namespaces (mount, pid, ipc, uts,
 * net and user), and how. It runs one trivial sandbox the first time and caches the answer. */
export async function sandboxSupport(): Promise<SandboxSupport> {
  const p = await sandboxProbe();
  return p.ok ? { ok: true, method: p.method } : { ok: false, reason: p.reason };
}

/** sandboxProbe is sandboxSupport with the host it found (for runInSandbox). */
export function sandboxProbe(): Promise<Probe> {
  probe ??= detect();
  return probe;
}

async function detect(): Promise<Probe> {
  if (process.platform !== 'linux') return { ok: false, reason: `RUN needs Linux namespaces; this host runs ${process.platform}` };
  const tools = findHostTools();
  if (!tools) {
    if (process.env.STRATA_BWRAP) return { ok: false, reason: `STRATA_BWRAP=${process.env.STRATA_BWRAP} is not an executable bubblewrap, so RUN steps cannot run in Linux namespaces` };
    return { ok: false, reason: 'bubblewrap (bwrap) is not installed; install it (apt install bubblewrap) to run RUN steps in Linux namespaces' };
  }
  let mapping: IdMapping = chooseIdMapping(tools);
  if (mapping.kind === 'subuid') {
    try {
      const holder = await UsernsHolder.start(tools, mapping);
      const host: SandboxHost = { tools, mapping, holder };
      const err = await tryRun(host);
      if (err === undefined) return { ok: true, host, method: method(mapping) };
      holder.stop();
      mapping = { kind: 'single', uid: mapping.uid, gid: mapping.gid, why: `the subordinate-id namespace failed: ${err}` };
    } catch (e) {
      mapping = { kind: 'single', uid: mapping.uid, gid: mapping.gid, why: (e as Error).message };
    }
  }
  const host: SandboxHost = { tools, mapping };
  const err = await tryRun(host);
  if (err !== undefined) return { ok: false, reason: `cannot create Linux namespaces with bubblewrap: ${err}` };
  return { ok: true, host, method: method(mapping) };
}

function method(m: IdMapping): string {
  return `bubblewrap: mount, pid, ipc, uts and net namespaces; ${describeMapping(m)}`;
}

// The probe runs `true` from the host's own root, read-only, with every namespace a step can get.
async function tryRun(host: SandboxHost): Promise<string | undefined> {
  const options = [
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--die-with-parent', '--as-pid-1', '--new-session',
    '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin',
  ];
  try {
    const l = launchBwrap({ host, user: { uid: 0, gid: 0, groups: [] }, options, argv: ['true'], stdin: 'ignore', shmDir: '/dev/shm' });
    let stderr = '';
    l.child.stdout!.resume();
    l.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const end = await l.done;
    if (end.exitCode === 0) return undefined;
    return end.protocolError?.message ?? (stderr.trim().replace(/^bwrap: /gm, '') || `bwrap exited with ${end.bwrapCode ?? end.bwrapSignal}`);
  } catch (e) {
    return (e as Error).message;
  }
}

/** resetSandboxProbe forgets the cached answer (tests that change the host between probes). */
export function resetSandboxProbe(): void {
  probe = undefined;
}
