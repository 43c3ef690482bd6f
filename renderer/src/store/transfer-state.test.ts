import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_LAYER, BASE_LAYER } from '../testing/sample-images.ts';
import { blobEvent, CONFIG_BLOB, PLAN, pushEvent, PUSH_REF } from '../testing/sample-transfers.ts';
import { applyTransferEvent, newTransfer, seedPlan, transferTotals, type Transfer } from './transfer-state.ts';

const start = (plan = true) => newTransfer({ id: 't1', operation: 'push', reference: PUSH_REF, imageDigest: 'sha256:img', now: 1000, plan: plan ? PLAN : null });
const states = (t: Transfer) => t.blobs.map((b) => `${b.role}:${b.state}`);

describe('newTransfer', () => {
  test('a plan seeds one queued row per blob with its planned action', () => {
    const t = start();
    assert.deepEqual(states(t), ['config:queued', 'layer:queued', 'layer:queued']);
    assert.deepEqual(t.blobs.map((b) => b.planned), ['upload', 'mount', 'upload']);
    assert.equal(t.phase, 'running');
  });
  test('without a plan, rows come with the events', () => assert.deepEqual(start(false).blobs, []));
});

describe('applyTransferEvent', () => {
  const cases: [string, Parameters<typeof blobEvent>[1][], Partial<Transfer['blobs'][number]>][] = [
    ['checking', [{ state: 'checking' }], { state: 'checking', bytesDone: 0 }],
    ['uploading keeps bytes and rate', [{ state: 'checking' }, { state: 'uploading', bytesDone: 500, total: 2000, rate: 1e6 }], { state: 'uploading', bytesDone: 500, rate: 1e6 }],
    ['done fills the row', [{ state: 'uploading', bytesDone: 500, total: 2000, rate: 1e6 }, { state: 'done' }], { state: 'done', bytesDone: 2000, rate: 0 }],
    ['exists fills the row', [{ state: 'checking' }, { state: 'exists' }], { state: 'exists', bytesDone: 2000 }],
    [
      'retrying keeps the bytes, says why, and counts',
      [{ state: 'uploading', bytesDone: 800, total: 2000, rate: 5 }, { state: 'retrying', reason: 'the connection dropped', attempt: 2, at: 5000 }],
      { state: 'retrying', bytesDone: 800, retry: { reason: 'the connection dropped', attempt: 2, at: 5000 }, retries: 1 },
    ],
    ['a retry ends when bytes move again', [{ state: 'retrying', reason: 'HTTP 503', attempt: 1, at: 1 }, { state: 'uploading', bytesDone: 900, total: 2000, rate: 5 }], { state: 'uploading', retry: null, retries: 1 }],
    ['mounted records where from', [{ state: 'mounting', from: 'team/base' }, { state: 'mounted', from: 'team/base' }, { state: 'done' }], { state: 'done', mounted: true, from: 'team/base' }],
    ['failed keeps the error', [{ state: 'failed', error: { code: 'DENIED', message: 'no push access' } }], { state: 'failed', error: { code: 'DENIED', message: 'no push access' } }],
  ];
  for (const [name, events, want] of cases) {
    test(name, () => {
      const t = applyTransferEvent(start(), pushEvent('t1', events.map((e) => blobEvent(APP_LAYER, e))), 2000);
      const row = t.blobs.find((b) => b.digest === APP_LAYER);
      assert.ok(row);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(row[k as keyof typeof row], v, k);
    });
  }

  test("compressing shows the tar's progress; compressed turns the row into the gzip twin the push sends", () => {
    const tar = 'sha256:' + 'a'.repeat(64);
    const twin = 'sha256:' + 'b'.repeat(64);
    const layer = { kind: 'blob' as const, operation: 'push' as const, digest: tar, size: 4000, mediaType: 'application/vnd.oci.image.layer.v1.tar', role: 'layer' as const };
    let t = applyTransferEvent(start(false), pushEvent('t1', [{ ...layer, state: 'compressing', bytesDone: 1000, total: 4000, rate: 2e6 }]), 2000);
    assert.deepEqual(t.blobs.map((b) => [b.digest, b.state, b.bytesDone, b.size]), [[tar, 'compressing', 1000, 4000]]);
    assert.equal(transferTotals(t).bytesDone, 1000);
    t = applyTransferEvent(t, pushEvent('t1', [{ ...layer, state: 'compressed', into: twin, intoSize: 1500, intoMediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }]), 2100);
    assert.deepEqual(t.blobs.map((b) => [b.digest, b.state, b.bytesDone, b.size, b.mediaType]), [[twin, 'queued', 0, 1500, 'application/vnd.oci.image.layer.v1.tar+gzip']]);
    t = applyTransferEvent(t, pushEvent('t1', [{ ...layer, digest: twin, size: 1500, state: 'done' }]), 2200);
    assert.deepEqual(t.blobs.map((b) => [b.digest, b.state]), [[twin, 'done']], 'one row for the layer, not two');
  });

  test('manifest and tags', () => {
    const t = applyTransferEvent(
      start(),
      pushEvent('t1', [
        { kind: 'manifest', operation: 'push', digest: 'sha256:m', mediaType: 'x', state: 'putting' },
        { kind: 'manifest', operation: 'push', digest: 'sha256:m', mediaType: 'x', state: 'done' },
        { kind: 'tag', operation: 'push', reference: PUSH_REF, digest: 'sha256:m', state: 'done' },
      ]),
      2000,
    );
    assert.equal(t.manifest?.state, 'done');
    assert.deepEqual(t.tags, [{ reference: PUSH_REF, state: 'done', error: null }]);
  });

  const results: [string, NonNullable<Parameters<typeof pushEvent>[2]>, Transfer['phase']][] = [
    ['ok → succeeded', { ok: true, value: { digest: 'sha256:m', references: [PUSH_REF], bytes: 10 } }, 'succeeded'],
    ['ABORTED → cancelled', { ok: false, error: { code: 'ABORTED', message: 'cancelled' } }, 'cancelled'],
    ['another error → failed', { ok: false, error: { code: 'DENIED', message: 'no' } }, 'failed'],
  ];
  for (const [name, result, phase] of results) {
    test(`result: ${name}`, () => {
      const t = applyTransferEvent(start(), pushEvent('t1', [], result), 3000);
      assert.equal(t.phase, phase);
      assert.equal(t.finishedAt, 3000);
    });
  }

  test('an unplanned blob is added as it is heard of', () => {
    const t = applyTransferEvent(start(false), pushEvent('t1', [blobEvent(BASE_LAYER, { state: 'checking' })]), 1);
    assert.deepEqual(states(t), ['layer:checking']);
  });
});

