// Go's number, boolean and duration parsers (strconv, time.ParseDuration), so HEALTHCHECK and
// RUN --mount accept and refuse exactly what BuildKit does, with the same error texts.
import { goQuote } from '../parser/index.ts';

const MAX_U63 = 1n << 63n;

function numError(fn: string, s: string, what: 'invalid syntax' | 'value out of range'): Error {
  return new Error(`strconv.${fn}: parsing ${goQuote(s)}: ${what}`);
}

/** parseGoBool is strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
    default:
      throw new Error(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
  }
}

/** parseGoUint is strconv.ParseUint for base 8 or 10 (no sign, no underscores, no prefix). */
export function parseGoUint(s: string, base: 8 | 10, bitSize: number): number {
  if (s === '') throw numError('ParseUint', s, 'invalid syntax');
  const digit = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digit.test(s)) throw numError('ParseUint', s, 'invalid syntax');
  const v = BigInt(base === 8 ? '0o' + s : s);
  if (v >= 1n << BigInt(bitSize)) throw numError('ParseUint', s, 'value out of range');
  return Number(v);
}

/** parseGoInt is strconv.ParseInt(s, 10, bitSize): optional sign, decimal digits. */
export function parseGoInt(s: string, bitSize: number): number {
  const m = /^([+-]?)([0-9]+)$/.exec(s);
  if (!m) throw numError('ParseInt', s, 'invalid syntax');
  const mag = BigInt(m[2] ?? '0');
  const limit = 1n << BigInt(bitSize - 1);
  if (m[1] === '-' ? mag > limit : mag >= limit) throw numError('ParseInt', s, 'value out of range');
  return Number(m[1] === '-' ? -mag : mag);
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1000n],
  ['\u00b5s', 1000n],
  ['\u03bcs', 1000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** parseGoDuration is time.ParseDuration ("1m30s", "1.5h", "300ms", "-2s"); the result is in nanoseconds
 * (exact up to 2^53 ns, about 104 days). Errors read like Go's: `time: invalid duration "x"`. */
export function parseGoDuration(orig: string): number {
  const invalid = (): Error => new Error(`time: invalid duration "${orig}"`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // leading integer
    let i = 0;
    let v = 0n;
    while (i < s.length && isDigit(s[i])) {
      if (v > MAX_U63 / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_U63) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // fraction: stops gaining precision on overflow, like Go's leadingFraction
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          if (f > (MAX_U63 - 1n) / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > MAX_U63) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) throw new Error(`time: missing unit in duration "${orig}"`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS.get(unitName);
    if (unit === undefined) throw new Error(`time: unknown unit "${unitName}" in duration "${orig}"`);
    if (v > MAX_U63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // float64 arithmetic, as Go does, to stay nanosecond-accurate for fractions of hours
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_U63) throw invalid();
    }
    d += v;
    if (d > MAX_U63) throw invalid();
  }
  if (neg) return -Number(d);
  if (d > MAX_U63 - 1n) throw invalid();
  return Number(d);
}

const RAM_SIZE = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const RAM_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** parseRamInBytes is go-units RAMInBytes ("64m", "1g", "512KiB", "1024"): binary multiples. */
export function parseRamInBytes(size: string): number {
  const m = RAM_SIZE.exec(size);
  if (!m) throw new Error(`invalid size: '${size}'`);
  const num = m[1] ?? '';
  if (!/^\d+(\.\d+)?$/.test(num)) throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  const unit = m[3] ? (RAM_UNITS[m[3].toLowerCase()] ?? 1) : 1;
  return Math.trunc(Number(num) * unit);
}
