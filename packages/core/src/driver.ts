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
  /** Disarms a wake; after this it will not be called. Clearing a fired wake does nothing. */
  clearWake(handle: WakeHandle): void;
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
