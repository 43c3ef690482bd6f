import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { applyTransferEvent, newTransfer } from '../../store/transfer-state.ts';
import { APP_LAYER, BASE_LAYER } from '../../testing/sample-images.ts';
import { blobEvent, CONFIG_BLOB, PLAN, pushEvent, PUSH_REF } from '../../testing/sample-transfers.ts';
import { PlanTable } from './PlanTable.tsx';
import { TransferRows } from './TransferRows.tsx';

const running = applyTransferEvent(
  newTransfer({ id: 't1', operation: 'push', reference: PUSH_REF, now: 0, plan: PLAN }),
  pushEvent('t1', [
    blobEvent(CONFIG_BLOB, { state: 'done' }),
    blobEvent(BASE_LAYER, { state: 'retrying', reason: 'the connection dropped', attempt: 2, at: 0 }),
    blobEvent(APP_LAYER, { state: 'uploading', bytesDone: 1000, total: 2000, rate: 4000 }),
  ]),
  0,
);

describe('TransferRows', () => {
  const html = renderToStaticMarkup(createElement(TransferRows, { transfer: running, now: 0, onCancel: () => {} }));
  const rows = [...html.matchAll(/data-testid="blob-row" data-digest="([^"]+)" data-role="(\w+)" data-state="(\w+)"/g)].map((m) => [m[2], m[3]]);
  test('one row per blob, in plan order, with its state', () =>
    assert.deepEqual(rows, [
      ['config', 'done'],
      ['layer', 'retrying'],
      ['layer', 'uploading'],
    ]));
  test('uploading shows a bar, bytes and rate', () => {
    assert.match(html, /1.00 kB of 2.00 kB · 4.00 kB\/s/);
    assert.match(html, /role="progressbar" aria-label="layer 2 [0-9a-f]{12}"[^>]*aria-valuenow="50"/);
  });
  test('retrying shows the reason', () => assert.match(html, /the connection dropped · attempt 2/));
  test('the overall bar counts finished and moving bytes', () => {
    assert.match(html, /data-testid="transfer-numbers">1\/3 blobs · 1.60 kB of 1.00 MB/);
  });
  test('Cancel while it runs', () => assert.match(html, /data-testid="transfer-cancel"/));

  test('finished: manifest and tags, no Cancel', () => {
    const done = applyTransferEvent(
      running,
      pushEvent(
        't1',
        [
          { kind: 'manifest', operation: 'push', digest: 'sha256:' + '9'.repeat(64), mediaType: 'x', state: 'done' },
          { kind: 'tag', operation: 'push', reference: PUSH_REF, digest: 'sha256:9', state: 'done' },
        ],
        { ok: true, value: { digest: 'sha256:9', references: [PUSH_REF], bytes: 3 } },
      ),
      1,
    );
    const out = renderToStaticMarkup(createElement(TransferRows, { transfer: done, now: 0, onCancel: () => {} }));
    assert.match(out, /data-testid="transfer-manifest" data-state="done"/);
    assert.match(out, /data-testid="transfer-tag" data-state="done" data-reference="127.0.0.1:5000\/strata-e2e\/app:1"/);
    assert.match(out, /data-phase="succeeded"/);
    assert.doesNotMatch(out, /transfer-cancel/);
  });

  test('compact hides the rows', () => assert.doesNotMatch(renderToStaticMarkup(createElement(TransferRows, { transfer: running, now: 0, compact: true })), /blob-row/));
});

describe('PlanTable', () => {
  const html = renderToStaticMarkup(createElement(PlanTable, { plan: PLAN }));
  test('counts by action and the bytes to send', () => {
    assert.match(html, /data-testid="plan-exists">0</);
    assert.match(html, /data-testid="plan-mount">1</);
    assert.match(html, /data-testid="plan-upload">2</);
    assert.match(html, /data-testid="plan-bytes">2.60 kB</);
  });
  test('one row per blob with its action (and where a mount comes from)', () => {
    assert.deepEqual([...html.matchAll(/data-testid="plan-blob"[^>]*data-action="(\w+)"/g)].map((m) => m[1]), ['upload', 'mount', 'upload']);
    assert.match(html, /mount from strata-e2e\/base/);
  });
});
