/**
 * The error classes of `@async-timer/core`.
 *
 * Each has a stable `name`, so code can recognise it with `error.name === "TimerCancelledError"`
 * even when two copies of the package are installed (where `instanceof` fails).
 *
 * @module
 */

/**
 * A tick a caller was waiting for will never come: the timer is not running, or it stopped
 * (cancelled, stopped by an error policy, or its generator source ran out) before the tick.
 *
 * @example
 * ```ts
 * try {
 *   await timer.join();
 * } catch (error) {
 *   if (error instanceof TimerCancelledError) console.log("timer stopped first");
 * }
 * ```
 */
export class TimerCancelledError extends Error {
  /** Always `"TimerCancelledError"`: recognise the error by name across package copies. */
  override readonly name = "TimerCancelledError";
  constructor(message = "the timer stopped before the awaited tick", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A wait with a `timeout` ran out before its condition was met.
 *
 * @example
 * ```ts
 * await timer.wait({ hitCount: 1, timeout: "5s" }).catch((error) => {
 *   if (error.name === "TimerTimeoutError") console.log("no tick within 5 s");
 * });
 * ```
 */
export class TimerTimeoutError extends Error {
  /** Always `"TimerTimeoutError"`. */
  override readonly name = "TimerTimeoutError";
}

/**
 * A call that the timer's current state does not allow: `start()` on a running timer,
 * `trigger()` on a stopped one, restarting a single-shot timer.
 *
 * @example
 * ```ts
 * timer.start();
 * try { timer.start(); } catch (error) { console.log((error as Error).name); } // "TimerStateError"
 * ```
 */
export class TimerStateError extends Error {
  /** Always `"TimerStateError"`. */
  override readonly name = "TimerStateError";
}
