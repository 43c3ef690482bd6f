// The tools the benchmark compares: Strata (the CLI, a whole process per build) and its peers, each
// started here on private state (dockerd, containers-storage roots) and stopped afterwards.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { startDockerd, DOCKER, DOCKERD, type Dockerd } from '../testing/dockerd.ts';
import { BASE, type BenchContext } from './contexts.ts';
import { exec, type ExecResult } from './exec.ts';

export const STRATA_BIN = join(import.meta.dirname, '..', 'cli', 'bin.mjs');

export interface BuildTiming {
  ms: number;
  /** maxRssKb is the peak resident memory of the process that ran the build (the engine), when measured. */
  maxRssKb?: number;
}

/** Builder is one tool that builds a context into a tagged image. */
export interface Builder {
  name: string;
  /** version says which build of the tool ran. */
  version: string;
  /** reset empties the build cache and removes built images; the base image stays. */
  reset(): Promise<void>;
  /** figures: the only figures this tool is timed on (default all). */
  readonly figures?: readonly string[];
  build(ctx: BenchContext, tag: string, opts?: { memory?: boolean }): Promise<BuildTiming>;
  stop(): Promise<void>;
}

/** Unavailable is a peer that is not installed or does not work here, with the reason. */
export interface Unavailable {
  name: string;
  reason: string;
}

/** umountUnder unmounts whatever a tool left mounted below dir (deepest first), so dir can be removed. */
export function umountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
}

/** Strata runs `node main/cli/bin.mjs` (the bundled CLI) with its own STRATA_HOME: with a resident engine
 * (`strata engine`, started here as dockerd is for BuildKit; STRATA_ENGINE=require, so a command the engine
 * did not run fails instead of being timed as another thing), or standalone (STRATA_ENGINE=off: each
 * command loads the engine in its own process). */
export class StrataBuilder implements Builder {
  readonly name: string;
  version = '';
  readonly env: NodeJS.ProcessEnv;
  readonly figures?: readonly string[];
  private engine: ChildProcess | null = null;
  constructor(
    readonly home: string,
    readonly baseTar: string,
    readonly mode: 'engine' | 'standalone' = 'engine',
  ) {
    this.name = mode === 'engine' ? 'strata' : STANDALONE;
    // Standalone differs from the engine only in process start: its warm and touched builds say what that costs.
    if (mode === 'standalone') this.figures = ['warm', 'touched'];
    this.env = { ...process.env, STRATA_HOME: home, STRATA_ENGINE: mode === 'engine' ? 'require' : 'off' };
    delete this.env.STRATA_FROM_SOURCE;
  }

