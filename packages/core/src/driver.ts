/**
 * What a timer needs from its runtime: a monotonic clock, the wall clock, random samples and one
 * kind of wake-up. The real driver ({@link realDriver}) uses the globals; the virtual clock of
 * `@async-timer/testing` implements the same interface over simulated time.
 *
 * @example
 * ```ts
 * // A driver that logs every wake it arms, around the real one.
 * const tracing: Driver = {
 *   ...realDriver,
 *   setWake(at, wake, unref) {
 *     console.log("wake at", at);
 *     return realDriver.setWake(at, wake, unref);
 *   },
 * };
 * new Timer(5, refresh, { driver: tracing });
 * ```
 */
export interface Driver {
  /** Monotonic milliseconds (`performance.now()`): scheduling never reads the wall clock. */
  now(): number;
  /** Epoch milliseconds (`Date.now()`), for `lastTickAt`. */
  wallNow(): number;
  /** A uniform sample in `[0, 1)`, for jitter. */
  random(): number;
  /**
   * Calls `wake` once, at or after monotonic time `at` (which may already have passed). Returns
   * a handle for {@link Driver.clearWake}. With `unref`, the pending wake does not keep the
   * process alive (where the runtime has such a notion). `spent`, when given, is a handle this
   * driver returned earlier whose wake has fired, for the same `wake` callback: a driver may
   * re-arm and return it instead of allocating a new one.
   */
  setWake(at: number, wake: () => void, unref: boolean, spent?: WakeHandle): WakeHandle;
  /**
   * Optional: like `setWake`, for a deadline rather than a sleep of the timer — the timeout of
   * `wait()`, `cancel()` or a group's `trigger()`. A driver that treats the two alike leaves it
   * out; a mock that makes sleeps instant keeps deadlines on real time with it. Cleared with
   * {@link Driver.clearWake}.
   */
  setDeadline?(at: number, fire: () => void): WakeHandle;
  /** Disarms a wake; after this it will not be called. Clearing a fired wake does nothing. */
  clearWake(handle: WakeHandle): void;
}

/**
 * Arms a deadline on `driver`: its `setDeadline` if it has one, else `setWake`. Returns the
 * function that disarms it. A deadline always keeps the process alive, even an `unref` timer's:
 * a `wait()` or `cancel()` with a timeout is the caller asking to wait, until it settles.
 *
 * @example
 * ```ts
 * const disarm = armDeadline(realDriver, realDriver.now() + 5000, () => console.log("too late"));
 * disarm(); // in time after all
 * ```
 */
export function armDeadline(driver: Driver, at: number, fire: () => void): () => void {
  const handle =
    driver.setDeadline === undefined
      ? driver.setWake(at, fire, false)
      : driver.setDeadline(at, fire);
  return () => driver.clearWake(handle);
}

/**
 * An opaque handle returned by {@link Driver.setWake}.
 *
 * @example
 * ```ts
 * const handle: WakeHandle = driver.setWake(driver.now() + 1000, () => console.log("woke"), false);
 * driver.clearWake(handle);
 * ```
 */
export type WakeHandle = unknown;
