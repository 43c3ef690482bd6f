import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineError } from '../ipc/engine-error.ts';
import { APP, APP_LAYER, BASE } from '../testing/sample-images.ts';
import { deferred, fakeCaller } from '../testing/fake-caller.ts';
import { blobEvent, PLAN, pushEvent, PUSH_REF } from '../testing/sample-transfers.ts';
import { createStrataStore } from './store.ts';

const target = { digest: APP.digest, ref: PUSH_REF, tags: [] as string[] };

function setup(extra: Parameters<typeof fakeCaller>[0] = {}) {
  const f = fakeCaller({
    tagImage: async () => ({ reference: PUSH_REF, digest: APP.digest, previous: null }),
    planPush: async () => PLAN,
    pushImage: async () => ({ transferId: 't1' }),
    cancelTransfer: async () => ({ cancelled: true }),
    ...extra,
  });
  const store = createStrataStore(f.call, { transfers: { now: () => 42 } });
  store.setState({ images: [APP, BASE] });
  return { store, f, s: () => store.getState() };
}

describe('transfers slice', () => {
  test('planPublish tags a new name first, then plans', async () => {
    const { s, f } = setup();
    const plan = await s().planPublish(target);
    assert.equal(plan, PLAN);
    assert.deepEqual(f.calls, [
      ['tagImage', { source: APP.digest, target: PUSH_REF }],
      ['planPush', { ref: PUSH_REF }],
    ]);
    assert.deepEqual(s().publishPlan, { ref: PUSH_REF, tags: [], plan: PLAN, loading: false, error: null });
  });

  test('a name the image has already is not tagged again; extra tags go along', async () => {
    const { s, f } = setup();
    await s().planPublish({ digest: APP.digest, ref: APP.references[1] as string, tags: ['latest'] });
    assert.deepEqual(f.calls, [['planPush', { ref: APP.references[1], tags: ['latest'] }]]);
  });

  test('a name of another image is refused, not moved', async () => {
    const { s, f } = setup();
    assert.equal(await s().planPublish({ digest: APP.digest, ref: BASE.references[0] as string, tags: [] }), null);
    assert.equal(s().publishPlan?.error?.code, 'TAG_TAKEN');
    assert.deepEqual(f.calls, []);
  });

  test('startPush seeds the rows from the plan, then events move them to done', async () => {
    const { s } = setup();
    await s().planPublish(target);
    assert.equal(await s().startPush(target), 't1');
    const t = () => s().transfers.t1;
    assert.deepEqual(t()?.blobs.map((b) => b.state), ['queued', 'queued', 'queued']);
    assert.equal(t()?.imageDigest, APP.digest);
    s().receiveTransfer(pushEvent('t1', PLAN.blobs.map((b) => blobEvent(b.digest, { state: 'done' }))));
    s().receiveTransfer(pushEvent('t1', [], { ok: true, value: { digest: APP.digest, references: [PUSH_REF], bytes: 2600 } }));
    assert.deepEqual(t()?.blobs.map((b) => b.state), ['done', 'done', 'done']);
    assert.equal(t()?.phase, 'succeeded');
    assert.deepEqual(s().transferOrder, ['t1']);
  });

  test('events that come before pushImage answers are kept, and the plan joins them', async () => {
    const answer = deferred<{ transferId: string }>();
    const { s } = setup({ pushImage: () => answer.promise });
    await s().planPublish(target);
    const started = s().startPush(target);
    await new Promise((r) => setTimeout(r, 5));
    s().receiveTransfer(pushEvent('t1', [blobEvent(APP_LAYER, { state: 'checking' })]));
    answer.resolve({ transferId: 't1' });
    await started;
    const t = s().transfers.t1;
    assert.equal(t?.imageDigest, APP.digest);
    assert.deepEqual(
      t?.blobs.map((b) => [b.digest, b.state]),
      [[APP_LAYER, 'checking'], ...PLAN.blobs.filter((b) => b.digest !== APP_LAYER).map((b) => [b.digest, 'queued'])],
    );
  });

  test('a transfer started elsewhere shows up from its events, newest first', () => {
    const { s } = setup();
    s().receiveTransfer(pushEvent('a', []));
    s().receiveTransfer(pushEvent('b', []));
    assert.deepEqual(s().transferOrder, ['b', 'a']);
    assert.equal(s().transfers.a?.reference, PUSH_REF);
  });

  test('cancel marks it cancelling; the last event says cancelled; only then can it be dismissed', async () => {
    const { s, f } = setup();
    s().receiveTransfer(pushEvent('t1', []));
    s().dismissTransfer('t1');
    assert.ok(s().transfers.t1, 'a running transfer stays');
    await s().cancelTransfer('t1');
    assert.deepEqual(f.calls.at(-1), ['cancelTransfer', { transferId: 't1' }]);
    assert.equal(s().transfers.t1?.cancelling, true);
    s().receiveTransfer(pushEvent('t1', [], { ok: false, error: { code: 'ABORTED', message: 'cancelled' } }));
    assert.equal(s().transfers.t1?.phase, 'cancelled');
    assert.equal(s().transfers.t1?.cancelling, false);
    s().dismissTransfer('t1');
    assert.deepEqual(s().transferOrder, []);
    assert.equal(s().transfers.t1, undefined);
  });

  test('a push the engine refuses says why', async () => {
    const { s } = setup({ pushImage: async () => Promise.reject(new EngineError('UNAUTHORIZED', 'log in first')) });
    assert.equal(await s().startPush({ ...target, ref: APP.references[1] as string }), null);
    assert.equal(s().publishError?.code, 'UNAUTHORIZED');
    assert.equal(s().publishBusy, false);
  });
});
