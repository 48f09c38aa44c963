/**
 * The liveness words of the current thread as an owner: one small SharedArrayBuffer shared by
 * every handle this thread gives out. The thread clears its alive word when it exits normally
 * (`process.on("exit")` runs in a worker that ends or calls `process.exit()`); a terminated
 * worker runs no handler of its own, so {@link watchOwner} lets the thread that owns the
 * `Worker` object clear it instead, and without it the heartbeat stops, which a blocked caller
 * sees.
 *
 * @module
 */
import { clearInterval, setInterval } from "node:timers";
import { threadId } from "node:worker_threads";
import { T_ALIVE, T_BEAT, T_DOORBELL, T_THREAD_ID, THREAD_BYTES } from "./layout.js";

/** How often an owner with connections bumps its heartbeat. */
export const BEAT_MS = 250;

let current: Int32Array | undefined;
let connections = 0;
// From `node:timers`, not the globals: a test's fake timers must not stop the heartbeat.
let beating: ReturnType<typeof setInterval> | undefined;

/** This thread's liveness words, created (with their exit hook) on first use. */
export function ownerWords(): Int32Array {
  if (current !== undefined) return current;
  const words = new Int32Array(new SharedArrayBuffer(THREAD_BYTES));
  Atomics.store(words, T_ALIVE, 1);
  Atomics.store(words, T_THREAD_ID, threadId);
  // One listener per thread for the thread's lifetime, whatever is shared.
  process.once("exit", () => markGone(words));
  current = words;
  return words;
}

/** Marks an owner gone and wakes every caller blocked on it. Idempotent. */
export function markGone(words: Int32Array): void {
  Atomics.store(words, T_ALIVE, 0);
  ring(words);
}

/** Wakes every caller blocked on this owner, so each re-checks its request. */
export function ring(words: Int32Array): void {
  Atomics.add(words, T_DOORBELL, 1);
  Atomics.notify(words, T_DOORBELL);
}

/** Whether the owner behind these words is still alive. */
export function isAlive(words: Int32Array): boolean {
  return Atomics.load(words, T_ALIVE) !== 0;
}

/** A connection opened on this owner: its heartbeat runs while any is open. */
export function connected(): void {
  if (connections++ > 0) return;
  const words = ownerWords();
  beating = setInterval(() => Atomics.add(words, T_BEAT, 1), BEAT_MS);
  beating.unref(); // a heartbeat never keeps the thread alive
}

/** A connection closed; the last one stops the heartbeat. */
export function disconnected(): void {
  if (--connections > 0) return;
  clearInterval(beating);
  beating = undefined;
}
