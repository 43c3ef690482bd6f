import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StrataBridge } from '../../../preload/contract.ts';
import { makeCaller } from './call.ts';
import { EngineError } from './engine-error.ts';

const bridgeAnswering = (answer: () => Promise<unknown>): StrataBridge => ({
  invoke: (() => answer()) as StrataBridge['invoke'],
  on: () => () => {},
});

describe('makeCaller', () => {
  test('unwraps an ok envelope', async () => {
    const call = makeCaller(bridgeAnswering(async () => ({ ok: true, result: { version: '1', home: '/h', mode: 'browser' } })));
    assert.deepEqual(await call('version', {}), { version: '1', home: '/h', mode: 'browser' });
  });

  const failures: [string, () => Promise<unknown>, string, RegExp][] = [
    ['engine error keeps code and details', async () => ({ ok: false, error: { code: 'IMAGE_NOT_FOUND', message: 'no image "x"', details: { input: 'x' } } }), 'IMAGE_NOT_FOUND', /no image "x"/],
    ['a rejected invoke becomes BRIDGE_FAILED', async () => Promise.reject(new Error('ipc gone')), 'BRIDGE_FAILED', /ipc gone/],
    ['a non-envelope becomes BRIDGE_PROTOCOL', async () => 42, 'BRIDGE_PROTOCOL', /without an envelope/],
  ];
  for (const [name, answer, code, message] of failures) {
    test(name, async () => {
      const call = makeCaller(bridgeAnswering(answer));
      await assert.rejects(call('inspectImage', { ref: 'x' }), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('details survive', async () => {
    const call = makeCaller(bridgeAnswering(async () => ({ ok: false, error: { code: 'E', message: 'm', details: { a: 1 } } })));
    await assert.rejects(call('listImages', {}), (e: EngineError) => e.details?.a === 1 && JSON.stringify(e) === '{"code":"E","message":"m","details":{"a":1}}');
  });
});
