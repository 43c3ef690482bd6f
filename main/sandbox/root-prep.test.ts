import assert from 'node:assert/strict';
import { mkdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../testing/temp.ts';
import { utimesSeconds } from './root-prep.ts';
import { xorshift32 } from '../util/xorshift.ts';

describe('utimesSeconds', () => {
  const t = tempDir('strata-root-prep-');
  after(() => t.cleanup());

  test('a time set through it comes back to the same microsecond, however often it is restored', () => {
    const dir = join(t.path, 'd');
    mkdirSync(dir);
    const next = xorshift32(0x5eed); // the same "random" times on every run
    for (let i = 0; i < 2000; i++) {
      const ns = 1_700_000_000_000_000_000n + BigInt(next()) * 400_000n + BigInt(next() % 1000);
      let now = ns;
      // Restore what was read back, again and again (as repeated sandbox start-ups restore a parent's times).
      for (let k = 0; k < 6; k++) {
        utimesSync(dir, utimesSeconds(now), utimesSeconds(now));
        now = statSync(dir, { bigint: true }).mtimeNs;
      }
      assert.equal(now / 1000n, ns / 1000n, `${ns} ns came back as ${now} ns`);
    }
  });
});
