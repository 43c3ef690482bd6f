import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { conformancePath, NO_CONFORMANCE } from '../../util/conformance.ts';
import { StrataError } from '../../util/errors.ts';
import { DockerfileParseError, parseDockerfile } from '../parser/index.ts';
import { DockerfileError, parseInstruction, parseStages, type Instruction } from './index.ts';

interface ErrorCase {
  test: string;
  name?: string;
  dockerfile: string;
  expectedError: string;
  match: 'exact' | 'contains';
}

const vectors = conformancePath('buildkit-dockerfile-parser', 'instructions-errors.json');
const cases: ErrorCase[] = vectors ? (JSON.parse(readFileSync(vectors, 'utf8')) as { cases: ErrorCase[] }).cases : [];

/** first parses a one-instruction Dockerfile and returns its typed form. */
function first(text: string): Instruction {
  const { ast } = parseDockerfile(text);
  const node = ast.children[0];
  assert.ok(node, 'no instruction');
  return parseInstruction(node);
}

/** failure returns the DockerfileError parsing the first instruction throws. */
function failure(text: string): DockerfileError {
  try {
    first(text);
  } catch (err) {
    assert.ok(err instanceof DockerfileError, `expected DockerfileError, got ${String(err)}`);
    return err;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

describe('buildkit instructions/parse_test.go error cases', { skip: vectors ? false : NO_CONFORMANCE }, () => {
  for (const [i, c] of cases.entries()) {
    test(`${i}: ${c.test}${c.name ? ' / ' + c.name : ''}: ${JSON.stringify(c.dockerfile)}`, () => {
      const err = failure(c.dockerfile);
      assert.ok(err instanceof StrataError);
      assert.equal(err.code, 'DOCKERFILE_INVALID');
      assert.ok(err.message.startsWith('Dockerfile:1: '), err.message);
      if (c.match === 'exact') assert.equal(err.reason, c.expectedError);
      else assert.ok(err.reason.includes(c.expectedError), `${err.reason} should contain ${c.expectedError}`);
      assert.equal(err.message, `Dockerfile:1: ${err.reason}`);
      assert.equal(err.details.line, 1);
    });
  }
});

/** Table of valid instructions and the typed value they give (fields listed are compared). */
const valid: { name: string; text: string; want: Record<string, unknown> }[] = [
  { name: 'FROM image', text: 'FROM alpine:3.20', want: { kind: 'FROM', baseName: 'alpine:3.20' } },
  { name: 'FROM AS lowercases the name', text: 'FROM golang AS Build-1.x', want: { baseName: 'golang', stageName: 'build-1.x', stageNameAsWritten: 'Build-1.x' } },
  { name: 'FROM as (lowercase keyword)', text: 'from busybox as b', want: { kind: 'FROM', stageName: 'b' } },
  { name: 'FROM --platform', text: 'FROM --platform=$BUILDPLATFORM golang AS b', want: { platform: '$BUILDPLATFORM', stageName: 'b' } },
  { name: 'ARG one name', text: 'ARG VERSION', want: { kind: 'ARG', args: [{ key: 'VERSION' }] } },
  { name: 'ARG several with defaults', text: 'ARG A=1 B C="x y"', want: { args: [{ key: 'A', value: '1' }, { key: 'B' }, { key: 'C', value: '"x y"' }] } },
  { name: 'ARG empty default', text: 'ARG A=', want: { args: [{ key: 'A', value: '' }] } },
  { name: 'ENV pairs', text: 'ENV A=1 B="two words"', want: { kind: 'ENV', env: [{ key: 'A', value: '1', legacy: false }, { key: 'B', value: '"two words"', legacy: false }] } },
  { name: 'ENV legacy form', text: 'ENV PATH /usr/local/bin:$PATH', want: { env: [{ key: 'PATH', value: '/usr/local/bin:$PATH', legacy: true }] } },
  { name: 'LABEL pairs', text: 'LABEL a=b "c d"=e', want: { kind: 'LABEL', labels: [{ key: 'a', value: 'b', legacy: false }, { key: '"c d"', value: 'e', legacy: false }] } },
  { name: 'WORKDIR', text: 'WORKDIR /app', want: { kind: 'WORKDIR', path: '/app' } },
  { name: 'USER', text: 'USER app:app', want: { kind: 'USER', user: 'app:app' } },
  { name: 'EXPOSE sorts ports', text: 'EXPOSE 8080/tcp 443 80/udp', want: { kind: 'EXPOSE', ports: ['443', '80/udp', '8080/tcp'] } },
  { name: 'CMD exec form', text: 'CMD ["node", "server.js"]', want: { kind: 'CMD', cmd: { form: 'exec', argv: ['node', 'server.js'] } } },
  { name: 'CMD shell form', text: 'CMD node  server.js', want: { cmd: { form: 'shell', command: 'node  server.js' } } },
  { name: 'CMD []', text: 'CMD []', want: { cmd: { form: 'exec', argv: [] } } },
  { name: 'ENTRYPOINT exec form', text: 'ENTRYPOINT ["/entry.sh"]', want: { kind: 'ENTRYPOINT', cmd: { form: 'exec', argv: ['/entry.sh'] } } },
  { name: 'ENTRYPOINT shell form', text: 'ENTRYPOINT exec /entry.sh', want: { cmd: { form: 'shell', command: 'exec /entry.sh' } } },
  { name: 'VOLUME words', text: 'VOLUME /data /logs', want: { kind: 'VOLUME', volumes: ['/data', '/logs'], json: false } },
  { name: 'VOLUME JSON', text: 'VOLUME ["/data", "/var/log"]', want: { volumes: ['/data', '/var/log'], json: true } },
  { name: 'SHELL JSON', text: 'SHELL ["/bin/bash", "-eo", "pipefail", "-c"]', want: { kind: 'SHELL', shell: ['/bin/bash', '-eo', 'pipefail', '-c'] } },
  { name: 'STOPSIGNAL', text: 'STOPSIGNAL SIGQUIT', want: { kind: 'STOPSIGNAL', signal: 'SIGQUIT' } },
  { name: 'MAINTAINER', text: 'MAINTAINER Jane <jane@example.com>', want: { kind: 'MAINTAINER', maintainer: 'Jane <jane@example.com>' } },
  { name: 'ONBUILD RUN', text: 'ONBUILD RUN make install', want: { kind: 'ONBUILD', trigger: 'RUN', expression: 'RUN make install' } },
  { name: 'ONBUILD lowercase trigger', text: 'onbuild  copy . /src', want: { trigger: 'COPY', expression: 'copy . /src' } },
  { name: 'HEALTHCHECK NONE', text: 'HEALTHCHECK NONE', want: { kind: 'HEALTHCHECK', health: { test: ['NONE'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } } },
  {
    name: 'HEALTHCHECK CMD shell with every flag',
    text: 'HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --start-interval=250ms --retries=3 CMD curl -f http://localhost/ || exit 1',
    want: { health: { test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 30e9, timeout: 90e9, startPeriod: 1.5e9, startInterval: 250e6, retries: 3 } },
  },
  { name: 'HEALTHCHECK CMD exec', text: 'HEALTHCHECK cmd ["wget", "-q", "localhost"]', want: { health: { test: ['CMD', 'wget', '-q', 'localhost'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } } },
  { name: 'HEALTHCHECK --interval=0 means unset', text: 'HEALTHCHECK --interval=0 --retries=0 CMD true', want: { health: { test: ['CMD-SHELL', 'true'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 } } },
  {
    name: 'COPY plain',
    text: 'COPY a b /dst/',
    want: { kind: 'COPY', sources: ['a', 'b'], inlineSources: [], dest: '/dst/', exclude: [], link: false, parents: false, json: false },
  },
  {
    name: 'COPY every flag',
    text: 'COPY --from=builder --chown=1000:1000 --chmod=0755 --link --parents --exclude=*.md --exclude=tmp/ src/ /app/',
    want: { from: 'builder', chown: '1000:1000', chmod: '0755', link: true, parents: true, exclude: ['*.md', 'tmp/'], sources: ['src/'], dest: '/app/' },
  },
  { name: 'COPY --link=false', text: 'COPY --link=false a /b', want: { link: false } },
  { name: 'COPY JSON form', text: 'COPY ["a b", "/c d/"]', want: { sources: ['a b'], dest: '/c d/', json: true } },
  { name: 'COPY --from by index', text: 'COPY --from=0 /out /out', want: { from: '0' } },
  {
    name: 'COPY heredoc source',
    text: 'COPY <<EOF /etc/motd\nhello $USER\nEOF',
    want: { sources: [], inlineSources: [{ path: 'EOF', data: 'hello $USER\n', expand: true }], dest: '/etc/motd' },
  },
  {
    name: 'COPY quoted heredoc is not expanded, <<- chomps tabs',
    text: "COPY <<-'A' <<B /dst/\n\tone\n\tA\ntwo\nB",
    want: { inlineSources: [{ path: 'A', data: 'one\n', expand: false }, { path: 'B', data: 'two\n', expand: true }] },
  },
  {
    name: 'ADD every flag',
    text: 'ADD --chown=app --chmod=644 --link --keep-git-dir=true --checksum=sha256:abc --exclude=x --unpack=false https://example.com/a.tgz /opt/',
    want: { kind: 'ADD', chown: 'app', chmod: '644', link: true, keepGitDir: true, checksum: 'sha256:abc', exclude: ['x'], unpack: false, sources: ['https://example.com/a.tgz'], dest: '/opt/' },
  },
  { name: 'ADD defaults', text: 'ADD a.tar /', want: { keepGitDir: false, link: false, exclude: [], unpack: undefined, checksum: undefined } },
  {
    name: 'RUN shell form',
    text: 'RUN apt-get update && apt-get install -y curl',
    want: { kind: 'RUN', cmd: { form: 'shell', command: 'apt-get update && apt-get install -y curl' }, mounts: [], network: 'default', security: 'sandbox', flagsUsed: [] },
  },
  { name: 'RUN exec form', text: 'RUN ["/bin/sh", "-c", "echo hi"]', want: { cmd: { form: 'exec', argv: ['/bin/sh', '-c', 'echo hi'] } } },
  { name: 'RUN --network=none', text: 'RUN --network=none make test', want: { network: 'none', flagsUsed: ['network'] } },
  { name: 'RUN --network=host', text: 'RUN --network=host make', want: { network: 'host' } },
  { name: 'RUN --security=insecure', text: 'RUN --security=insecure make', want: { security: 'insecure' } },
  {
    name: 'RUN heredoc',
    text: 'RUN <<-EOT bash\n\techo $HOME\n\tEOT',
    want: { cmd: { form: 'shell', command: '<<-EOT bash' }, heredocs: [{ name: 'EOT', data: '\techo $HOME\n', chomp: true, expand: true, fileDescriptor: 0 }] },
  },
  {
    name: 'RUN --mount cache with all cache keys',
    text: 'RUN --mount=type=cache,id=npm,target=/root/.npm,sharing=locked,mode=0700,uid=1000,gid=1000,from=base,source=/c npm ci',
    want: {
      mounts: [{ type: 'cache', id: 'npm', target: '/root/.npm', sharing: 'locked', mode: 0o700, uid: 1000, gid: 1000, from: 'base', source: '/c', readOnly: false, required: false, spec: 'type=cache,id=npm,target=/root/.npm,sharing=locked,mode=0700,uid=1000,gid=1000,from=base,source=/c' }],
      flagsUsed: ['mount'],
    },
  },
  {
    name: 'RUN --mount bind (default type, read-only by default) and secret with env',
    text: 'RUN --mount=target=/src,source=.,rw --mount=type=secret,id=tok,env=TOKEN,required=true make',
    want: {
      mounts: [
        { type: 'bind', target: '/src', source: '.', readOnly: false, required: false, spec: 'target=/src,source=.,rw' },
        { type: 'secret', id: 'tok', env: 'TOKEN', required: true, readOnly: true, spec: 'type=secret,id=tok,env=TOKEN,required=true' },
      ],
    },
  },
  {
    name: 'RUN --mount tmpfs size, ssh required, dst/destination/src aliases, ro',
    text: 'RUN --mount=type=tmpfs,dst=/tmp,size=64m --mount=type=ssh,required --mount=type=bind,from=b,src=/x,destination=/y,ro=false true',
    want: {
      mounts: [
        { type: 'tmpfs', target: '/tmp', sizeLimit: 64 * 1024 * 1024, readOnly: false, required: false, spec: 'type=tmpfs,dst=/tmp,size=64m' },
        { type: 'ssh', required: true, readOnly: true, spec: 'type=ssh,required' },
        { type: 'bind', from: 'b', source: '/x', target: '/y', readOnly: false, required: false, spec: 'type=bind,from=b,src=/x,destination=/y,ro=false' },
      ],
    },
  },
  {
    name: 'RUN --mount with a variable is deferred to expansion',
    text: 'RUN --mount=type=cache,target=$HOME/.cache,uid=$UID go build',
    want: { mounts: [{ type: 'cache', target: '$HOME/.cache', readOnly: false, required: false, spec: 'type=cache,target=$HOME/.cache,uid=$UID', deferred: ['target', 'uid'] }] },
  },
  { name: 'a lone -- ends the flags', text: 'COPY -- --weird /dst', want: { sources: ['--weird'], dest: '/dst' } },
];

describe('parseInstruction: every instruction and flag', () => {
  for (const c of valid) {
    test(c.name, () => {
      const got = first(c.text) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, `field ${k}`);
      assert.deepEqual(got.loc, { startLine: 1, endLine: c.text.split('\n').length });
      assert.equal(typeof got.original, 'string');
    });
  }
});

/** Invalid instructions and the message (after `Dockerfile:1: `) they give. */
const invalid: { name: string; text: string; reason: string | RegExp }[] = [
  { name: 'FROM without args', text: 'FROM', reason: 'FROM requires either one or three arguments' },
  { name: 'FROM two args', text: 'FROM a b', reason: 'FROM requires either one or three arguments' },
  { name: 'FROM x FOO y', text: 'FROM a FOO b', reason: 'FROM requires either one or three arguments' },
  { name: 'FROM bad stage name', text: 'FROM a AS 1st', reason: `invalid name for build stage: "1st", name can't start with a number or contain symbols` },
  { name: 'FROM stage name with symbol', text: 'FROM a AS x/y', reason: /invalid name for build stage: "x\/y"/ },
  { name: 'FROM --platform without value', text: 'FROM --platform a', reason: 'missing a value on flag: --platform' },
  { name: 'FROM misspelt flag gets a hint', text: 'FROM --platfrom=x a', reason: 'unknown flag: --platfrom (did you mean platform?)' },
  { name: 'FROM unknown flag', text: 'FROM --plat=x a', reason: 'unknown flag: --plat' },
  { name: 'FROM flag of another instruction', text: 'FROM --from=x a', reason: 'unknown flag: --from (--from is only valid for COPY, not FROM)' },
  { name: 'ARG without names', text: 'ARG', reason: 'ARG requires at least one argument' },
  { name: 'ARG blank name', text: 'ARG =1', reason: 'ARG names can not be blank' },
  { name: 'ARG with a flag', text: 'ARG --x=1 A', reason: 'unknown flag: --x' },
  { name: 'ENV blank name', text: 'ENV =x', reason: /Syntax error|names can not be blank/ },
  { name: 'ENV with a flag', text: 'ENV --chown=1 A=1', reason: 'unknown flag: --chown (--chown is only valid for COPY and ADD, not ENV)' },
  { name: 'LABEL with a flag', text: 'LABEL --foo a=b', reason: 'unknown flag: --foo' },
  { name: 'WORKDIR two args', text: 'WORKDIR', reason: 'WORKDIR requires exactly one argument' },
  { name: 'COPY --checksum is ADD only', text: 'COPY --checksum=sha256:x a b', reason: /^unknown flag: --checksum/ },
  { name: 'COPY duplicate --from', text: 'COPY --from=a --from=b x y', reason: 'duplicate flag specified: --from' },
  { name: 'COPY --chown without value', text: 'COPY --chown a b', reason: 'missing a value on flag: --chown' },
  { name: 'COPY --link=maybe', text: 'COPY --link=maybe a b', reason: 'expecting boolean value for flag --link, not: maybe' },
  { name: 'COPY --link=', text: 'COPY --link= a b', reason: 'missing a value on flag: --link' },
  { name: 'COPY --exclude without value', text: 'COPY --exclude a b', reason: 'missing a value on flag: --exclude' },
  { name: 'COPY heredoc destination', text: 'COPY a <<EOF\nx\nEOF', reason: 'COPY cannot accept a heredoc as a destination' },
  { name: 'ADD --from is COPY only', text: 'ADD --from=x a b', reason: /^unknown flag: --from/ },
  { name: 'ADD --parents is COPY only', text: 'ADD --parents a b', reason: /^unknown flag: --parents/ },
  { name: 'RUN --network=bridge', text: 'RUN --network=bridge x', reason: 'invalid network mode "bridge"' },
  { name: 'RUN --security=weird', text: 'RUN --security=weird x', reason: 'security "weird" is not valid' },
  { name: 'RUN unknown flag', text: 'RUN --mout=type=cache x', reason: 'unknown flag: --mout (did you mean mount?)' },
  { name: 'RUN --mount bad type', text: 'RUN --mount=type=cahce x', reason: 'unsupported mount type "cahce" (did you mean cache?)' },
  { name: 'RUN --mount bad key', text: 'RUN --mount=type=cache,targte=/x x', reason: "unexpected key 'targte' in 'targte=/x' (did you mean target?)" },
  { name: 'RUN --mount field without =', text: 'RUN --mount=type=cache,foo x', reason: "invalid field 'foo' must be a key=value pair" },
  { name: 'RUN --mount required on cache', text: 'RUN --mount=type=cache,target=/x,required x', reason: "unexpected key 'required' for mount type 'cache'" },
  { name: 'RUN --mount size on bind', text: 'RUN --mount=target=/x,size=1m x', reason: "unexpected key 'size' for mount type 'bind'" },
  { name: 'RUN --mount bad sharing', text: 'RUN --mount=type=cache,target=/x,sharing=lockd x', reason: 'unsupported sharing value "lockd" (did you mean locked?)' },
  { name: 'RUN --mount sharing on bind', text: 'RUN --mount=target=/x,sharing=shared x', reason: 'invalid cache sharing set for bind mount' },
  { name: 'RUN --mount mode on bind', text: 'RUN --mount=target=/x,mode=0644 x', reason: 'mode not allowed for "bind" type mounts' },
  { name: 'RUN --mount bad mode', text: 'RUN --mount=type=cache,target=/x,mode=0999 x', reason: 'invalid value 0999 for mode' },
  { name: 'RUN --mount bad uid', text: 'RUN --mount=type=cache,target=/x,uid=-1 x', reason: 'invalid value -1 for uid' },
  { name: 'RUN --mount bad ro', text: 'RUN --mount=target=/x,ro=maybe x', reason: 'invalid value for ro: maybe' },
  { name: 'RUN --mount secret without id', text: 'RUN --mount=type=secret x', reason: 'invalid secret mount. one of source, target required' },
  { name: 'RUN --mount secret with from', text: 'RUN --mount=type=secret,id=a,from=b x', reason: 'secret mount should not have a from' },
  { name: 'RUN --mount secret with source and id', text: 'RUN --mount=type=secret,id=a,source=b x', reason: "both source and id can't be set" },
  { name: 'RUN --mount from with a variable', text: 'RUN --mount=from=$STAGE,target=/x x', reason: "'from' doesn't support variable expansion, define alias stage instead" },
  { name: 'RUN --mount bad csv', text: 'RUN --mount=target=/x\\"y x', reason: /failed to parse csv mounts: .*bare "/ },
  { name: 'HEALTHCHECK NONE with args', text: 'HEALTHCHECK NONE x', reason: 'HEALTHCHECK NONE takes no arguments' },
  { name: 'HEALTHCHECK unknown type', text: 'HEALTHCHECK RUN x', reason: 'Unknown type "RUN" in HEALTHCHECK (try CMD)' },
  { name: 'HEALTHCHECK CMD without command', text: 'HEALTHCHECK CMD', reason: 'Missing command after HEALTHCHECK CMD' },
  { name: 'HEALTHCHECK bad duration', text: 'HEALTHCHECK --interval=5 CMD x', reason: 'time: missing unit in duration "5"' },
  { name: 'HEALTHCHECK unknown unit', text: 'HEALTHCHECK --timeout=5d CMD x', reason: 'time: unknown unit "d" in duration "5d"' },
  { name: 'HEALTHCHECK too short', text: 'HEALTHCHECK --interval=10us CMD x', reason: 'Interval "interval" cannot be less than 1ms' },
  { name: 'HEALTHCHECK negative', text: 'HEALTHCHECK --start-period=-1s CMD x', reason: 'Interval "start-period" cannot be less than 1ms' },
  { name: 'HEALTHCHECK negative retries', text: 'HEALTHCHECK --retries=-1 CMD x', reason: '--retries cannot be negative (-1)' },
  { name: 'HEALTHCHECK bad retries', text: 'HEALTHCHECK --retries=x CMD x', reason: 'strconv.ParseInt: parsing "x": invalid syntax' },
  { name: 'HEALTHCHECK unknown flag', text: 'HEALTHCHECK --intervals=1s CMD x', reason: 'unknown flag: --intervals (did you mean interval?)' },
  { name: 'SHELL not JSON', text: 'SHELL /bin/bash -c', reason: 'SHELL requires the arguments to be in JSON form' },
  { name: 'SHELL empty', text: 'SHELL []', reason: 'SHELL requires at least one argument' },
  { name: 'VOLUME empty string', text: 'VOLUME [""]', reason: 'VOLUME specified can not be an empty string' },
  { name: 'STOPSIGNAL with a flag', text: 'STOPSIGNAL --x SIGTERM', reason: 'unknown flag: --x' },
  { name: 'USER two words', text: 'USER a b', reason: /./ },
  { name: 'ONBUILD MAINTAINER', text: 'ONBUILD MAINTAINER x', reason: "MAINTAINER isn't allowed as an ONBUILD trigger" },
  { name: 'ONBUILD lowercase onbuild', text: 'ONBUILD onbuild RUN x', reason: "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" },
  { name: 'unknown instruction gets a hint', text: 'COPPY a b', reason: 'unknown instruction: COPPY (did you mean COPY?)' },
];

describe('parseInstruction: errors name what is wrong', () => {
  for (const c of invalid) {
    test(c.name, () => {
      let err: unknown;
      try {
        first(c.text);
      } catch (e) {
        err = e;
      }
      if (c.name === 'USER two words') {
        // `USER a b` is one argument "a b" to the parser (parseString): valid, kept as written.
        assert.equal(err, undefined);
        return;
      }
      if (c.name === 'ENV blank name') {
        assert.ok(err instanceof DockerfileParseError || err instanceof DockerfileError);
        return;
      }
      assert.ok(err instanceof DockerfileError, `expected DockerfileError for ${c.text}, got ${String(err)}`);
      if (typeof c.reason === 'string') assert.equal(err.reason, c.reason);
      else assert.match(err.reason, c.reason);
      assert.equal(err.message, `Dockerfile:1: ${err.reason}`);
      assert.equal(err.details.line, 1);
      assert.equal(typeof err.details.instruction, 'string');
    });
  }
});

describe('parseStages', () => {
  test('meta args, stages, lowercased names, instructions per stage, comments', () => {
    const r = parseStages(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=alpine',
        'ARG VERSION',
        '# builder compiles the app',
        'FROM ${BASE} AS Builder',
        'RUN make',
        'FROM scratch',
        'COPY --from=builder /out /',
        '',
      ].join('\n'),
      { file: 'Dockerfile' },
    );
    assert.deepEqual(r.metaArgs.map((a) => a.args), [[{ key: 'BASE', value: 'alpine' }], [{ key: 'VERSION' }]]);
    assert.equal(r.stages.length, 2);
    const [b, s] = r.stages;
    assert.equal(b?.index, 0);
    assert.equal(b?.name, 'builder');
    assert.equal(b?.baseName, '${BASE}');
    assert.equal(b?.comment, 'compiles the app');
    assert.deepEqual(b?.loc, { startLine: 5, endLine: 5 });
    assert.deepEqual(b?.instructions.map((i) => i.kind), ['RUN']);
    assert.equal(s?.name, undefined);
    assert.equal(s?.baseName, 'scratch');
    assert.deepEqual(s?.instructions.map((i) => i.kind), ['COPY']);
    assert.equal(r.escapeToken, '\\');
    assert.ok(r.warnings.some((w) => w.rule === 'StageNameCasing' && w.line === 5));
  });

  test('escape directive is reported', () => {
    const r = parseStages('# escape=`\nFROM a\nRUN echo `\n  hi\n');
    assert.equal(r.escapeToken, '`');
    assert.deepEqual((r.stages[0]?.instructions[0] as { cmd: unknown }).cmd, { form: 'shell', command: 'echo   hi' });
  });

  test('only ARG may come before the first FROM', () => {
    assert.throws(
      () => parseStages('ARG A\nENV B=1\nFROM x\n', { file: 'Containerfile' }),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.message.startsWith('Dockerfile:2: no build stage in current context') &&
        err.details.file === 'Containerfile' &&
        err.details.instruction === 'ENV',
    );
  });

  test('duplicate stage names are refused (case-insensitively)', () => {
    assert.throws(
      () => parseStages('FROM a AS x\nFROM b AS X\n'),
      (err: unknown) => err instanceof DockerfileError && err.message === 'Dockerfile:2: Duplicate stage name "x", stage names should be unique (stage 0 already uses it)',
    );
  });

  test('a Dockerfile of ARGs only has no stage', () => {
    assert.throws(() => parseStages('ARG A\n'), (err: unknown) => err instanceof DockerfileError && /no stages to build/.test(err.message));
  });

  test('instruction errors carry their line range and file', () => {
    assert.throws(
      () => parseStages('FROM a\nRUN --network=x \\\n  echo\n', { file: 'f/Dockerfile' }),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.message === 'Dockerfile:2: invalid network mode "x"' &&
        err.details.line === 2 &&
        err.details.endLine === 3 &&
        err.details.file === 'f/Dockerfile' &&
        err.details.instruction === 'RUN',
    );
  });

  test('parse errors pass through as DockerfileParseError', () => {
    assert.throws(() => parseStages('FROM a\nRUN <<EOF\nno end\n'), DockerfileParseError);
  });

  test('lint warnings: MAINTAINER, legacy ENV, shell-form CMD, FROM/AS casing', () => {
    const r = parseStages('FROM a as B\nMAINTAINER me\nENV A 1\nLABEL x=y\nCMD run\nENTRYPOINT ["e"]\nFROM b AS c\n');
    const rules = r.warnings.map((w) => `${w.rule}@${w.line}`);
    assert.deepEqual(rules, ['StageNameCasing@1', 'FromAsCasing@1', 'MaintainerDeprecated@2', 'LegacyKeyValueFormat@3', 'JSONArgsRecommended@5']);
  });

  test('the parser’s empty-continuation warning is passed on', () => {
    const r = parseStages('FROM a\nRUN echo \\\n\n  hi\n');
    assert.ok(r.warnings.some((w) => w.rule === 'NoEmptyContinuation'));
  });

  test('ONBUILD keeps heredoc bodies in its expression', () => {
    const r = parseStages('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n');
    const ob = r.stages[0]?.instructions[0];
    assert.equal(ob?.kind, 'ONBUILD');
    assert.equal(ob?.kind === 'ONBUILD' ? ob.expression : '', 'RUN <<EOF\necho hi\nEOF');
  });
});
