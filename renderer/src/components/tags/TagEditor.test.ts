import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { APP, BASE } from '../../testing/sample-images.ts';
import { TagEditor, type TagEditorProps } from './TagEditor.tsx';

const noop = () => {};
const render = (patch: Partial<TagEditorProps>) =>
  renderToStaticMarkup(
    createElement(TagEditor, {
      references: APP.references,
      familiar: APP.familiarReferences,
      registries: ['127.0.0.1:5000'],
      input: '',
      check: null,
      busy: false,
      error: null,
      move: null,
      notice: null,
      onInput: noop,
      onSubmit: noop,
      onRemove: noop,
      onConfirmMove: noop,
      onCancelMove: noop,
      ...patch,
    }),
  );

describe('TagEditor', () => {
  test('one row per name, full and familiar, each with Remove', () => {
    const html = render({});
    assert.equal(html.match(/data-testid="tag-item"/g)?.length, 2);
    assert.match(html, /data-reference="docker.io\/strata-e2e\/app:1"/);
    assert.match(html, /aria-label="Remove tag strata-e2e\/app:1"/);
  });

  test('an invalid name says what is wrong and cannot be added', () => {
    const html = render({ input: 'Bad Name!', check: { input: 'Bad Name!', result: { ok: false, error: 'repository name must be lowercase' } } });
    assert.match(html, /data-state="invalid"/);
    assert.match(html, /data-testid="tag-invalid">repository name must be lowercase</);
    assert.match(html, /aria-invalid="true"/);
    assert.match(html, /<button type="submit"[^>]*disabled=""[^>]*data-testid="tag-add"/);
  });

  test('a valid name shows its full normalized form', () => {
    const html = render({ input: 'myapp', check: { input: 'myapp', result: { ok: true, normalized: 'docker.io/library/myapp:latest', familiar: 'myapp:latest' } } });
    assert.match(html, /data-state="ok"/);
    assert.match(html, /data-testid="tag-normalized">docker.io\/library\/myapp:latest</);
  });

  test('a verdict for an older text is not shown as this one’s', () => {
    const html = render({ input: 'myapp2', check: { input: 'myapp', result: { ok: true, normalized: 'docker.io/library/myapp:latest', familiar: 'myapp:latest' } } });
    assert.match(html, /data-state="checking"/);
  });

  test('a registry button for each registry offered', () => assert.match(render({}), /data-registry="127.0.0.1:5000"[^>]*title="Name it 127.0.0.1:5000\/strata-e2e\/app:1"/));

  test('a move waits in a dialog that names what happens to the other image', () => {
    const html = render({ move: { source: APP.digest, target: 'docker.io/strata-e2e/base:1', familiar: 'strata-e2e/base:1', fromDigest: BASE.digest, fromOtherNames: [] } });
    assert.match(html, /role="alertdialog"/);
    assert.match(html, /Move strata-e2e\/base:1\?/);
    assert.match(html, /only name/);
    assert.match(html, /data-testid="confirm-accept">Move tag</);
  });

  test('an image without names says so', () => assert.match(render({ references: [], familiar: [] }), /listed as &lt;none&gt;/));
});
