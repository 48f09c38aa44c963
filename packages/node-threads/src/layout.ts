/**
 * The shared-memory layout and wire constants every copy of this package agrees on. A handle
 * carries {@link PROTOCOL}; a copy that speaks another version refuses it instead of
 * misreading the memory. Bump it on any change to this file or to the messages.
 *
 * Every shared word is an `Int32Array` element read and written with `Atomics` only: that is
 * what makes a read tear-free and ordered on every CPU, not just on x86. Floats are stored as
 * two such words and reassembled.
 *
 * @module
 */

/** Version of the memory layout and the message protocol. */
export const PROTOCOL = 2;
/** Marks this package's messages, so foreign ones on a port are recognised and ignored. */
export const TAG = "@async-timer/node-threads";

// ─── Owner thread (one per owning thread, shared by all its handles) ──────────────────────
/** 1 while the owner thread lives; 0 once it exited or was marked gone. */
export const T_ALIVE = 0;
/**
 * Bumped (and notified) whenever the owner finishes a blocking request, and when it is marked
 * gone. Every blocked caller of this owner waits on this one word, so a gone owner wakes them
 * all without knowing who they are.
 */
export const T_DOORBELL = 1;
export const T_THREAD_ID = 2;
/**
 * The owner's heartbeat: bumped every `BEAT_MS` by its event loop while it has connections. A
 * terminated thread runs no exit handler, so a caller blocked on it cannot be told; it can see
 * the beat stop, and say so (or give up) instead of waiting for ever.
 */
export const T_BEAT = 3;
export const THREAD_BYTES = 4 * 4;

// ─── Timer state: a latch (a seqlock with two copies) plus tear-free single words ──────────
/** The latch sequence: odd while copy 0 is rewritten, even while copy 1 is. */
export const W_SEQ = 0;
/** `hitCount` while it fits in an int32, else -1 (read the latch). Lets one load answer. */
export const W_HIT = 1;
export const W_RUNNING = 2;
export const W_GENERATION = 3;
/** Which result region holds the last value: 0 or 1, or one of the `RESULT_*` below. */
export const W_RESULT = 4;
export const RESULT_NONE = -1;
export const RESULT_OFF = -2;
/** Where the two copies start, and their size in words. */
export const W_COPY = 8;
export const COPY_WORDS = 8;
export const TIMER_BYTES = (W_COPY + 2 * COPY_WORDS) * 4;
// Fields inside a copy (floats take two words).
export const F_HIT = 0;
export const F_TICK_AT = 2;
export const F_DELAY = 4;
export const F_RUNNING = 6;
export const F_GENERATION = 7;

// ─── Subscription state: the same scheme ───────────────────────────────────────────────────
export const S_SEQ = 0;
export const S_QSIZE = 1;
/** `droppedCount` while it fits in an int32, else -1. */
export const S_DROPPED = 2;
export const S_COPY = 4;
export const S_COPY_WORDS = 4;
export const SUBSCRIPTION_BYTES = (S_COPY + 2 * S_COPY_WORDS) * 4;
export const G_QSIZE = 0;
export const G_DROPPED = 1;

// ─── A result region (two per timer, each a growable SharedArrayBuffer) ─────────────────────
/** Odd while the owner rewrites this region. */
export const R_SEQ = 0;
export const R_STATE = 1;
export const R_LENGTH = 2;
export const R_HEADER_BYTES = 4 * 4;
export const R_VALUE = 1;
/** The bytes are a UTF-8 message saying why the value could not be cloned. */
export const R_UNCLONEABLE = 2;

// ─── A channel (one per handle): request slots and one reply area ──────────────────────────
/** Slot 0 serves the (one at a time) blocking calls; the others serve non-blocking ones. */
export const SLOTS = 32;
export const SYNC_SLOT = 0;
/** Length of the reply in the data area, or -1 when it was posted as a message instead. */
export const C_REPLY_LENGTH = SLOTS;
/** 1 if the reply is a value, 0 if it is an error record. */
export const C_REPLY_OK = SLOTS + 1;
export const C_DATA_OFFSET = (SLOTS + 2) * 4;
export const CHANNEL_BYTES = 8192;
export const REPLY_CAPACITY = CHANNEL_BYTES - C_DATA_OFFSET;

/**
 * A slot's word is `id * 8 + phase`: a late message for an id the caller gave up on can never
 * claim a slot that was reused for a later request.
 */
export const FREE = 0;
export const PENDING = 1;
export const RUNNING = 2;
export const WRITING = 3;
export const DONE = 4;
export const MAX_ID = 2 ** 27 - 1;

/** The word of slot state `phase` for request `id`. */
export function slotWord(id: number, phase: number): number {
  return id * 8 + phase;
}
