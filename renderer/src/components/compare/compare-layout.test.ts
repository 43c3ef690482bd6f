import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageComparison } from '../../../../preload/contract.ts';
import { COMPARISON } from '../../testing/sample-transfers.ts';
import { compareLayout } from './compare-layout.ts';

type C = Pick<ImageComparison, 'images' | 'bands'>;

/** comparison builds images from layer lists and the engine's bands, level by level (as compareImages does). */
function comparison(...layerLists: string[][]): C {
  const bands: C['bands'] = [];
  const depth = Math.max(...layerLists.map((l) => l.length));
  for (let level = 0; level < depth; level++) {
    layerLists.forEach((layers, col) => {
      const d = layers[level];
      if (!d) return;
      let b = bands.find((x) => x.digest === d);
      if (!b) bands.push((b = { digest: d, size: 1000, uncompressedSize: null, createdBy: null, columns: [] }));
      if (!b.columns.includes(col)) b.columns.push(col);
    });
  }
  return { images: layerLists.map((layers, i) => ({ digest: `img${i}`, reference: null, size: 0, uniqueSize: 0, layers })), bands };
}

const pieces = (c: C) => compareLayout(c).pieces.map((p) => `${p.digest}@r${p.row}c${p.col}+${p.span}`);

describe('compareLayout', () => {
  test('app over base: the base spans both columns on the bottom row; base goes left (its layers are a prefix)', () => {
    const l = compareLayout(COMPARISON);
    assert.deepEqual(l.order, [1, 0]);
    assert.deepEqual(
      l.pieces.map((p) => [p.band, p.row, p.col, p.span, p.images]),
      [
        [0, 0, 0, 2, [0, 1]],
        [1, 1, 1, 1, [0]],
      ],
    );
    assert.equal(l.heights.length, 2);
    assert.ok((l.heights[0] as number) > (l.heights[1] as number), 'the 1 MB base row is taller than the 2 kB row');
  });

  const cases: [string, C, string[]][] = [
    ['nothing shared: one column each, side by side on the same rows', comparison(['a1', 'a2'], ['b1']), ['a1@r0c0+1', 'b1@r0c1+1', 'a2@r1c0+1']],
    ['three on one base: one band across three columns', comparison(['base', 'x'], ['base', 'y'], ['base']), ['base@r0c0+3', 'x@r1c1+1', 'y@r1c2+1']],
    ['a shared middle layer sits above both images’ lower layers', comparison(['base', 'mid', 'a'], ['base', 'mid', 'b']), ['base@r0c0+2', 'mid@r1c0+2', 'a@r2c0+1', 'b@r2c1+1']],
    [
      'sharing columns that cannot be adjacent: one piece per run, on one row',
      comparison(['p', 's'], ['q'], ['r', 's']),
      // Sorted by layers: p.. | q | r..; s is shared by the first and last columns.
      ['p@r0c0+1', 'q@r0c1+1', 'r@r0c2+1', 's@r1c0+1', 's@r1c2+1'],
    ],
  ];
  for (const [name, c, want] of cases) test(name, () => assert.deepEqual(pieces(c), want));

  test('every image keeps its layers in order, bottom to top', () => {
    const c = comparison(['b', 'm', 'x', 'y'], ['b', 'z'], ['b', 'm']);
    const l = compareLayout(c);
    c.images.forEach((img, i) => {
      const rows = img.layers.map((d) => l.pieces.find((p) => p.digest === d && p.images.includes(i))?.row ?? -1);
      assert.deepEqual([...rows].sort((a, b) => a - b), rows, `image ${i}`);
      assert.ok(rows.every((r) => r >= 0));
    });
  });
});
