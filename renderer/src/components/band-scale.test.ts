import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bandHeight, STACK_SCALE } from './band-scale.ts';

describe('bandHeight', () => {
  const s = { min: 40, max: 140, decades: 4 };
  const cases: [string, number, number, number][] = [
    ['the largest layer gets the maximum', 1_000_000, 1_000_000, 140],
    ['four decades down gets the minimum', 100, 1_000_000, 40],
    ['smaller still stays at the minimum', 3, 1_000_000, 40],
    ['halfway in log terms is halfway up', 10_000, 1_000_000, 90],
    ['an empty layer gets the minimum', 0, 1_000_000, 40],
    ['nothing to compare with gets the minimum', 10, 0, 40],
  ];
  for (const [name, size, largest, want] of cases) test(name, () => assert.equal(bandHeight(size, largest, s), want));
  test('grows with size', () => {
    const hs = [10, 1e3, 1e5, 1e7].map((n) => bandHeight(n, 1e7));
    assert.deepEqual([...hs].sort((a, b) => a - b), hs);
    assert.equal(hs[0], STACK_SCALE.min);
    assert.equal(hs[3], STACK_SCALE.max);
  });
});
