/**
 * The options of the calls that wait — `wait()` and `cancel()` on a timer or a group, a group's
 * `trigger()` — and of `subscribe()`, and their checks, shared so that a group refuses what its
 * members would, even when it has none.
 *
 * @module
 */
import { checkCount, checkName, checkOptions } from "./check.js";
import { type Duration, readDuration } from "./duration.js";
import type { Logger } from "./logger.js";
import type { SubscribeOptions } from "./subscription.js";

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
 * Throws, naming `method`, if the options or the timeout are bad; warns through `logger` when a
 * number of seconds looks like milliseconds.
 */
export function readTimeout(
  options: { timeout?: Duration | undefined } | undefined,
  method: string,
  logger?: Logger,
  owner?: string,
  known = "timeout",
): number | undefined {
  if (options === undefined) return undefined; // the common case: no argument name to build
  checkOptions(options, `${method}(options): options`, known);
  const timeout = options.timeout;
  return timeout === undefined
    ? undefined
    : readDuration(timeout, `${method}(options): timeout`, logger, owner);
}

/** `wait(options)` checked: the counts as given, the timeout in milliseconds. */
export function readWait(
  options: WaitOptions | undefined,
  logger?: Logger,
  owner?: string,
): {
  hitCount: number | undefined;
  hits: number | undefined;
  timeout: number | undefined;
} {
  const timeout = readTimeout(options, "wait", logger, owner, "hitCount hits timeout");
  return {
    hitCount: readCount(options?.hitCount, "wait(options): hitCount"),
    hits: readCount(options?.hits, "wait(options): hits"),
    timeout,
  };
}

/** `subscribe(options)` checked, with the defaults: `maxsize` 0 (unbounded), no name. */
export function readSubscribeOptions(options: SubscribeOptions | undefined): {
  maxsize: number;
  name: string | undefined;
} {
  checkOptions(options, "subscribe(options): options", "maxsize name");
  const name = options?.name;
  checkName(name, "subscribe(options): name");
  return { maxsize: readCount(options?.maxsize, "subscribe(options): maxsize") ?? 0, name };
}

function readCount(value: unknown, argument: string): number | undefined {
  return value === undefined ? undefined : checkCount(value, argument);
}

/**
 * Marks `subscription` as made by `timer`, under a registered symbol that other packages
 * (node-threads) check and that two installed copies of core agree on: a subscription cannot
 * tell its timer otherwise.
 */
export function owned<S extends object>(subscription: S, timer: object): S {
  return Object.defineProperty(subscription, Symbol.for("async-timer.owner"), { value: timer });
}
