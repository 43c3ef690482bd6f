// The reliability suite (issue 7): hostile input, fuzzing, kill -9 and disk-full faults, concurrency,
// secrets and the browser mode's door. One file, so the summary line adds up everything it proved.
// STRATA_RELIABILITY_ONLY=layers,load,build,registry,faults,fuzz,secrets,browser runs some sections;
// STRATA_KILL_SECONDS, STRATA_FUZZ_SECONDS, STRATA_FUZZ_INPUTS and STRATA_FUZZ_SEED tune the budgets.
import { test } from 'node:test';
import { browserSuite } from './browser.ts';
import { faultSuite } from './faults.ts';
import { fuzzSuite } from './fuzz-suite.ts';
import { hostileArchiveSuite } from './hostile-archives.ts';
import { hostileBuildSuite } from './hostile-build.ts';
import { hostileLayerSuite } from './hostile-layers.ts';
import { hostileRegistrySuite } from './hostile-registry.ts';
import { secretSuite } from './secrets.ts';
import { detailLine, summaryLine } from './tally.ts';

const only = (process.env.STRATA_RELIABILITY_ONLY ?? '').split(',').filter(Boolean);
const on = (name: string) => only.length === 0 || only.includes(name);

if (on('layers')) hostileLayerSuite();
if (on('load')) hostileArchiveSuite();
if (on('build')) hostileBuildSuite();
if (on('registry')) hostileRegistrySuite();
if (on('faults')) faultSuite();
if (on('fuzz')) fuzzSuite();
if (on('secrets')) secretSuite();
if (on('browser')) browserSuite();

// Top-level tests run in order: this one is last, and prints what the suite proved.
test('reliability summary', (t) => {
  t.diagnostic(detailLine());
  t.diagnostic(summaryLine());
  console.log(summaryLine());
});
