import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArgScope, declaredArgNames, parseStages, unusedBuildArgs, type ArgInstruction, type ParsedStages, type StageInstruction } from './index.ts';

const amd64 = { os: 'linux', architecture: 'amd64' };

/** only returns the one instruction of a stage's instruction list, typed by kind. */
function only<K extends StageInstruction['kind']>(list: StageInstruction[], kind: K, i = 0): Extract<StageInstruction, { kind: K }> {
  const found = list.filter((x) => x.kind === kind)[i];
  assert.ok(found, `no ${kind} #${i}`);
  return found as Extract<StageInstruction, { kind: K }>;
}

function setup(text: string, buildArgs: Record<string, string> = {}, extra: { targetPlatform?: string } = {}): { r: ParsedStages; scope: ArgScope } {
  const r = parseStages(text);
  const scope = ArgScope.create(r.metaArgs, { buildArgs, buildPlatform: amd64, ...extra });
  return { r, scope };
}

describe('ArgScope: meta ARGs', () => {
  test('usable in FROM lines only; a stage sees them after a bare ARG NAME', () => {
    const { r, scope } = setup('ARG V=1\nFROM img:$V\nWORKDIR /w$V\nARG V\nWORKDIR /w$V\n');
    const s = r.stages[0];
    assert.ok(s);
    assert.equal(scope.expandFrom(s).instruction.baseName, 'img:1');
    const st = scope.stage();
    const before = st.expand(only(s.instructions, 'WORKDIR', 0));
    assert.equal(before.instruction.path, '/w');
    assert.deepEqual([...before.unsetVars], ['V']);
    const decl = st.declare(only(s.instructions, 'ARG'));
    assert.deepEqual(decl.args, [{ key: 'V', value: '1' }]);
    assert.equal(decl.history, 'ARG V=1');
    const after = st.expand(only(s.instructions, 'WORKDIR', 1));
    assert.equal(after.instruction.path, '/w1');
    assert.deepEqual([...after.usedVars], ['V']);
  });

  test('--build-arg overrides the meta default and the stage default', () => {
    const { r, scope } = setup('ARG V=1\nFROM img:$V\nARG V=3\nARG W=4\n', { V: '2' });
    const s = r.stages[0];
    assert.ok(s);
    assert.equal(scope.expandFrom(s).instruction.baseName, 'img:2');
    const st = scope.stage();
    assert.deepEqual(st.declare(only(s.instructions, 'ARG', 0)).args, [{ key: 'V', value: '2' }]);
    assert.deepEqual(st.declare(only(s.instructions, 'ARG', 1)).args, [{ key: 'W', value: '4' }]);
  });

  test('meta defaults see earlier meta ARGs and the platform ARGs', () => {
    const { scope } = setup('ARG A=x\nARG IMG=base-$TARGETARCH-$A\nFROM $IMG\n', {}, { targetPlatform: 'linux/arm/v7' });
    assert.equal(scope.globalEnv().get('IMG'), 'base-arm-x');
  });

  test('a meta ARG without a value is unset for FROM and in a stage', () => {
    const { r, scope } = setup('ARG V\nFROM a${V-unset}b\nARG V\nENV X=${V-unset}\n');
    const s = r.stages[0];
    assert.ok(s);
    assert.equal(scope.expandFrom(s).instruction.baseName, 'aunsetb');
    const st = scope.stage();
    assert.deepEqual(st.declare(only(s.instructions, 'ARG')).args, [{ key: 'V' }]);
    assert.equal(st.expand(only(s.instructions, 'ENV')).instruction.env[0]?.value, 'unset');
  });

  test('re-declaring a meta ARG with a value replaces it; without one keeps it', () => {
    const { scope } = setup('ARG A=1\nARG A=2\nARG A\nFROM x\n');
    assert.equal(scope.globalValue('A'), '2');
  });
});

describe('ArgScope: stage ARGs', () => {
  test('defaults expand with the stage env and report what they used', () => {
    const { r, scope } = setup('FROM x\nENV P=/p\nARG Q=$P/q R\n');
    const s = r.stages[0];
    assert.ok(s);
    const st = scope.stage(['PATH=/usr/bin', 'EMPTY']);
    const env = st.expand(only(s.instructions, 'ENV')).instruction.env;
    for (const kv of env) st.setEnv(kv.key, kv.value);
    const d = st.declare(only(s.instructions, 'ARG'));
    assert.deepEqual(d.args, [{ key: 'Q', value: '/p/q' }, { key: 'R' }]);
    assert.deepEqual([...d.usedVars], ['P']);
    assert.equal(d.history, 'ARG Q=/p/q R');
    assert.deepEqual([...st.env], [['PATH', '/usr/bin'], ['EMPTY', ''], ['P', '/p'], ['Q', '/p/q']]);
  });

  test('a stage built FROM another inherits its ENV and ARG values', () => {
    const { r, scope } = setup('FROM x AS a\nARG V=1\nFROM a\nWORKDIR /$V\n');
    const [a, b] = r.stages;
    assert.ok(a && b);
    const sa = scope.stage();
    sa.declare(only(a.instructions, 'ARG'));
    const sb = sa.fork();
    assert.equal(sb.expand(only(b.instructions, 'WORKDIR')).instruction.path, '/1');
    sb.setEnv('V', '2');
    assert.equal(sa.env.get('V'), '1', 'the parent is not changed');
    assert.equal(scope.stage(sa).env.get('V'), '1');
  });

  test('a changed build arg shows in the values of the names a step used (cache reason)', () => {
    const text = 'FROM x\nARG VERSION\nCOPY app-$VERSION.tar /\nCOPY static /\n';
    const values = (v: string): [string[], string][] => {
      const { r, scope } = setup(text, { VERSION: v });
      const s = r.stages[0];
      assert.ok(s);
      const st = scope.stage();
      st.declare(only(s.instructions, 'ARG'));
      return [0, 1].map((i) => {
        const e = st.expand(only(s.instructions, 'COPY', i));
        return [[...e.usedVars], [...e.usedVars].map((n) => `${n}=${st.env.get(n)}`).join(',')];
      });
    };
    const [one, two] = [values('1'), values('2')];
    assert.deepEqual(one, [[['VERSION'], 'VERSION=1'], [[], '']]);
    assert.deepEqual(two, [[['VERSION'], 'VERSION=2'], [[], '']]);
  });
});

