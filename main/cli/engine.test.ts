import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { spawnStrata, startStrataEngine, startStrataUi, strata } from '../testing/cli.ts';
import { startRegistry } from '../testing/registry/registry.ts';
import { stepProcesses } from '../testing/step-processes.ts';
import { tempDir } from '../testing/temp.ts';
import { repoRoot } from '../util/conformance.ts';
import { ENGINE_BUILD, engineSocketPath, envMismatch, type EngineReply } from './engine-protocol.ts';
import { startEngine } from './engine-server.ts';

/** served counts the commands the engine's log says it ran. */
const served = (engine: { stderr: () => string }) => (engine.stderr().match(/ → exit /g) ?? []).length;

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('strata engine: commands run in a resident engine', () => {
  const t = tempDir();
  const home = join(t.path, 'home');
  const alone = join(t.path, 'alone');
  let engine: Awaited<ReturnType<typeof startStrataEngine>>;
  before(async () => {
    for (const h of [home, alone]) await makeBusyboxImage(await Store.open(h), ['strata-test/busybox:1'], { created: '2026-01-01T00:00:00Z' });
    writeTree(join(t.path, 'work', 'ctx'), {
      Dockerfile: 'FROM strata-test/busybox:1\nARG GREETING\nWORKDIR /app\nCOPY msg.txt .\nRUN echo "$GREETING from the build" > built.txt\nCMD ["cat", "/app/built.txt"]\n',
      'msg.txt': 'from the context\n',
    });
    engine = await startStrataEngine(home);
  });
  after(async () => {
    await engine?.stop();
    t.cleanup();
  });

  test('a build through the engine: relative context, --build-arg from the client environment, the same image as without an engine', async () => {
    const env = { STRATA_ENGINE: 'require', GREETING: 'hello' };
    const before = served(engine);
    const viaEngine = spawnStrata(home, ['build', '-q', '--build-arg', 'GREETING', '-t', 'engine-built:1', 'ctx'], { env, cwd: join(t.path, 'work') });
    assert.equal(await viaEngine.exited, 0, viaEngine.stderr());
    assert.match(viaEngine.stdout(), /^sha256:[0-9a-f]{64}\n$/);
    await until('the engine logged the build', () => served(engine) === before + 1);
    // The same build in a store no engine serves, in this process's directory.
    const standalone = strata(alone, ['build', '-q', '--build-arg', 'GREETING', '-t', 'engine-built:1', join(t.path, 'work', 'ctx')], undefined, { GREETING: 'hello' });
    assert.equal(standalone.code, 0, standalone.stderr);
    assert.equal(viaEngine.stdout(), standalone.stdout, 'same image digest');
    const run = strata(home, ['run', 'engine-built:1']);
    assert.equal(run.stdout, 'hello from the build\n', 'the build argument came from the client');
    // Its output and exit codes come back as they are.
    const images = strata(home, ['images', '--json'], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(images.code, 0, images.stderr);
    assert.deepEqual((JSON.parse(images.stdout) as { reference: string }[]).map((r) => r.reference).sort(), ['docker.io/library/engine-built:1', 'docker.io/strata-test/busybox:1']);
    const usage = strata(home, ['build'], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, `Error: "strata build" requires an argument. See 'strata --help'.\n`);
    const bad = strata(home, ['build', '-q', join(t.path, 'nowhere')], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error: build context ".*nowhere" is not a directory\n/);
    await until('the engine logged 4 commands', () => served(engine) === before + 4);
  });

  test('two clients at once: both builds run in the engine side by side, each gets its own output', async () => {
    const env = { STRATA_ENGINE: 'require' };
    const before = served(engine);
    const ctxs = ['one', 'two'].map((n) => writeTree(join(t.path, `both-${n}`), { Dockerfile: `FROM strata-test/busybox:1\nRUN echo ${n} > /${n}.txt && sleep 0.3\n` }));
    const clients = ctxs.map((c, i) => spawnStrata(home, ['build', '-q', '-t', `both:${i}`, c], { env }));
    const codes = await Promise.all(clients.map((c) => c.exited));
    assert.deepEqual(codes, [0, 0], clients.map((c) => c.stderr()).join('\n'));
    const digests = clients.map((c) => c.stdout().trim());
    assert.ok(digests.every((d) => /^sha256:[0-9a-f]{64}$/.test(d)) && digests[0] !== digests[1], digests.join(' '));
    await until('the engine logged both builds', () => served(engine) === before + 2);
    for (const [i, n] of ['one', 'two'].entries()) assert.equal(strata(home, ['run', `both:${i}`, 'cat', `/${n}.txt`]).stdout, `${n}\n`);
  });

  test('a client whose environment differs runs the command itself; STRATA_ENGINE=require says why instead', async () => {
    const before = served(engine);
    const fallback = strata(home, ['images', '-q'], undefined, { SOURCE_DATE_EPOCH: '7' });
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.match(fallback.stdout, /^[0-9a-f]{12}\n/);
    const required = strata(home, ['images', '-q'], undefined, { SOURCE_DATE_EPOCH: '7', STRATA_ENGINE: 'require' });
    assert.equal(required.code, 1);
    assert.match(required.stderr, /STRATA_ENGINE=require: the engine at .*engine\.sock did not take the command: SOURCE_DATE_EPOCH differs between the client and the engine/);
    // Another build of Strata (here the sources, when the engine runs the bundle) is refused too.
    if (existsSync(join(repoRoot, 'dist', 'cli.mjs'))) {
      const source = strata(home, ['images', '-q'], undefined, { STRATA_FROM_SOURCE: '1', STRATA_ENGINE: 'require' });
      assert.equal(source.code, 1);
      assert.match(source.stderr, /did not take the command: the engine runs another build of Strata/);
    }
    const off = strata(home, ['images', '-q'], undefined, { STRATA_ENGINE: 'off' });
    assert.equal(off.stdout, fallback.stdout);
    // Commands that read stdin or start a process never go to the engine.
    const runHere = strata(home, ["run", "engine-built:1", "true"], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(runHere.code, 0, runHere.stderr);
    // The engine logs in order: one command it runs now is its first since.
    assert.equal(strata(home, ['du'], undefined, { STRATA_ENGINE: 'require' }).code, 0);
    await until('the engine logged du', () => served(engine) >= before + 1);
    assert.equal(served(engine), before + 1, 'the engine ran none of the others');
    assert.match(engine.stderr().trim().split('\n').at(-1)!, / du → exit 0$/);
    assert.equal(envMismatch({ PATH: '/a', STRATA_ENGINE: 'off', STRATA_HOME: '/x', LANG: 'C' }, { PATH: '/a', LANG: 'de' }), null);
    assert.equal(envMismatch({ PATH: '/a', DOCKER_CONFIG: '/c' }, { PATH: '/a' }), 'DOCKER_CONFIG');
    assert.equal(envMismatch({ PATH: '/a' }, { PATH: '/a', STRATA_OVERLAY: '0' }), 'STRATA_OVERLAY');
  });

  test('SIGINT to the client cancels the build in the engine (no tag); a killed client cancels it too', async () => {
    const ctx = writeTree(join(t.path, 'slow'), { Dockerfile: 'FROM strata-test/busybox:1\nRUN echo started-sleeping && sleep 41.5\n' });
    const env = { STRATA_ENGINE: 'require' };
    const client = spawnStrata(home, ['build', '--progress', 'plain', '-t', 'cancelled:1', ctx], { env });
    await client.waitFor(/started-sleeping/);
    await until('the RUN step runs its sleep', () => stepProcesses('sleep 41.5').length > 0);
    client.child.kill('SIGINT');
    assert.equal(await client.exited, 1, client.stderr());
    assert.match(client.stderr(), /Error: build cancelled/);
    await until('the RUN step ends', () => stepProcesses('sleep 41.5').length === 0);
    const killed = spawnStrata(home, ['build', '--progress', 'plain', '-t', 'cancelled:1', ctx], { env });
    await killed.waitFor(/started-sleeping/);
    killed.child.kill('SIGKILL');
    await killed.exited;
    await until('the RUN step of the killed client ends', () => stepProcesses('sleep 41.5').length === 0);
    const images = strata(home, ['images', '--json'], undefined, env);
    assert.equal(images.code, 0, 'the engine still serves');
    assert.ok(!(JSON.parse(images.stdout) as { reference: string }[]).some((r) => r.reference.includes('cancelled')), 'no tag on a cancelled build');
    const fsck = strata(home, ['fsck']);
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
  });

  test('SIGINT to the client cancels a push and a pull in the engine: no tag either side, and the next try completes', async () => {
    const env = { STRATA_ENGINE: 'require' };
    const registry = await startRegistry(join(t.path, 'registry'));
    const other = await startStrataEngine(alone);
    try {
      // 100 MB of random bytes: seconds of gzip for the push, of download and checking for the pull.
      const ctx = writeTree(join(t.path, 'big'), { Dockerfile: 'FROM strata-test/busybox:1\nRUN head -c 100000000 /dev/urandom > /big.bin\n' });
      const ref = `${registry.host}/cancel/big:1`;
      assert.equal(strata(home, ['build', '-q', '-t', ref, ctx], undefined, env).code, 0);
      const manifestThere = async () => (await fetch(`${registry.url}/v2/cancel/big/manifests/1`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).status;
      const uploads = join(registry.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'cancel', 'big', '_uploads');
      const uploadedBytes = () => {
        let n = 0;
        for (const u of existsSync(uploads) ? readdirSync(uploads) : []) n += existsSync(join(uploads, u, 'data')) ? statSync(join(uploads, u, 'data')).size : 0;
        return n;
      };

      const push = spawnStrata(home, ['push', '--progress', 'plain', ref], { env });
      await until('the layer is going up', () => uploadedBytes() > 1_000_000, 60_000);
      push.child.kill('SIGINT');
      assert.equal(await push.exited, 1, push.stdout() + push.stderr());
      assert.match(push.stderr(), /cancel/i);
      assert.equal(await manifestThere(), 404, 'a cancelled push puts no manifest, so no tag');
      const again = strata(home, ['push', '-q', ref], undefined, env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await manifestThere(), 200);

      const partial = () => readdirSync(join(alone, 'tmp')).reduce((n, f) => n + (statSync(join(alone, 'tmp', f), { throwIfNoEntry: false })?.size ?? 0), 0);
      const pull = spawnStrata(alone, ['pull', '--progress', 'plain', ref], { env });
      await until('the layer is coming down', () => partial() > 1_000_000, 60_000);
      pull.child.kill('SIGINT');
      assert.equal(await pull.exited, 1, pull.stdout() + pull.stderr());
      assert.match(pull.stderr(), /cancel/i);
      const images = strata(alone, ['images', '--json'], undefined, env);
      assert.equal(images.code, 0, 'the engine still serves');
      assert.ok(!(JSON.parse(images.stdout) as { reference: string }[]).some((r) => r.reference === ref), 'a cancelled pull tags nothing');
      await until('the partial download is removed', () => partial() === 0);
      assert.equal(strata(alone, ['fsck']).code, 0);
      const pulled = strata(alone, ['pull', '-q', ref], undefined, env);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.ok((JSON.parse(strata(alone, ['images', '--json'], undefined, env).stdout) as { reference: string }[]).some((r) => r.reference === ref));
    } finally {
      await other.stop();
      await registry.stop();
    }
  });

  test('one engine per store; a socket left by a killed engine is replaced, and meanwhile clients run commands themselves', async () => {
    const second = spawnStrata(home, ['engine']);
    assert.equal(await second.exited, 1);
    assert.match(second.stderr(), /an engine already runs for /);
    const other = join(t.path, 'other');
    await makeBusyboxImage(await Store.open(other), ['strata-test/busybox:1']);
    const doomed = await startStrataEngine(other);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    assert.ok(existsSync(engineSocketPath(other)), 'the killed engine left its socket');
    const meanwhile = strata(other, ['images', '-q']);
    assert.equal(meanwhile.code, 0, meanwhile.stderr);
    const required = strata(other, ['images', '-q'], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(required.code, 1);
    assert.match(required.stderr, /no engine runs for .*ECONNREFUSED.*start one with "strata engine"/);
    const next = await startStrataEngine(other);
    try {
      const r = strata(other, ['images', '-q'], undefined, { STRATA_ENGINE: 'require' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, meanwhile.stdout);
    } finally {
      assert.equal(await next.stop(), 0);
    }
    assert.ok(!existsSync(engineSocketPath(other)), 'a stopped engine removes its socket');
  });

  test('an engine that dies mid-command is an error for its client, which never runs the command again itself', async () => {
    const lost = join(t.path, 'lost');
    await makeBusyboxImage(await Store.open(lost), ['strata-test/busybox:1']);
    const ctx = writeTree(join(t.path, 'lost-ctx'), { Dockerfile: 'FROM strata-test/busybox:1\nRUN sleep 43.5\n' });
    const doomed = await startStrataEngine(lost);
    const client = spawnStrata(lost, ['build', '-q', '-t', 'lost:1', ctx]); // quiet: no output before the end
    await until('the RUN step runs in the engine', () => stepProcesses('sleep 43.5').length > 0);
    doomed.child.kill('SIGKILL');
    assert.equal(await client.exited, 1);
    assert.match(client.stderr(), /^Error: the engine at .*engine\.sock (stopped before the command ended|went away)/);
    await until('the sandbox went with the engine', () => stepProcesses('sleep 43.5').length === 0);
    const images = strata(lost, ['images', '--json']);
    assert.ok(!(JSON.parse(images.stdout) as { reference: string }[]).some((r) => r.reference.includes('lost')), 'not built again by the client');
  });

  test('strata ui serves the store\'s commands too while it is open', async () => {
    const uiHome = join(t.path, 'ui-home');
    await makeBusyboxImage(await Store.open(uiHome), ['strata-test/busybox:1']);
    const ui = await startStrataUi(uiHome);
    try {
      const r = strata(uiHome, ['images', '-q'], undefined, { STRATA_ENGINE: 'require' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^[0-9a-f]{12}\n$/);
    } finally {
      await ui.stop();
    }
    assert.ok(!existsSync(engineSocketPath(uiHome)), 'closing the UI removes the socket');
    const after = strata(uiHome, ['images', '-q'], undefined, { STRATA_ENGINE: 'require' });
    assert.equal(after.code, 1);
  });

  test('the engine refuses requests of another build, malformed ones and commands that run in the client', async () => {
    const own = join(t.path, 'in-process');
    await Store.open(own);
    const running = await startEngine(own, { env: { PATH: '/bin' } });
    const ask = (line: string) =>
      new Promise<EngineReply[]>((resolve, reject) => {
        const s = connect(running.socketPath);
        let text = '';
        s.setEncoding('utf8');
        s.on('data', (d: string) => (text += d));
        s.on('error', reject);
        s.on('close', () => resolve(text.trim().split('\n').map((l) => JSON.parse(l) as EngineReply)));
        s.write(line + '\n');
      });
    const req = (over: Record<string, unknown>) => JSON.stringify({ build: ENGINE_BUILD, uid: process.getuid!(), argv: ['images', '-q'], cwd: '/', env: { PATH: '/bin' }, stderrIsTTY: false, ...over });
    try {
      assert.deepEqual(await ask(req({})), [{ accepted: true }, { exit: 0 }], 'an empty store lists nothing');
      const other = await ask(req({ build: 'another-build' }));
      assert.match((other[0] as { refuse: string }).refuse, /another build of Strata/);
      assert.match(((await ask('{"argv": 5}'))[0] as { refuse: string }).refuse, /malformed request/);
      assert.match(((await ask(req({ argv: ['login', 'x'] })))[0] as { refuse: string }).refuse, /"login" runs in the client/);
      assert.match(((await ask(req({ uid: process.getuid!() + 1 })))[0] as { refuse: string }).refuse, /the engine runs as user \d+, the client as \d+/);
      assert.match(((await ask(req({ env: { PATH: '/usr/bin' } })))[0] as { refuse: string }).refuse, /PATH differs/);
      assert.equal(running.served, 1);
    } finally {
      await running.close();
    }
    assert.ok(!existsSync(running.socketPath));
  });
});
