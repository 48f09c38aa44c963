/**
 * The last value of a timer, readable from any thread without a lock.
 *
 * The owner `v8.serialize`s each new value into one of two regions, the one readers are *not*
 * pointed at, then points them at it (`W_RESULT`). A region has its own sequence word (odd while
 * it is rewritten), so a reader that copied a region while a later value was written into it
 * notices and starts again. A writer that dies half-way leaves the pointer on the intact region.
 * Regions are growable SharedArrayBuffers: they start small and grow up to `maxResultBytes`.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import {
  R_HEADER_BYTES,
  R_LENGTH,
  R_SEQ,
  R_STATE,
  R_UNCLONEABLE,
  R_VALUE,
  RESULT_NONE,
  RESULT_OFF,
  W_RESULT,
} from "./layout.js";
import { message } from "./protocol.js";

interface Growable extends SharedArrayBuffer {
  readonly maxByteLength: number;
  grow(length: number): void;
}

const GrowableSAB = SharedArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => Growable;

const INITIAL_BYTES = 1024;
/** Room always left for the message that says why a value could not be shared. */
const MESSAGE_BYTES = 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One region on the owner side. */
class Region {
  readonly buffer: Growable;
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  seq = 0;

  constructor(maxBytes: number) {
    const capacity = roundUp(Math.max(maxBytes, MESSAGE_BYTES));
    this.buffer = new GrowableSAB(R_HEADER_BYTES + Math.min(INITIAL_BYTES, capacity), {
      maxByteLength: R_HEADER_BYTES + capacity,
    });
    // Length-tracking views: they follow the buffer as it grows.
    this.words = new Int32Array(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  /** Grows the buffer so a value of `length` bytes fits: at least doubling, never past its maximum. */
  reserve(length: number): void {
    const needed = R_HEADER_BYTES + roundUp(length);
    if (this.buffer.byteLength >= needed) return;
    this.buffer.grow(
      Math.min(this.buffer.maxByteLength, Math.max(needed, this.buffer.byteLength * 2)),
    );
  }
}

/** The owner's side: publishes each new last value. */
export class ResultWriter {
  readonly #words: Int32Array;
  readonly #regions: readonly [Region, Region];
  readonly #maxBytes: number;
  readonly #label: string;
  #active = -1;
  #previous: unknown;
  #published = false;
  /** The serialised `#previous`, when it could be serialised. */
  #bytes: Uint8Array | undefined;

  constructor(words: Int32Array, maxBytes: number, label: string) {
    this.#words = words;
    this.#maxBytes = maxBytes;
    this.#label = label;
    this.#regions = [new Region(maxBytes), new Region(maxBytes)];
    Atomics.store(words, W_RESULT, RESULT_NONE);
  }

  /** The buffers a handle carries. */
  get buffers(): readonly [SharedArrayBuffer, SharedArrayBuffer] {
    return [this.#regions[0].buffer, this.#regions[1].buffer];
  }

  /** The bytes published for `value`, if it is the last value published. */
  bytesOf(value: unknown): Uint8Array | undefined {
    return this.#published && value === this.#previous ? this.#bytes : undefined;
  }

  /** No value will be published: readers get `unavailable`. */
  disable(): void {
    Atomics.store(this.#words, W_RESULT, RESULT_OFF);
  }

  /** Publishes `value` as the last value. */
  publish(value: unknown): void {
    // A timer whose target returns nothing (or the same primitive) every tick costs nothing here.
    if (this.#published && value === this.#previous && !isObject(value)) return;
    let state = R_VALUE;
    let bytes: Uint8Array;
    try {
      bytes = serialize(value);
      if (bytes.length > this.#maxBytes) {
        state = R_UNCLONEABLE;
        bytes = explain(
          `the last value of ${this.#label} takes ${bytes.length} bytes, more than maxResultBytes (${this.#maxBytes}); share the timer with a larger maxResultBytes`,
        );
      }
    } catch (error) {
      state = R_UNCLONEABLE;
      bytes = explain(
        `the last value of ${this.#label} cannot be copied to another thread (${message(error)})`,
      );
    }
    const index = this.#active === 0 ? 1 : 0;
    const region = this.#regions[index];
    region.reserve(bytes.length);
    region.seq = (region.seq + 1) | 0;
    Atomics.store(region.words, R_SEQ, region.seq);
    Atomics.store(region.words, R_STATE, state);
    Atomics.store(region.words, R_LENGTH, bytes.length);
    region.bytes.set(bytes, R_HEADER_BYTES);
    region.seq = (region.seq + 1) | 0;
    Atomics.store(region.words, R_SEQ, region.seq);
    Atomics.store(this.#words, W_RESULT, index);
    this.#active = index;
    this.#previous = value;
    this.#published = true;
    this.#bytes = state === R_VALUE ? bytes : undefined;
  }
}

/** What a reader found. */
export type ResultRead =
  | { readonly kind: "none" }
  | { readonly kind: "off" }
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "uncloneable"; readonly message: string };

const NONE: ResultRead = Object.freeze({ kind: "none" });
const OFF: ResultRead = Object.freeze({ kind: "off" });

// On x86 (total store order) loads are not reordered with other loads, so a plain copy followed
// by the sequence check is sound. Elsewhere (arm64) `Atomics.load` is a load-acquire, which does
// not keep earlier plain loads before it: copy word by word with Atomics there instead.
const plainCopyIsOrdered = process.arch === "x64" || process.arch === "ia32";

/** A reader's side: one per remote; caches the decoded value until a new one is published. */
export class ResultReader {
  readonly #words: Int32Array;
  readonly #regions: readonly [Int32Array, Int32Array];
  readonly #bytes: readonly [Uint8Array, Uint8Array];
  #cacheIndex = -1;
  #cacheSeq = 0;
  #cache: ResultRead = NONE;

  constructor(words: Int32Array, buffers: readonly [SharedArrayBuffer, SharedArrayBuffer]) {
    this.#words = words;
    this.#regions = [new Int32Array(buffers[0]), new Int32Array(buffers[1])];
    this.#bytes = [new Uint8Array(buffers[0]), new Uint8Array(buffers[1])];
  }

  read(): ResultRead {
    for (;;) {
      const index = Atomics.load(this.#words, W_RESULT);
      if (index === RESULT_NONE) return NONE;
      if (index === RESULT_OFF) return OFF;
      const words = this.#regions[index as 0 | 1];
      const seq = Atomics.load(words, R_SEQ);
      if ((seq & 1) === 1) continue; // rewritten right now: the pointer has moved on
      if (index === this.#cacheIndex && seq === this.#cacheSeq) return this.#cache;
      const state = Atomics.load(words, R_STATE);
      const length = Atomics.load(words, R_LENGTH);
      const copy = copyOut(this.#bytes[index as 0 | 1], words, length);
      if (Atomics.load(words, R_SEQ) !== seq) continue;
      // Decoding happens on a private copy, after the check: it never sees a torn value.
      const read: ResultRead =
        state === R_VALUE
          ? { kind: "value", value: deserialize(copy) }
          : { kind: "uncloneable", message: decoder.decode(copy) };
      this.#cacheIndex = index;
      this.#cacheSeq = seq;
      this.#cache = read;
      return read;
    }
  }
}

function copyOut(bytes: Uint8Array, words: Int32Array, length: number): Uint8Array {
  const start = R_HEADER_BYTES;
  if (length < 0 || start + length > bytes.length) return new Uint8Array(0); // torn; re-checked
  if (plainCopyIsOrdered) return bytes.slice(start, start + length);
  const out = new Int32Array(Math.ceil(length / 4));
  const first = start / 4;
  for (let i = 0; i < out.length; i++) out[i] = Atomics.load(words, first + i);
  return new Uint8Array(out.buffer, 0, length);
}

function explain(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  return bytes.length <= MESSAGE_BYTES ? bytes : bytes.subarray(0, MESSAGE_BYTES);
}

function roundUp(length: number): number {
  return Math.ceil(length / 8) * 8;
}

function isObject(value: unknown): boolean {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}
