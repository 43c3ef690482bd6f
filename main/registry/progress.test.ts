import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Digest } from '../oci/digest.ts';
import { ProgressBatcher, RateMeter, type BlobProgress, type ProgressEvent } from './progress.ts';

const blob = (digest: string, s: Record<string, unknown>): BlobProgress => ({ kind: 'blob', operation: 'push', digest: digest as Digest, size: 100, mediaType: 'x/y', role: 'layer', ...s }) as BlobProgress;

describe('ProgressBatcher', () => {
  test('byte updates of a blob collapse into the latest; other state changes keep their order', () => {
    const batches: ProgressEvent[][] = [];
    const b = new ProgressBatcher((e) => batches.push(e), 10_000);
    b.emit(blob('a', { state: 'checking' }));
    b.emit(blob('a', { state: 'uploading', bytesDone: 10, total: 100, rate: 1 }));
    b.emit(blob('b', { state: 'checking' }));
    b.emit(blob('a', { state: 'uploading', bytesDone: 50, total: 100, rate: 2 }));
    b.emit(blob('a', { state: 'retrying', reason: 'x', attempt: 2, at: 1 }));
    b.emit(blob('a', { state: 'uploading', bytesDone: 20, total: 100, rate: 1 }));
    b.emit(blob('a', { state: 'uploading', bytesDone: 100, total: 100, rate: 1 }));
    b.emit(blob('a', { state: 'done' }));
    b.flush();
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.map((e) => (e.kind === 'blob' ? `${e.digest}:${e.state}${'bytesDone' in e ? `@${e.bytesDone}` : ''}` : e.kind)),
      ['a:checking', 'a:uploading@50', 'b:checking', 'a:retrying', 'a:uploading@100', 'a:done'],
    );
  });

  test('batches come on a timer and never empty', async () => {
    const batches: ProgressEvent[][] = [];
    const b = new ProgressBatcher((e) => batches.push(e), 20);
    b.flush();
    b.emit(blob('a', { state: 'checking' }));
    await new Promise((r) => setTimeout(r, 60));
    b.emit(blob('a', { state: 'done' }));
    b.flush();
    assert.deepEqual(batches.map((x) => x.length), [1, 1]);
  });

  test('a throwing listener does not break the transfer', () => {
    const b = new ProgressBatcher(() => {
      throw new Error('boom');
    });
    b.emit(blob('a', { state: 'checking' }));
    b.flush();
  });
});

test('RateMeter measures bytes per second over its window', () => {
  const r = new RateMeter(3000);
  assert.equal(r.record(0, 0), 0);
  assert.equal(r.record(1000, 1000), 1000);
  assert.equal(r.record(3000, 2000), 1500);
  assert.equal(r.record(13000, 7000), 2000);
});
