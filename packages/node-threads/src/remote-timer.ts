import { type Duration, toMilliseconds } from "@async-timer/core";
import { type CallSite, Channel } from "./channel.js";
import { ThreadControlError } from "./errors.js";
import { checkHandle, sealOpened, type TimerHandle } from "./handles.js";
import { loadFloat } from "./latch.js";
import {
  COPY_WORDS,
  F_DELAY,
  F_GENERATION,
  F_HIT,
  F_RUNNING,
  F_TICK_AT,
  PROTOCOL,
  TAG,
  W_COPY,
  W_GENERATION,
  W_HIT,
  W_RUNNING,
  W_SEQ,
} from "./layout.js";
import { readOptions, type TimerControlOptions } from "./options.js";
import { labelOf } from "./protocol.js";
import { ResultReader } from "./result-buffer.js";

/**
 * A consistent view of a shared timer at one instant, from {@link RemoteTimer.snapshot}.
 *
 * @example
 * ```ts
 * const { hitCount, lastTickAt } = remote.snapshot(); // never a torn pair
 * if (lastTickAt !== undefined) console.log(`${hitCount} ticks, the last at ${new Date(lastTickAt)}`);
 * ```
 */
export interface TimerSnapshot {
  /** Successful ticks since construction. */
  readonly hitCount: number;
  /** When the last successful tick completed, in epoch milliseconds; `undefined` before it. */
  readonly lastTickAt: number | undefined;
  /** Seconds between ticks. */
  readonly delay: number;
  /** What `isRunning()` says on the owner thread; false once that thread is gone. */
  readonly running: boolean;
  /** How many times the timer has been started (see {@link RemoteTimer.generation}). */
  readonly generation: number;
}

const CANCEL_SYNC: CallSite = { method: "cancelSync()", onOwner: "await timer.cancel()" };
const TRIGGER_SYNC: CallSite = { method: "triggerSync()", onOwner: "await timer.trigger()" };
const CANCEL: CallSite = { method: "cancel()", onOwner: "" };
const TRIGGER: CallSite = { method: "trigger()", onOwner: "" };

const opened = new WeakMap<object, RemoteTimer<any>>();

/**
 * Opens a handle made by {@link shareTimer} on the owner thread. Opening the same handle again
 * on this thread returns the same object.
 *
 * @throws TypeError if `handle` is not a timer handle (or comes from an incompatible version).
 *
 * @example
 * ```ts
 * import { workerData } from "node:worker_threads";
 * import { openTimer } from "@async-timer/node-threads";
 *
 * const cache = openTimer<Rows>(workerData.cache);
 * const rows = cache.lastResult() ?? [];   // a copy of the owner's last value; never blocks
 * ```
 */
export function openTimer<T = unknown>(handle: TimerHandle<T>): RemoteTimer<T> {
  const checked = checkHandle(handle, ["timer"], "openTimer(handle): handle");
  let remote = opened.get(checked.port) as RemoteTimer<T> | undefined;
  if (remote === undefined) {
    remote = new RemoteTimer<T>(checked as TimerHandle<T>);
    opened.set(checked.port, remote);
    sealOpened(checked);
  }
  return remote;
}

/**
 * A timer that lives on another thread (its owner), seen from this one. Made by
 * {@link openTimer}.
 *
 * - **Reads** (`hitCount`, `lastTickAt`, `delay`, `generation`, `isRunning()`, `snapshot()`,
 *   `lastResult()`) come from shared memory the owner publishes to: they never block, never
 *   wait for the owner, and keep answering (with the last published state) after it is gone.
 *   Each getter is one atomic read; `snapshot()` reads all fields from one instant.
 * - **`setDelay()`** posts the new delay; the owner applies it when its event loop next runs,
 *   and it takes effect at the next sleep.
 * - **Blocking control** (`cancelSync`, `triggerSync`) blocks this thread until the owner has
 *   done the work, with an optional timeout. **Non-blocking** `cancel()`/`trigger()` return
 *   promises instead and also work on the owner thread itself.
 *
 * @typeParam T - The timer's value type.
 *
 * @example
 * ```ts
 * import { parentPort, workerData } from "node:worker_threads";
 * import { openTimer } from "@async-timer/node-threads";
 *
 * const cache = openTimer<Rows>(workerData.cache);
 * parentPort?.on("message", (request: string) => {
 *   if (request === "refresh") parentPort?.postMessage(cache.triggerSync({ timeout: 10 }).length);
 *   else parentPort?.postMessage(cache.lastResult()?.length ?? 0);
 * });
 * ```
 */
