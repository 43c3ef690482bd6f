import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TokenServer } from './token-server.ts';

/** REGISTRY_BIN is the CNCF distribution registry from Debian's docker-registry package. */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

export type RegistryAuthConfig = { kind: 'none' } | { kind: 'htpasswd'; users: Record<string, string> } | { kind: 'token'; server: TokenServer };

export interface TestRegistry {
  /** host is `127.0.0.1:PORT`, the registry part of references. */
  host: string;
  url: string;
  dir: string;
  /** log returns what the registry printed (the last 64 KiB). */
  log(): string;
  stop(): Promise<void>;
}

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function htpasswdLines(users: Record<string, string>): string {
  // bcrypt entries: the registry accepts no other htpasswd hash.
  return Object.entries(users)
    .map(([u, p]) => execFileSync('htpasswd', ['-Bbn', u, p], { encoding: 'utf8' }).trim())
    .join('\n') + '\n';
}

/** startRegistry runs `docker-registry serve` on a free 127.0.0.1 port with the given auth, in dir. */
export async function startRegistry(dir: string, auth: RegistryAuthConfig = { kind: 'none' }): Promise<TestRegistry> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const lines = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: strata-test-secret',
    ];
    if (auth.kind === 'htpasswd') {
      const file = join(dir, 'htpasswd');
      writeFileSync(file, htpasswdLines(auth.users));
      lines.push('auth:', '  htpasswd:', '    realm: strata-test', `    path: ${file}`);
    } else if (auth.kind === 'token') {
      lines.push('auth:', '  token:', `    realm: ${auth.server.realm}`, `    service: ${auth.server.service}`, `    issuer: ${auth.server.issuer}`, `    rootcertbundle: ${auth.server.cert.certPath}`);
    }
    const config = join(dir, 'config.yml');
    writeFileSync(config, lines.join('\n') + '\n');
    const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (d: Buffer) => (log = (log + d.toString('utf8')).slice(-65536));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const host = `127.0.0.1:${port}`;
    const up = await waitUp(host, child, 15_000);
    if (!up) {
      child.kill('SIGKILL');
      if (tries < 3 && /address already in use/.test(log)) continue;
      throw new Error(`docker-registry did not start on ${host}: ${log.slice(-2000)}`);
    }
    return {
      host,
      url: `http://${host}`,
      dir,
      log: () => log,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

async function waitUp(host: string, child: ChildProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(`http://${host}/v2/`, { agent: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => {
        req.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
