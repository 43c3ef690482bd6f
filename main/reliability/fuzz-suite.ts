// The fuzz section: the Dockerfile parser (with typed instructions), image references and .dockerignore
// patterns, each in a worker with a per-input watchdog, all three at once, for a time budget or an input cap
// (STRATA_FUZZ_SECONDS, default 20; STRATA_FUZZ_INPUTS, default 100,000). STRATA_FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runFuzz, type FuzzResult } from './fuzz/run-fuzz.ts';
import type { FuzzTargetName } from './fuzz/targets.ts';
import { countFuzz } from './tally.ts';
import { NO_CONFORMANCE, conformanceDir } from '../util/conformance.ts';

const TARGETS: FuzzTargetName[] = ['dockerfile', 'reference', 'dockerignore'];

/** fuzzSuite registers the three fuzz targets. */
export function fuzzSuite(): void {
  const seconds = Number(process.env.STRATA_FUZZ_SECONDS ?? 20);
  const maxInputs = Number(process.env.STRATA_FUZZ_INPUTS ?? 100_000);
  const seed = process.env.STRATA_FUZZ_SEED ? Number(process.env.STRATA_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  describe(`fuzz (seed ${seed}, ${seconds} s or ${maxInputs} inputs per target): parse or the module's own typed error, never a crash or hang`, () => {
    const results = new Map<FuzzTargetName, FuzzResult>();
    before(async () => {
      const all = await Promise.all(TARGETS.map((t) => runFuzz(t, { seed, budgetMs: seconds * 1000, maxInputs })));
      for (const r of all) {
        results.set(r.target, r);
        countFuzz(r.target, r.count);
      }
    });
    for (const t of TARGETS) {
      test(t, (ctx) => {
        const r = results.get(t);
        assert.ok(r, 'the fuzz run produced no result');
        ctx.diagnostic(`${t}: ${r.count} inputs from ${r.seeds} seeds${conformanceDir() ? '' : ` (${NO_CONFORMANCE}: built-in seeds only)`} in ${(r.ms / 1000).toFixed(1)} s`);
        const shown = r.failures.map((f) => `input #${f.index} (STRATA_FUZZ_SEED=${seed}): ${JSON.stringify(f.input.slice(0, 400))}\n${f.error}`);
        assert.equal(r.failures.length, 0, `${t}: ${r.failures.length} failing inputs\n${shown.join('\n---\n')}`);
        assert.ok(r.count > 0, 'no input ran');
      });
    }
  });
}
