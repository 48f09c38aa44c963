import {
  type Driver,
  type Duration,
  type Target,
  Timer,
  type TimerOptions,
  type WakeHandle,
} from "@async-timer/core";
import { realClearTimeout, realSetImmediate, realSetTimeout } from "./real-timers.js";
import { seededRandom } from "./seeded-random.js";

/**
 * The recorded `sleep` of a {@link MockTimer}: every sleep the timer asked for, in seconds —
 * the `AsyncMock` of the original's `mock_async_timer`.
 *
 * @example
 * ```ts
 * const timer = new MockTimer(3600, refresh).start();
 * await timer.wait({ hitCount: 3 });
 * timer.sleep.calls;     // [3600, 3600, …]: what it slept, none of it for real
 * timer.sleep.callCount; // how many sleeps
 * ```
 */
export interface SleepMock {
  /** Requested sleep durations in seconds, oldest first. */
  readonly calls: readonly number[];
  /** `calls.length`. */
  readonly callCount: number;
  /** The most recent requested duration, in seconds. */
  readonly lastCall: number | undefined;
  /** Forgets the calls recorded so far. */
  reset(): void;
}

/** Options of `new MockTimer()`: a Timer's, minus `driver` (the mock is the driver). */
export type MockTimerOptions<T> = Omit<TimerOptions<T>, "driver"> & {
  /** Seed of the random source jitter draws from. Default 1. */
  seed?: number | undefined;
};

interface MockWake {
  cancelled: boolean;
  readonly timeout: unknown;
}

/**
 * A driver whose sleeps end on the next turn of the event loop, whatever their length, while
 * deadlines (timeouts of `wait()`, `cancel()`, `trigger()`) keep real time, as in the
 * original where only `asyncio.sleep` was mocked. Its clock advances by each sleep it ends,
 * so schedules, `lastTickAt` and fixed-rate slots read as if the time had passed.
 */
class SleepRecorder implements Driver, SleepMock {
  #calls: number[] = [];
  #now = 0;
  readonly #epoch = Date.now();
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  get calls(): readonly number[] {
    return this.#calls;
  }

  get callCount(): number {
    return this.#calls.length;
  }

  get lastCall(): number | undefined {
    return this.#calls.at(-1);
  }

  reset(): void {
    this.#calls = [];
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#epoch + this.#now;
  }

  random(): number {
    return this.#random();
  }

  setWake(at: number, wake: () => void): WakeHandle {
    this.#calls.push(Math.max(0, at - this.#now) / 1000);
    const handle: MockWake = { cancelled: false, timeout: undefined };
    realSetImmediate(() => {
      if (handle.cancelled) return;
      handle.cancelled = true;
      if (at > this.#now) this.#now = at;
      wake();
    });
    return handle;
  }

  setDeadline(at: number, fire: () => void): WakeHandle {
    const handle: MockWake = {
      cancelled: false,
      timeout: realSetTimeout(
        () => {
          handle.cancelled = true;
          fire();
        },
        Math.max(0, at - this.#now),
      ),
    };
    return handle;
  }

  clearWake(handle: WakeHandle): void {
    const wake = handle as MockWake | undefined;
    if (wake === undefined) return;
    wake.cancelled = true;
    if (wake.timeout !== undefined) realClearTimeout(wake.timeout as ReturnType<typeof setTimeout>);
  }
}

/**
 * A {@link Timer} whose sleeps are recorded instead of slept: each ends on the next turn of the
 * event loop, so a one-hour timer ticks as fast as the test can run, and `timer.sleep.calls`
 * lists what it asked for. The port of the original's `mock_async_timer.MockTimer`.
 *
 * It is a real `Timer` (same API, same rules: `join`, `wait`, `subscribe`, `trigger`, `cancel`,
 * restart); only time is mocked. Timeouts (`wait({ timeout })`, `cancel({ timeout })`) keep real
 * time. A running mock ticks continuously, so stop it (`await timer.cancel()`, or `await using`)
 * when the test is done.
 *
 * @example
 * ```ts
 * import { MockTimer } from "@async-timer/testing";
 *
 * const timer = new MockTimer(3600, async () => "refreshed").start();
 * await timer.wait({ hitCount: 3 });
 * expect(timer.sleep.calls).toEqual([3600, 3600]);
 * await timer.cancel();
 * ```
 */
export class MockTimer<T = unknown> extends Timer<T> {
  /** Every sleep this timer asked for, in seconds. */
  readonly sleep: SleepMock;

  constructor(delay: Duration, target: Target<T>, options: MockTimerOptions<T> = {}) {
    const { seed = 1, ...timerOptions } = options;
    // As VirtualClock checks it: a fraction would be truncated and replay another run.
    if (!Number.isInteger(seed))
      throw new RangeError(`seed must be an integer; got ${String(seed)}`);
    if ("driver" in timerOptions) {
      throw new TypeError("MockTimer options cannot include a driver: the mock is the driver");
    }
    const recorder = new SleepRecorder(seed);
    super(delay, target, { ...timerOptions, driver: recorder });
    this.sleep = recorder;
  }
}
