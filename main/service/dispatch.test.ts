// dispatch's validation errors: typed, saying what is wrong where, and bounded: a renderer sending megabyte
// keys or values never gets them echoed back (nor do logs that print the message).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineApi } from '../../preload/contract.ts';
import { dispatch } from './dispatch.ts';

/** An engine no valid call reaches in these cases: every method rejects loudly if called. */
const engine = new Proxy({}, { get: () => async () => { throw new Error('an invalid call reached the engine'); } }) as unknown as EngineApi;

const HUGE = 'k'.repeat(1_000_000);
const SECRETISH = 'VALUE-THAT-MUST-NOT-BE-ECHOED';

const cases: { name: string; method: unknown; params: unknown; mentions: RegExp }[] = [
  { name: 'a huge unknown key', method: 'inspectImage', params: { ref: 'a', [HUGE]: 1 }, mentions: /unknown key "k{40}…" \(1000000 characters\)/ },
  { name: 'many unknown keys', method: 'listImages', params: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}${HUGE.slice(0, 1000)}`, i])), mentions: /unknown keys .* and 495 more/ },
  { name: 'a huge method name', method: HUGE, params: {}, mentions: /unknown method "k{40}…"/ },
  { name: 'a non-string method', method: { evil: HUGE }, params: {}, mentions: /unknown method object/ },
  { name: 'a huge string value', method: 'inspectImage', params: { ref: `${SECRETISH}${HUGE}` }, mentions: /"ref": Too big/ },
  { name: 'a huge enum value', method: 'build', params: { contextDir: '/x', network: `${SECRETISH}${HUGE}` }, mentions: /"network": Invalid option/ },
  { name: 'a huge record key', method: 'build', params: { contextDir: '/x', buildArgs: { [`${SECRETISH}${HUGE}`]: 'v' } }, mentions: /"buildArgs"\."VALUE-THAT-MUST-NOT-BE-EC\w*…" \(\d+ characters\): invalid key/ },
  { name: 'a wrong type deep inside', method: 'build', params: { contextDir: '/x', secrets: [{ id: 'a', src: 5 }] }, mentions: /"secrets"\.\[0\]\."src": Invalid input: expected string/ },
  { name: 'a huge value of the wrong type', method: 'tagImage', params: { source: 'a', target: [SECRETISH, HUGE] }, mentions: /"target": Invalid input/ },
];

describe('dispatch: validation errors are typed, precise and bounded', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const r = await dispatch(engine, c.method, c.params);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, 'INVALID_REQUEST', r.error.message.slice(0, 300));
      assert.match(r.error.message, c.mentions);
      assert.ok(r.error.message.length <= 600, `${r.error.message.length} characters: ${r.error.message.slice(0, 300)}`);
      assert.ok(JSON.stringify(r.error).length <= 800, 'the whole error envelope is bounded');
      assert.ok(!r.error.message.includes(`${SECRETISH}${'k'.repeat(50)}`), 'no value is echoed in full');
      if (c.name.includes('value')) assert.ok(!r.error.message.includes(SECRETISH), 'a value is never echoed');
    });
  }
});
