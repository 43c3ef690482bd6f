import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExploreError } from './errors.ts';
import { compileGlob } from './glob.ts';
import { parseRatio, parseSize } from './sizes.ts';

// [pattern, path (root-relative), matches]
const CASES: [string, string, boolean][] = [
  ['*.log', 'var/log/app.log', true],
  ['*.log', 'app.log', true],
  ['*.log', 'var/log/app.log.1', false],
  ['node_modules', 'app/node_modules/x/index.js', true],
  ['node_modules', 'app/node_modules_old/x.js', false],
  ['/etc', 'etc/passwd', true],
  ['etc/', 'etc/passwd', true],
  ['etc/*', 'etc/passwd', true],
  ['etc/*', 'usr/etc/passwd', false],
  ['/usr/lib/*.so', 'usr/lib/libc.so', true],
  ['/usr/lib/*.so', 'usr/lib/x/libc.so', false],
  ['usr/**/*.so', 'usr/lib/x/libc.so', true],
  ['usr/**/*.so', 'usr/libc.so', true],
  ['**/cache', 'var/cache/apt/x', true],
  ['**', 'anything/at/all', true],
  ['?.txt', 'a.txt', true],
  ['?.txt', 'ab.txt', false],
  ['[ab].txt', 'b.txt', true],
  ['[!ab].txt', 'b.txt', false],
  ['[a-c]*', 'cat', true],
  ['[a-c]*', 'dog', false],
  ['\\*.txt', '*.txt', true],
  ['\\*.txt', 'a.txt', false],
  ['*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(200), false],
  ['lib*', 'usr/lib64/x', true],
  ['passwd', 'etc/passwd', true],
  ['passwd', 'etc/passwd-', false],
];

describe('path globs', () => {
  for (const [pattern, path, want] of CASES) {
    test(`${pattern} ${want ? 'matches' : 'does not match'} ${path}`, () => {
      assert.equal(compileGlob(pattern).test(path), want);
    });
  }
  for (const bad of ['[abc', 'a\\', '[z-a]']) {
    test(`"${bad}" is refused`, () => {
      assert.throws(() => compileGlob(bad), (e: unknown) => e instanceof ExploreError && e.code === 'EXPLORE_BAD_PATTERN' && e.message.includes(bad));
    });
  }
});

describe('sizes and ratios for CI thresholds', () => {
  const sizes: [string, number][] = [
    ['20MB', 20_000_000],
    ['20 mb', 20_000_000],
    ['1GiB', 2 ** 30],
    ['512kB', 512_000],
    ['1.5M', 1_500_000],
    ['1048576', 1_048_576],
    ['3KiB', 3072],
  ];
  for (const [input, want] of sizes) test(`size ${input} = ${want}`, () => assert.equal(parseSize(input), want));
  for (const bad of ['', 'MB', '20XB', '-1MB']) {
    test(`size "${bad}" is refused`, () => assert.throws(() => parseSize(bad), (e: unknown) => e instanceof ExploreError && e.code === 'EXPLORE_BAD_VALUE'));
  }
  const ratios: [string, number][] = [
    ['0.9', 0.9],
    ['90%', 0.9],
    ['12.5 %', 0.125],
    ['20', 0.2],
    ['1', 1],
  ];
  for (const [input, want] of ratios) test(`ratio ${input} = ${want}`, () => assert.equal(parseRatio(input), want));
  test('ratio "abc" is refused', () => assert.throws(() => parseRatio('abc'), (e: unknown) => e instanceof ExploreError && e.code === 'EXPLORE_BAD_VALUE'));
});
