import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPublishOption, parseExtraTags, publishOptions } from '../publish/publish-targets.ts';
import { knownRegistries, registryOf, retarget, splitReference } from './retarget.ts';

describe('splitReference', () => {
  const cases: [string, ReturnType<typeof splitReference>][] = [
    ['docker.io/library/app:1', { registry: 'docker.io', path: 'library/app', suffix: ':1' }],
    ['localhost:5000/team/app:latest', { registry: 'localhost:5000', path: 'team/app', suffix: ':latest' }],
    ['ghcr.io/o/app@sha256:abc', { registry: 'ghcr.io', path: 'o/app', suffix: '@sha256:abc' }],
  ];
  for (const [input, want] of cases) test(input, () => assert.deepEqual(splitReference(input), want));
});

describe('retarget', () => {
  const cases: [string, string, string][] = [
    ['docker.io/library/myapp:latest', '127.0.0.1:5000', '127.0.0.1:5000/myapp:latest'],
    ['docker.io/strata-e2e/app:1', '127.0.0.1:5000', '127.0.0.1:5000/strata-e2e/app:1'],
    ['localhost:5000/team/app:2', 'ghcr.io', 'ghcr.io/team/app:2'],
    ['localhost:5000/app:2', 'docker.io', 'docker.io/app:2'],
    ['docker.io/library/app@sha256:abc', 'ghcr.io', 'ghcr.io/app:latest'],
  ];
  for (const [from, registry, want] of cases) test(`${from} → ${registry}`, () => assert.equal(retarget(from, registry), want));
});

describe('registries offered', () => {
  test('registryOf', () => assert.equal(registryOf('localhost:5000/a:1'), 'localhost:5000'));
  test('logged-in first, then the ones names use, each once, docker.io last', () =>
    assert.deepEqual(knownRegistries(['127.0.0.1:5000'], ['docker.io/library/a:1', 'ghcr.io/o/b:1', '127.0.0.1:5000/c:1']), ['127.0.0.1:5000', 'docker.io', 'ghcr.io']));
});

describe('publishOptions', () => {
  const refs = ['docker.io/strata-e2e/app:1'];
  test('own names, then a new name per logged-in registry without one', () =>
    assert.deepEqual(publishOptions(refs, ['127.0.0.1:5000']), [
      { ref: 'docker.io/strata-e2e/app:1', isNew: false, registry: 'docker.io', loggedIn: false },
      { ref: '127.0.0.1:5000/strata-e2e/app:1', isNew: true, registry: '127.0.0.1:5000', loggedIn: true },
    ]));
  test('a registry the image already has a name in gets no new one', () =>
    assert.deepEqual(
      publishOptions([...refs, '127.0.0.1:5000/strata-e2e/app:1'], ['127.0.0.1:5000']).map((o) => o.isNew),
      [false, false],
    ));
  test('an image without names has nothing to offer', () => assert.deepEqual(publishOptions([], ['127.0.0.1:5000']), []));
  test('the default prefers a logged-in registry', () => assert.equal(defaultPublishOption(publishOptions(refs, ['127.0.0.1:5000']))?.ref, '127.0.0.1:5000/strata-e2e/app:1'));
  test('parseExtraTags', () => assert.deepEqual(parseExtraTags(' latest, 1.0 1.0,,'), ['latest', '1.0']));
});
