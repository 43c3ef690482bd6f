import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildArgsOf, buildRequest, EMPTY_FORM, mergeArgs, targetNames, type BuildArgRow } from './build-form.ts';
import { MULTI_ANALYSIS } from './build-samples.ts';

const ids = () => {
  let n = 100;
  return () => ++n;
};
const row = (patch: Partial<BuildArgRow>): BuildArgRow => ({ id: 1, name: 'A', value: '', defaultValue: null, fromDockerfile: true, edited: false, ...patch });
const strip = (rows: BuildArgRow[]) => rows.map(({ id: _, ...r }) => r);

describe('mergeArgs', () => {
  const cases: [string, BuildArgRow[], { name: string; defaultValue: string | null }[], Omit<BuildArgRow, 'id'>[]][] = [
    [
      'new ARGs appear with their defaults',
      [],
      [
        { name: 'BASE', defaultValue: 'busybox:latest' },
        { name: 'VERSION', defaultValue: null },
      ],
      [
        { name: 'BASE', value: 'busybox:latest', defaultValue: 'busybox:latest', fromDockerfile: true, edited: false },
        { name: 'VERSION', value: '', defaultValue: null, fromDockerfile: true, edited: false },
      ],
    ],
    [
      'an untouched row follows a changed default',
      [row({ name: 'BASE', value: 'busybox:1', defaultValue: 'busybox:1' })],
      [{ name: 'BASE', defaultValue: 'busybox:2' }],
      [{ name: 'BASE', value: 'busybox:2', defaultValue: 'busybox:2', fromDockerfile: true, edited: false }],
    ],
    [
      'an edited row keeps its value',
      [row({ name: 'BASE', value: 'mine', defaultValue: 'busybox:1', edited: true })],
      [{ name: 'BASE', defaultValue: 'busybox:2' }],
      [{ name: 'BASE', value: 'mine', defaultValue: 'busybox:2', fromDockerfile: true, edited: true }],
    ],
    ['an untouched ARG removed from the Dockerfile leaves', [row({ name: 'OLD', value: 'x', defaultValue: 'x' })], [], []],
    [
      'an edited ARG removed from the Dockerfile stays as a hand-added row',
      [row({ name: 'OLD', value: 'y', defaultValue: 'x', edited: true })],
      [],
      [{ name: 'OLD', value: 'y', defaultValue: null, fromDockerfile: false, edited: true }],
    ],
    [
      'a hand-added row stays, and is adopted when the Dockerfile declares it',
      [row({ name: 'EXTRA', value: '1', fromDockerfile: false, edited: true }), row({ id: 2, name: 'LATER', value: '2', fromDockerfile: false, edited: true })],
      [{ name: 'LATER', defaultValue: '0' }],
      [
        { name: 'EXTRA', value: '1', defaultValue: null, fromDockerfile: false, edited: true },
        { name: 'LATER', value: '2', defaultValue: '0', fromDockerfile: true, edited: true },
      ],
    ],
  ];
  for (const [name, rows, args, want] of cases) test(name, () => assert.deepEqual(strip(mergeArgs(rows, args, ids())), want));
});

describe('buildArgsOf', () => {
  const cases: [string, BuildArgRow[], Record<string, string>][] = [
    ['a default left alone is not sent', [row({ name: 'BASE', value: 'busybox', defaultValue: 'busybox' })], {}],
    ['a changed value is sent', [row({ name: 'BASE', value: 'strata-e2e/base:1', defaultValue: 'busybox', edited: true })], { BASE: 'strata-e2e/base:1' }],
    ['an edited value equal to the default is sent', [row({ name: 'BASE', value: 'busybox', defaultValue: 'busybox', edited: true })], { BASE: 'busybox' }],
    ['a hand-added row is sent, even empty', [row({ name: ' EXTRA ', value: '', fromDockerfile: false, edited: true })], { EXTRA: '' }],
    ['a row without a name is not sent', [row({ name: '  ', value: 'x', fromDockerfile: false, edited: true })], {}],
  ];
  for (const [name, rows, want] of cases) test(name, () => assert.deepEqual(buildArgsOf(rows), want));
});

describe('buildRequest', () => {
  test('an empty form asks for the defaults only', () => assert.deepEqual(buildRequest('/ctx', 'Dockerfile', EMPTY_FORM), { contextDir: '/ctx', dockerfile: 'Dockerfile' }));
  test('every field of the form', () =>
    assert.deepEqual(
      buildRequest('/ctx', 'build/Dockerfile', {
        tags: [
          { name: 'app:1', normalized: 'docker.io/library/app:1' },
          { name: 'localhost:5000/app', normalized: 'localhost:5000/app:latest' },
        ],
        args: [row({ name: 'BASE', value: 'b', defaultValue: 'a', edited: true })],
        target: 'app',
        noCache: true,
      }),
      { contextDir: '/ctx', dockerfile: 'build/Dockerfile', tags: ['app:1', 'localhost:5000/app'], buildArgs: { BASE: 'b' }, target: 'app', noCache: true },
    ));
});

describe('targetNames', () => {
  test('named stages, in order', () => assert.deepEqual(targetNames(MULTI_ANALYSIS), ['base', 'deps', 'docs', 'app', 'test']));
  test('unnamed stages cannot be targeted', () =>
    assert.deepEqual(targetNames({ ...MULTI_ANALYSIS, stages: [{ index: 0, name: null, base: 'x', startLine: 1, dependsOn: [], edges: [], instructions: 1 }] }), []));
  test('no analysis, no targets', () => assert.deepEqual(targetNames(null), []));
});
