import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TransferEvent } from '../../preload/contract.ts';
import { Store } from '../store/store.ts';
import { makeBusyboxImage } from '../testing/busybox-image.ts';
import { startRegistry, type TestRegistry } from '../testing/registry/registry.ts';
import { tempDir } from '../testing/temp.ts';
import { dispatch } from './dispatch.ts';
import { Engine } from './engine.ts';

function waitTransfer(engine: Engine, transferId: string): Promise<TransferEvent[]> {
  return new Promise((resolve) => {
    const seen: TransferEvent[] = [];
    const off = engine.events.subscribe((name, payload) => {
      const e = payload as TransferEvent;
      if (name !== 'transfer/progress' || e.transferId !== transferId) return;
      seen.push(e);
      if (e.result) {
        off();
        resolve(seen);
      }
    });
  });
}

describe('engine: push, plan, pull and credentials through the contract (real registry)', () => {
  const t = tempDir();
  let registry: TestRegistry;
  let engine: Engine;
  before(async () => {
    const cfg = join(t.path, 'docker');
    mkdirSync(cfg);
    writeFileSync(join(cfg, 'config.json'), '{}');
    process.env.DOCKER_CONFIG = cfg;
    registry = await startRegistry(join(t.path, 'registry'), { kind: 'htpasswd', users: { bob: 'builder' } });
    const store = await Store.open(join(t.path, 'home'));
    await makeBusyboxImage(store, [`${registry.host}/svc/app:1`], { extraLayer: { 'x.txt': 'x' } });
    engine = new Engine(store, 'browser');
  });
  after(async () => {
    await registry?.stop();
    delete process.env.DOCKER_CONFIG;
    t.cleanup();
  });

  test('login through dispatch, listed with its source, tested; a wrong password is a typed error', async () => {
    const bad = await dispatch(engine, 'login', { registry: registry.host, username: 'bob', password: 'hunter2-not-it' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'UNAUTHORIZED');
    assert.ok(!JSON.stringify(bad).includes('hunter2'), 'the password is not echoed');
    const ok = await dispatch(engine, 'login', { registry: registry.host, username: 'bob', password: 'builder' });
    assert.equal(ok.ok, true);
    const list = await engine.listCredentials();
    assert.deepEqual(list.map((c) => [c.registry, c.username]), [[registry.host, 'bob']]);
    assert.match(list[0]!.source, /docker config/);
    assert.deepEqual(await engine.testCredential({ registry: registry.host }), { ok: true, message: `${registry.host} accepts the saved credential` });
  });

  test('plan, push with per-blob events, then the plan says everything exists', async () => {
    const ref = `${registry.host}/svc/app:1`;
    const plan = await engine.planPush({ ref });
    assert.deepEqual(plan.blobs.map((b) => b.action), ['upload', 'upload', 'upload']);
    assert.equal(plan.bytesToUpload, plan.bytesTotal);
    const { transferId } = await engine.pushImage({ ref, tags: ['stable'] });
    const events = await waitTransfer(engine, transferId);
    const last = events.at(-1)!;
    assert.equal(last.result?.ok, true);
    const flat = events.flatMap((e) => e.events ?? []);
    for (const b of plan.blobs) {
      const states = flat.filter((e) => e.kind === 'blob' && e.digest === b.digest).map((e) => e.state);
      assert.equal(states[0], 'checking');
      assert.equal(states.at(-1), 'done');
    }
    assert.deepEqual(flat.filter((e) => e.kind === 'tag').map((e) => (e as { reference: string }).reference).sort(), [`${registry.host}/svc/app:1`, `${registry.host}/svc/app:stable`]);
    const again = await engine.planPush({ ref });
    assert.deepEqual(again.blobs.map((b) => b.action), ['exists', 'exists', 'exists']);
    assert.equal(again.bytesToUpload, 0);
  });

  test('pull into another store emits progress and announces the new image', async () => {
    const other = new Engine(await Store.open(join(t.path, 'home2')), 'browser');
    const changed = new Promise((r) => other.events.subscribe((name) => name === 'images/changed' && r(true)));
    const { transferId } = await other.pullImage({ ref: `${registry.host}/svc/app:stable` });
    const events = await waitTransfer(other, transferId);
    assert.equal(events.at(-1)!.result?.ok, true);
    assert.ok(await changed);
    const images = await other.listImages();
    assert.deepEqual(images.map((i) => i.references), [[`${registry.host}/svc/app:stable`]]);
  });

  test('an unknown image fails at once; logout removes the credential', async () => {
    const r = await dispatch(engine, 'pushImage', { ref: `${registry.host}/svc/none:1` });
    assert.equal(!r.ok && r.error.code, 'IMAGE_NOT_FOUND');
    assert.deepEqual(await engine.logout({ registry: registry.host }), { registry: registry.host, removed: true });
    assert.deepEqual(await engine.listCredentials(), []);
  });
});
