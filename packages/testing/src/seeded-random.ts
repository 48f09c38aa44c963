/**
 * A small, fast, seeded source of uniform samples in `[0, 1)` (mulberry32). Not for
 * cryptography; for replaying a simulation exactly from one integer.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // always the same first sample for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
