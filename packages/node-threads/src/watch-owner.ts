import type { Worker } from "node:worker_threads";
import { type AnyHandle, checkHandle } from "./handles.js";
import { T_THREAD_ID } from "./layout.js";
import { isAlive, markGone } from "./owner-thread.js";
import { describe, labelOf } from "./protocol.js";

interface Watch {
  readonly worker: Worker;
  readonly words: Int32Array;
}

/** Workers this thread watches, for {@link probeWatched}. */
const watched = new Set<Watch>();

/**
 * Marks the owner of `handles` gone as soon as `worker` exits, for any reason — including
 * `worker.terminate()`, which runs no exit handler inside the worker — and wakes every thread
 * blocked on it, which then throws `ThreadControlError` with reason `"owner-gone"`.
 *
 * Call it on the thread that owns the `Worker` object (the one that spawned it), with a handle
 * the worker shared: every handle from one owner thread shares one liveness word, so one handle
 * covers all of them. A handle that was already passed on (its port transferred) still works
 * here. Returns a function that stops watching.
 *
 * A worker that ends on its own (its event loop drains, `process.exit()`, an uncaught
 * exception) marks itself gone without this; `watchOwner` covers termination. Should this very
 * thread be blocked in a call to that worker when it dies, it notices within about 50 ms.
 *
 * @throws TypeError if `worker` is not a `Worker`, a handle is not a handle, or a handle belongs
 *   to another thread than `worker` (the message names both).
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * import { watchOwner, type TimerHandle } from "@async-timer/node-threads";
 *
 * const owner = new Worker(new URL("./cache-owner.js", import.meta.url));
 * const handle = await new Promise<TimerHandle>((resolve) => owner.once("message", resolve));
 * const unwatch = watchOwner(owner, handle);
 * // … hand the handle on to the threads that read the cache …
 * await owner.terminate(); // blocked callers throw "owner-gone" at once
 * unwatch();
 * ```
 */
export function watchOwner(worker: Worker, ...handles: AnyHandle[]): () => void {
  const candidate = worker as Partial<Worker> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.once !== "function" ||
    typeof candidate.off !== "function" ||
    typeof candidate.threadId !== "number"
  ) {
    throw new TypeError(`watchOwner(worker): worker must be a Worker; got ${describe(worker)}`);
  }
  if (handles.length === 0) {
    throw new TypeError(
      "watchOwner(worker, ...handles): give at least one handle the worker shared",
    );
  }
  const words: Int32Array[] = [];
  handles.forEach((handle, index) => {
    const checked = checkHandle(handle, ["timer", "subscription", "group"], `handles[${index}]`);
    const owned = new Int32Array(checked.thread);
    const owner = Atomics.load(owned, T_THREAD_ID);
    if (worker.threadId !== -1 && owner !== worker.threadId) {
      throw new TypeError(
        `watchOwner(worker, ...handles): handles[${index}] (${labelOf(checked.kind, checked.name)}) belongs to thread ${owner}, not to this worker (thread ${worker.threadId})`,
      );
    }
    if (!words.some((w) => w.buffer === owned.buffer)) words.push(owned);
  });
  if (worker.threadId === -1) {
    // It has exited already.
    for (const owned of words) markGone(owned);
    return () => {};
  }
  const entries = words.map((owned): Watch => ({ worker, words: owned }));
  for (const entry of entries) watched.add(entry);
  const onExit = (): void => {
    worker.off("online", prime);
    for (const entry of entries) {
      watched.delete(entry);
      markGone(entry.words);
    }
  };
  // The probe below needs the worker's loop start time, which Node reads (and keeps) on the
  // first eventLoopUtilization() call while the worker is alive: take it now, or once online.
  const prime = (): void => {
    loopIdle(worker);
  };
  prime();
  worker.once("online", prime);
  worker.once("exit", onExit);
  return () => {
    worker.off("exit", onExit);
    worker.off("online", prime);
    for (const entry of entries) watched.delete(entry);
  };
}

/** How many workers this thread watches. */
export function watchedCount(): number {
  return watched.size;
}

/**
 * For a blocked call on this thread: the `exit` event of a watched worker cannot be delivered
 * while the thread is blocked, so ask the workers directly. `Worker#performance` reads the
 * worker's event loop from this thread, synchronously; once the worker has stopped, its idle
 * time reads -1. (Best effort: the `exit` event remains the primary signal.)
 */
export function probeWatched(): void {
  for (const entry of watched) {
    if (isAlive(entry.words) && loopIdle(entry.worker) < 0) markGone(entry.words);
  }
}

function loopIdle(worker: Worker): number {
  try {
    return worker.performance.eventLoopUtilization().idle;
  } catch {
    return 0;
  }
}
