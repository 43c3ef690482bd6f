// Runs sandbox cases in a separate process, so the test can run them as an unprivileged user
// (setpriv --reuid). Prints one JSON line: { support, cases: { name: outcome } }.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runInSandbox, sandboxSupport, type SandboxRunOptions } from '../index.ts';

const rootfs = process.argv[2]!;
const outcome: Record<string, unknown> = {};

async function run(name: string, o: Partial<SandboxRunOptions>, onLine?: () => void): Promise<void> {
  const lines: string[] = [];
  try {
    const r = await runInSandbox({ rootfs, argv: ['/bin/true'], env: ['PATH=/bin'], cwd: '/', network: 'none', ...o, onOutput: (s, l) => {
      lines.push(`${s}:${l}`);
      onLine?.();
    } });
    outcome[name] = { ...r, lines };
  } catch (e) {
    outcome[name] = { error: (e as { code?: string }).code ?? String(e), message: (e as Error).message, lines };
  }
}

const support = await sandboxSupport();
await run('write', { argv: ['/bin/sh', '-c', 'echo written > /tmp/by-step && id -u && cat /tmp/by-step'] });
await run('exit', { argv: ['/bin/sh', '-c', 'exit 3'] });
await run('env', { argv: ['/bin/env'], env: ['PATH=/bin', 'ONLY=this'] });
await run('user', { argv: ['/bin/sh', '-c', 'id -u; id -g; echo x > /tmp/by-app'], user: 'app' });
await run('chown', { argv: ['/bin/sh', '-c', 'touch /tmp/chowned && chown 1000:1000 /tmp/chowned; echo $?'] });
await run('net', { argv: ['/bin/sh', '-c', 'ip -o link | cut -d: -f2'] });
await run('ps', { argv: ['/bin/ps', '-o', 'pid,comm'] });
const secret = join(dirname(rootfs), 'secret.txt');
writeFileSync(secret, 'rootless-secret', { mode: 0o600 });
const secretMounts: SandboxRunOptions['mounts'] = [{ type: 'secret', source: secret, target: '/run/secrets/s', env: 'S' }];
await run('secret', { argv: ['/bin/sh', '-c', 'cat /run/secrets/s; echo; echo "$S"; stat -c %a /run/secrets/s'], mounts: secretMounts });
await run('secretApp', { argv: ['/bin/sh', '-c', 'cat /run/secrets/s; echo; echo "$S"'], mounts: secretMounts, user: 'app' });
// Only mounts under this test's folder: other processes (dockerd, parallel tests) mount elsewhere meanwhile.
const own = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dirname(rootfs))).join('\n');
const mounts = own();
const ac = new AbortController();
const t0 = Date.now();
let abortedAt = 0;
await run('cancel', { argv: ['/bin/sh', '-c', 'echo started; sleep 100'], signal: ac.signal }, () => {
  abortedAt = Date.now();
  ac.abort();
});
outcome.cancelMs = Date.now() - (abortedAt || t0);
outcome.mountsUnchanged = mounts === own();
process.stdout.write(JSON.stringify({ uid: process.getuid!(), support, cases: outcome }) + '\n');
