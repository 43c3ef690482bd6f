import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { APP_LAYER, BASE_LAYER } from '../../testing/sample-images.ts';
import { COMPARISON } from '../../testing/sample-transfers.ts';
import { CompareMatrix } from './CompareMatrix.tsx';
import { CompareStacks } from './CompareStacks.tsx';

const names = ['strata-e2e/app:1', 'strata-e2e/base:1'];
const render = (selectedBand: string | null) => renderToStaticMarkup(createElement(CompareStacks, { comparison: COMPARISON, names, selectedBand, onSelectBand: () => {} }));

describe('CompareStacks', () => {
  const html = render(null);
  test('the shared base is one band across both columns', () => assert.match(html, new RegExp(`data-digest="${BASE_LAYER}" data-images="0,1" data-span="2" data-shared="true"`)));
  test('app’s own layer is in its column alone', () => assert.match(html, new RegExp(`data-digest="${APP_LAYER}" data-images="0" data-span="1" data-shared="false"`)));
  test('columns: base first (its layers are a prefix of app’s), with sizes', () => {
    assert.deepEqual([...html.matchAll(/data-testid="compare-column-name"[^>]*>([^<]+)</g)].map((m) => m[1]), ['strata-e2e/base:1', 'strata-e2e/app:1']);
    assert.match(html, /data-testid="compare-column-unique">2.00 kB</);
  });
  test('rows bottom-up: the base row last, the taller one', () => assert.match(html, /grid-template-rows:auto (\d+)px (\d+)px/));

  test('a selected layer marks every column that has it', () => {
    const sel = render(APP_LAYER);
    assert.deepEqual([...sel.matchAll(/data-testid="compare-column"[^>]*data-has-selected="(\w+)"/g)].map((m) => m[1]), ['false', 'true']);
    assert.match(sel, new RegExp(`aria-pressed="true" title="[^"]*" data-testid="compare-band" data-digest="${APP_LAYER}"`));
    assert.match(sel, /class="compare-stacks has-selection"/);
  });
});

describe('CompareMatrix', () => {
  const html = renderToStaticMarkup(createElement(CompareMatrix, { comparison: COMPARISON, names }));
  test('pairwise shared bytes, the diagonal the image’s own', () => {
    assert.deepEqual([...html.matchAll(/data-row="(\d)" data-col="(\d)" data-bytes="(\d+)"/g)].map((m) => `${m[1]}${m[2]}:${m[3]}`), ['00:1002000', '01:1000000', '10:1000000', '11:1000000']);
  });
});
