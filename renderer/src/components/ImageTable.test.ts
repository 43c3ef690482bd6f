import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { APP, BASE, UNTAGGED } from '../testing/sample-images.ts';
import { ImageTable } from './ImageTable.tsx';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const render = (selectedDigest: string | null = null) =>
  renderToStaticMarkup(createElement(ImageTable, { images: [APP, BASE, UNTAGGED], selectedDigest, onSelect: () => {}, now: NOW }));

/** cells pulls the text of every cell with a data-testid, per row. */
function cells(html: string): Record<string, string>[] {
  return html
    .split('data-testid="image-row"')
    .slice(1)
    .map((row) => Object.fromEntries([...row.matchAll(/data-testid="(image-[a-z-]+)"[^>]*>(?:<span[^>]*>)?([^<]*)/g)].map((m) => [m[1] as string, m[2] as string])));
}

describe('ImageTable', () => {
  const rows = cells(render());
  const want: [string, Record<string, string>][] = [
    ['app (two tags)', { 'image-reference': 'strata-e2e/app:1', 'image-digest': '222222222222', 'image-size': '1.00 MB', 'image-shared-size': '1.00 MB', 'image-unique-size': '2.00 kB', 'image-created': '1 hour ago' }],
    ['base', { 'image-reference': 'strata-e2e/base:1', 'image-digest': '111111111111', 'image-unique-size': '0 B', 'image-created': '3 days ago' }],
    ['untagged', { 'image-reference': '&lt;none&gt;', 'image-digest': '333333333333' }],
  ];
  for (const [i, [name, expected]] of want.entries()) {
    test(name, () => {
      const row = rows[i];
      assert.ok(row, `row ${i}`);
      for (const [k, v] of Object.entries(expected)) assert.equal(row[k], v, k);
    });
  }

  test('a second tag shows as +1', () => assert.match(render(), />\+1</));

  test('the selected row is marked for assistive tech', () => {
    const html = render(BASE.digest);
    assert.match(html, new RegExp(`aria-selected="true" tabindex="0"[^>]*data-digest="${BASE.digest}"`));
    assert.equal(html.match(/aria-selected="true"/g)?.length, 1);
  });
});
