import type { Driver } from "@async-timer/core";
import { VirtualClock } from "./virtual-clock.js";
import { watch } from "./watch.js";

/**
 * One way of running timers on controlled time: the virtual clock, fake timers, or any future
 * driver. The property suite and the compatibility tests are written against this interface, so
 * the same checks run on every harness.
 *
 * @example
 * ```ts
 * const harness = virtualClockHarness();
 * const timer = new Timer(1, () => 1, { driver: harness.driver }).start();
 * await harness.advance(5000);
 * console.log(timer.hitCount); // 6
 * await timer.cancel();
 * harness.dispose();
 * ```
 */
export interface TimeHarness {
  /** Shown in property names and failure messages. */
  readonly name: string;
  /** The `driver` option for timers on this harness; `undefined` means core's real driver. */
  readonly driver: Driver | undefined;
  /** Milliseconds on this harness's clock. */
  now(): number;
  /** Sleeps `ms` on this harness's clock (for targets and consumers that take time). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Moves time forward by `ms`, running what falls due and settling continuations between. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise continuations run without moving time. */
  settle(): Promise<void>;
  /** Runs the next armed timer (moving time to it); `false` when none is armed. */
  next(): Promise<boolean>;
  /** Timers (wakes) still armed on this harness's clock. */
  pending(): number;
  /** How far, in ms, a wake may land after its exact time (the real driver rounds sleeps up to whole ms). */
  readonly resolution: number;
  /** Undoes any global change (uninstalls fake timers). */
  dispose(): void;
}

/**
 * Timers on a {@link VirtualClock}.
 *
 * @example
 * ```ts
 * const harness = virtualClockHarness({ seed: 7 });
 * new Timer(1, tick, { driver: harness.driver, jitter: 0.2 }); // jitter replays from seed 7
 * ```
 */
export function virtualClockHarness(
  options: { seed?: number } = {},
): TimeHarness & { clock: VirtualClock } {
  const clock = new VirtualClock({ seed: options.seed ?? 1, stallTimeout: 0 });
  return {
    name: "virtual clock",
    clock,
    driver: clock,
    now: () => clock.now(),
    sleep: (ms, signal) => sleepOn(clock, ms, signal),
    advance: (ms) => clock.advance(`${ms}ms`),
    settle: () => clock.settle(),
    next: () => clock.next(),
    pending: () => clock.pending,
    resolution: 0,
    dispose: () => {},
  };
}

/** The parts of an installed `@sinonjs/fake-timers` clock this harness uses. */
export interface SinonClockLike {
  /** The fake clock's current time, in ms. */
  now: number;
  /** Advances the fake clock, running timers and promise continuations. */
  tickAsync(ms: number): Promise<number>;
  /** Runs the next fake timer. */
  nextAsync(): Promise<number>;
  /** Fake timers still armed, plus queued fake microtask jobs. */
  countTimers(): number;
  /** The queued fake microtask jobs (`queueMicrotask`, `nextTick` when faked). */
  readonly jobs?: readonly unknown[] | undefined;
  /** Restores the real globals. */
  uninstall(): unknown;
}

/**
 * Timers on core's **real** driver under `@sinonjs/fake-timers`: pass a clock from
 * `FakeTimers.install()`. Proves the real driver behaves as on the virtual clock.
 *
 * @example
 * ```ts
 * import FakeTimers from "@sinonjs/fake-timers";
 * const harness = fakeTimersHarness(FakeTimers.install());
 * ```
 */
export function fakeTimersHarness(clock: SinonClockLike): TimeHarness {
  const origin = clock.now;
  return {
    name: "@sinonjs/fake-timers",
    driver: undefined,
    now: () => clock.now - origin,
    sleep: (ms, signal) => sleepWithGlobals(ms, signal),
    advance: async (ms) => {
      await clock.tickAsync(ms);
    },
    settle: async () => {
      await clock.tickAsync(0);
    },
    next: async () => {
      if (clock.countTimers() === 0) return false;
      await clock.nextAsync();
      return true;
    },
    // countTimers() counts queued microtask jobs too (install() fakes queueMicrotask): any code in
    // the process (a test runner reporting, a stream) may queue one at any moment, and none is a
    // timer — counting them made one-wake-or-tick fail at random on a loaded machine.
    pending: () => clock.countTimers() - (clock.jobs?.length ?? 0),
    resolution: 1,
    dispose: () => {
      clock.uninstall();
    },
  };
}

/** The parts of vitest's `vi` this harness uses. */
export interface ViLike {
  /** Installs vitest's fake timers. */
  useFakeTimers(): unknown;
  /** Restores the real timers. */
  useRealTimers(): unknown;
  /** Advances fake time, running timers and promise continuations. */
  advanceTimersByTimeAsync(ms: number): Promise<unknown>;
  /** Runs the next fake timer. */
  advanceTimersToNextTimerAsync(): Promise<unknown>;
  /** Fake timers still armed. */
  getTimerCount(): number;
}

/**
 * Timers on core's **real** driver under `vi.useFakeTimers()`: pass vitest's `vi`; the harness
 * installs the fake timers and `dispose()` restores the real ones.
 *
 * @example
 * ```ts
 * import { vi } from "vitest";
 * const harness = vitestFakeTimersHarness(vi);
 * ```
 */
export function vitestFakeTimersHarness(vi: ViLike): TimeHarness {
  vi.useFakeTimers();
  const origin = performance.now();
  return {
    name: "vi.useFakeTimers()",
    driver: undefined,
    now: () => performance.now() - origin,
    sleep: (ms, signal) => sleepWithGlobals(ms, signal),
    advance: async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
    },
    settle: async () => {
      await vi.advanceTimersByTimeAsync(0);
    },
    next: async () => {
      if (vi.getTimerCount() === 0) return false;
      await vi.advanceTimersToNextTimerAsync();
      return true;
    },
    pending: () => vi.getTimerCount(),
    resolution: 1,
    dispose: () => {
      vi.useRealTimers();
    },
  };
}

/** Sleeps `ms` on a driver's clock, ending early (rejecting with the reason) if `signal` aborts. */
export function sleepOn(driver: Driver, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      driver.clearWake(handle);
      reject(signal?.reason);
    };
    const handle = driver.setWake(
      driver.now() + ms,
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      false,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sleeps with the global (possibly faked) `setTimeout`. */
function sleepWithGlobals(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      globalThis.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = globalThis.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `harness` timer by timer until `promise` settles, and returns (or throws) its outcome;
 * throws instead of hanging when no timer is left that could settle it, or after `limit` timers.
 *
 * @example
 * ```ts
 * const value = await runUntil(harness, timer.join());
 * ```
 */
export async function runUntil<T>(
  harness: TimeHarness,
  promise: PromiseLike<T>,
  limit = 100_000,
): Promise<T> {
  const watched = watch(promise);
  for (let ran = 0; ; ran++) {
    await harness.settle();
    if (watched.done()) break;
    if (ran >= limit)
      throw new RangeError(`runUntil(): still pending after ${limit} timers on ${harness.name}`);
    if (!(await harness.next())) {
      throw new Error(
        `runUntil(): still pending on ${harness.name} and no timer is left that could settle it`,
      );
    }
  }
  return watched.result();
}