export class RemoteTimer<T = unknown> implements Disposable {
  /** The timer's name (fixed for its life). */
  readonly name: string | undefined;
  /** `threadId` of the owner thread. */
  readonly ownerThreadId: number;
  readonly #words: Int32Array;
  readonly #channel: Channel;
  readonly #results: ResultReader;

  /** @internal Use {@link openTimer}. */
  constructor(handle: TimerHandle<T>) {
    this.name = handle.name;
    this.ownerThreadId = handle.ownerThreadId;
    this.#words = new Int32Array(handle.state);
    this.#channel = new Channel(handle, labelOf("timer", handle.name));
    this.#results = new ResultReader(this.#words, handle.results);
  }

  /** Successful ticks since construction; keeps counting across restarts. */
  get hitCount(): number {
    const hit = Atomics.load(this.#words, W_HIT);
    return hit >= 0 ? hit : this.snapshot().hitCount;
  }

  /** When the last successful tick completed, in epoch milliseconds; `undefined` before it. */
  get lastTickAt(): number | undefined {
    const at = this.#field(F_TICK_AT);
    return Number.isNaN(at) ? undefined : at;
  }

  /** Seconds between ticks, as last applied on the owner thread. */
  get delay(): number {
    return this.#field(F_DELAY);
  }

  /**
   * How many times the timer has been started since it was first shared (1 for a timer that was
   * already running or had ticked then); 0 means never started. A restart increments it; pass
   * it as `generation` to a control call to act only on the run you looked at.
   */
  get generation(): number {
    return Atomics.load(this.#words, W_GENERATION);
  }

  /**
   * What `timer.isRunning()` says on the owner thread — false once that thread is gone, though
   * its last published word still says running: a timer does not outlive its thread, and a
   * worker polling this must not wait for ever.
   */
  isRunning(): boolean {
    return Atomics.load(this.#words, W_RUNNING) !== 0 && this.#channel.ownerAlive();
  }

  /** Whether the owner thread is alive, as far as this thread can tell. */
  isOwnerAlive(): boolean {
    return this.#channel.ownerAlive();
  }

  /** All fields from one instant: never a hitCount of one tick with the lastTickAt of another. */
  snapshot(): TimerSnapshot {
    const words = this.#words;
    for (;;) {
      const seq = Atomics.load(words, W_SEQ);
      const base = W_COPY + (seq & 1) * COPY_WORDS;
      const hitCount = loadFloat(words, base + F_HIT);
      const lastTickAt = loadFloat(words, base + F_TICK_AT);
      const delay = loadFloat(words, base + F_DELAY);
      const running = Atomics.load(words, base + F_RUNNING) !== 0;
      const generation = Atomics.load(words, base + F_GENERATION);
      if (Atomics.load(words, W_SEQ) !== seq) continue;
      return {
        hitCount,
        lastTickAt: Number.isNaN(lastTickAt) ? undefined : lastTickAt,
        delay,
        running: running && this.#channel.ownerAlive(),
        generation,
      };
    }
  }

  /**
   * The last successful tick's value, copied to this thread (structured clone via
   * `v8.serialize`); `undefined` before the first tick. Never blocks. The copy is made once per
   * new value and then returned again until the next one, so treat it as read-only.
   *
   * Values that cannot be cloned — functions, symbols, promises, objects holding them — and
   * class instances' prototypes do not cross threads: a class instance arrives as a plain
   * object, and an uncloneable value makes this throw.
   *
   * @throws ThreadControlError `"uncloneable"` if the last value could not be copied (or is larger
   *   than `maxResultBytes`); `"unavailable"` if the timer was shared with `lastResult: false`.
   */
  lastResult(): T | undefined {
    const read = this.#results.read();
    switch (read.kind) {
      case "value":
        return read.value as T;
      case "none":
        return undefined;
      case "uncloneable":
        throw new ThreadControlError("uncloneable", `lastResult(): ${read.message}`);
      case "off":
        throw new ThreadControlError(
          "unavailable",
          `lastResult(): ${this.#channel.label} was shared with { lastResult: false }`,
        );
    }
  }

  /**
   * Sets the delay on the owner thread; it takes effect at the next sleep (as `timer.setDelay`).
   * Does not block: the owner applies it when its event loop next runs, and `delay` shows it from
   * then on.
   *
   * @throws TypeError/RangeError for a bad duration; ThreadControlError if the owner is gone or
   *   this handle was disconnected.
   */
  setDelay(delay: Duration): void {
    toMilliseconds(delay, "delay");
    this.#channel.post({ t: TAG, v: PROTOCOL, op: "setDelay", delay }, "setDelay()");
  }

  /**
   * Cancels the timer and blocks this thread until the owner's `await timer.cancel()` has
   * resolved (the in-flight tick settled, `onCancel` ran). Idempotent, like `cancel()`.
   *
   * @throws TimerTimeoutError past `timeout` (the message says whether the cancel may still
   *   complete); ThreadControlError `"owner-thread"` on the owner thread, `"not-started"`,
   *   `"owner-gone"`, `"stale-generation"`, `"disconnected"`.
   */
  cancelSync(options?: TimerControlOptions): void {
    const { timeoutMs, generation } = readOptions(options, "cancelSync");
    this.#channel.callSync("cancel", CANCEL_SYNC, timeoutMs, generation, this.#notStarted);
  }

  /**
   * Fires a tick now (as `timer.trigger()`) and blocks this thread until it completes; returns
   * its value, copied to this thread. The tick started after this call.
   *
   * @throws TimerTimeoutError past `timeout`; the target's error if the tick fails;
   *   TimerStateError if the timer is not running; TimerCancelledError if it stops first;
   *   ThreadControlError as for {@link RemoteTimer.cancelSync}, and `"uncloneable"` if the value
   *   cannot be copied.
   */
  triggerSync(options?: TimerControlOptions): T {
    const { timeoutMs, generation } = readOptions(options, "triggerSync");
    return this.#channel.callSync(
      "trigger",
      TRIGGER_SYNC,
      timeoutMs,
      generation,
      this.#notStarted,
    ) as T;
  }

  /**
   * The non-blocking {@link RemoteTimer.cancelSync}: resolves when the owner's cancel has. Also
   * works on the owner thread.
   */
  cancel(options?: TimerControlOptions): Promise<void> {
    const { timeoutMs, generation } = readOptions(options, "cancel");
    return this.#async(CANCEL, "cancel", timeoutMs, generation) as Promise<void>;
  }

  /** The non-blocking {@link RemoteTimer.triggerSync}. Also works on the owner thread. */
  trigger(options?: TimerControlOptions): Promise<T> {
    const { timeoutMs, generation } = readOptions(options, "trigger");
    return this.#async(TRIGGER, "trigger", timeoutMs, generation) as Promise<T>;
  }

  /**
   * Closes this thread's end of the handle. Control calls then throw `"disconnected"`; reads
   * keep returning what the owner last published. When every handle of a timer is disconnected
   * the owner stops publishing. Idempotent.
   */
  disconnect(): void {
    this.#channel.disconnect();
  }

  /** `using cache = openTimer(handle)` disconnects at the end of the scope. */
  [Symbol.dispose](): void {
    this.disconnect();
  }

  /** E.g. `RemoteTimer(cache, owner thread 2, running, hits=3)`. */
  toString(): string {
    const name = this.name === undefined ? "" : `${this.name}, `;
    const state = this.isRunning() ? "running" : "idle";
    return `RemoteTimer(${name}owner thread ${this.ownerThreadId}, ${state}, hits=${this.hitCount})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  #async(
    site: CallSite,
    op: "cancel" | "trigger",
    timeoutMs: number | undefined,
    generation: number | undefined,
  ): Promise<unknown> {
    return this.#channel.callAsync(op, site, timeoutMs, generation, this.#notStarted);
  }

  /** One float field of the latch. */
  #field(offset: number): number {
    const words = this.#words;
    for (;;) {
      const seq = Atomics.load(words, W_SEQ);
      const value = loadFloat(words, W_COPY + (seq & 1) * COPY_WORDS + offset);
      if (Atomics.load(words, W_SEQ) === seq) return value;
    }
  }

  /** Refused here, without a round trip; the owner checks again. */
  readonly #notStarted = (method: string): void => {
    if (Atomics.load(this.#words, W_GENERATION) !== 0) return;
    throw new ThreadControlError(
      "not-started",
      `${method}: ${this.#channel.label} has never been started; call start() on its owner thread first`,
    );
  };
}
