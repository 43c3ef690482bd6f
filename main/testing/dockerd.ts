import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** DOCKER is Debian's docker.io client (20.10); another client earlier on PATH may lack what we use. */
export const DOCKER = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';

export interface Dockerd {
  socket: string;
  /** docker runs the docker client against this daemon. */
  docker(args: string[], opts?: { input?: string }): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}

/** startDockerd runs a private dockerd (no iptables, no bridge: these machines have neither) in dir. */
export async function startDockerd(dir: string): Promise<Dockerd> {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const child: ChildProcess = spawn(
    DOCKERD,
    ['--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=overlay2', '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '-H', `unix://${socket}`, '--pidfile', join(dir, 'docker.pid')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d) => (log = (log + d).slice(-8000)));
  const docker = (args: string[], opts: { input?: string } = {}) => {
    const r = spawnSync(DOCKER, ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', input: opts.input, env: { ...process.env, DOCKER_CONFIG: join(dir, 'client') } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}): ${log}`);
    if (existsSync(socket) && docker(['version', '--format', '{{.Server.Version}}']).code === 0) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dockerd did not come up in 60 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    socket,
    docker,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
