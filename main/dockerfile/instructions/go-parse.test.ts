import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoBool, parseGoDuration, parseGoInt, parseGoUint, parseRamInBytes } from './go-parse.ts';
import { parseMount, splitCsvFields } from './mounts.ts';

describe('parseGoDuration (time.ParseDuration)', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['-0', 0],
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 1.5 * 3600e9],
    ['300ms', 300e6],
    ['-2s', -2e9],
    ['+5s', 5e9],
    ['1h2m3s4ms5us6ns', 3723004005006],
    ['.5s', 0.5e9],
    ['1.s', 1e9],
    ['5\u00b5s', 5000],
    ['5\u03bcs', 5000],
    ['0.000000001s', 1],
    ['2562047h', 2562047 * 3600e9],
  ];
  for (const [s, want] of ok) test(`${s} = ${want}ns`, () => assert.equal(parseGoDuration(s), want));

  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['5', 'time: missing unit in duration "5"'],
    ['x', 'time: invalid duration "x"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['.s', 'time: invalid duration ".s"'],
    ['-', 'time: invalid duration "-"'],
    ['1s2', 'time: missing unit in duration "1s2"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['2562048h', 'time: invalid duration "2562048h"'],
  ];
  for (const [s, msg] of bad) test(`${JSON.stringify(s)} is refused`, () => assert.throws(() => parseGoDuration(s), { message: msg }));
});

describe('strconv and go-units', () => {
  test('ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false);
    assert.throws(() => parseGoBool('yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
  });

  test('ParseUint base 8 and 10, 32 bits', () => {
    assert.equal(parseGoUint('0755', 8, 32), 0o755);
    assert.equal(parseGoUint('4294967295', 10, 32), 4294967295);
    assert.throws(() => parseGoUint('4294967296', 10, 32), /value out of range/);
    assert.throws(() => parseGoUint('8', 8, 32), /invalid syntax/);
    assert.throws(() => parseGoUint('+1', 10, 32), /invalid syntax/);
    assert.throws(() => parseGoUint('', 10, 32), /invalid syntax/);
  });

  test('ParseInt 32 bits', () => {
    assert.equal(parseGoInt('-5', 32), -5);
    assert.equal(parseGoInt('+7', 32), 7);
    assert.equal(parseGoInt('-2147483648', 32), -2147483648);
    assert.throws(() => parseGoInt('2147483648', 32), { message: 'strconv.ParseInt: parsing "2147483648": value out of range' });
    assert.throws(() => parseGoInt('1_000', 32), /invalid syntax/);
  });

  test('RAMInBytes', () => {
    assert.equal(parseRamInBytes('1024'), 1024);
    assert.equal(parseRamInBytes('64m'), 64 * 1024 ** 2);
    assert.equal(parseRamInBytes('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseRamInBytes('10KiB'), 10240);
    assert.equal(parseRamInBytes('2 MB'), 2 * 1024 ** 2);
    assert.throws(() => parseRamInBytes('abc'), /invalid size: 'abc'/);
    assert.throws(() => parseRamInBytes('1.2.3m'), /invalid syntax/);
  });
});

describe('--mount values', () => {
  test('CSV fields as encoding/csv splits them', () => {
    assert.deepEqual(splitCsvFields('type=bind,target=/x'), ['type=bind', 'target=/x']);
    assert.deepEqual(splitCsvFields('"target=/a,b",ro'), ['target=/a,b', 'ro']);
    assert.deepEqual(splitCsvFields('"a""b"'), ['a"b']);
    assert.deepEqual(splitCsvFields('a,'), ['a', '']);
    assert.deepEqual(splitCsvFields(''), []);
    assert.throws(() => splitCsvFields('a"b'), /bare " in non-quoted-field/);
    assert.throws(() => splitCsvFields('"a"b'), /extraneous or missing " in quoted-field/);
    assert.throws(() => splitCsvFields('"ab'), /extraneous or missing " in quoted-field/);
  });

  test('a quoted field may hold a comma in its value', () => {
    const m = parseMount('type=bind,"source=/a,b",target=/t', null);
    assert.equal(m.source, '/a,b');
  });

  test('keys are case-insensitive, types and sharing lowercased', () => {
    const m = parseMount('TYPE=Cache,Target=/c,SHARING=Private', null);
    assert.equal(m.type, 'cache');
    assert.equal(m.target, '/c');
    assert.equal(m.sharing, 'private');
  });

  test('readonly forms', () => {
    assert.equal(parseMount('target=/x', null).readOnly, true);
    assert.equal(parseMount('target=/x,readwrite', null).readOnly, false);
    assert.equal(parseMount('target=/x,rw=true', null).readOnly, false);
    assert.equal(parseMount('type=cache,target=/x,readonly', null).readOnly, true);
    assert.equal(parseMount('type=cache,target=/x', null).readOnly, false);
    assert.equal(parseMount('type=tmpfs,target=/x', null).readOnly, false);
    assert.equal(parseMount('type=secret,id=a', null).readOnly, true);
  });

  test('an expander sees every value', () => {
    const seen: string[] = [];
    const m = parseMount('type=cache,target=/c,id=x', (v) => {
      seen.push(v);
      return v.toUpperCase() === 'CACHE' ? 'cache' : v + '!';
    });
    assert.deepEqual(seen, ['cache', '/c', 'x']);
    assert.equal(m.target, '/c!');
    assert.equal(m.id, 'x!');
    assert.equal(m.deferred, undefined);
  });
});
