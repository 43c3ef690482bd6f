// Input generators for the fuzzers: seeds mutated (tokens inserted, ranges deleted, duplicated, repeated,
// spliced with other seeds, characters flipped to control, astral or lone-surrogate ones), token soup from a
// dictionary, and plain random strings.
import type { Rng } from './prng.ts';

const ODD = ['\0', '\x01', '\x7f', '\t', '\v', '\f', '\r', '\n', '\r\n', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff', '😀', 'é', 'ß', 'ǅ', '\u0301', '\uffff'];

/** randomChar is mostly printable ASCII, sometimes a control, an astral or a lone surrogate. */
export function randomChar(rng: Rng): string {
  const r = rng.next();
  if (r < 0.75) return String.fromCharCode(32 + rng.int(95));
  if (r < 0.9) return rng.pick(ODD);
  if (r < 0.97) return String.fromCharCode(rng.int(0x10000));
  return String.fromCodePoint(0x10000 + rng.int(0x10ffff - 0x10000));
}

function randomString(rng: Rng, max: number): string {
  let s = '';
  const n = rng.int(max);
  for (let i = 0; i < n; i++) s += randomChar(rng);
  return s;
}

function mutateOnce(s: string, rng: Rng, seeds: readonly string[], dict: readonly string[], maxLen: number): string {
  const at = () => rng.int(s.length + 1);
  switch (rng.int(10)) {
    case 0: {
      const i = at();
      return s.slice(0, i) + rng.pick(dict) + s.slice(i);
    }
    case 1: {
      const i = at();
      return s.slice(0, i) + randomChar(rng) + s.slice(i);
    }
    case 2: {
      const i = at();
      return s.slice(0, i) + s.slice(i + 1 + rng.int(32));
    }
    case 3: {
      const i = at();
      const j = Math.min(s.length, i + rng.int(64));
      const k = at();
      return s.slice(0, k) + s.slice(i, j) + s.slice(k);
    }
    case 4: {
      // Repeat a slice many times: super-linear parsers show up here.
      const i = at();
      const piece = s.slice(i, i + 1 + rng.int(8)) || rng.pick(dict);
      const times = 1 + rng.int(Math.max(1, Math.floor(maxLen / Math.max(1, piece.length) / 4)));
      return s.slice(0, i) + piece.repeat(times) + s.slice(i);
    }
    case 5: {
      if (!s.length) return randomChar(rng);
      const i = rng.int(s.length);
      return s.slice(0, i) + randomChar(rng) + s.slice(i + 1);
    }
    case 6: {
      const other = rng.pick(seeds);
      return s.slice(0, at()) + other.slice(rng.int(other.length + 1));
    }
    case 7: {
      const lines = s.split('\n');
      if (lines.length < 2) return s + '\n' + rng.pick(dict);
      const a = rng.int(lines.length);
      const b = rng.int(lines.length);
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      return lines.join('\n');
    }
    case 8:
      return s.replace(/\d+/, () => rng.pick(['0', '-1', '4294967296', '99999999999999999999999', '1e309', 'NaN', '0x10']));
    default: {
      const i = at();
      const j = Math.min(s.length, i + rng.int(16));
      const mid = s.slice(i, j);
      return s.slice(0, i) + (rng.chance(0.5) ? mid.toUpperCase() : mid.toLowerCase()) + s.slice(j);
    }
  }
}

/** generate makes one input from seeds and a dictionary, at most maxLen characters long. */
export function generate(rng: Rng, seeds: readonly string[], dict: readonly string[], maxLen: number): string {
  const mode = rng.next();
  let s: string;
  if (mode < 0.6 && seeds.length) {
    s = rng.pick(seeds);
    const rounds = 1 + rng.int(8);
    for (let i = 0; i < rounds; i++) s = mutateOnce(s, rng, seeds, dict, maxLen);
  } else if (mode < 0.9) {
    s = '';
    const n = 1 + rng.int(40);
    for (let i = 0; i < n; i++) s += rng.chance(0.8) ? rng.pick(dict) : randomChar(rng);
  } else {
    s = randomString(rng, 200);
  }
  return s.length > maxLen ? s.slice(0, maxLen) : s;
}

/** stringsIn collects every string value in a JSON document (seeds from conformance tables). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
