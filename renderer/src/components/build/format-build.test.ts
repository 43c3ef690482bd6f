import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, problemText, stepElapsed } from './format-build.ts';

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0.00 s'],
    [23, '0.02 s'],
    [999, '1.00 s'],
    [1234, '1.2 s'],
    [12_400, '12 s'],
    [59_400, '59 s'],
    [125_000, '2 m 05 s'],
    [-5, '—'],
    [Number.NaN, '—'],
  ];
  for (const [ms, want] of cases) test(`${ms} → ${want}`, () => assert.equal(formatDuration(ms), want));
});

describe('stepElapsed', () => {
  const cases: [string, { startedAt: number | null; endedAt: number | null }, number | null][] = [
    ['not started', { startedAt: null, endedAt: null }, null],
    ['running', { startedAt: 100, endedAt: null }, 400],
    ['finished', { startedAt: 100, endedAt: 150 }, 50],
    ['clock skew', { startedAt: 600, endedAt: null }, 0],
  ];
  for (const [name, step, want] of cases) test(name, () => assert.equal(stepElapsed(step, 500), want));
});

describe('problemText', () => {
  const cases: [string, string][] = [
    ['Dockerfile:2: unknown instruction: FORM (did you mean FROM?)', 'unknown instruction: FORM (did you mean FROM?)'],
    ['build/Dockerfile.dev:12:3: bad', 'bad'],
    ["'as' and 'FROM' keywords' casing do not match", "'as' and 'FROM' keywords' casing do not match"],
  ];
  for (const [msg, want] of cases) test(msg, () => assert.equal(problemText(msg), want));
});
