/**
 * The liveness word of the current thread as an owner: one small SharedArrayBuffer shared by
 * every handle this thread gives out. The thread clears it when it exits normally
 * (`process.on("exit")` runs in a worker that ends or calls `process.exit()`); a terminated
 * worker runs no handler of its own, so {@link watchOwner} lets the thread that owns the
 * `Worker` object clear it instead.
 *
 * @module
 */
import { threadId } from "node:worker_threads";
import { T_ALIVE, T_DOORBELL, T_THREAD_ID, THREAD_BYTES } from "./layout.js";

let current: Int32Array | undefined;

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