describe('ArgScope: predefined ARGs', () => {
  test('platform ARGs: global for FROM, in a stage only when declared', () => {
    const { r, scope } = setup('FROM --platform=$BUILDPLATFORM golang\nARG TARGETOS TARGETARCH TARGETVARIANT\n', {}, { targetPlatform: 'linux/arm64/v8' });
    const s = r.stages[0];
    assert.ok(s);
    assert.equal(scope.expandFrom(s).instruction.platform, 'linux/amd64');
    const st = scope.stage();
    assert.equal(st.env.has('TARGETARCH'), false);
    assert.deepEqual(st.declare(only(s.instructions, 'ARG')).args, [
      { key: 'TARGETOS', value: 'linux' },
      { key: 'TARGETARCH', value: 'arm64' },
      { key: 'TARGETVARIANT', value: '' },
    ]);
    const g = scope.globalEnv();
    assert.deepEqual(
      [...g].slice(0, 11),
      [
        ['BUILDPLATFORM', 'linux/amd64'],
        ['BUILDOS', 'linux'],
        ['BUILDOSVERSION', ''],
        ['BUILDARCH', 'amd64'],
        ['BUILDVARIANT', ''],
        ['TARGETPLATFORM', 'linux/arm64'],
        ['TARGETOS', 'linux'],
        ['TARGETOSVERSION', ''],
        ['TARGETARCH', 'arm64'],
        ['TARGETVARIANT', ''],
        ['TARGETSTAGE', ''],
      ],
    );
  });

  test('target platform defaults to the build platform; arm keeps its variant', () => {
    const arm = ArgScope.create([], { buildPlatform: 'linux/arm/v7' }).globalEnv();
    assert.equal(arm.get('TARGETPLATFORM'), 'linux/arm/v7');
    assert.equal(arm.get('TARGETVARIANT'), 'v7');
    const host = ArgScope.create([]).globalEnv();
    assert.match(host.get('BUILDPLATFORM') ?? '', /^linux\/[a-z0-9]+(\/v\d)?$/);
  });

  test('TARGETSTAGE names the target stage', () => {
    assert.equal(ArgScope.create([], { targetStage: 'release' }).globalEnv().get('TARGETSTAGE'), 'release');
  });

  test('--build-arg can override a platform ARG', () => {
    const g = ArgScope.create([], { buildArgs: { TARGETARCH: 's390x' }, buildPlatform: amd64 }).globalEnv();
    assert.equal(g.get('TARGETARCH'), 's390x');
  });

  test('proxy build args reach RUN without an ARG and are not "unused"', () => {
    const { scope } = setup('FROM x\n', { HTTP_PROXY: 'http://p:3128', no_proxy: 'localhost', OTHER: '1' });
    assert.deepEqual([...scope.proxyEnv()], [['HTTP_PROXY', 'http://p:3128'], ['no_proxy', 'localhost']]);
    assert.deepEqual(scope.unusedBuildArgs(), ['OTHER']);
  });
});

describe('unused build args', () => {
  test('unusedBuildArgs leaves out declared and predefined names', () => {
    assert.deepEqual(unusedBuildArgs({ B: '1', A: '1', HTTPS_PROXY: 'x', TARGETARCH: 'y', SOURCE_DATE_EPOCH: '0', BUILDKIT_INLINE_CACHE: '1', Z: '' }, ['A']), ['B', 'Z']);
    assert.deepEqual(unusedBuildArgs(new Map([['A', '1']]), new Set(['A'])), []);
  });

  test('the scope counts meta ARGs and the stage ARGs it declared', () => {
    const { r, scope } = setup('ARG M\nFROM x\nARG S\n', { M: '1', S: '2', T: '3' });
    assert.deepEqual(scope.unusedBuildArgs(), ['S', 'T']);
    const s = r.stages[0];
    assert.ok(s);
    scope.stage().declare(only(s.instructions, 'ARG'));
    assert.deepEqual(scope.unusedBuildArgs(), ['T']);
    assert.deepEqual([...scope.declared()].sort(), ['M', 'S']);
  });

  test('declaredArgNames covers every stage', () => {
    const r = parseStages('ARG A\nFROM x\nARG B=1 C\nFROM y\nARG D\n');
    assert.deepEqual([...declaredArgNames(r.metaArgs as ArgInstruction[], r.stages)].sort(), ['A', 'B', 'C', 'D']);
  });
});
