import { ExploreError } from './errors.ts';

const UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
};

/** parseSize reads a byte size as dive's thresholds do (go-humanize ParseBytes): `20MB` is 20,000,000,
 * `1GiB` is 2^30, a bare number is bytes; units are case-insensitive and may follow a space. */
export function parseSize(input: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(input);
  const unit = m ? (m[2] as string).toLowerCase() : '';
  const mult = m ? (unit === '' ? 1 : UNITS[unit]) : undefined;
  if (!m || mult === undefined) throw new ExploreError('EXPLORE_BAD_VALUE', `${what} "${input}" is not a size (examples: 20MB, 512kB, 1GiB, 1048576)`, { input });
  return Math.round(Number(m[1]) * mult);
}

/** parseRatio reads a fraction: `0.1`, or a percentage `10%`; a bare number above 1 is taken as a percentage. */
export function parseRatio(input: string, what = 'ratio'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(input);
  if (!m) throw new ExploreError('EXPLORE_BAD_VALUE', `${what} "${input}" is not a ratio (examples: 0.9, 90%)`, { input });
  const v = Number(m[1]);
  return m[2] === '%' || v > 1 ? v / 100 : v;
}
