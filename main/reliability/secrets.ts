// Secrets: a registry password and a build secret are planted, used for real (login, push, pull against an
// htpasswd registry; RUN --mount=type=secret as a file and as an env variable), and looked for everywhere
// they could leak: CLI output and logs, progress events (CLI json and the engine's), error messages, the
// browser mode (what it serves and says over the WebSocket), the stores with their layers gunzipped, and
// the sandbox's temp copies. Found nowhere, in plain or base64 form.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { BuildStatusEvent, TransferEvent } from '../../preload/contract.ts';
import { dispatch } from '../service/dispatch.ts';
import { Engine } from '../service/engine.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { stepProcesses } from '../testing/step-processes.ts';
import { tempDir } from '../testing/temp.ts';
import { startWebServer } from '../web/server.ts';
import { removeTree } from './arena.ts';
import { runStrata, spawnStrata } from './cli-process.ts';
import { findIn, needlesFor, scanTree } from './store-scan.ts';
import { countHostile } from './tally.ts';

/** secretSuite registers the planted-secret search. */
export function secretSuite(): void {
  describe('secrets: a planted registry password and build secret reach no log, event, error, store, layer or browser', () => {
    const t = tempDir('strata-secrets-test-');
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const buildSecret = `bs-${randomBytes(12).toString('hex')}`;
    const needles = [...needlesFor(password, 'alice'), ...needlesFor(buildSecret)];
    const docker = join(t.path, 'docker');
    const env = { DOCKER_CONFIG: docker };
    const home = join(t.path, 'home');
    const home2 = join(t.path, 'home2');
    const secretFile = join(t.path, 'secret.txt');
    const ctx = join(t.path, 'ctx');
    /** Everything Strata said, labelled by where it came from. */
    const said: { where: string; text: string }[] = [];
    let registry: TestRegistry;
    let ref: string;
    const secretDirsBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('strata-secrets-')));
    before(async () => {
      mkdirSync(docker, { recursive: true });
      writeFileSync(join(docker, 'config.json'), '{}');
      registry = await startRegistry(join(t.path, 'registry'), { kind: 'htpasswd', users: { alice: password } });
      ref = `${registry.host}/sec/app:1`;
      await makeBusyboxImage(await Store.open(home), ['strata-test/busybox:1']);
      writeFileSync(secretFile, buildSecret, { mode: 0o600 });
      mkdirSync(ctx);
      writeFileSync(
        join(ctx, 'Dockerfile'),
        [
          'FROM strata-test/busybox:1',
          'RUN --mount=type=secret,id=tok test "$(cat /run/secrets/tok)" != "" && echo used the secret file',
          'RUN --mount=type=secret,id=tok,target=/tmp/tok.txt cp /tmp/tok.txt /dev/null && echo used the secret again',
          'RUN --mount=type=secret,id=tok,env=TOK_VAR --mount=type=secret,id=tok,target=/tmp/tok2 test "$TOK_VAR" = "$(cat /tmp/tok2)" && test -n "$TOK_VAR" && test ! -e /run/secrets/tok && echo used the secret variable',
          'COPY hello.txt /hello.txt',
          '',
        ].join('\n'),
      );
      writeFileSync(join(ctx, 'hello.txt'), 'hello\n');
    });
    after(async () => {
      await registry?.stop();
      removeTree(t.path);
    });

    const cli = async (where: string, h: string, args: string[], input?: string) => {
      const run = await runStrata(h, args, env, input);
      said.push({ where: `${where} (stdout)`, text: run.stdout }, { where: `${where} (stderr)`, text: run.stderr });
      return run;
    };

    test('the CLI: login (wrong, then right), build with secrets, push, pull, a missing secret', async () => {
      const wrong = await cli('login with a wrong password', home, ['login', '-u', 'alice', '--password-stdin', registry.host], `${password}-wrong\n`);
      assert.equal(wrong.code, 1);
      const ok = await cli('login', home, ['login', '-u', 'alice', '--password-stdin', registry.host], `${password}\n`);
      assert.equal(ok.code, 0, ok.stderr);
      const built = await cli('build (plain)', home, ['build', '--progress', 'plain', '--secret', `id=tok,src=${secretFile}`, '-t', ref, ctx]);
      assert.equal(built.code, 0, built.stderr);
      assert.match(built.stderr, /used the secret file/);
      assert.match(built.stderr, /used the secret again/);
      assert.match(built.stderr, /used the secret variable/);
      const json = await cli('build (json events)', home, ['build', '--progress', 'json', '--no-cache', '--secret', `id=tok,src=${secretFile}`, '-t', ref, ctx]);
      assert.equal(json.code, 0, json.stderr);
      const pushed = await cli('push (plain)', home, ['push', '--progress', 'plain', ref]);
      assert.equal(pushed.code, 0, pushed.stderr);
      const pushedJson = await cli('push (json)', home, ['push', '--progress', 'json', '-t', 'again', ref]);
      assert.equal(pushedJson.code, 0, pushedJson.stderr);
      const pulled = await cli('pull (json)', home2, ['pull', '--progress', 'json', ref]);
      assert.equal(pulled.code, 0, pulled.stderr);
      writeFileSync(join(ctx, 'Dockerfile.missing'), 'FROM strata-test/busybox:1\nRUN --mount=type=secret,id=other,required cat /run/secrets/other\n');
      const missing = await cli('build without a required secret', home, ['build', '--progress', 'plain', '-f', 'Dockerfile.missing', '--secret', `id=tok,src=${secretFile}`, ctx]);
      assert.equal(missing.code, 1);
      const inspect = await cli('inspect and history', home, ['history', '--no-trunc', ref]);
      assert.equal(inspect.code, 0, inspect.stderr);
      await cli('inspect', home, ['inspect', ref]);
    });

    test('the engine through the contract: every event and answer of login, build, push and pull', async () => {
      const engine = new Engine(await Store.open(home), 'browser');
      const events: unknown[] = [];
      const off = engine.events.subscribe((name, payload) => events.push({ name, payload }));
      const saved = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = docker;
      try {
        const answers = [
          await dispatch(engine, 'login', { registry: registry.host, username: 'alice', password: `${password}x` }),
          await dispatch(engine, 'login', { registry: registry.host, username: 'alice', password }),
          await dispatch(engine, 'listCredentials', {}),
          await dispatch(engine, 'testCredential', { registry: registry.host }),
        ];
        const built = new Promise<BuildStatusEvent>((resolve) => engine.events.subscribe((name, p) => name === 'build/status' && (p as BuildStatusEvent).result && resolve(p as BuildStatusEvent)));
        answers.push(await dispatch(engine, 'build', { contextDir: ctx, tags: [`${registry.host}/sec/engine:1`], noCache: true, secrets: [{ id: 'tok', src: secretFile }] }));
        const b = await built;
        assert.equal(b.result?.ok, true, JSON.stringify(b.result));
        const transfer = (id: string) => new Promise<TransferEvent>((resolve) => engine.events.subscribe((name, p) => name === 'transfer/progress' && (p as TransferEvent).transferId === id && (p as TransferEvent).result && resolve(p as TransferEvent)));
        const pushStarted = await dispatch(engine, 'pushImage', { ref: `${registry.host}/sec/engine:1` });
        answers.push(pushStarted);
        assert.equal((await transfer((pushStarted as { result: { transferId: string } }).result.transferId)).result?.ok, true);
        const pullStarted = await dispatch(engine, 'pullImage', { ref });
        answers.push(pullStarted);
        assert.equal((await transfer((pullStarted as { result: { transferId: string } }).result.transferId)).result?.ok, true);
        answers.push(await dispatch(engine, 'pushImage', { ref: `${registry.host}/sec/none:1` }));
        said.push({ where: 'engine answers', text: JSON.stringify(answers) });
      } finally {
        off();
        if (saved === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = saved;
      }
      said.push({ where: 'engine events', text: JSON.stringify(events) });
      const names = new Set(events.map((e) => (e as { name: string }).name));
      assert.ok(names.has('build/status') && names.has('transfer/progress'), `events seen: ${[...names].join(', ')}`);
    });

    test('the browser mode: what it serves and what it says over the WebSocket', async () => {
      const dir = join(t.path, 'renderer');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Strata</title>');
      const saved = process.env.DOCKER_CONFIG;
      process.env.DOCKER_CONFIG = docker;
      const engine = new Engine(await Store.open(home), 'browser');
      const web = await startWebServer(engine, { rendererDir: dir });
      try {
        const page = await fetch(web.url).then((r) => r.text());
        said.push({ where: 'browser: the page', text: page });
        const u = new URL(web.url);
        const ws = new WebSocket(`ws://${u.host}${u.pathname}ws`, { origin: `http://${u.host}` });
        const messages: string[] = [];
        ws.on('message', (d) => messages.push(String(d)));
        await new Promise((r) => ws.once('open', r));
        const calls = [
          { method: 'listCredentials', params: {} },
          { method: 'testCredential', params: { registry: registry.host } },
          { method: 'login', params: { registry: registry.host, username: 'alice', password: `${password}-nope` } },
          { method: 'login', params: { registry: registry.host, username: 'alice', password } },
          { method: 'inspectImage', params: { ref } },
          { method: 'listImages', params: {} },
        ];
        calls.forEach((c, i) => ws.send(JSON.stringify({ id: i + 1, ...c })));
        const deadline = Date.now() + 20_000;
        while (messages.filter((m) => /"id":\d/.test(m)).length < calls.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        ws.close();
        said.push({ where: 'browser: WebSocket messages', text: messages.join('\n') });
        assert.ok(messages.length >= calls.length);
      } finally {
        await web.close();
        if (saved === undefined) delete process.env.DOCKER_CONFIG;
        else process.env.DOCKER_CONFIG = saved;
      }
    });

    test('a build killed while a RUN step holds the secret leaves no copy of it', async () => {
      const marker = 'sleep 37';
      writeFileSync(join(ctx, 'Dockerfile.slow'), `FROM strata-test/busybox:1\nRUN --mount=type=secret,id=tok --mount=type=secret,id=tok,env=TOK_VAR,target=/tok2 echo hold""ing && ${marker}\n`);
      const tmpBefore = new Set(readdirSync(tmpdir()));
      const run = spawnStrata(home, ['build', '--progress', 'plain', '-f', 'Dockerfile.slow', '--secret', `id=tok,src=${secretFile}`, ctx], env);
      let err = '';
      run.child.stderr?.on('data', (d) => (err += d));
      const deadline = Date.now() + 30_000;
      // "holding" as the step prints it (the instruction's own text, which plain progress shows first, reads hold""ing):
      // killed while the command runs, not while bwrap sets the sandbox up.
      while (!/holding/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(err, /holding/, 'the step started with its secrets');
      run.child.kill('SIGKILL');
      await run.done;
      // The sandbox dies with Strata (and the secret's tmpfs with it).
      const gone = Date.now() + 5000;
      while (stepProcesses(marker).length && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(stepProcesses(marker), [], 'no process of the killed step is left');
      const fresh = readdirSync(tmpdir()).filter((n) => !tmpBefore.has(n));
      const hits = [...fresh.flatMap((d) => scanTree(join(tmpdir(), d), needles)), ...scanTree(home, needles)];
      for (const d of fresh.filter((n) => n.startsWith('strata-secrets-'))) removeTree(join(tmpdir(), d));
      assert.deepEqual(hits, [], 'no copy of the secret in the store or a new temp entry');
      countHostile('secrets');
    });

    test('none of it holds a secret, nor do the stores (layers gunzipped) or the sandbox temp copies', () => {
      const hits: string[] = [];
      for (const s of said) for (const n of findIn(s.text, needles)) hits.push(`${s.where}: ${n === password ? 'the registry password' : n === buildSecret ? 'the build secret' : `an encoding of a secret (${n.slice(0, 8)}…)`}`);
      hits.push(...scanTree(home, needles), ...scanTree(home2, needles));
      const left = readdirSync(tmpdir()).filter((n) => n.startsWith('strata-secrets-') && !secretDirsBefore.has(n));
      for (const d of left) hits.push(...scanTree(join(tmpdir(), d), needles).map((h) => `sandbox temp copy left behind: ${h}`));
      assert.deepEqual(hits, []);
      assert.ok(said.length >= 20, `searched ${said.length} outputs`);
      assert.ok(existsSync(join(docker, 'config.json')), 'the login went where docker keeps logins (outside the store)');
    });
  });
}
