// npm test: system packages, typecheck, build, unit + conformance + integration (node:test via tsx), e2e (Playwright).
// Ends with one summary line: "total: N passed, N failed, N skipped".
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--only');

function run(cmd, argv, { capture = false, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    if (capture) child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function findTests(dir, acc = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, acc);
    else if (name.endsWith('.test.ts')) acc.push(relative(root, p));
  }
  return acc;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedStage = null;
const stage = (name) => console.log(`\n=== ${name} ===`);

ensureSystemPackages();

if (!only || only === 'unit') {
  stage('typecheck');
  if ((await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'])).code !== 0) failedStage ??= 'typecheck';
}
if (!failedStage) {
  stage('build');
  if ((await run(process.execPath, [join(root, 'main/tools/build.mjs')])).code !== 0) failedStage ??= 'build';
}

if (!failedStage && (!only || only === 'unit')) {
  stage('unit, conformance, integration (node:test)');
  let files = ['main', 'preload', 'renderer'].flatMap((d) => findTests(join(root, d)));
  if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
  const r = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { capture: true });
  const num = (label) => Number((r.out.match(new RegExp(`ℹ ${label} (\\d+)`)) ?? [])[1] ?? 0);
  totals.passed += num('pass');
  totals.failed += num('fail') + num('cancelled');
  totals.skipped += num('skipped') + num('todo');
  if (r.code !== 0) failedStage ??= 'unit';
}

if (!failedStage && (!only || only === 'e2e')) {
  stage('e2e (Playwright, Chromium from apt)');
  const report = join(root, 'test-results', 'e2e-report.json');
  rmSync(report, { force: true });
  const r = await run(process.execPath, [join(root, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'e2e/playwright.config.ts', ...filters], {
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  });
  try {
    const stats = JSON.parse(readFileSync(report, 'utf8')).stats;
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
  } catch {
    if (r.code !== 0) totals.failed += 1;
  }
  if (r.code !== 0) failedStage ??= 'e2e';
}

console.log(`\n${failedStage ? `FAILED at ${failedStage}` : 'All stages passed'}`);
console.log(`total: ${totals.passed} passed, ${totals.failed + (failedStage && totals.failed === 0 ? 1 : 0)} failed, ${totals.skipped} skipped`);
process.exit(failedStage ? 1 : 0);
