import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBuild } from '../build/solver.ts';
import { Store } from '../store/store.ts';
import { writeTree } from '../testing/build-fixtures.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { tempDir } from '../testing/temp.ts';
import { StrataError } from '../util/errors.ts';
import { analyzeCmd, diffCmd } from './explore-commands.ts';

const BASE = 'strata-test/busybox:1';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }, get out() { return out; }, get err() { return err; } };
}

describe('strata analyze and strata diff', () => {
  const tmp = tempDir();
  const home = join(tmp.path, 'home');
  let efficiency = 0;
  let userWaste = 0;
  before(async () => {
    const store = await Store.open(home);
    await makeBusyboxImage(store, [BASE]);
    const ctx = writeTree(join(tmp.path, 'ctx'), {
      Dockerfile: [`FROM ${BASE}`, 'RUN head -c 1000000 /dev/zero > /junk', 'COPY keep.txt /keep.txt', 'RUN rm /junk', ''].join('\n'),
      'keep.txt': 'k'.repeat(3_000_000),
    });
    await runBuild(store, { contextDir: ctx, tags: ['cli:waste'] }, {});
    const json = capture();
    assert.equal(await analyzeCmd(['--json', 'cli:waste'], json.io, { home }), 0);
    const r = JSON.parse(json.out) as { efficiency: number; wastedBytes: number; totalBytes: number; userWastedPercent: number };
    assert.equal(r.wastedBytes, 1_000_000);
    efficiency = r.efficiency;
    userWaste = r.userWastedPercent;
    assert.equal(userWaste, 1_000_000 / 4_000_000);
  });
  after(() => tmp.cleanup());

  const gate = (extra: string[]) => ['cli:waste', '--ci', '--highest-user-wasted-percent', 'disabled', ...extra];
  const cases: { name: string; args: () => string[]; code: number; says?: RegExp }[] = [
    { name: 'efficiency above the lowest allowed', args: () => gate(['--lowest-efficiency', String(efficiency - 0.001)]), code: 0, says: /PASS {2}lowest-efficiency/ },
    { name: 'efficiency below the lowest allowed', args: () => gate(['--lowest-efficiency', String(efficiency + 0.001)]), code: 1, says: /FAIL {2}lowest-efficiency/ },
    { name: 'wasted bytes at the highest allowed', args: () => gate(['--lowest-efficiency', 'disabled', '--highest-wasted-bytes', '1MB']), code: 0, says: /PASS {2}highest-wasted-bytes: 1.00MB wasted <= 1.00MB/ },
    { name: 'wasted bytes over the highest allowed', args: () => gate(['--lowest-efficiency', 'disabled', '--highest-wasted-bytes', '999kB']), code: 1, says: /FAIL {2}highest-wasted-bytes/ },
    { name: 'wasted bytes over a binary size', args: () => gate(['--lowest-efficiency', 'disabled', '--highest-wasted-bytes', '0.9MiB']), code: 1 },
    { name: 'user waste under the highest allowed', args: () => ['cli:waste', '--lowest-efficiency', 'disabled', '--highest-user-wasted-percent', '26%'], code: 0, says: /PASS {2}highest-user-wasted-percent/ },
    { name: 'user waste over the highest allowed', args: () => ['cli:waste', '--lowest-efficiency', 'disabled', '--highest-user-wasted-percent', '0.24'], code: 1, says: /FAIL {2}highest-user-wasted-percent: user waste 25.0% > 24.0%/ },
    { name: 'dive defaults with --ci alone (user waste 25% > 10%)', args: () => ['cli:waste', '--ci'], code: 1, says: /FAIL {2}highest-user-wasted-percent/ },
  ];
  for (const c of cases) {
    test(`CI gate: ${c.name} → exit ${c.code}`, async () => {
      const cap = capture();
      assert.equal(await analyzeCmd(c.args(), cap.io, { home }), c.code, cap.out + cap.err);
      if (c.says) assert.match(cap.out, c.says);
      assert.match(cap.out, new RegExp(`Result: ${c.code === 0 ? 'PASS' : 'FAIL'}`));
      if (c.code === 1) assert.match(cap.err, /CI threshold crossed/);
    });
  }

  test('--json carries the gate: rules, limits, values', async () => {
    const cap = capture();
    assert.equal(await analyzeCmd(['cli:waste', '--json', '--highest-wasted-bytes', '20MB', '--lowest-efficiency', '0.5'], cap.io, { home }), 1);
    const r = JSON.parse(cap.out) as { ci: { pass: boolean; rules: { rule: string; limit: number; value: number; pass: boolean }[] } };
    assert.deepEqual(r.ci, {
      pass: false,
      rules: [
        { rule: 'lowest-efficiency', limit: 0.5, value: efficiency, pass: true },
        { rule: 'highest-wasted-bytes', limit: 20_000_000, value: 1_000_000, pass: true },
        { rule: 'highest-user-wasted-percent', limit: 0.1, value: userWaste, pass: false },
      ],
    });
  });

  test('the report names the line that wasted the bytes, and advice', async () => {
    const cap = capture();
    assert.equal(await analyzeCmd(['cli:waste'], cap.io, { home }), 0);
    assert.match(cap.out, /1\.00MB\s+deleted\s+\/junk\s+Dockerfile:2\s+Dockerfile:4/);
    assert.match(cap.out, new RegExp(`Efficiency: +${(efficiency * 100).toFixed(1).replace('.', '\\.')}%`));
    assert.match(cap.out, /RUN at Dockerfile:2 writes 1 file .* RUN at Dockerfile:4 deletes/);
  });

  test('--layer lists a layer\'s changes', async () => {
    const cap = capture();
    assert.equal(await analyzeCmd(['cli:waste', '--layer', '3'], cap.io, { home }), 0);
    assert.match(cap.out, /^D\s+-rw-r--r--\s+0:0\s+1\.00MB\s+\/junk$/m);
    const img = capture();
    assert.equal(await analyzeCmd(['cli:waste', '--layer', '2', '--view', 'image', '--min-size', '1MB', '--sort', 'size', '--json'], img.io, { home }), 0);
    assert.deepEqual((JSON.parse(img.out) as { entries: { path: string; change: string }[] }).entries.map((e) => [e.path, e.change]), [
      ['/keep.txt', 'added'],
      ['/bin/busybox', 'unchanged'],
      ['/junk', 'unchanged'],
    ]);
  });

  const usage: { name: string; args: string[] }[] = [
    { name: 'no image', args: [] },
    { name: 'a size that is not one', args: ['cli:waste', '--highest-wasted-bytes', 'lots'] },
    { name: 'a ratio that is not one', args: ['cli:waste', '--lowest-efficiency', 'high'] },
    { name: 'an unknown flag', args: ['cli:waste', '--frobnicate'] },
    { name: 'an unknown change kind', args: ['cli:waste', '--layer', '1', '--changes', 'renamed'] },
  ];
  for (const u of usage) {
    test(`usage error: ${u.name}`, async () => {
      await assert.rejects(analyzeCmd(u.args, capture().io, { home }), (e: unknown) => e instanceof StrataError && e.code === 'USAGE');
    });
  }

  test('strata diff prints the changes and config differences; --json for machines', async () => {
    const cap = capture();
    assert.equal(await diffCmd([BASE, 'cli:waste'], cap.io, { home }), 0);
    assert.match(cap.out, /Layers: 1 in common \(the bottom 1 in order\); A has 0 of its own, B 3/);
    assert.match(cap.out, /^A\s+\/keep\.txt\s+3\.00MB$/m);
    assert.doesNotMatch(cap.out, /\/junk/);
    const json = capture();
    assert.equal(await diffCmd(['--json', BASE, 'cli:waste'], json.io, { home }), 0);
    const d = JSON.parse(json.out) as { files: { path: string; change: string }[]; config: unknown[] };
    assert.deepEqual(d.files, [{ path: '/keep.txt', change: 'added', typeA: null, typeB: 'file', sizeA: null, sizeB: 3_000_000 }]);
    assert.deepEqual(d.config, []);
    await assert.rejects(diffCmd([BASE], capture().io, { home }), (e: unknown) => e instanceof StrataError && e.code === 'USAGE');
  });
});
