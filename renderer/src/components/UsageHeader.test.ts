import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { EngineError } from '../ipc/engine-error.ts';
import { USAGE } from '../testing/sample-images.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { UsageHeader } from './UsageHeader.tsx';

describe('UsageHeader', () => {
  const html = renderToStaticMarkup(createElement(UsageHeader, { usage: USAGE }));
  const cases: [string, string][] = [
    ['usage-on-disk', '1.00 MB'],
    ['usage-images-total', '2.00 MB'],
    ['usage-saved', '999 kB'],
    ['usage-reclaimable', '0 B'],
  ];
  for (const [id, want] of cases) test(id, () => assert.match(html, new RegExp(`data-testid="${id}">${want}<`)));
  test('says what share sharing saves', () => assert.match(html, /50% of the sum/));
  test('busy while nothing is loaded', () => assert.match(renderToStaticMarkup(createElement(UsageHeader, { usage: null })), /aria-busy="true"/));
});

describe('ErrorBanner', () => {
  test('shows the code and message as an alert', () => {
    const html = renderToStaticMarkup(createElement(ErrorBanner, { title: 'Could not list images', error: new EngineError('STORE_CORRUPT', 'index.json is broken'), onRetry: () => {} }));
    assert.match(html, /role="alert"/);
    assert.match(html, /index.json is broken/);
    assert.match(html, /STORE_CORRUPT/);
    assert.match(html, />Retry</);
  });
});
