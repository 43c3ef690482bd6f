import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatPercent } from './bytes.ts';
import { NONE, primaryReference, shortDigest } from './digest.ts';
import { formatAgo, formatTimestamp } from './time.ts';

describe('formatBytes', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [1_234_567, '1.23 MB'],
    [45_600_000, '45.6 MB'],
    [999_999_999_999_999, '1000 TB'],
    [-1, '—'],
  ];
  for (const [n, want] of cases) test(`${n} → ${want}`, () => assert.equal(formatBytes(n), want));
});

describe('formatPercent', () => {
  const cases: [number, number, string][] = [
    [1, 2, '50%'],
    [0, 0, '0%'],
    [1, 1000, '<1%'],
    [2, 3, '67%'],
  ];
  for (const [p, w, want] of cases) test(`${p}/${w} → ${want}`, () => assert.equal(formatPercent(p, w), want));
});

describe('formatAgo', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');
  const cases: [string | null, string][] = [
    [null, 'N/A'],
    ['garbage', 'N/A'],
    ['2024-06-01T12:00:00Z', 'just now'],
    ['2024-06-01T11:59:30Z', '30 seconds ago'],
    ['2024-06-01T11:00:00Z', '1 hour ago'],
    ['2024-05-29T12:00:00Z', '3 days ago'],
    ['1970-01-01T00:00:00Z', '54 years ago'],
    ['2030-01-01T00:00:00Z', 'just now'],
  ];
  for (const [iso, want] of cases) test(`${iso} → ${want}`, () => assert.equal(formatAgo(iso, now), want));
});

describe('formatTimestamp', () => {
  test('full ISO', () => assert.equal(formatTimestamp('2024-06-01T12:00:00.123Z'), '2024-06-01 12:00:00 UTC'));
  test('null', () => assert.equal(formatTimestamp(null), 'N/A'));
});

describe('digests and names', () => {
  test('shortDigest keeps 12 hex', () => assert.equal(shortDigest('sha256:0123456789abcdef0123'), '0123456789ab'));
  test('primaryReference of an untagged image', () => assert.equal(primaryReference([]), NONE));
  test('primaryReference takes the first', () => assert.equal(primaryReference(['a:1', 'b:2']), 'a:1'));
});
