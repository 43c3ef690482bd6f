// Hostile layers through applyLayer: each case is tried as a plain tar and gzip with the untrusted defaults,
// with the options the store's own checkouts use (setuid kept, owners and devices as root), and as a gzip
// stream cut in half. Every attempt ends in success or a LayerError, and nothing outside the target changes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { applyLayer, type ApplyOptions, type ApplyResult } from '../layer/apply.ts';
import { StrataError } from '../util/errors.ts';
import { createArena, type Arena } from './arena.ts';
import { base256, rawTar, type RawEntry } from './raw-tar.ts';
import { countHostile } from './tally.ts';

const isRoot = process.getuid?.() === 0;
/** The options SnapshotCache/applyLayers use for layers of the store (build/rootfs.ts). */
const STORE_OPTS: ApplyOptions = { keepSetid: true, preserveOwnership: isRoot, allowDevices: isRoot };

type Variant = 'tar' | 'gzip' | 'store-opts' | 'gzip-cut';
interface LayerCase {
  name: string;
  /** reject: every whole variant must fail with one of these codes. contain: success or a typed error. */
  expect: { reject: string[] } | 'contain';
  build: (a: Arena) => Buffer;
  /** verify checks what a successful variant left in the target. */
  verify?: (a: Arena, variant: Variant, r: ApplyResult) => void;
}

const file = (name: string, body: string | Buffer = 'x', extra: Partial<RawEntry> = {}): RawEntry => ({ name, body, ...extra });
const dir = (name: string): RawEntry => ({ name, type: '5' });
const sym = (name: string, linkname: string): RawEntry => ({ name, type: '2', linkname });
const hard = (name: string, linkname: string): RawEntry => ({ name, type: '1', linkname });
const ESCAPE = ['LAYER_PATH_ESCAPE'];
const CORRUPT = ['LAYER_CORRUPT'];

/** The sentinel as the layer sees it from the target: `../sentinel` relative, and its absolute host path. */
const rel = '../sentinel';

