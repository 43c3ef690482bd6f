import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DockerfileError, expandFrom, expandInstruction, parseStages, type ExpansionEnv, type FromInstruction, type StageInstruction } from './index.ts';

/** inst parses `FROM x` + one line and returns that instruction. */
function inst(line: string, escape?: string): StageInstruction {
  const head = escape ? `# escape=${escape}\n` : '';
  const r = parseStages(`${head}FROM x\n${line}\n`);
  const i = r.stages[0]?.instructions[0];
  assert.ok(i);
  return i;
}

function from(line: string): FromInstruction {
  const s = parseStages(line + '\n').stages[0];
  assert.ok(s);
  return s.from;
}

const env = (o: Record<string, string>): ExpansionEnv => new Map(Object.entries(o));

interface Case {
  name: string;
  line: string;
  env: Record<string, string>;
  /** fields of the expanded instruction to compare */
  want: Record<string, unknown>;
  used: string[];
  unset?: string[];
  escape?: string;
}

const cases: Case[] = [
  {
    name: 'ENV keys and values; every pair sees the env from before the instruction',
    line: 'ENV abc=bye def=$abc ${K}=v',
    env: { abc: 'hello', K: 'key' },
    want: { env: [{ key: 'abc', value: 'bye', legacy: false }, { key: 'def', value: 'hello', legacy: false }, { key: 'key', value: 'v', legacy: false }] },
    used: ['K', 'abc'],
  },
  {
    name: 'ENV defaults and quotes',
    line: 'ENV A=${MISSING:-dflt} B="$X and $X" C=\'$X\'',
    env: { X: '1' },
    want: { env: [{ key: 'A', value: 'dflt', legacy: false }, { key: 'B', value: '1 and 1', legacy: false }, { key: 'C', value: '$X', legacy: false }] },
    used: ['X'],
    unset: ['MISSING'],
  },
  { name: 'ENV legacy form is one word', line: 'ENV P "$HOME/bin" x', env: { HOME: '/root' }, want: { env: [{ key: 'P', value: '/root/bin x', legacy: true }] }, used: ['HOME'] },
  { name: 'LABEL keys and values', line: 'LABEL "org.$NS.version"=$V', env: { NS: 'acme', V: '2' }, want: { labels: [{ key: 'org.acme.version', value: '2', legacy: false }] }, used: ['NS', 'V'] },
  {
    name: 'COPY sources, dest, --chown; not --from, --chmod, --exclude',
    line: 'COPY --from=$S --chown=$U:$U --chmod=$M --exclude=$E app-$VERSION.tar ${DEST}/',
    env: { U: 'app', VERSION: '1', DEST: '/opt', S: 'x', M: '0755', E: 'e' },
    want: { from: '$S', chown: 'app:app', chmod: '$M', exclude: ['$E'], sources: ['app-1.tar'], dest: '/opt/' },
    used: ['DEST', 'U', 'VERSION'],
  },
  { name: 'ADD --checksum and --chown', line: 'ADD --checksum=$SUM --chown=$U https://h/$F /', env: { SUM: 'sha256:ab', U: 'u', F: 'f.tgz' }, want: { checksum: 'sha256:ab', chown: 'u', sources: ['https://h/f.tgz'] }, used: ['F', 'SUM', 'U'] },
  {
    name: 'COPY heredoc: unquoted delimiter expands with quotes kept',
    line: 'COPY <<EOF /etc/app.conf\nname="$NAME" \'$NAME\' \\$NAME\nEOF',
    env: { NAME: 'web' },
    want: { inlineSources: [{ path: 'EOF', data: 'name="web" \'web\' $NAME\n', expand: true }] },
    used: ['NAME'],
  },
  {
    name: 'COPY heredoc: quoted delimiter is taken literally',
    line: 'COPY <<"EOF" /x\n$NAME\nEOF',
    env: { NAME: 'web' },
    want: { inlineSources: [{ path: 'EOF', data: '$NAME\n', expand: false }] },
    used: [],
  },
  { name: 'WORKDIR', line: 'WORKDIR $HOME/${APP:-app}', env: { HOME: '/home/u' }, want: { path: '/home/u/app' }, used: ['HOME'], unset: ['APP'] },
  { name: 'WORKDIR with the backtick escape', line: 'WORKDIR /a`$B/$B', env: { B: 'b' }, want: { path: '/a$B/b' }, used: ['B'], escape: '`' },
  { name: 'USER', line: 'USER ${UID}:${GID}', env: { UID: '1000', GID: '100' }, want: { user: '1000:100' }, used: ['GID', 'UID'] },
  { name: 'VOLUME', line: 'VOLUME ["$DATA", "/logs"]', env: { DATA: '/data' }, want: { volumes: ['/data', '/logs'] }, used: ['DATA'] },
  { name: 'STOPSIGNAL', line: 'STOPSIGNAL $SIG', env: { SIG: 'SIGINT' }, want: { signal: 'SIGINT' }, used: ['SIG'] },
  { name: 'EXPOSE splits expanded words into ports', line: 'EXPOSE $PORTS 8080', env: { PORTS: '80 443/tcp' }, want: { ports: ['80', '443/tcp', '8080'] }, used: ['PORTS'] },
  { name: 'ARG defaults are expanded, keys are not', line: 'ARG $K=${V}x', env: { V: 'v', K: 'k' }, want: { args: [{ key: '$K', value: 'vx' }] }, used: ['V'] },
  { name: 'CMD is left to the shell', line: 'CMD echo $HOME', env: { HOME: '/root' }, want: { cmd: { form: 'shell', command: 'echo $HOME' } }, used: [] },
  { name: 'ENTRYPOINT exec form is not expanded', line: 'ENTRYPOINT ["$HOME/run"]', env: { HOME: '/root' }, want: { cmd: { form: 'exec', argv: ['$HOME/run'] } }, used: [] },
  { name: 'HEALTHCHECK is not expanded', line: 'HEALTHCHECK CMD curl $URL', env: { URL: 'u' }, want: { health: { test: ['CMD-SHELL', 'curl $URL'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } }, used: [] },
  { name: 'SHELL is not expanded', line: 'SHELL ["$SH", "-c"]', env: { SH: 'bash' }, want: { shell: ['$SH', '-c'] }, used: [] },
  { name: 'ONBUILD is not expanded', line: 'ONBUILD RUN echo $X', env: { X: '1' }, want: { expression: 'RUN echo $X' }, used: [] },
];

describe('expandInstruction: which words, which env, which names', () => {
  for (const c of cases) {
    test(c.name, () => {
      const original = inst(c.line, c.escape);
      const snapshot = structuredClone(original);
      const r = expandInstruction(original, env(c.env), c.escape ? { escapeToken: c.escape } : {});
      const got = r.instruction as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, `field ${k}`);
      assert.deepEqual([...r.usedVars].sort(), c.used);
      assert.deepEqual([...r.unsetVars].sort(), c.unset ?? []);
      assert.deepEqual(original, snapshot, 'the input instruction is not changed');
      assert.notEqual(r.instruction, original);
    });
  }
});

