import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { APP_DETAIL } from '../testing/sample-images.ts';
import { ConfigSummary } from './ImageDetailPanel.tsx';

const rows = (html: string) => Object.fromEntries([...html.matchAll(/data-key="(\w+)" data-set="(\w+)"><dt>\w+<\/dt><dd>(?:<code>|<span class="muted">)([^<]*)/g)].map((m) => [m[1], `${m[2] === 'true' ? 'set' : 'unset'}: ${(m[3] ?? '').replaceAll('&quot;', '"')}`]));

describe('ConfigSummary', () => {
  test('the main settings always, with the runtime default when unset; the others when set', () => {
    assert.deepEqual(rows(renderToStaticMarkup(createElement(ConfigSummary, { detail: APP_DETAIL }))), {
      Entrypoint: 'unset: none',
      Cmd: 'set: ["sh"]',
      WorkingDir: 'unset: / (default)',
      User: 'unset: root (default)',
      Ports: 'unset: none exposed',
      Env: 'set: PATH=/bin',
    });
  });
  test('everything an image sets', () => {
    const config = { env: ['A=1', 'B=2'], cmd: ['serve'], entrypoint: ['/app'], user: 'app:app', workingDir: '/srv', exposedPorts: ['8000/tcp', '53/udp'], labels: { 'org.opencontainers.image.title': 'x' }, volumes: ['/data'], stopSignal: 'SIGINT' };
    assert.deepEqual(rows(renderToStaticMarkup(createElement(ConfigSummary, { detail: { config } }))), {
      Entrypoint: 'set: ["/app"]',
      Cmd: 'set: ["serve"]',
      WorkingDir: 'set: /srv',
      User: 'set: app:app',
      Ports: 'set: 8000/tcp, 53/udp',
      Env: 'set: A=1\nB=2',
      Volumes: 'set: /data',
      StopSignal: 'set: SIGINT',
      Labels: 'set: org.opencontainers.image.title=x',
    });
  });
});