  cli(args: string[], opts: { check?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
    return exec(process.execPath, [STRATA_BIN, ...args], { env: opts.env ?? this.env, ...(opts.check === false ? { check: false } : {}) });
  }

  async start(): Promise<this> {
    this.version = (await this.cli(['version'])).stdout.trim().split('\n')[0] ?? '';
    rmSync(this.home, { recursive: true, force: true });
    mkdirSync(this.home, { recursive: true });
    if (this.mode === 'engine') await this.startEngine();
    await this.reset();
    return this;
  }

  /** reset empties the store but for the base image. The engine keeps running, as dockerd does between
   * BuildKit's cold builds (a store emptied under it is opened afresh by its next command). */
  async reset(): Promise<void> {
    for (const entry of readdirSync(this.home)) {
      if (entry !== 'engine.sock') rmSync(join(this.home, entry), { recursive: true, force: true });
    }
    await this.cli(['load', '-q', '-i', this.baseTar]);
  }

  private async startEngine(): Promise<void> {
    const child = spawn(process.execPath, [STRATA_BIN, 'engine', '-q'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.engine = child;
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4096)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('listening on')) resolve();
      });
      child.on('close', (code) => reject(new Error(`strata engine exited (${code}): ${err}`)));
    });
  }

  private async stopEngine(): Promise<void> {
    const child = this.engine;
    if (!child) return;
    this.engine = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.on('close', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async build(ctx: BenchContext, tag: string, opts: { memory?: boolean } = {}): Promise<BuildTiming> {
    const args = [STRATA_BIN, 'build', '-q', '--network', 'none', '-t', tag, ctx.dir];
    const pid = this.engine?.pid;
    if (!opts.memory || pid === undefined) return { ms: (await exec(process.execPath, args, { env: this.env })).ms };
    // The engine runs the build: its peak RSS during this build (clear_refs 5 resets the kernel's peak).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const r = await exec(process.execPath, args, { env: this.env });
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { ms: r.ms, ...(m ? { maxRssKb: Number(m[1]) } : {}) };
  }

  async stop(): Promise<void> {
    await this.stopEngine();
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** STANDALONE names Strata's CLI run without an engine in the tables. */
export const STANDALONE = 'strata standalone';

/** BuildKit is docker build with DOCKER_BUILDKIT=1 against a private dockerd 20.10 (no bridge: --network none). */
export class BuildKitBuilder implements Builder {
  readonly name = 'buildkit';
  version = '';
  private d!: Dockerd;
  env: NodeJS.ProcessEnv = {};
  constructor(
    readonly dir: string,
    readonly baseTar: string,
  ) {}

  docker(args: string[], check = true): Promise<ExecResult> {
    return exec(DOCKER, ['-H', `unix://${this.d.socket}`, ...args], { env: this.env, check });
  }

  async start(): Promise<this> {
    this.d = await startDockerd(this.dir);
    this.env = { ...process.env, DOCKER_BUILDKIT: '1', DOCKER_CONFIG: join(this.dir, 'client') };
    this.version = `dockerd ${(await this.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim()} (BuildKit)`;
    await this.docker(['load', '-q', '-i', this.baseTar]);
    return this;
  }

  async reset(): Promise<void> {
    await this.docker(['builder', 'prune', '-af']);
    const images = (await this.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').filter((r) => r && r !== BASE);
    if (images.length) await this.docker(['image', 'rm', '-f', ...images], false);
    await this.docker(['image', 'prune', '-f']);
  }

  async build(ctx: BenchContext, tag: string): Promise<BuildTiming> {
    return { ms: (await this.docker(['build', '--network', 'none', '-q', '-t', tag, ctx.dir])).ms };
  }

  async stop(): Promise<void> {
    await this.d?.stop();
    umountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  get socket(): string {
    return this.d.socket;
  }
}

/** ContainersBuilder is buildah or podman on a private containers-storage root (overlay), RUN in runc with no network. */
export class ContainersBuilder implements Builder {
  version = '';
  readonly flags: string[];
  constructor(
    readonly name: 'buildah' | 'podman',
    readonly dir: string,
    readonly baseTar: string,
  ) {
    this.flags = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay'];
    if (name === 'podman') this.flags.push('--cgroup-manager', 'cgroupfs', '--events-backend', 'file');
  }

  cmd(args: string[], check = true): Promise<ExecResult> {
    return exec(`/usr/bin/${this.name}`, [...this.flags, ...args], { check });
  }

  async start(): Promise<this> {
    this.version = (await this.cmd(['--version'])).stdout.trim();
    await this.loadBase();
    return this;
  }

  private async loadBase(): Promise<void> {
    if (this.name === 'buildah') await this.cmd(['pull', '-q', `docker-archive:${this.baseTar}`]);
    else await this.cmd(['load', '-q', '-i', this.baseTar]);
  }

  async reset(): Promise<void> {
    await this.cmd(['rm', '-a'], false);
    await this.cmd(['rmi', '-a', '-f'], false);
    await this.loadBase();
  }

  async build(ctx: BenchContext, tag: string): Promise<BuildTiming> {
    // crun fails here (cgroups in hybrid mode); runc with a network namespace of its own matches --network none.
    const isolation = this.name === 'buildah' ? ['--isolation', 'oci'] : [];
    return { ms: (await this.cmd(['build', ...isolation, '--runtime', '/usr/sbin/runc', '--layers', '--network', 'none', '-q', '-t', tag, ctx.dir])).ms };
  }

  async stop(): Promise<void> {
    await this.cmd(['rm', '-a'], false);
    await this.cmd(['rmi', '-a', '-f'], false);
    umountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** startBuilders starts Strata and every peer found; a peer that is missing or fails to start is reported. */
export async function startBuilders(work: string, baseTar: string, only: string[] | null, log: (s: string) => void): Promise<{ builders: Builder[]; unavailable: Unavailable[] }> {
  const builders: Builder[] = [await new StrataBuilder(join(work, 'strata-home'), baseTar).start(), await new StrataBuilder(join(work, 'strata-standalone-home'), baseTar, 'standalone').start()];
  const unavailable: Unavailable[] = [];
  const want = (n: string) => !only || only.includes(n);
  const tryStart = async (name: string, needs: string[], make: () => Promise<Builder>) => {
    if (!want(name)) {
      unavailable.push({ name, reason: 'not selected (--peers)' });
      return;
    }
    const missing = needs.filter((f) => !existsSync(f));
    if (missing.length) {
      unavailable.push({ name, reason: `missing (${missing.join(', ')} not installed)` });
      log(`peer ${name}: missing (${missing.join(', ')})`);
      return;
    }
    try {
      const b = await make();
      builders.push(b);
      log(`peer ${name}: ${b.version}`);
    } catch (e) {
      unavailable.push({ name, reason: `failing: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}` });
      log(`peer ${name}: failing: ${(e as Error).message}`);
    }
  };
  await tryStart('buildkit', [DOCKERD, DOCKER], () => new BuildKitBuilder(join(work, 'dockerd'), baseTar).start());
  await tryStart('buildah', ['/usr/bin/buildah', '/usr/sbin/runc'], () => new ContainersBuilder('buildah', join(work, 'buildah'), baseTar).start());
  await tryStart('podman', ['/usr/bin/podman', '/usr/sbin/runc'], () => new ContainersBuilder('podman', join(work, 'podman'), baseTar).start());
  return { builders, unavailable };
}
