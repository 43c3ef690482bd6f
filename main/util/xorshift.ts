/** xorshift32 gives deterministic pseudo-random 32-bit numbers from a seed (benchmark contexts, tests that
 * want the same "random" values on every run). */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