function hostileCases(): LayerCase[] {
  return [
    { name: '../ file name', expect: { reject: ESCAPE }, build: () => rawTar([file(`${rel}/pwned`)]) },
    { name: '../ deep inside a name', expect: { reject: ESCAPE }, build: () => rawTar([file(`a/b/../../../sentinel/pwned`)]) },
    { name: '../ directory entry', expect: { reject: ESCAPE }, build: () => rawTar([dir(`../escaped/`)]) },
    { name: '../ through a pax path', expect: { reject: ESCAPE }, build: () => rawTar([file('innocent', 'x', { pax: { path: `${rel}/pwned` } })]) },
    { name: '../ through a GNU long name', expect: { reject: ESCAPE }, build: () => rawTar([file('innocent', 'x', { gnuLongName: `${'a/'.repeat(60)}${'../'.repeat(61)}sentinel/pwned` })]) },
    {
      name: 'absolute name aimed at the sentinel is re-rooted',
      expect: 'contain',
      build: (a) => rawTar([file(`${a.sentinel}/pwned`, 'PWNED'), file(`/tmp/${a.marker}`, 'PWNED')]),
      verify: (a) => assert.equal(readFileSync(join(a.target, a.sentinel, 'pwned'), 'utf8'), 'PWNED'),
    },
    { name: 'symlink to the sentinel (absolute), then written through', expect: 'contain', build: (a) => rawTar([sym('esc', a.sentinel), file('esc/pwned', 'PWNED'), file('esc/keep.txt', 'PWNED')]) },
    { name: 'symlink climbing out (relative), then written through', expect: 'contain', build: () => rawTar([sym('esc', '../../../../../../../../sentinel'), file('esc/pwned', 'PWNED'), dir('esc/newdir/'), file('esc/newdir/x')]) },
    { name: 'symlink chain . and .. then written through', expect: 'contain', build: () => rawTar([sym('a', '.'), sym('b', 'a/../..'), file('b/sentinel/pwned', 'PWNED'), file('b/b/../sentinel/pwned2', 'PWNED')]) },
    {
      name: 'symlink to a host file, then a file entry of the same name',
      expect: 'contain',
      build: (a) => rawTar([sym('f', join(a.sentinel, 'keep.txt')), file('f', 'PWNED')]),
      verify: (a) => {
        assert.ok(lstatSync(join(a.target, 'f')).isFile(), 'the symlink was replaced, not followed');
        assert.equal(readFileSync(join(a.target, 'f'), 'utf8'), 'PWNED');
      },
    },
    { name: 'symlink to a host file, hard link to the symlink, then written', expect: 'contain', build: (a) => rawTar([sym('s', join(a.sentinel, 'keep.txt')), hard('h', 's'), file('h', 'PWNED'), file('s', 'PWNED')]) },
    { name: 'hard link with ../ target', expect: { reject: ESCAPE }, build: () => rawTar([hard('h', `${rel}/keep.txt`)]) },
    { name: 'hard link with an absolute host target', expect: { reject: CORRUPT }, build: (a) => rawTar([hard('h', join(a.sentinel, 'keep.txt'))]) },
    { name: 'hard link through a symlinked directory pointing out', expect: { reject: CORRUPT }, build: (a) => rawTar([sym('d', a.sentinel), hard('h', 'd/keep.txt')]) },
    { name: 'hard link to a directory', expect: { reject: CORRUPT }, build: () => rawTar([dir('d/'), hard('h', 'd')]) },
    {
      name: 'hard link, then the link path written: the first file keeps its bytes',
      expect: 'contain',
      build: () => rawTar([file('a', 'original'), hard('b', 'a'), file('b', 'PWNED')]),
      verify: (a) => assert.equal(readFileSync(join(a.target, 'a'), 'utf8'), 'original'),
    },
    {
      // Harmless numbers (0:0 is no device, 1:3 is /dev/null): as root the store-opts variant really makes them.
      name: 'device nodes (a block and a char device) and a fifo',
      expect: 'contain',
      build: () => rawTar([dir('dev/'), { name: 'dev/sda', type: '4', devmajor: 0, devminor: 0, mode: 0o600 }, { name: 'dev/mem', type: '3', devmajor: 1, devminor: 3, mode: 0o600 }, { name: 'dev/fifo', type: '6' }]),
      verify: (a, v, r) => {
        if (v === 'store-opts' && isRoot) {
          assert.ok(lstatSync(join(a.target, 'dev/sda')).isBlockDevice(), 'as root the store reproduces devices, inside the target');
        } else {
          assert.equal(existsSync(join(a.target, 'dev/sda')), false, 'untrusted layers create no device');
          assert.equal(existsSync(join(a.target, 'dev/mem')), false);
          assert.ok(r.skipped.some((s) => s.path === 'dev/sda'));
        }
      },
    },
    { name: 'device node through a symlink pointing out', expect: 'contain', build: (a) => rawTar([sym('dev', a.sentinel), { name: 'dev/sda', type: '4', devmajor: 0, devminor: 0, mode: 0o600 }]) },
    {
      name: 'setuid and setgid bits',
      expect: 'contain',
      build: () => rawTar([dir('bin/'), file('bin/su', '#!/bin/sh\n', { mode: 0o6755 }), { name: 'sticky/', type: '5', mode: 0o3777 }]),
      verify: (a, v) => {
        const mode = lstatSync(join(a.target, 'bin/su')).mode & 0o7777;
        assert.equal(mode, v === 'store-opts' ? 0o6755 : 0o755, 'setuid/setgid are dropped from untrusted layers');
      },
    },
    { name: 'pax header larger than 4 MiB', expect: { reject: CORRUPT }, build: () => rawTar([file('x', 'x', { pax: { comment: 'A'.repeat(5 * 1024 * 1024) } })]) },
    { name: 'pax size claiming a petabyte', expect: { reject: CORRUPT }, build: () => rawTar([file('x', 'short', { pax: { size: String(1e15) } })], { end: false }) },
    { name: 'pax size that is not a number', expect: { reject: CORRUPT }, build: () => rawTar([file('x', 'short', { pax: { size: 'lots' } })]) },
    { name: 'GNU long name of 2 MiB', expect: 'contain', build: () => rawTar([file('x', 'x', { gnuLongName: 'a/'.repeat(1024 * 1024) + 'f' })]) },
    { name: 'directory nesting deeper than PATH_MAX', expect: 'contain', build: () => rawTar([file('x', 'x', { pax: { path: 'd/'.repeat(2100) + 'f' } })]) },
    { name: 'header size of 8 GiB, archive ends', expect: { reject: CORRUPT }, build: () => rawTar([file('big', 'only this', { size: 8 * 1024 * 1024 * 1024 - 1 })], { end: false }) },
    { name: 'base-256 size of 2^80', expect: { reject: CORRUPT }, build: () => rawTar([file('big', 'x', { sizeField: base256(1n << 80n) })], { end: false }) },
    { name: 'base-256 negative size', expect: { reject: CORRUPT }, build: () => rawTar([file('neg', 'x', { sizeField: base256(-5n) })]) },
    { name: 'bad header checksum', expect: { reject: CORRUPT }, build: () => rawTar([file('x', 'x', { badChecksum: true })]) },
    { name: 'random garbage', expect: { reject: CORRUPT }, build: () => randomBytes(256 * 1024) },
    { name: 'tar cut in the middle of a file', expect: { reject: CORRUPT }, build: () => rawTar([file('a', 'A'.repeat(100_000))]).subarray(0, 50_000) },
    { name: 'empty input', expect: 'contain', build: () => Buffer.alloc(0) },
    { name: 'NUL byte in a pax name', expect: { reject: CORRUPT }, build: () => rawTar([file('x', 'x', { pax: { path: 'a\0/../../sentinel/pwned' } })]) },
    { name: 'whiteout through a symlink pointing out', expect: 'contain', build: (a) => rawTar([sym('esc', a.sentinel), file('esc/.wh.keep.txt', ''), file('esc/sub/.wh.inner.txt', '')]) },
    { name: 'opaque whiteout through a symlink pointing out', expect: 'contain', build: (a) => rawTar([sym('esc', a.sentinel), file('esc/.wh..wh..opq', ''), sym('up', '..'), file('up/.wh..wh..opq', '')]) },
    { name: 'whiteout naming ..', expect: { reject: ESCAPE }, build: () => rawTar([file('.wh...', '')]) },
    { name: 'whiteout of the sentinel from above the root', expect: { reject: ESCAPE }, build: () => rawTar([file('../.wh.sentinel', '')]) },
    { name: 'directory replaced by a symlink out, then written below', expect: 'contain', build: (a) => rawTar([dir('d/'), file('d/x'), sym('d', a.sentinel), file('d/pwned', 'PWNED'), dir('d/sub2/')]) },
    { name: 'symlink loop', expect: { reject: CORRUPT }, build: () => rawTar([sym('a', 'b'), sym('b', 'a'), file('a/x')]) },
    { name: 'a file where a directory is needed', expect: { reject: CORRUPT }, build: () => rawTar([file('f'), file('f/x')]) },
    { name: 'the layer root as a file', expect: { reject: CORRUPT }, build: () => rawTar([file('./', 'x')]) },
    { name: 'GNU volume header entry', expect: { reject: ['LAYER_UNSUPPORTED_ENTRY', 'LAYER_CORRUPT'] }, build: () => rawTar([{ name: 'vol', type: 'V' }]) },
    { name: 'zstd magic', expect: { reject: CORRUPT }, build: () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), randomBytes(1000)]) },
    { name: 'gzip magic then garbage', expect: { reject: CORRUPT }, build: () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(4000)]) },
    {
      name: 'gzip with a flipped byte in the middle',
      expect: { reject: CORRUPT },
      build: () => {
        const gz = gzipSync(rawTar([file('a', randomBytes(64 * 1024))]));
        gz[gz.length >> 1] = (gz[gz.length >> 1] as number) ^ 0xff;
        return gz;
      },
    },
    { name: '1,000 entries of the same name', expect: 'contain', build: () => rawTar(Array.from({ length: 1_000 }, (_, i) => file('same', String(i)))) },
    { name: 'absolute symlink to /proc/self/root, then written through', expect: 'contain', build: () => rawTar([sym('r', '/proc/self/root'), file('r/tmp/pwned', 'PWNED')]) },
    { name: 'backslash names are plain names on Linux', expect: 'contain', build: () => rawTar([file('..\\..\\sentinel\\pwned', 'x')]) },
  ];
}

