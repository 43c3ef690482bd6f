import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReferenceCheck } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { APP, BASE } from '../testing/sample-images.ts';
import { fakeCaller } from '../testing/fake-caller.ts';
import { createStrataStore } from './store.ts';
import { tagCheck } from './tag-slice.ts';

/** check answers like the engine's checkReference for a few names. */
async function check({ input }: { input: string }): Promise<ReferenceCheck> {
  if (input !== input.toLowerCase()) return { ok: false, error: `invalid reference "${input}": repository name must be lowercase` };
  const name = input.includes('/') ? input : `library/${input}`;
  const tagged = /:[\w.-]+$/.test(name) ? name : `${name}:latest`;
  return { ok: true, normalized: `docker.io/${tagged}`, familiar: tagged.replace(/^library\//, '') };
}

function setup(extra: Parameters<typeof fakeCaller>[0] = {}) {
  const f = fakeCaller({ checkReference: check as never, tagImage: async (p: { target: string }) => ({ reference: p.target, digest: APP.digest, previous: null }), ...extra });
  const store = createStrataStore(f.call, { tag: { checkDelayMs: 1 } });
  store.setState({ images: [APP, BASE] });
  return { store, f, s: () => store.getState() };
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('tagCheck', () => {
  test('a digest reference is no tag', () => assert.equal(tagCheck({ ok: true, normalized: 'docker.io/library/a@sha256:00', familiar: 'a@sha256:00' }).ok, false));
  test('a tag passes', () => assert.equal(tagCheck({ ok: true, normalized: 'docker.io/library/a:1', familiar: 'a:1' }).ok, true));
});

describe('image tag slice', () => {
  test('the field is checked once typing pauses; answers for older texts are dropped', async () => {
    const { s, f } = setup();
    s().setImageTagInput('M');
    s().setImageTagInput('My');
    s().setImageTagInput('myapp');
    await tick();
    assert.deepEqual(f.calls, [['checkReference', { input: 'myapp' }]]);
    assert.deepEqual(s().imageTagCheck, { input: 'myapp', result: { ok: true, normalized: 'docker.io/library/myapp:latest', familiar: 'myapp:latest' } });
    s().setImageTagInput('');
    assert.equal(s().imageTagCheck, null);
  });

  test('an invalid name is not tagged', async () => {
    const { s, f } = setup();
    s().setImageTagInput('Bad');
    assert.equal(await s().submitImageTag(APP.digest), 'invalid');
    assert.equal(s().imageTagCheck?.result.ok, false);
    assert.ok(!f.methods().includes('tagImage'));
  });

  test('a free name is tagged at once with its full form, and the field empties', async () => {
    const { s, f } = setup();
    s().setImageTagInput('myapp');
    assert.equal(await s().submitImageTag(APP.digest), 'tagged');
    assert.deepEqual(f.calls.at(-1), ['tagImage', { source: APP.digest, target: 'docker.io/library/myapp:latest' }]);
    assert.equal(s().imageTagInput, '');
    assert.equal(s().imageTagNotice, 'Tagged myapp:latest');
  });

  test('a name of this image already changes nothing', async () => {
    const { s, f } = setup();
    s().setImageTagInput('strata-e2e/app:1');
    assert.equal(await s().submitImageTag(APP.digest), 'unchanged');
    assert.ok(!f.methods().includes('tagImage'));
  });

  test('a name of another image asks first: no says nothing changes, yes moves it', async () => {
    const { s, f } = setup();
    s().setImageTagInput('strata-e2e/base:1');
    assert.equal(await s().submitImageTag(APP.digest), 'confirm');
    assert.deepEqual(s().imageTagMove, { source: APP.digest, target: 'docker.io/strata-e2e/base:1', familiar: 'strata-e2e/base:1', fromDigest: BASE.digest, fromOtherNames: [] });
    assert.ok(!f.methods().includes('tagImage'));
    s().cancelImageTagMove();
    assert.equal(s().imageTagMove, null);
    assert.equal(await s().submitImageTag(APP.digest), 'confirm');
    assert.equal(await s().confirmImageTagMove(), true);
    assert.deepEqual(f.calls.at(-1), ['tagImage', { source: APP.digest, target: 'docker.io/strata-e2e/base:1' }]);
    assert.equal(s().imageTagMove, null);
  });

  test('an engine refusal is kept for the tab', async () => {
    const { s } = setup({ tagImage: async () => Promise.reject(new EngineError('STORE_LOCKED', 'busy')) });
    s().setImageTagInput('myapp');
    assert.equal(await s().submitImageTag(APP.digest), 'failed');
    assert.equal(s().imageTagError?.code, 'STORE_LOCKED');
    assert.equal(s().imageTagBusy, false);
  });

  test('removeImageTag untags one name', async () => {
    const { s, f } = setup({ untagImage: async (p: { ref: string }) => ({ reference: p.ref, digest: APP.digest }) });
    assert.equal(await s().removeImageTag('localhost:5000/app:latest'), true);
    assert.deepEqual(f.calls.at(-1), ['untagImage', { ref: 'localhost:5000/app:latest' }]);
    assert.equal(s().imageTagNotice, 'Removed localhost:5000/app:latest');
  });
});
