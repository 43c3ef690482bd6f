import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { WasteReportView } from '../../../../preload/contract.ts';
import { formatEfficiency, WastePanel } from './WastePanel.tsx';

const layer = (index: number, instruction: string, createdBy: string, line: number | null) => ({ index, digest: `sha256:${index}`, instruction, createdBy, source: line ? { file: 'Dockerfile', line } : null, base: index === 0, files: 1, fileBytes: 1, wastedBytes: 0, causedBytes: 0 });
const REPORT: WasteReportView = {
  image: { digest: 'sha256:x', references: [] },
  totalBytes: 10_000_000,
  wastedBytes: 5_200_000,
  efficiency: 0.48,
  baseLayers: 1,
  userBytes: 8_000_000,
  userWastedBytes: 5_200_000,
  userWastedPercent: 0.65,
  wasteCount: 2,
  layers: [layer(0, 'ADD', 'ADD base', null), layer(1, 'RUN', 'RUN /bin/sh -c head -c 5000000 /dev/zero > /tmp/big.bin', 2), layer(2, 'COPY', 'COPY a /a', 3), layer(3, 'RUN', 'RUN /bin/sh -c rm /tmp/big.bin', 4)],
  byLine: [{ file: 'Dockerfile', line: 2, instruction: 'RUN', createdBy: 'RUN x', wastedBytes: 5_000_000, layers: [1] }],
  topFiles: [
    { path: '/tmp/big.bin', size: 5_000_000, kind: 'deleted', layer: 1, byLayer: 3, sha256: null },
    { path: '/a', size: 200_000, kind: 'duplicate', layer: 2, byLayer: 0, original: '/etc/a', sha256: null },
  ],
  advice: [{ kind: 'merge-runs', alternatives: [], bytes: 5_000_000, files: 1, lines: [{ file: 'Dockerfile', line: 2 }, { file: 'Dockerfile', line: 4 }], layers: [1, 3], paths: ['/tmp/big.bin'], message: 'do both in one RUN' }],
};
const html = renderToStaticMarkup(createElement(WastePanel, { report: REPORT, onSelectLayer: () => {} }));

describe('WastePanel', () => {
  test('the numbers carry their exact values', () => {
    assert.match(html, /data-testid="waste-efficiency" data-value="0.48">48.0%</);
    assert.match(html, /data-testid="waste-wasted" data-bytes="5200000">5.20 MB</);
  });
  test('each wasted file is charged to the layer and Dockerfile line that wrote it', () => {
    assert.match(html, /data-path="\/tmp\/big.bin" data-size="5000000" data-kind="deleted" data-layer="1" data-line="2"/);
    assert.match(html, /deleted later<span class="muted"> by #3 \(Dockerfile:4\)/);
    assert.match(html, /duplicate<span class="muted"> of \/etc\/a/);
  });
  test('the lines and the advice are listed', () => {
    assert.match(html, /data-testid="waste-line" data-line="2" data-bytes="5000000"/);
    assert.match(html, /data-testid="waste-advice" data-kind="merge-runs"/);
    assert.match(html, /do both in one RUN/);
  });
  test('an image without waste says so', () => {
    const none = renderToStaticMarkup(createElement(WastePanel, { report: { ...REPORT, wasteCount: 0, wastedBytes: 0, efficiency: 1, topFiles: [], byLine: [], advice: [] }, onSelectLayer: () => {} }));
    assert.match(none, /data-testid="waste-none"/);
  });
});

describe('formatEfficiency', () => {
  for (const [r, want] of [
    [1, '100.0%'],
    [0.9996, '100.0%'],
    [0.276, '27.6%'],
    [0, '0.0%'],
  ] as const) {
    test(String(r), () => assert.equal(formatEfficiency(r), want));
  }
});
