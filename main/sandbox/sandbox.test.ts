import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { packageRoot } from '../util/paths.ts';
import { findTool } from './host.ts';
import { runInSandbox, SandboxError, sandboxSupport, type SandboxResult, type SandboxRunOptions } from './index.ts';
import { sandboxProbe } from './support.ts';
import { makeBusyboxRoot } from './testdata/busybox-root.ts';

async function mapping() {
  const p = await sandboxProbe();
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.host.mapping;
}

const isRoot = process.getuid!() === 0;
const base = { env: ['PATH=/bin'], cwd: '/', network: 'none' as const };

interface Ran extends SandboxResult {
  stdout: string[];
  stderr: string[];
}

async function run(rootfs: string, o: Partial<SandboxRunOptions> & { argv: string[] }): Promise<Ran> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const r = await runInSandbox({ ...base, rootfs, ...o, onOutput: (s, l) => (s === 'stdout' ? stdout : stderr).push(l) });
  return { ...r, stdout, stderr };
}
const sh = (script: string) => ['/bin/sh', '-c', script];

/** Names, modes and owners under a root (bin's applets aside), and the modification times of / and /etc. */
function snapshot(dir: string): { tree: string; times: number[] } {
  const us = (p: string) => Number(statSync(p, { bigint: true }).mtimeNs / 1000n);
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((n) => {
        const p = join(d, n);
        const st = lstatSync(p);
        return [`${p.slice(dir.length)} ${st.mode.toString(8)} ${st.uid}:${st.gid}`, ...(st.isDirectory() && n !== 'bin' ? walk(p) : [])];
      });
  return { tree: walk(dir).join('\n'), times: [us(dir), us(join(dir, 'etc'))] };
}

/** assertSameRoot: the same tree, and directory times restored (Node's utimes goes through a double,
 * which keeps them to about a microsecond). */
function assertSameRoot(after: ReturnType<typeof snapshot>, before: ReturnType<typeof snapshot>, message?: string): void {
  assert.equal(after.tree, before.tree, message);
  after.times.forEach((t, i) => assert.ok(Math.abs(t - before.times[i]!) <= 2, `${message ?? ''} mtime ${t} != ${before.times[i]} (µs)`));
}

function hostProcessesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(marker)) found.push(`${pid}: ${cmd}`);
    } catch {
      /* exited */
    }
  }
  return found;
}