async function tryApply(a: Arena, bytes: Buffer, opts: ApplyOptions): Promise<{ ok: true; r: ApplyResult } | { ok: false; e: unknown }> {
  try {
    return { ok: true, r: await applyLayer(a.target, Readable.from([bytes]), opts) };
  } catch (e) {
    return { ok: false, e };
  }
}

function assertTyped(e: unknown, what: string): asserts e is StrataError {
  if (!(e instanceof StrataError)) throw new Error(`${what}: untyped error ${(e as Error)?.stack ?? String(e)}`);
  assert.match(e.code, /^LAYER_/, `${what}: ${e.code} ${e.message}`);
}

/** hostileLayerSuite registers the applyLayer cases. */
export function hostileLayerSuite(): void {
  describe('hostile layers through applyLayer: rejected or contained, nothing outside the target', () => {
    let a: Arena;
    before(() => {
      a = createArena();
    });
    after(() => a.cleanup());

    for (const c of hostileCases()) {
      test(c.name, async () => {
        const bytes = c.build(a);
        const variants: [Variant, Buffer, ApplyOptions][] = [
          ['tar', bytes, {}],
          ['gzip', gzipSync(bytes), {}],
          ['store-opts', bytes, STORE_OPTS],
        ];
        const gz = gzipSync(bytes);
        if (gz.length > 64) variants.push(['gzip-cut', gz.subarray(0, gz.length >> 1), {}]);
        for (const [variant, input, opts] of variants) {
          const what = `${c.name} (${variant})`;
          a.reset();
          const out = await tryApply(a, input, opts);
          countHostile('layers');
          if (!out.ok) assertTyped(out.e, what);
          if (variant !== 'gzip-cut' && c.expect !== 'contain') {
            assert.equal(out.ok, false, `${what}: accepted, expected ${c.expect.reject.join(' or ')}`);
            assert.ok(c.expect.reject.includes((out as { e: StrataError }).e.code), `${what}: ${(out as { e: StrataError }).e.code}, expected ${c.expect.reject.join(' or ')}`);
          }
          if (out.ok && c.verify && variant !== 'gzip-cut') c.verify(a, variant, out.r);
          a.check(what);
        }
      });
    }
  });
}