describe('expandInstruction: RUN', () => {
  test('mounts are expanded and validated; the command and heredocs are not; RUN uses the whole env', () => {
    const run = inst('RUN --mount=type=cache,target=$HOME/.cache,uid=$UID,id=go-$ARCH <<EOF\necho $HOME\nEOF');
    const r = expandInstruction(run, env({ HOME: '/root', UID: '1000', ARCH: 'amd64', OTHER: 'x' }));
    assert.equal(r.instruction.kind, 'RUN');
    if (r.instruction.kind !== 'RUN') return;
    assert.deepEqual(r.instruction.mounts, [
      { type: 'cache', target: '/root/.cache', uid: 1000, id: 'go-amd64', readOnly: false, required: false, spec: 'type=cache,target=$HOME/.cache,uid=$UID,id=go-$ARCH' },
    ]);
    assert.deepEqual(r.instruction.cmd, { form: 'shell', command: '<<EOF' });
    assert.equal(r.instruction.heredocs[0]?.data, 'echo $HOME\n');
    assert.deepEqual([...r.usedVars].sort(), ['ARCH', 'HOME', 'OTHER', 'UID']);
  });

  test('a mount value that expands to something invalid fails at expansion', () => {
    const run = inst('RUN --mount=type=$T,target=/x true');
    assert.throws(
      () => expandInstruction(run, env({ T: 'volume' })),
      (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:2: unsupported mount type "volume"' && err.details.instruction === 'RUN',
    );
  });

  test('a mount whose uid comes from a variable', () => {
    const run = inst('RUN --mount=type=bind,target=/x,uid=$U true');
    assert.throws(() => expandInstruction(run, env({ U: '1' })), (err: unknown) => err instanceof DockerfileError && /uid not allowed for "bind" type mounts/.test(err.message));
  });
});

describe('expandInstruction: errors', () => {
  test('${VAR?msg} on an unset variable names the word and the message', () => {
    const w = inst('WORKDIR ${DIR?DIR must be set}');
    assert.throws(
      () => expandInstruction(w, env({}), { file: 'Dockerfile.dev' }),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.message === 'Dockerfile:2: failed to process "${DIR?DIR must be set}": DIR: DIR must be set' &&
        err.details.file === 'Dockerfile.dev',
    );
  });

  test('bad substitution', () => {
    assert.throws(() => expandInstruction(inst('USER ${}'), env({})), (err: unknown) => err instanceof DockerfileError && /bad substitution/.test(err.message));
  });
});

describe('expandFrom: FROM sees the global (meta ARG) env', () => {
  test('base name and platform', () => {
    const r = expandFrom(from('FROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-latest} AS b'), env({ BASE: 'alpine', BUILDPLATFORM: 'linux/arm64' }));
    assert.equal(r.instruction.baseName, 'alpine:latest');
    assert.equal(r.instruction.platform, 'linux/arm64');
    assert.equal(r.instruction.stageName, 'b');
    assert.deepEqual([...r.usedVars].sort(), ['BASE', 'BUILDPLATFORM']);
    assert.deepEqual([...r.unsetVars], ['TAG']);
  });

  test('a blank base name is refused', () => {
    assert.throws(() => expandFrom(from('FROM $NOPE'), env({})), (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:1: base name ($NOPE) should not be blank');
  });

  test('a blank platform is refused', () => {
    assert.throws(() => expandFrom(from('FROM --platform=$P a'), env({})), (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:1: empty platform value from expression $P');
  });

  test('an invalid platform is refused', () => {
    assert.throws(() => expandFrom(from('FROM --platform=linux a'), env({})), (err: unknown) => err instanceof DockerfileError && /failed to parse platform linux/.test(err.message));
  });
});