describe('sandbox', () => {
  const tmp = tempDir('strata-sandbox-');
  let rootfs: string;
  before(() => {
    rootfs = makeBusyboxRoot(join(tmp.path, 'root'));
  });
  after(() => tmp.cleanup());

  test('sandboxSupport says how RUN is contained', async (t) => {
    const s = await sandboxSupport();
    assert.equal(s.ok, true, s.ok ? '' : s.reason);
    if (s.ok) {
      assert.match(s.method, /bubblewrap/);
      t.diagnostic(`method: ${s.method}`);
    }
  });

  test('output arrives line by line, while the step still runs', async () => {
    // The step waits for a line on stdin that is only written once its first line has arrived.
    const stdin = new PassThrough();
    const lines: string[] = [];
    const r = await runInSandbox({
      ...base,
      rootfs,
      argv: sh('echo first; read answer; echo "got $answer"; echo err >&2; printf tail'),
      stdin,
      onOutput: (s, l) => {
        lines.push(`${s}:${l}`);
        if (l === 'first') stdin.end('reply\n');
      },
    });
    assert.deepEqual(r, { exitCode: 0 });
    assert.deepEqual(lines.filter((l) => l.startsWith('stdout:')), ['stdout:first', 'stdout:got reply', 'stdout:tail']);
    assert.deepEqual(lines.filter((l) => l.startsWith('stderr:')), ['stderr:err']);
  });

  test('the exit code is passed through', async () => {
    assert.deepEqual(await runInSandbox({ ...base, rootfs, argv: sh('exit 3') }), { exitCode: 3 });
    assert.deepEqual(await runInSandbox({ ...base, rootfs, argv: ['/bin/false'] }), { exitCode: 1 });
  });

  test('a command killed by a signal is reported with the signal', async () => {
    const r = await run(rootfs, { argv: sh('sleep 100 & kill -KILL $!; wait $!') });
    assert.equal(r.exitCode, 137);
    assert.equal(r.signal, 'SIGKILL');
  });

  test('the environment is exactly the one given', async () => {
    const env = ['PATH=/bin', 'A=1', 'SPACED=two words', 'EMPTY=', 'EQ=a=b'];
    const r = await run(rootfs, { argv: ['/bin/env'], env, cwd: '/tmp' });
    // bwrap always exports PWD (the working directory); nothing else is added and nothing leaks from the host.
    assert.deepEqual(r.stdout.filter((l) => !l.startsWith('PWD=')).sort(), [...env].sort());
    assert.deepEqual(r.stdout.filter((l) => l.startsWith('PWD=')), ['PWD=/tmp']);
  });

  test('a missing working directory is created and used', async () => {
    const r = await run(rootfs, { argv: ['/bin/pwd'], cwd: '/work/app' });
    assert.deepEqual(r.stdout, ['/work/app']);
    const st = statSync(join(rootfs, 'work/app'));
    assert.ok(st.isDirectory());
    assert.equal(st.uid, process.getuid!());
  });

  test("USER app runs as 1000:1000 and its files are 1000:1000 on disk", async () => {
    const r = await run(rootfs, { argv: sh('id -u; id -g; id -G; echo hi > /tmp/by-app'), user: 'app' });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stdout.slice(0, 2), ['1000', '1000']);
    const st = statSync(join(rootfs, 'tmp/by-app'));
    const m = await mapping();
    if (m.kind === 'single') {
      assert.equal(st.uid, process.getuid!(), 'rootless with a single id: the caller owns every file on disk');
      return;
    }
    const onDisk = m.kind === 'root' ? 1000 : m.subuid.start + 999;
    assert.deepEqual([st.uid, st.gid], [onDisk, onDisk]);
    // Supplementary groups come from /etc/group, as docker sets them.
    assert.deepEqual(r.stdout[2]!.split(' ').sort(), ['1000', '50']);
  });

  test('USER forms: uid, uid:gid, name:group', async () => {
    for (const [user, want] of [['1234', '1234 0'], ['1234:5678', '1234 5678'], ['app:root', '1000 0'], ['root', '0 0']] as const) {
      const r = await run(rootfs, { argv: sh('echo $(id -u) $(id -g)'), user });
      assert.deepEqual(r.stdout, [want], `USER ${user}`);
    }
  });

  test('root inside can chown, and owners land on disk through the id map', async () => {
    const m = await mapping();
    const r = await run(rootfs, { argv: sh('touch /tmp/owned && chown 4321:8765 /tmp/owned') });
    if (m.kind === 'single') {
      // Documented: with a single id nothing else exists inside, so chown fails with EINVAL.
      assert.equal(r.exitCode, 1);
      assert.match(r.stderr.join('\n'), /Invalid argument/);
      return;
    }
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const st = statSync(join(rootfs, 'tmp/owned'));
    const shift = m.kind === 'root' ? 0 : m.subuid.start - 1;
    assert.deepEqual([st.uid, st.gid], [4321 + shift, 8765 + (m.kind === 'root' ? 0 : m.subgid.start - 1)]);
  });

  test('ps shows only the sandbox’s processes', async () => {
    const r = await run(rootfs, { argv: ['/bin/ps', '-o', 'pid,comm'] });
    assert.equal(r.exitCode, 0);
    const rows = r.stdout.slice(1).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [['1', 'ps']], r.stdout.join('\n'));
    const r2 = await run(rootfs, { argv: sh('sleep 5 & until [ "$(cat /proc/$!/comm)" = sleep ]; do :; done; ps -o pid,comm; kill $!') });
    assert.deepEqual(r2.stdout.slice(1).map((l) => l.trim().split(/\s+/)[1]).sort(), ['ps', 'sh', 'sleep']);
  });

  test('ls / shows the root filesystem and nothing of the host', async () => {
    const marker = `marker-${randomBytes(4).toString('hex')}`;
    writeFileSync(join(rootfs, marker), '');
    try {
      const r = await run(rootfs, { argv: ['/bin/ls', '-1a', '/'] });
      const expected = [...readdirSync(rootfs), 'dev', 'proc', '.', '..'];
      assert.deepEqual([...new Set(r.stdout)].sort(), [...new Set(expected)].sort());
      const r2 = await run(rootfs, { argv: sh(`ls ${process.cwd()} /usr /home /root 2>&1; cat /etc/hostname 2>&1; exit 0`) });
      assert.ok(r2.stdout.every((l) => /No such file or directory/.test(l)), r2.stdout.join('\n'));
    } finally {
      rmSync(join(rootfs, marker));
    }
  });

  test("network 'none' has only loopback, 'host' has the host's interfaces", async () => {
    const names = (r: Ran) => r.stdout.map((l) => l.split(':')[1]!.trim().split('@')[0]!).sort();
    const none = await run(rootfs, { argv: sh('ip -o link') });
    assert.deepEqual(names(none), ['lo']);
    const host = await run(rootfs, { argv: sh('ip -o link'), network: 'host' });
    assert.deepEqual(names(host), readdirSync('/sys/class/net').sort());
  });

  test("network 'host' gets the host's resolv.conf and hosts, and they do not stay in the root", async () => {
    const beforeRun = snapshot(rootfs);
    const r = await run(rootfs, { argv: sh('cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo x >> /etc/resolv.conf || echo read-only'), network: 'host' });
    const sep = r.stdout.indexOf('---');
    assert.deepEqual(r.stdout.slice(0, sep), readFileSync('/etc/resolv.conf', 'utf8').replace(/\n$/, '').split('\n'));
    assert.deepEqual(r.stdout.slice(sep + 1, -1), readFileSync('/etc/hosts', 'utf8').replace(/\n$/, '').split('\n'));
    assert.equal(r.stdout.at(-1), 'read-only');
    assertSameRoot(snapshot(rootfs), beforeRun, 'mount points and their parents are as before (names, modes, owners, times)');
  });

  test('a read-only bind mount is readable and not writable', async () => {
    const src = join(tmp.path, 'bind-src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello.txt'), 'hello from the host\n');
    chmodSync(src, 0o755);
    const beforeRun = snapshot(rootfs);
    const r = await run(rootfs, {
      argv: sh('cat /mnt/data/hello.txt; touch /mnt/data/new 2>&1; echo status=$?'),
      mounts: [{ type: 'bind', source: src, target: '/mnt/data', readonly: true }],
    });
    assert.equal(r.stdout[0], 'hello from the host');
    assert.match(r.stdout[1]!, /Read-only file system/);
    assert.equal(r.stdout[2], 'status=1');
    assert.deepEqual(readdirSync(src), ['hello.txt']);
    assertSameRoot(snapshot(rootfs), beforeRun, '/mnt/data was created for the mount and removed after');
  });

  test('tmpfs, cache and secret mounts', async () => {
    const cache = join(tmp.path, 'cache');
    const secret = join(tmp.path, 'secret.txt');
    writeFileSync(secret, 's3cr3t\n', { mode: 0o600 });
    const beforeRun = snapshot(rootfs);
    const secretDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('strata-secrets-'));
    const secretDirsBefore = secretDirs();
    const mounts: SandboxRunOptions['mounts'] = [
      { type: 'tmpfs', target: '/scratch' },
      { type: 'cache', source: cache, target: '/root/.cache' },
      { type: 'secret', source: secret, target: '/run/secrets/token' },
    ];
    const script = 'echo t > /scratch/t && cat /scratch/t; echo c >> /root/.cache/log; cat /run/secrets/token; stat -c "%a %u %g" /run/secrets/token';
    const r = await run(rootfs, { argv: sh(script), mounts });
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    assert.deepEqual(r.stdout, ['t', 's3cr3t', '400 0 0']);
    await run(rootfs, { argv: sh('echo c >> /root/.cache/log'), mounts });
    assert.equal(readFileSync(join(cache, 'log'), 'utf8'), 'c\nc\n', 'the cache persists between runs');
    assertSameRoot(snapshot(rootfs), beforeRun, 'no mount point, tmpfs content or secret stays in the root');
    assert.deepEqual(secretDirs(), secretDirsBefore, 'the private copy of the secret is removed');
  });

  test('secrets: piped to bwrap (no copy on disk, even while the step runs), mode, env, env only', async () => {
    const value = `sv-${randomBytes(8).toString('hex')}`;
    const secret = join(tmp.path, 'env-secret.txt');
    writeFileSync(secret, value, { mode: 0o600 });
    const beforeRun = snapshot(rootfs);
    const copies = () => spawnSync('grep', ['-rlF', value, tmpdir(), tmp.path, '--exclude=env-secret.txt'], { encoding: 'utf8' }).stdout.trim();
    let during = 'not checked';
    const mounts: SandboxRunOptions['mounts'] = [
      { type: 'secret', source: secret, target: '/run/secrets/file', mode: 0o440 },
      { type: 'secret', source: secret, target: '/etc/tok', env: 'TOKEN' },
      { type: 'secret', source: secret, target: '', env: 'ONLY_ENV' },
    ];
    const script = 'cat /run/secrets/file; echo; stat -c "%a %u" /run/secrets/file /etc/tok; echo "$TOKEN"; echo "$ONLY_ENV"; echo ready; read x; echo done';
    const stdin = new PassThrough();
    const lines: string[] = [];
    const r = await runInSandbox({
      ...base,
      rootfs,
      argv: sh(script),
      mounts,
      stdin,
      onOutput: (_s, l) => {
        lines.push(l);
        if (l === 'ready') {
          during = copies();
          stdin.end('\n');
        }
      },
    });
    assert.equal(r.exitCode, 0, lines.join('\n'));
    assert.deepEqual(lines, [value, '440 0', '400 0', value, value, 'ready', 'done']);
    assert.equal(during, '', 'no file holds the secret while the step runs');
    assert.equal(copies(), '', 'nor after it');
    assertSameRoot(snapshot(rootfs), beforeRun, 'no mount point of a secret stays in the root');
    for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        assert.ok(!readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(value), `process ${p} shows the secret in its command line`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
      }
    }
    const env = await run(rootfs, { argv: ['/bin/env'], mounts: [{ type: 'secret', source: secret, target: '', env: 'ONLY_ENV' }] });
    assert.ok(env.stdout.includes(`ONLY_ENV=${value}`), env.stdout.join(' | '));
    assert.ok(!existsSync(join(rootfs, 'run/secrets')), 'an env-only secret has no mount point');
  });

  test('secrets: a NUL byte cannot be an env variable, a bad name is refused; messages never hold the value', async () => {
    const nul = join(tmp.path, 'nul-secret');
    writeFileSync(nul, Buffer.from('abc\0hidden-value'));
    const cases: [string, SandboxRunOptions['mounts'], string][] = [
      ['NUL byte', [{ type: 'secret', source: nul, target: '', env: 'X' }], 'SANDBOX_MOUNT_FAILED'],
      ['bad name', [{ type: 'secret', source: nul, target: '', env: 'A=B' }], 'SANDBOX_INVALID_OPTIONS'],
      ['env on a bind', [{ type: 'bind', source: nul, target: '/x', env: 'X' }], 'SANDBOX_INVALID_OPTIONS'],
      ['no target and no env', [{ type: 'secret', source: nul, target: '' }], 'SANDBOX_INVALID_OPTIONS'],
    ];
    for (const [name, mounts, code] of cases) {
      await assert.rejects(run(rootfs, { argv: ['/bin/true'], mounts }), (e: unknown) => {
        assert.ok(e instanceof SandboxError, `${name}: ${String(e)}`);
        assert.equal(e.code, code, `${name}: ${e.message}`);
        assert.doesNotMatch(JSON.stringify({ m: e.message, d: e.details }), /hidden-value/, name);
        return true;
      });
    }
  });

  test('a mount target reached through a symlink stays inside the root', async () => {
    const outside = join(tmp.path, 'outside');
    mkdirSync(outside);
    // An image whose /data points at the host's copy of `outside`, absolute and relative.
    symlinkSync(outside, join(rootfs, 'data'));
    symlinkSync(`../../../../../../../..${outside}`, join(rootfs, 'data2'));
    const src = join(tmp.path, 'bind-src2');
    mkdirSync(src);
    try {
      const r = await run(rootfs, {
        argv: sh('ls /data/x /data2/y && echo mounted'),
        mounts: [
          { type: 'bind', source: src, target: '/data/x' },
          { type: 'bind', source: src, target: '/data2/y' },
        ],
      });
      assert.deepEqual(r.stdout, ['/data/x:', '', '/data2/y:', 'mounted']);
      assert.deepEqual(readdirSync(outside), [], 'nothing was created outside the root');
      assert.ok(!existsSync(join(rootfs, outside)), 'the mount points inside the root were removed');
    } finally {
      rmSync(join(rootfs, 'data'));
      rmSync(join(rootfs, 'data2'));
    }
  });

  test('an image /etc/passwd that is a symlink to a host file is read inside the root', async () => {
    const root2 = makeBusyboxRoot(join(tmp.path, 'root2'));
    const hostFile = join(tmp.path, 'host-passwd');
    writeFileSync(hostFile, 'app:x:777:777::/:/bin/sh\n');
    rmSync(join(root2, 'etc/passwd'));
    symlinkSync(hostFile, join(root2, 'etc/passwd')); // on the host this would name hostFile; inside the root, nothing
    await assert.rejects(run(root2, { argv: ['/bin/true'], user: 'app' }), (e: SandboxError) => e.code === 'SANDBOX_USER_NOT_FOUND');
  });

  test('cancel kills the process tree at once and leaves no mounts', async (t) => {
    const marker = String(100000 + randomBytes(3).readUIntBE(0, 3));
    // Only mounts under this test's folder: other processes (dockerd, parallel tests) mount elsewhere meanwhile.
    const ownMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dirname(rootfs))).join('\n');
    const mountsBefore = ownMounts();
    const rootBefore = snapshot(rootfs);
    const ac = new AbortController();
    let abortedAt = 0;
    const p = runInSandbox({
      ...base,
      rootfs,
      network: 'host',
      argv: sh(`sleep ${marker} & sleep ${marker} & echo started; wait`),
      mounts: [{ type: 'tmpfs', target: '/scratch' }],
      signal: ac.signal,
      onOutput: () => {
        abortedAt = performance.now();
        ac.abort();
      },
    });
    await assert.rejects(p, (e: SandboxError) => e instanceof SandboxError && e.code === 'SANDBOX_CANCELLED');
    const ms = performance.now() - abortedAt;
    t.diagnostic(`cancelled in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 1000, `cancel took ${ms} ms`);
    assert.deepEqual(hostProcessesWith(`sleep ${marker}`), []);
    assert.equal(ownMounts(), mountsBefore);
    assertSameRoot(snapshot(rootfs), rootBefore);
  });

  test('cancel at any moment of start-up leaves no process behind', async () => {
    const marker = String(200000 + randomBytes(3).readUIntBE(0, 3));
    const rootBefore = snapshot(rootfs);
    for (let i = 0; i < 20; i++) {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), i * 3);
      const outcome = await runInSandbox({ ...base, rootfs, argv: sh(`exec sleep ${marker}`), signal: ac.signal }).then(
        (r) => `resolved ${JSON.stringify(r)}`,
        (e: SandboxError) => e.code,
      );
      assert.equal(outcome, 'SANDBOX_CANCELLED', `abort after ${i * 3} ms`);
    }
    assert.deepEqual(hostProcessesWith(`sleep ${marker}`), []);
    assertSameRoot(snapshot(rootfs), rootBefore);
  });

  test('an already aborted signal rejects before anything runs', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(runInSandbox({ ...base, rootfs, argv: ['/bin/true'], signal: ac.signal }), (e: SandboxError) => e.code === 'SANDBOX_CANCELLED');
  });

  describe('errors', () => {
    const cases: { name: string; opts: () => Partial<SandboxRunOptions>; code: string }[] = [
      { name: 'command not found', opts: () => ({ argv: ['/no/such/program'] }), code: 'SANDBOX_EXEC_FAILED' },
      { name: 'command not executable', opts: () => ({ argv: ['/etc/passwd'] }), code: 'SANDBOX_EXEC_FAILED' },
      { name: 'unknown user', opts: () => ({ user: 'nobody-here' }), code: 'SANDBOX_USER_NOT_FOUND' },
      { name: 'unknown group', opts: () => ({ user: 'app:nogroup-here' }), code: 'SANDBOX_USER_NOT_FOUND' },
      { name: 'missing rootfs', opts: () => ({ rootfs: join(tmp.path, 'nope') }), code: 'SANDBOX_ROOTFS_INVALID' },
      { name: 'relative cwd', opts: () => ({ cwd: 'work' }), code: 'SANDBOX_INVALID_OPTIONS' },
      { name: 'cwd is a file', opts: () => ({ cwd: '/etc/passwd' }), code: 'SANDBOX_CWD_INVALID' },
      { name: 'env without =', opts: () => ({ env: ['PATH'] }), code: 'SANDBOX_INVALID_OPTIONS' },
      { name: 'empty argv', opts: () => ({ argv: [] }), code: 'SANDBOX_INVALID_OPTIONS' },
      { name: 'bind source missing', opts: () => ({ mounts: [{ type: 'bind', source: join(tmp.path, 'nope'), target: '/x' }] }), code: 'SANDBOX_MOUNT_FAILED' },
      { name: 'mount over /', opts: () => ({ mounts: [{ type: 'tmpfs', target: '/' }] }), code: 'SANDBOX_INVALID_OPTIONS' },
      { name: 'mount inside a bind mount', opts: () => ({ mounts: [{ type: 'bind', source: tmp.path, target: '/a' }, { type: 'tmpfs', target: '/a/b' }] }), code: 'SANDBOX_INVALID_OPTIONS' },
      { name: 'file mounted over a directory', opts: () => ({ mounts: [{ type: 'bind', source: join(rootfs, 'etc/passwd'), target: '/etc' }] }), code: 'SANDBOX_MOUNT_FAILED' },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const beforeRun = snapshot(rootfs);
        await assert.rejects(run(rootfs, { argv: ['/bin/true'], ...c.opts() } as Partial<SandboxRunOptions> & { argv: string[] }), (e: unknown) => {
          assert.ok(e instanceof SandboxError, String(e));
          assert.equal(e.code, c.code, e.message);
          return true;
        });
        assertSameRoot(snapshot(rootfs), beforeRun);
      });
    }
  });

  test('start-up time of a trivial run (reported, not asserted)', async (t) => {
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    const sandboxed: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < 9; i++) {
      let t0 = performance.now();
      spawnSync('/bin/true');
      plain.push(performance.now() - t0);
      t0 = performance.now();
      await runInSandbox({ ...base, rootfs, argv: ['/bin/true'], network: 'host' });
      sandboxed.push(performance.now() - t0);
    }
    t.diagnostic(`runInSandbox(true): median ${med(sandboxed).toFixed(1)} ms; plain spawn of true: ${med(plain).toFixed(1)} ms`);
  });
});

// The same engine as an unprivileged user, in a child process (setpriv), when these tests run as root.
describe('sandbox as an unprivileged user', { skip: !isRoot && 'already unprivileged: the suite above is the rootless run' }, () => {
  const tmp = tempDir('strata-sandbox-user-');
  chmodSync(tmp.path, 0o711); // each user's own directory inside stays private
  after(() => tmp.cleanup());

  function runAs(uid: number, gid: number): { uid: number; support: { ok: boolean; method?: string; reason?: string }; cases: Record<string, any> } {
    const dir = join(tmp.path, `u${uid}`);
    mkdirSync(dir, { mode: 0o700 });
    const rootfs = makeBusyboxRoot(join(dir, 'root'));
    execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
    const r = spawnSync(
      findTool('setpriv')!,
      [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', process.execPath, '--import', 'tsx', join(packageRoot(), 'main/sandbox/testdata/run-as-user.ts'), rootfs],
      { cwd: packageRoot(), encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  }

  function checkCommon(out: ReturnType<typeof runAs>, rootfs: string, uid: number) {
    const c = out.cases;
    assert.equal(out.support.ok, true, out.support.reason);
    assert.deepEqual(c.write, { exitCode: 0, lines: ['stdout:0', 'stdout:written'] }, 'root inside');
    assert.equal(statSync(join(rootfs, 'tmp/by-step')).uid, uid, 'the caller owns what root inside writes');
    assert.deepEqual(c.exit, { exitCode: 3, lines: [] });
    assert.deepEqual(c.env.lines.filter((l: string) => !l.startsWith('stdout:PWD=')).sort(), ['stdout:ONLY=this', 'stdout:PATH=/bin']);
    assert.deepEqual(c.user.lines, ['stdout:1000', 'stdout:1000']);
    assert.deepEqual(c.net.lines, ['stdout: lo']);
    assert.deepEqual(c.ps.lines.slice(1).map((l: string) => l.replace(/^stdout:\s*/, '').split(/\s+/)), [['1', 'ps']]);
    assert.equal(c.cancel.error, 'SANDBOX_CANCELLED');
    assert.ok(c.cancelMs < 1000, `cancel took ${c.cancelMs} ms`);
    assert.equal(c.mountsUnchanged, true);
    assert.deepEqual(c.secret.lines, ['stdout:rootless-secret', 'stdout:rootless-secret', 'stdout:400'], 'a secret as a file and a variable');
    assert.deepEqual(c.secretApp.lines, ['stdout:rootless-secret', 'stdout:rootless-secret'], 'USER app reads its secret');
  }

  test('nobody (65534), single-id map: RUN writes files, USER works, chown to other ids fails', () => {
    const out = runAs(65534, 65534);
    const rootfs = join(tmp.path, 'u65534', 'root');
    checkCommon(out, rootfs, 65534);
    assert.match(out.support.method!, /single id/);
    assert.equal(statSync(join(rootfs, 'tmp/by-app')).uid, 65534, 'single id: USER app is the caller on disk too');
    assert.deepEqual(out.cases.chown.lines.at(-1), 'stdout:1');
  });

  const subuidReady = !!(findTool('newuidmap') && findTool('newgidmap'));
  test(
    'a user with /etc/subuid ranges: ids map onto the range',
    { skip: !subuidReady && 'newuidmap/newgidmap are not installed (apt package uidmap): rootless runs use a single id' },
    () => {
      const name = 'strata-sbx-test';
      if (spawnSync('id', ['-u', name]).status !== 0) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
      const start = 400000;
      if (!readFileSync('/etc/subuid', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`))) {
        execFileSync('usermod', ['--add-subuids', `${start}-${start + 65535}`, '--add-subgids', `${start}-${start + 65535}`, name]);
      }
      const range = Number(readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!.split(':')[1]);
      const out = runAs(uid, gid);
      const rootfs = join(tmp.path, `u${uid}`, 'root');
      checkCommon(out, rootfs, uid);
      assert.match(out.support.method!, /1-65536 map to/);
      const st = statSync(join(rootfs, 'tmp/by-app'));
      assert.deepEqual([st.uid, st.gid], [range + 999, range + 999], 'uid 1000 inside is range start + 999 on disk');
      const chowned = statSync(join(rootfs, 'tmp/chowned'));
      assert.deepEqual([chowned.uid, chowned.gid], [range + 999, range + 999]);
      assert.deepEqual(out.cases.chown.lines.at(-1), 'stdout:0');
    },
  );
});
