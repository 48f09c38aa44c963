import { type Driver, type Duration, toMilliseconds, type WakeHandle } from "@async-timer/core";
import { realClearTimeout, realSetImmediate, realSetTimeout } from "./real-timers.js";
import { seededRandom } from "./seeded-random.js";
import { watch } from "./watch.js";

/** Options of `new VirtualClock()`. */
export interface VirtualClockOptions {
  /** Seed of the random source that jitter draws from. Same seed, same run. Default 1. */
  seed?: number | undefined;
  /** Epoch milliseconds that virtual time 0 corresponds to, for `lastTickAt`. Default 0. */
  epoch?: number | undefined;
  /**
   * Real seconds to wait, with wakes pending and nobody advancing the clock, before reporting
   * that a test is awaiting virtual time that never comes. `0` turns the check off. Default 2.
   */
  stallTimeout?: Duration | undefined;
  /** What to do on a stall: throw an uncaught error (the test runner reports it), or warn. Default `"throw"`. */
  onStall?: "throw" | "warn" | undefined;
}

/** Options of the run-until methods. */
export interface RunOptions {
  /** Most wakes to run before deciding the clock never idles. Default 10,000. */
  limit?: number | undefined;
}

interface Wake {
  /** The clock that made it: another clock's handle (or any other value) is not ours to clear. */
  readonly clock: VirtualClock;
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A {@link Driver} on simulated time. Timers built with `{ driver: clock }` sleep on it: nothing
 * happens until the test moves time with {@link VirtualClock.advance},
 * {@link VirtualClock.next}, {@link VirtualClock.runUntil} or {@link VirtualClock.runUntilIdle}.
 * Wakes run in (time, insertion) order, and promise continuations settle between one wake and
 * the next, so a tick's `await`s finish before time moves on. Jitter draws from a seeded
 * source: one seed replays a whole run exactly.
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 * import { VirtualClock } from "@async-timer/testing";
 *
 * const clock = new VirtualClock();
 * const timer = new Timer(60, refresh, { driver: clock }).start();
 * await clock.advance(3600);           // one simulated hour, in milliseconds of real time
 * expect(timer.hitCount).toBe(61);
 * await timer.cancel();
 * ```
 */
export class VirtualClock implements Driver {
  readonly #random: () => number;
  readonly #epoch: number;
  readonly #stallMs: number;
  readonly #onStall: "throw" | "warn";
  #now = 0;
  #seq = 0;
  #heap: Wake[] = [];
  #live = 0;
  #busy = false;
  #watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(options: VirtualClockOptions = {}) {
    const where = "new VirtualClock(options)";
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`${where}: options must be an object; got ${describe(options)}`);
    }
    const { seed = 1, epoch = 0, stallTimeout = 2, onStall = "throw" } = options;
    if (typeof seed !== "number") {
      throw new TypeError(`${where}: seed must be an integer; got ${describe(seed)}`);
    }
    if (!Number.isInteger(seed)) {
      throw new RangeError(`${where}: seed must be an integer; got ${describe(seed)}`);
    }
    if (typeof epoch !== "number" || !Number.isFinite(epoch)) {
      throw new RangeError(
        `${where}: epoch must be a finite number of milliseconds; got ${describe(epoch)}`,
      );
    }
    this.#random = seededRandom(seed);
    this.#epoch = epoch;
    this.#stallMs = toMilliseconds(stallTimeout, `${where}: stallTimeout`);
    if (onStall !== "throw" && onStall !== "warn") {
      throw new RangeError(`${where}: onStall must be "throw" or "warn"; got ${describe(onStall)}`);
    }
    this.#onStall = onStall;
  }

  /** Virtual monotonic milliseconds since the clock was made. */
  now(): number {
    return this.#now;
  }

  /** `epoch` + virtual milliseconds. */
  wallNow(): number {
    return this.#epoch + this.#now;
  }

  /** The next sample of the seeded random source. */
  random(): number {
    return this.#random();
  }

  /** Number of wakes armed and not yet run or cleared. */
  get pending(): number {
    return this.#live;
  }

  /** Virtual seconds since the clock was made. */
  get seconds(): number {
    return this.#now / 1000;
  }

  setWake(at: number, fn: () => void, _unref: boolean): WakeHandle {
    // A driver receiving NaN or ∞ means a bug upstream: fail loudly rather than never wake.
    if (!Number.isFinite(at))
      throw new RangeError(`setWake(at): at must be a finite time; got ${at}`);
    const wake: Wake = {
      clock: this,
      at: Math.max(at, this.#now),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#push(wake);
    this.#live++;
    this.#armWatchdog();
    return wake;
  }

  clearWake(handle: WakeHandle): void {
    const wake = handle as Wake | undefined;
    if (wake?.clock !== this || wake.cancelled) return;
    wake.cancelled = true;
    this.#live--;
  }

  /**
   * Moves time forward by `duration` (seconds, or a string like `"250ms"`), running every wake
   * that falls due on the way, in order, with promise continuations settled between them. A bad
   * `duration` throws at the call (a `RangeError`/`TypeError` naming it), not in the promise.
   */
  advance(duration: Duration): Promise<void> {
    const target = this.#now + toMilliseconds(duration, "advance(duration): duration");
    return this.#exclusive(async () => {
      // A timer that keeps re-arming at the same instant (a zero delay) would hold time still
      // forever; fake-timer libraries hang there. Fail with the reason instead.
      let atThisInstant = 0;
      for (;;) {
        await settle();
        const wake = this.#peek();
        if (wake === undefined || wake.at > target) break;
        atThisInstant = wake.at > this.#now ? 0 : atThisInstant + 1;
        if (atThisInstant > SAME_INSTANT_LIMIT) {
          throw new RangeError(
            `advance(): ${SAME_INSTANT_LIMIT} wakes ran at ${this.#now} ms without time moving; a zero-delay timer never lets time pass. Step it with next(), or give it a delay`,
          );
        }
        this.#run(wake);
      }
      this.#now = target;
      await settle();
    });
  }

  /**
   * Runs the next wake (moving time to it) and settles its continuations. Returns `false`, with
   * time unchanged, when no wake is pending.
   */
  async next(): Promise<boolean> {
    return this.#exclusive(async () => {
      await settle();
      const wake = this.#peek();
      if (wake === undefined) return false;
      this.#run(wake);
      await settle();
      return true;
    });
  }

  /** Lets pending promise continuations run without moving time. */
  async settle(): Promise<void> {
    await settle();
  }

  /**
   * Runs wakes until none is pending. Throws a `RangeError` after `limit` wakes: a running
   * periodic timer never idles (use {@link VirtualClock.advance}, or cancel it first).
   */
  runUntilIdle(options: RunOptions = {}): Promise<void> {
    const limit = readLimit(options, "runUntilIdle(options)");
    return this.#exclusive(async () => {
      for (let ran = 0; ; ran++) {
        await settle();
        const wake = this.#peek();
        if (wake === undefined) return;
        if (ran >= limit) {
          throw new RangeError(
            `runUntilIdle() ran ${limit} wakes and more are pending (next at ${wake.at} ms): a running periodic timer never idles; use advance(), or cancel it first`,
          );
        }
        this.#run(wake);
      }
    });
  }

  /**
   * Runs wakes, one at a time, until `promise` settles, and returns (or throws) its outcome.
   * Throws a clear error instead of hanging when no pending wake is left that could settle it,
   * or after `limit` wakes.
   *
   * @example
   * ```ts
   * const value = await clock.runUntil(timer.join());
   * ```
   */
  runUntil<T>(promise: PromiseLike<T>, options: RunOptions = {}): Promise<T> {
    const limit = readLimit(options, "runUntil(promise, options)");
    return this.#runUntil(promise, limit);
  }

  async #runUntil<T>(promise: PromiseLike<T>, limit: number): Promise<T> {
    const watched = watch(promise);
    await this.#exclusive(async () => {
      for (let ran = 0; ; ran++) {
        await settle();
        if (watched.done()) return;
        const wake = this.#peek();
        if (wake === undefined) {
          throw new Error(
            `runUntil(): the promise is still pending at ${this.#now} ms and no wake is left that could settle it`,
          );
        }
        if (ran >= limit) {
          throw new RangeError(
            `runUntil(): the promise is still pending after ${limit} wakes (at ${this.#now} ms)`,
          );
        }
        this.#run(wake);
      }
    });
    return watched.result();
  }

  toString(): string {
    return `VirtualClock(now=${this.#now}ms, pending=${this.#live})`;
  }

  async #exclusive<R>(body: () => Promise<R>): Promise<R> {
    if (this.#busy) {
      throw new Error("the VirtualClock is already being advanced; await the previous call first");
    }
    this.#busy = true;
    this.#disarmWatchdog();
    try {
      return await body();
    } finally {
      this.#busy = false;
      this.#armWatchdog();
    }
  }

  #run(wake: Wake): void {
    this.#pop();
    this.#live--;
    wake.cancelled = true;
    if (wake.at > this.#now) this.#now = wake.at;
    wake.fn();
  }

  // A real-time watchdog: with wakes pending and nobody advancing, a test that awaits virtual
  // time would hang until the runner's timeout with no hint why. Say why instead.
  #armWatchdog(): void {
    if (this.#stallMs === 0 || this.#busy || this.#live === 0 || this.#watchdog !== undefined)
      return;
    const handle = realSetTimeout(() => {
      this.#watchdog = undefined;
      if (this.#busy || this.#live === 0) return;
      const next = this.#peek();
      const message = `VirtualClock: ${this.#live} wake(s) pending (next at ${next?.at} ms, now ${this.#now} ms) and nothing has advanced the clock for ${this.#stallMs / 1000}s of real time. A test is probably awaiting virtual time: advance it with clock.advance(), clock.runUntil(promise) or clock.runUntilIdle().`;
      if (this.#onStall === "warn") console.warn(message);
      else throw new Error(message);
    }, this.#stallMs);
    (handle as { unref?(): void }).unref?.();
    this.#watchdog = handle;
  }

  #disarmWatchdog(): void {
    if (this.#watchdog === undefined) return;
    realClearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  // ─── A binary min-heap on (at, seq), with lazy deletion of cleared wakes ──────────────────

  #peek(): Wake | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Wake).cancelled) this.#pop();
    return heap[0];
  }

  #push(wake: Wake): void {
    const heap = this.#heap;
    heap.push(wake);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(wake, heap[parent] as Wake)) break;
      heap[i] = heap[parent] as Wake;
      i = parent;
    }
    heap[i] = wake;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Wake;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && before(heap[right] as Wake, heap[left] as Wake) ? right : left;
      if (!before(heap[child] as Wake, last)) break;
      heap[i] = heap[child] as Wake;
      i = child;
    }
    heap[i] = last;
  }
}

/** Wakes that may run at one instant inside `advance()` before it calls that a livelock. */
const SAME_INSTANT_LIMIT = 10_000;

function before(a: Wake, b: Wake): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function readLimit(options: RunOptions, where: string): number {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object; got ${describe(options)}`);
  }
  const limit = options.limit ?? 10_000;
  if (typeof limit !== "number") {
    throw new TypeError(`${where}: limit must be a positive integer; got ${describe(limit)}`);
  }
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`${where}: limit must be a positive integer; got ${describe(limit)}`);
  }
  return limit;
}

/** A bad argument as the messages show it, in the shape core's messages use. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : `an object (${Object.prototype.toString.call(value)})`;
}

/**
 * One macrotask: every promise continuation queued before it (and those they queue) runs first.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
