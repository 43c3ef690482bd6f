// A small seeded PRNG (mulberry32): every fuzz input is a pure function of (seed, index), so the parent can
// rebuild the input a hung worker was stuck on without asking it.

/** Rng draws numbers from a 32-bit seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** next is uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** int is uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** pick returns one element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  /** chance is true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** inputSeed mixes the run seed and an input index into the seed of that input's generator. */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
