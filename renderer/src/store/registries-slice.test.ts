import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CredentialView } from '../../../preload/contract.ts';
import { EngineError } from '../ipc/engine-error.ts';
import { fakeCaller } from '../testing/fake-caller.ts';
import { createStrataStore } from './store.ts';

const CRED: CredentialView = { registry: 'localhost:5000', username: 'ann', source: 'docker config (/home/ann/.docker/config.json)' };

function setup(extra: Parameters<typeof fakeCaller>[0] = {}) {
  let saved: CredentialView[] = [];
  const f = fakeCaller({
    listCredentials: async () => saved,
    login: async (p: { registry: string; username: string; password: string }) => {
      if (p.password !== 'right') throw new EngineError('UNAUTHORIZED', 'the registry refused the login');
      saved = [CRED];
      return CRED;
    },
    logout: async (p: { registry: string }) => {
      const removed = saved.length > 0;
      saved = [];
      return { registry: p.registry, removed };
    },
    testCredential: async () => ({ ok: true, message: 'localhost:5000 accepts the saved credential' }),
    ...extra,
  });
  const store = createStrataStore(f.call);
  return { store, f, s: () => store.getState() };
}

describe('registries slice', () => {
  test('a refused login keeps the error and saves nothing', async () => {
    const { s } = setup();
    assert.equal(await s().login('localhost:5000', 'ann', 'wrong'), false);
    assert.equal(s().loginError?.code, 'UNAUTHORIZED');
    assert.equal(s().loginBusy, false);
    assert.deepEqual(s().credentials, []);
  });

  test('a login reloads the list; the password never reaches the store', async () => {
    const { s, f } = setup();
    assert.equal(await s().login(' localhost:5000 ', 'ann ', 'right'), true);
    assert.deepEqual(f.calls[0], ['login', { registry: 'localhost:5000', username: 'ann', password: 'right' }]);
    assert.deepEqual(s().credentials, [CRED]);
    assert.equal(s().registryNotice, 'Logged in to localhost:5000 as ann');
    assert.ok(!JSON.stringify(s()).includes('right'), 'no password in the state');
  });

  test('Test runs per registry and keeps its answer', async () => {
    const { s } = setup();
    const running = s().testCredential('localhost:5000');
    assert.deepEqual(s().credentialTests['localhost:5000'], { running: true, ok: null, message: null });
    await running;
    assert.deepEqual(s().credentialTests['localhost:5000'], { running: false, ok: true, message: 'localhost:5000 accepts the saved credential' });
  });

  test('a failing Test says why', async () => {
    const { s } = setup({ testCredential: async () => ({ ok: false, message: 'unauthorized: authentication required' }) });
    await s().testCredential('localhost:5000');
    assert.equal(s().credentialTests['localhost:5000']?.ok, false);
  });

  test('logout removes it and says so', async () => {
    const { s } = setup();
    await s().login('localhost:5000', 'ann', 'right');
    await s().testCredential('localhost:5000');
    assert.equal(await s().logout('localhost:5000'), true);
    assert.deepEqual(s().credentials, []);
    assert.equal(s().registryNotice, 'Logged out of localhost:5000');
    assert.equal(s().credentialTests['localhost:5000'], undefined, 'an old test result goes with it');
  });
});
