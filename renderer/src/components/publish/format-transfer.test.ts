import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BlobRow } from '../../store/transfer-state.ts';
import { formatRate, phaseText, rowDetail, rowFraction } from './format-transfer.ts';

const row = (patch: Partial<BlobRow>): BlobRow => ({
  digest: 'sha256:x',
  size: 2_000_000,
  mediaType: 'm',
  role: 'layer',
  state: 'queued',
  bytesDone: 0,
  rate: 0,
  planned: null,
  from: null,
  mounted: false,
  retry: null,
  retries: 0,
  error: null,
  ...patch,
});

describe('rowDetail', () => {
  const now = 10_000;
  const cases: [string, Partial<BlobRow>, string][] = [
    ['uploading: bytes and rate', { state: 'uploading', bytesDone: 500_000, rate: 1_500_000 }, '500 kB of 2.00 MB · 1.50 MB/s'],
    ['uploading before a rate is known', { state: 'uploading', bytesDone: 0 }, '0 B of 2.00 MB'],
    ['retrying: reason, attempt and wait', { state: 'retrying', retry: { reason: 'the connection dropped', attempt: 2, at: 12_500 } }, 'the connection dropped · attempt 2 in 3 s'],
    ['retrying now', { state: 'retrying', retry: { reason: 'HTTP 503', attempt: 3, at: 9_000 } }, 'HTTP 503 · attempt 3'],
    ['exists', { state: 'exists' }, 'already in the registry'],
    ['done after an upload', { state: 'done' }, '2.00 MB sent'],
    ['done after retries', { state: 'done', retries: 2 }, '2.00 MB sent · 2 retries'],
    ['done by a mount', { state: 'done', mounted: true, from: 'team/base' }, 'mounted from team/base'],
    ['failed', { state: 'failed', error: { code: 'DENIED', message: 'requested access to the resource is denied' } }, 'requested access to the resource is denied'],
    ['queued with a plan to mount', { state: 'queued', planned: 'mount', from: 'team/base' }, 'planned: mount from team/base'],
    ['queued without a plan', { state: 'queued' }, ''],
  ];
  for (const [name, patch, want] of cases) test(name, () => assert.equal(rowDetail(row(patch), now), want));
});

describe('rowFraction', () => {
  const cases: [string, Partial<BlobRow>, number][] = [
    ['half uploaded', { state: 'uploading', bytesDone: 1_000_000 }, 0.5],
    ['exists is full', { state: 'exists' }, 1],
    ['queued is empty', {}, 0],
    ['an empty blob uploading', { state: 'uploading', size: 0 }, 0],
  ];
  for (const [name, patch, want] of cases) test(name, () => assert.equal(rowFraction(row(patch)), want));
});

describe('words', () => {
  test('formatRate', () => {
    assert.equal(formatRate(0), '');
    assert.equal(formatRate(12_345_678), '12.3 MB/s');
  });
  test('phaseText', () => {
    assert.equal(phaseText('running', 'push'), 'Pushing');
    assert.equal(phaseText('succeeded', 'pull'), 'Pulled');
  });
});
