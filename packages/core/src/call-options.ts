/**
 * The options of the calls that wait — `wait()` and `cancel()` on a timer or a group, a group's
 * `trigger()` — and their checks, shared so that a group refuses what its members would, even
 * when it has none.
 *
 * @module
 */
import { checkCount, checkOptions } from "./check.js";
import { type Duration, toMilliseconds } from "./duration.js";

/**
 * Options of {@link Timer.wait}.
 *
 * @example
 * ```ts
 * await timer.wait({ hitCount: 1, timeout: "10s" }); // the first tick, within 10 s
 * await timer.wait({ hits: 3 });                      // three more ticks
 * await timer.wait({ timeout: 60 });                  // until it stops, or a minute
 * ```
 */
export interface WaitOptions {
  /** Resolve when `hitCount` reaches this absolute count (wins over `hits`). */
  hitCount?: number | undefined;
  /** Resolve after this many more successful ticks. */
  hits?: number | undefined;
  /**
   * With a condition: reject with `TimerTimeoutError` if it is not met in time. Without one:
   * stop waiting after it and resolve with the last value.
   */
  timeout?: Duration | undefined;
}

/**
 * Options of {@link Timer.cancel}.
 *
 * @example
 * ```ts
 * await timer.cancel({ timeout: "5s" }); // give a stuck tick 5 s, then move on
 * ```
 */
export interface CancelOptions {
  /** Wait at most this long for the in-flight tick to settle; then resolve and log it as abandoned. */
  timeout?: Duration | undefined;
}

/**
 * The `timeout` of `method(options)` in milliseconds, `undefined` if not given.
 * Throws, naming `method`, if the options or the timeout are bad.
 */
export function readTimeout(
  options: { timeout?: Duration | undefined } | undefined,
  method: string,
): number | undefined {
  checkOptions(options, `${method}(options): options`);
  return options?.timeout === undefined
    ? undefined
    : toMilliseconds(options.timeout, `${method}(options): timeout`);
}

/** `wait(options)` checked: the counts as given, the timeout in milliseconds. */
export function readWait(options: WaitOptions | undefined): {
  hitCount: number | undefined;
  hits: number | undefined;
  timeout: number | undefined;
} {
  return {
    hitCount: readCount(options?.hitCount, "wait(options): hitCount"),
    hits: readCount(options?.hits, "wait(options): hits"),
    timeout: readTimeout(options, "wait"),
  };
}

function readCount(value: unknown, argument: string): number | undefined {
  return value === undefined ? undefined : checkCount(value, argument);
}
