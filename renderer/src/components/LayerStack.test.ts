import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { APP_DETAIL, APP_LAYER, BASE_LAYER } from '../testing/sample-images.ts';
import { bandHeight, STACK_SCALE } from './band-scale.ts';
import { LayerStack } from './LayerStack.tsx';
import { instructionOf, stackRows } from './stack-rows.ts';

describe('stackRows', () => {
  test('layers with config-only steps in their place', () => {
    assert.deepEqual(
      stackRows(APP_DETAIL).map((r) => (r.kind === 'layer' ? r.layer.digest : r.createdBy)),
      [BASE_LAYER, APP_LAYER, 'CMD ["sh"]'],
    );
  });
  test('history that does not match the layers falls back to the layers alone', () => {
    const rows = stackRows({ layers: APP_DETAIL.layers, history: [] });
    assert.deepEqual(rows.map((r) => r.kind), ['layer', 'layer']);
  });
});

describe('instructionOf', () => {
  const cases: [string | null, string][] = [
    [null, ''],
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]'],
    ['/bin/sh -c apk add  curl', 'RUN apk add curl'],
    ['RUN /bin/sh -c make # buildkit', 'RUN /bin/sh -c make'],
    ['COPY a b /', 'COPY a b /'],
  ];
  for (const [input, want] of cases) test(String(input), () => assert.equal(instructionOf(input), want));
});

describe('LayerStack', () => {
  const html = renderToStaticMarkup(createElement(LayerStack, { detail: APP_DETAIL }));
  const order = [...html.matchAll(/data-testid="(layer-row|config-step)"(?: data-index="(\d+)")?/g)].map((m) => m[2] ?? 'cfg');

  test('top first, base last (drawn as a stack)', () => assert.deepEqual(order, ['cfg', '1', '0']));
  test('the base layer is marked shared by 2 images', () => assert.match(html, /data-index="0"[^>]*data-shared="true"[\s\S]*?shared by 2 images/));
  test('the top layer is only this image', () => assert.match(html, /data-index="1"[^>]*data-shared="false"[\s\S]*?only this image/));
  test('each layer shows its instruction', () => {
    assert.match(html, /data-testid="layer-created-by"[^>]*>ADD busybox-static \/bin\/busybox # strata test base</);
    assert.match(html, /data-testid="layer-created-by"[^>]*>COPY app.txt \/</);
  });
  test('short digests', () => assert.match(html, /data-testid="layer-digest"[^>]*>aaaaaaaaaaaa</));
});

describe('LayerStack bands', () => {
  const html = renderToStaticMarkup(createElement(LayerStack, { detail: APP_DETAIL }));
  const heights = Object.fromEntries([...html.matchAll(/style="min-height:(\d+)px" data-testid="layer-row" data-index="(\d+)"/g)].map((m) => [m[2], Number(m[1])]));
  test('each layer is a band as tall as its bytes, log-scaled against the largest', () => {
    assert.deepEqual(heights, { '0': bandHeight(1_000_000, 1_000_000), '1': bandHeight(2_000, 1_000_000) });
    assert.ok((heights['0'] ?? 0) > (heights['1'] ?? 0));
  });
  test('the largest is the tallest band; a tiny layer keeps the minimum', () => {
    assert.equal(heights['0'], STACK_SCALE.max);
    assert.equal(bandHeight(12, 1_000_000), STACK_SCALE.min);
  });
});
