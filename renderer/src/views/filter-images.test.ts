import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP, BASE, UNTAGGED } from '../testing/sample-images.ts';
import { filterImages } from './filter-images.ts';

describe('filterImages', () => {
  const all = [APP, BASE, UNTAGGED];
  const cases: [string, string, string[]][] = [
    ['empty query keeps all', '  ', [APP.digest, BASE.digest, UNTAGGED.digest]],
    ['familiar name', 'strata-e2e/base', [BASE.digest]],
    ['full name', 'docker.io/strata-e2e/app', [APP.digest]],
    ['second tag', 'localhost:5000', [APP.digest]],
    ['digest prefix', '3333', [UNTAGGED.digest]],
    ['case-insensitive', 'APP', [APP.digest]],
    ['<none>', 'none', [UNTAGGED.digest]],
    ['no match', 'zzz', []],
  ];
  for (const [name, q, want] of cases) test(name, () => assert.deepEqual(filterImages(all, q).map((i) => i.digest), want));
});
