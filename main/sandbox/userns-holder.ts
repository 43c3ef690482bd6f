import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { HostTools, IdMapping } from './host.ts';

// The holder runs as root of the rootless user namespace (unshare maps it with newuidmap before exec,
// so it keeps full capabilities there). Only a process in that namespace may write the id map of a
// namespace bwrap creates inside it, and the map must be written in one write(2): a tiny Node loop does it.
const HOLDER_SCRIPT = `
const fs = require('fs');
const [uidMap, gidMap] = process.argv.slice(1);
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const pid = line.trim();
  try {
    if (!/^[0-9]+$/.test(pid)) throw new Error('bad pid ' + pid);
    fs.writeFileSync('/proc/' + pid + '/uid_map', uidMap);
    fs.writeFileSync('/proc/' + pid + '/gid_map', gidMap);
    process.stdout.write('ok\\n');
  } catch (e) {
    process.stdout.write('err ' + String(e && e.message).replace(/\\n/g, ' ') + '\\n');
  }
});
process.stdout.write('ready\\n');
`;

const START_TIMEOUT_MS = 15_000;

/** UsernsHolder keeps a rootless user namespace with subordinate ids alive for the life of the process
 * and writes identity maps into the namespaces that sandboxes nest inside it. */
export class UsernsHolder {
  private queue: Promise<unknown> = Promise.resolve();
  private exited = false;
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: Interface,
  ) {
    child.on('exit', () => (this.exited = true));
  }

  /** start creates the namespace: unshare maps the caller to 0 and the subordinate range to 1..count. */
  static async start(tools: HostTools, m: Extract<IdMapping, { kind: 'subuid' }>): Promise<UsernsHolder> {
    const args = [
      '--user',
      '--map-root-user',
      // util-linux 2.38 spells ranges outer,inner,count; later versions still accept it.
      `--map-users=${m.subuid.start},1,${m.subuid.count}`,
      `--map-groups=${m.subgid.start},1,${m.subgid.count}`,
      '--',
      process.execPath,
      '-e',
      HOLDER_SCRIPT,
      `0 0 1\n1 1 ${m.subuid.count}\n`,
      `0 0 1\n1 1 ${m.subgid.count}\n`,
    ];
    const child = spawn(tools.unshare!, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ELECTRON_RUN_AS_NODE: '1' },
    });
    const lines = createInterface({ input: child.stdout! });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const holder = new UsernsHolder(child, lines);
    try {
      const first = await holder.nextLine(START_TIMEOUT_MS);
      if (first !== 'ready') throw new Error(first ?? 'no answer');
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`cannot create the rootless user namespace: ${stderr.trim() || (e as Error).message}`);
    }
    // The holder must not keep the engine alive; it exits when our end of its stdin closes.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    return holder;
  }

  /** alive says whether the namespace is still held. */
  get alive(): boolean {
    return !this.exited && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** nsPath is the namespace file nsenter joins. */
  get nsPath(): string {
    return `/proc/${this.child.pid}/ns/user`;
  }

  /** mapIdentity gives the user namespace of process `pid` (a child of the held one) the held ids, unchanged. */
  mapIdentity(pid: number): Promise<void> {
    const run = this.queue.then(async () => {
      this.child.stdin!.write(`${pid}\n`);
      const answer = await this.nextLine(START_TIMEOUT_MS);
      if (answer !== 'ok') throw new Error(`writing the id map of process ${pid} failed: ${answer?.replace(/^err /, '') ?? 'holder exited'}`);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** stop ends the holder (tests; normally it lives as long as the engine). */
  stop(): void {
    this.child.stdin?.end();
    this.child.kill('SIGKILL');
  }

  private nextLine(timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(new Error('the user namespace holder did not answer'))), timeoutMs);
      const onLine = (l: string) => done(() => resolve(l));
      const onClose = () => done(() => resolve(undefined));
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.lines.off('line', onLine);
        this.lines.off('close', onClose);
        f();
      };
      this.lines.once('line', onLine);
      this.lines.once('close', onClose);
    });
  }
}