describe('transferTotals', () => {
  test('finished blobs count whole, moving ones by their bytes; rate sums the moving ones', () => {
    const t = applyTransferEvent(
      start(),
      pushEvent('t1', [
        blobEvent(CONFIG_BLOB, { state: 'done' }),
        blobEvent(BASE_LAYER, { state: 'exists' }),
        blobEvent(APP_LAYER, { state: 'uploading', bytesDone: 1000, total: 2000, rate: 300 }),
      ]),
      1,
    );
    assert.deepEqual(transferTotals(t), { bytesDone: 600 + 1_000_000 + 1000, bytesTotal: 1_002_600, rate: 300, blobsDone: 2, blobs: 3 });
  });
});

describe('seedPlan', () => {
  test('events first, plan after: known rows keep their state and get the plan; the rest are queued', () => {
    const early = applyTransferEvent(start(false), pushEvent('t1', [blobEvent(APP_LAYER, { state: 'checking' })]), 1);
    const t = seedPlan(early, PLAN);
    assert.deepEqual(
      t.blobs.map((b) => [b.digest, b.state, b.planned]),
      [
        [APP_LAYER, 'checking', 'upload'],
        [CONFIG_BLOB, 'queued', 'upload'],
        [BASE_LAYER, 'queued', 'mount'],
      ],
    );
  });
});
