import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildContextInfo } from '../../../preload/contract.ts';
import type { ViewName } from '../navigation.ts';
import { BUILD_ID, MULTI_ANALYSIS, MULTI_TEXT } from '../store/build-samples.ts';
import { newBuildRun } from '../store/build-status.ts';
import { createStrataStore } from '../store/store.ts';
import { fakeCaller } from '../testing/fake-caller.ts';
import { APP, APP_DETAIL } from '../testing/sample-images.ts';
import { runAppCommand } from './commands.ts';

const CTX: BuildContextInfo = { contextDir: '/work/ctx', dockerfile: 'Dockerfile', exists: true, text: MULTI_TEXT };

function setup() {
  const f = fakeCaller({
    openContext: async () => CTX,
    analyzeDockerfile: async () => MULTI_ANALYSIS,
    build: async () => ({ buildId: BUILD_ID }),
    inspectImage: async () => APP_DETAIL,
  });
  const store = createStrataStore(f.call, { build: { analyzeDelayMs: 5 } });
  const views: ViewName[] = [];
  return { ...f, store, views, go: (v: ViewName) => void views.push(v) };
}

describe('app commands (menu and shortcuts)', () => {
  test('build with no context open: shows the Build view, builds nothing', async () => {
    const s = setup();
    await runAppCommand('build', s.store, s.go);
    assert.deepEqual(s.views, ['build']);
    assert.deepEqual(s.methods(), []);
  });

  test('build with a context open starts one build; a second press while it runs does nothing', async () => {
    const s = setup();
    await s.store.getState().openContext('/work/ctx');
    await runAppCommand('build', s.store, s.go);
    await runAppCommand('build', s.store, s.go);
    assert.equal(s.methods().filter((m) => m === 'build').length, 1);
    assert.equal(s.store.getState().build?.buildId, BUILD_ID);
  });

  test('push opens Publish for the selected image', async () => {
    const s = setup();
    await s.store.getState().selectImage(APP.digest);
    await runAppCommand('push', s.store, s.go);
    assert.deepEqual(s.views, ['images']);
    assert.equal(s.store.getState().detailTab, 'publish');
    assert.equal(s.store.getState().selectedDigest, APP.digest);
  });

  test("push with nothing selected opens the last build's image", async () => {
    const s = setup();
    const built = { ...newBuildRun({ contextDir: '/work/ctx', dockerfile: 'Dockerfile', text: '', now: 1 }), buildId: BUILD_ID, phase: 'succeeded' as const };
    s.store.setState({ build: { ...built, result: { digest: APP.digest, configDigest: '', references: [], cachedSteps: 0, fsSteps: 0, durationMs: 1 } } });
    await runAppCommand('push', s.store, s.go);
    assert.equal(s.store.getState().selectedDigest, APP.digest);
    assert.equal(s.store.getState().detailTab, 'publish');
  });

  test('push with nothing selected and no build: just the Images view', async () => {
    const s = setup();
    await runAppCommand('push', s.store, s.go);
    assert.deepEqual(s.views, ['images']);
    assert.equal(s.store.getState().detailTab, 'layers');
  });

  test('closing the detail goes back to Layers for the next image', async () => {
    const s = setup();
    await s.store.getState().selectImage(APP.digest);
    await runAppCommand('push', s.store, s.go);
    await s.store.getState().selectImage(null);
    assert.equal(s.store.getState().detailTab, 'layers');
  });
});
