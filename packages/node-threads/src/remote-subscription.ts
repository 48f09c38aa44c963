import { type CallSite, Channel } from "./channel.js";
import { checkHandle, type SubscriptionHandle, sealOpened } from "./handles.js";
import { loadFloat } from "./latch.js";
import { G_DROPPED, G_QSIZE, S_COPY, S_COPY_WORDS, S_DROPPED, S_QSIZE, S_SEQ } from "./layout.js";
import { CONTROL_KEYS, type ControlOptions, readOptions } from "./options.js";
import { labelOf } from "./protocol.js";

/**
 * A consistent view of a shared subscription, from {@link RemoteSubscription.snapshot}.
 *
 * @example
 * ```ts
 * const { qsize, droppedCount } = feed.snapshot();
 * if (droppedCount > 0) console.warn(`exporter behind: ${qsize} queued, ${droppedCount} lost`);
 * ```
 */
export interface SubscriptionSnapshot {
  /** Values buffered and not yet consumed. */
  readonly qsize: number;
  /** Values lost to overflow or `dropOldest`. */
  readonly droppedCount: number;
}

const CLOSE_SYNC: CallSite = { method: "closeSync()", onOwner: "subscription.close()" };
const CLOSE: CallSite = { method: "close()", onOwner: "" };

const opened = new WeakMap<object, RemoteSubscription<any>>();

/**
 * Opens a handle made by {@link shareSubscription} on the owner thread. Opening the same handle
 * again on this thread returns the same object.
 *
 * @throws TypeError if `handle` is not a subscription handle.
 *
 * @example
 * ```ts
 * import { workerData } from "node:worker_threads";
 * import { openSubscription } from "@async-timer/node-threads";
 *
 * const feed = openSubscription(workerData.feed);
 * setInterval(() => console.log(`backlog ${feed.qsize}, dropped ${feed.droppedCount}`), 1000);
 * ```
 */
export function openSubscription<T = unknown>(
  handle: SubscriptionHandle<T>,
): RemoteSubscription<T> {
  const checked = checkHandle(handle, ["subscription"], "openSubscription(handle): handle");
  let remote = opened.get(checked.port) as RemoteSubscription<T> | undefined;
  if (remote === undefined) {
    remote = new RemoteSubscription<T>(checked as SubscriptionHandle<T>);
    opened.set(checked.port, remote);
    sealOpened(checked);
  }
  return remote;
}

/**
 * A subscription that lives on another thread, seen from this one: its backlog counters, read
 * without a lock, and `closeSync()`, the analogue of the original's `feed.close_threadsafe()`.
 * Made by {@link openSubscription}.
 *
 * The counters follow the subscription: they change when a tick delivers a value and when its
 * consumer takes one. A subscription belongs to one run of its timer; after the run has ended
 * and been drained, the counters stay where they were and closing it does nothing.
 *
 * @example
 * ```ts
 * const feed = openSubscription(workerData.feed);
 * if (feed.qsize > 1000) feed.closeSync({ timeout: 5 }); // the consumer is hopelessly behind
 * ```
 */
export class RemoteSubscription<T = unknown> implements Disposable {
  /** The subscription's name. */
  readonly name: string;
  /** The queue bound; `0` means unbounded. */
  readonly maxsize: number;
  /** `threadId` of the owner thread. */
  readonly ownerThreadId: number;
  readonly #words: Int32Array;
  readonly #channel: Channel;

  /** @internal Use {@link openSubscription}. */
  constructor(handle: SubscriptionHandle<T>) {
    this.name = handle.name;
    this.maxsize = handle.maxsize;
    this.ownerThreadId = handle.ownerThreadId;
    this.#words = new Int32Array(handle.state);
    this.#channel = new Channel(handle, labelOf("subscription", handle.name));
  }

  /** Values buffered and not yet consumed (the end marker does not count). */
  get qsize(): number {
    return Atomics.load(this.#words, S_QSIZE);
  }

  /** Values lost: dropped on overflow, plus those removed by `dropOldest`. */
  get droppedCount(): number {
    const dropped = Atomics.load(this.#words, S_DROPPED);
    return dropped >= 0 ? dropped : this.snapshot().droppedCount;
  }

  /** Both counters from one instant. */
  snapshot(): SubscriptionSnapshot {
    const words = this.#words;
    for (;;) {
      const seq = Atomics.load(words, S_SEQ);
      const base = S_COPY + (seq & 1) * S_COPY_WORDS;
      const qsize = Atomics.load(words, base + G_QSIZE);
      const droppedCount = loadFloat(words, base + G_DROPPED);
      if (Atomics.load(words, S_SEQ) === seq) return { qsize, droppedCount };
    }
  }

  /** Whether the owner thread is alive, as far as this thread can tell. */
  isOwnerAlive(): boolean {
    return this.#channel.ownerAlive();
  }

  /**
   * Closes the subscription on the owner thread (its buffer is discarded, its consumer's
   * iteration ends) and blocks until that is done.
   *
   * @throws TimerTimeoutError past `timeout`; ThreadControlError `"owner-thread"`,
   *   `"not-started"` (its timer never started), `"owner-gone"`, `"disconnected"`.
   */
  closeSync(options?: ControlOptions): void {
    const { timeoutMs } = readOptions(options, "closeSync", CONTROL_KEYS);
    this.#channel.callSync("close", CLOSE_SYNC, timeoutMs, undefined);
  }

  /** The non-blocking {@link RemoteSubscription.closeSync}. Also works on the owner thread. */
  close(options?: ControlOptions): Promise<void> {
    const { timeoutMs } = readOptions(options, "close", CONTROL_KEYS);
    return this.#channel.callAsync("close", CLOSE, timeoutMs, undefined) as Promise<void>;
  }

  /** Closes this thread's end of the handle (not the subscription). Idempotent. */
  disconnect(): void {
    this.#channel.disconnect();
  }

  /** `using feed = openSubscription(handle)` disconnects at the end of the scope. */
  [Symbol.dispose](): void {
    this.disconnect();
  }

  /** E.g. `RemoteSubscription(exporter, owner thread 2, qsize=3, dropped=0)`. */
  toString(): string {
    const { qsize, droppedCount } = this.snapshot();
    return `RemoteSubscription(${this.name}, owner thread ${this.ownerThreadId}, qsize=${qsize}, dropped=${droppedCount})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
