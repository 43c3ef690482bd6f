import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, sameJsonData, stepKey } from './cache.ts';

// The reference: JSON with every object's keys in sort() order (what cache keys have always been made of).
function reference(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map((x) => reference(x)).join(',') + ']';
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const members = Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => JSON.stringify(k) + ':' + reference(o[k]));
    return '{' + members.join(',') + '}';
  }
  return JSON.stringify(v);
}

const cases: [string, unknown][] = [
  ['copy inputs', { parentKey: 'sha256:ab', op: 'COPY . /app', files: [{ rel: 'a', type: 'file', mode: 420, hash: 'ff' }, { rel: 'b', type: 'symlink', mode: 511, linkTarget: 'a', hash: '' }] }],
  ['keys in reverse', { z: 1, y: 2, x: 3, w: 4, v: 5, u: 6, b: { d: 1, c: [3, 2, { f: 'x', e: null }] } }],
  ['unicode and case', { é: 1, Z: 2, a: 3, '\u{1F600}': 4, _: 5, '10': 6, '2': 7, B: 8 }],
  ['undefined members left out', { b: undefined, a: 'x', c: { d: undefined } }],
  ['escapes', { 'q"uote': 'line\nbreak\u0000', args: { HTTP_PROXY: 'http://x' } }],
  ['numbers', { n: [0, -0, 1.5, 1e21, -3] }],
];

describe('canonicalJson', () => {
  for (const [name, v] of cases) test(name, () => assert.equal(canonicalJson(v), reference(v)));
  test('stepKey is unchanged for the same inputs (pinned before the sort was rewritten)', () => {
    const files = [{ rel: 'a', type: 'file' as const, mode: 420, hash: 'ff' }, { rel: 'b', type: 'symlink' as const, mode: 511, linkTarget: 'a', hash: '' }];
    assert.equal(stepKey({ parentKey: 'sha256:ab', op: 'COPY . /app', files, args: { B: '1', A: '2' } }), 'sha256:e1d9a80c29d2426e3bcce4aed857f4175d83853809fa344775c66ac029652806');
  });
});

describe('sameJsonData', () => {
  const vectors: [string, unknown, unknown, boolean][] = [
    ['same inputs, members in another order', { parentKey: 'p', op: 'COPY', files: [{ rel: 'a', hash: 'h', mode: 420, type: 'file' }] }, { op: 'COPY', parentKey: 'p', files: [{ type: 'file', mode: 420, hash: 'h', rel: 'a' }] }, true],
    ['undefined member is absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['undefined array item is null', [undefined, 1], [null, 1], true],
    ['a changed hash', { files: [{ rel: 'a', hash: 'h1' }] }, { files: [{ rel: 'a', hash: 'h2' }] }, false],
    ['a file more', { files: [{ rel: 'a' }, { rel: 'b' }] }, { files: [{ rel: 'a' }] }, false],
    ['a member more on the right', { a: 1 }, { a: 1, b: 2 }, false],
    ['a member more on the left', { a: 1, b: 2 }, { a: 1 }, false],
    ['string vs number', { mode: '420' }, { mode: 420 }, false],
    ['array vs object', { files: [] }, { files: {} }, false],
    ['object vs null', { args: {} }, { args: null }, false],
  ];
  for (const [name, a, b, want] of vectors) {
    test(name, () => {
      assert.equal(sameJsonData(a, b), want);
      assert.equal(sameJsonData(b, a), want);
      if (want) assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
    });
  }
});
