import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { CredentialList, sourceKind } from './CredentialList.tsx';
import { LoginForm } from './LoginForm.tsx';

describe('sourceKind', () => {
  const cases: [string, ReturnType<typeof sourceKind>][] = [
    ['docker config (/home/a/.docker/config.json)', 'docker'],
    ['credential helper docker-credential-pass', 'helper'],
    ['Strata (encrypted with the OS keychain)', 'strata'],
    ['given on the command line', 'other'],
  ];
  for (const [s, want] of cases) test(s, () => assert.equal(sourceKind(s), want));
});

describe('CredentialList', () => {
  const html = renderToStaticMarkup(
    createElement(CredentialList, {
      credentials: [
        { registry: 'localhost:5000', username: 'ann', source: 'docker config (/tmp/c/config.json)' },
        { registry: 'ghcr.io', username: 'bob', source: 'credential helper docker-credential-pass' },
      ],
      tests: { 'localhost:5000': { running: false, ok: true, message: 'localhost:5000 accepts the saved credential' } },
      onTest: () => {},
      onLogout: () => {},
    }),
  );
  test('one row per login with where it is kept', () => {
    assert.equal(html.match(/data-testid="credential"/g)?.length, 2);
    assert.match(html, /source--docker[^>]*>docker config \(\/tmp\/c\/config.json\)</);
    assert.match(html, /source--helper/);
  });
  test('a test result shows under its login only', () => {
    assert.equal(html.match(/data-testid="credential-test"/g)?.length, 1);
    assert.match(html, /data-state="ok">✓ localhost:5000 accepts the saved credential/);
  });
});

describe('LoginForm', () => {
  const html = renderToStaticMarkup(createElement(LoginForm, { busy: false, error: null, onLogin: async () => true }));
  test('the password field is a password field that starts empty', () => assert.match(html, /type="password"[^>]*value=""/));
  test('Log in waits for every field', () => assert.match(html, /disabled=""[^>]*data-testid="login-submit"/));
});
