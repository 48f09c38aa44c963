import { invalid } from "./check.js";
import { type Duration, toMilliseconds } from "./duration.js";
import { LAST_READ, resolveOptions, type TimerOptions } from "./options.js";
import type { TargetFunction, TickValue } from "./target.js";
import { Timer } from "./timer.js";

/**
 * A {@link Timer} made by {@link every}, which keeps the original function on `func`.
 *
 * @example
 * ```ts
 * const poll: EveryTimer<() => Promise<number>> = every(5)(async () => 42);
 * await poll.func(); // 42, without the timer
 * ```
 */
export type EveryTimer<F extends TargetFunction<any>> = Timer<TickValue<ReturnType<F>>> & {
  /** The undecorated function: call it directly, e.g. in a test. */
  readonly func: F;
};

/**
 * Turns a function into a {@link Timer} — the `@async_timer.every(5)` of the original, for plain
 * functions. The timer is not started; the original function stays callable on `.func`.
 * (For class methods, see `@every` in `@async-timer/decorators`.)
 *
 * @example
 * ```ts
 * import { every } from "@async-timer/core";
 *
 * const refreshDb = every(5, { mode: "fixed_rate", name: "db_refresh" })(async () => {
 *   return await db.fetch();
 * });
 *
 * await refreshDb.func();   // call the function itself (tests)
 * refreshDb.start();
 * await refreshDb.join();
 * await refreshDb.cancel();
 * ```
 */
export function every(
  delay: Duration,
  options?: TimerOptions<unknown>,
): <F extends TargetFunction<any>>(fn: F) => EveryTimer<F> {
  // Checked here, where they were given, not later when a timer is made from them.
  toMilliseconds(delay, "delay");
  const shared = reusable(options);
  resolveOptions(shared);
  LAST_READ.driver = undefined; // nothing here takes it: do not keep it alive
  return <F extends TargetFunction<any>>(fn: F): EveryTimer<F> => {
    if (typeof fn !== "function") throw invalid("every(delay)(fn): fn", "a function", fn);
    const timer = new Timer(delay, fn, shared) as EveryTimer<F>;
    Object.defineProperty(timer, "func", { value: fn, enumerable: true });
    return timer;
  };
}

/**
 * `options` with `cancelOn` read into an array: it is read once here to check it and again for
 * every timer made, and a generator can be read only once.
 */
function reusable(options: TimerOptions<any> | undefined): TimerOptions<any> | undefined {
  const cancelOn = (options as TimerOptions<any> | null | undefined)?.cancelOn;
  if (
    typeof cancelOn !== "object" ||
    cancelOn === null ||
    typeof (cancelOn as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    return options; // absent, not an object, or no iterable: resolveOptions says what is wrong
  }
  return { ...options, cancelOn: [...(cancelOn as Iterable<PromiseLike<unknown> | AbortSignal>)] };
}
