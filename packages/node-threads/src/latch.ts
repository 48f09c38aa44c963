/**
 * A latch: a seqlock that keeps two copies of its fields, so a reader never waits for the writer
 * and never reads a half-written set. The single writer bumps the sequence to odd, rewrites
 * copy 0, bumps it to even, rewrites copy 1. A reader picks the copy the writer is *not* on
 * (copy 1 while the sequence is odd, copy 0 while it is even), reads it, and retries if the
 * sequence moved meanwhile. A writer that dies half-way (a terminated thread) leaves one whole
 * copy behind, so readers never spin on it.
 *
 * All accesses are `Atomics` on `Int32Array` words: sequentially consistent, hence ordered and
 * tear-free on every CPU. Readers (`RemoteTimer`, `RemoteSubscription`) spell the read loop out:
 *
 *     do { seq = load(SEQ); read the copy at COPY + (seq & 1) * WORDS } while (load(SEQ) !== seq)
 *
 * @module
 */

const scratch = new Float64Array(1);
const halves = new Int32Array(scratch.buffer);

/** Stores a float in two words. */
export function storeFloat(words: Int32Array, index: number, value: number): void {
  scratch[0] = value;
  Atomics.store(words, index, halves[0] as number);
  Atomics.store(words, index + 1, halves[1] as number);
}

/** Reads a float stored by {@link storeFloat}. Only meaningful inside a latch read. */
export function loadFloat(words: Int32Array, index: number): number {
  halves[0] = Atomics.load(words, index);
  halves[1] = Atomics.load(words, index + 1);
  return scratch[0] as number;
}

/** The writing side; only the owner thread holds one. */
export class LatchWriter {
  readonly #words: Int32Array;
  readonly #seqIndex: number;
  readonly #copy0: number;
  readonly #copy1: number;
  #seq = 0;

  constructor(words: Int32Array, seqIndex: number, copyAt: number, copyWords: number) {
    this.#words = words;
    this.#seqIndex = seqIndex;
    this.#copy0 = copyAt;
    this.#copy1 = copyAt + copyWords;
  }

  /** Calls `fill(base)` once per copy; `fill` stores the fields at `base + offset`. */
  write(fill: (base: number) => void): void {
    this.#seq = (this.#seq + 1) | 0;
    Atomics.store(this.#words, this.#seqIndex, this.#seq);
    fill(this.#copy0);
    this.#seq = (this.#seq + 1) | 0;
    Atomics.store(this.#words, this.#seqIndex, this.#seq);
    fill(this.#copy1);
  }
}
