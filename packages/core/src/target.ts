import { invalid } from "./check.js";
import type { Fence } from "./gate.js";

/**
 * What each invocation of a function target receives.
 *
 * @example
 * ```ts
 * new Timer(5, async ({ signal, hitCount }) => {
 *   const response = await fetch(url, { signal }); // aborted when the timer is cancelled
 *   return { hitCount, body: await response.json() };
 * });
 * ```
 */
export interface TickContext {
  /**
   * This tick's signal: aborts when the tick is abandoned (`cancel({ timeout })` gave up on it)
   * or the timer's run ends while it runs (cancel, a stopping error, the source running out),
   * with a `TimerCancelledError` as its reason. Each tick has its own, so listeners a tick adds
   * go with it. It is made on first read: a target that never looks at it costs nothing for it.
   */
  readonly signal: AbortSignal;
  /** Successful ticks before this one (`timer.hitCount` when the tick starts). */
  readonly hitCount: number;
  /**
   * With a `lease`: the epoch and slot this tick was granted — pass them on to side effects
   * (an idempotency key, a conditional write). `undefined` on a timer without a lease.
   */
  readonly fence?: Fence | undefined;
}

/**
 * A function target: called once per tick. It may return the value, a promise of it, or an
 * iterator / async iterator (a generator) that then becomes the source, pulled once per tick.
 *
 * @example
 * ```ts
 * const fromFunction: TargetFunction<number> = async () => 42;
 * const fromGenerator: TargetFunction<string> = function* () { yield "a"; yield "b"; };
 * ```
 */
export type TargetFunction<T> = (
  context: TickContext,
) => T | PromiseLike<T> | Iterator<T | PromiseLike<T>> | AsyncIterator<T>;

/**
 * Anything a timer can run: a {@link TargetFunction}, or a generator object (sync or async) given
 * directly, which is pulled once per tick and cannot be restarted.
 *
 * @example
 * ```ts
 * async function* readings() { for (;;) yield await sensor.read(); }
 * new Timer(1, readings());            // Timer<Reading>, pulls one reading a second
 * new Timer(1, () => sensor.read());   // Timer<Reading>, calls read() every second
 * ```
 */
export type Target<T> = TargetFunction<T> | Iterator<T | PromiseLike<T>> | AsyncIterator<T>;

/**
 * The value type of a tick, given what the target function returns: promises are unwrapped and a
 * generator contributes what it yields.
 *
 * @example
 * ```ts
 * type A = TickValue<Promise<number>>;                  // number
 * type B = TickValue<AsyncGenerator<string, void>>;     // string
 * type C = TickValue<Generator<Promise<Date>, void>>;   // Date
 * ```
 */
export type TickValue<R> =
  R extends AsyncIterator<infer Y, unknown, never>
    ? Y
    : R extends Iterator<infer Y, unknown, never>
      ? Awaited<Y>
      : Awaited<R>;

/** An iterator a timer pulls: `next()` gives an `IteratorResult` or a promise of one. */
export interface Source {
  next(): unknown;
  return?(): unknown;
}

/**
 * Something with a `then` method, which is how promises are recognised (as `await` does). May
 * throw: reading `then` runs a getter, and a revoked Proxy throws on any read.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * `value` as `await` would adopt it: a native promise as it is, any other thenable followed
 * (recursively, once: a thenable resolving to a rejected promise rejects), and a `then` or a
 * `then` getter that throws as a rejection. Never throws.
 */
export function adopt(value: PromiseLike<unknown>): Promise<unknown> {
  return value instanceof Promise ? value : Promise.resolve(value);
}

/**
 * Whether a function target's result is a source rather than a value. Only real iterators
 * count — a `next` method *and* `Symbol.iterator`/`Symbol.asyncIterator`, as every generator and
 * built-in iterator has — so a returned object that merely has a `next()` is a value.
 */
export function isSource(value: unknown): value is Source {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { next?: unknown }).next === "function" &&
    (Symbol.iterator in value || Symbol.asyncIterator in value)
  );
}

/** A target given as an iterator (a generator object): its source; `undefined` for a function; anything else is refused. */
export function sourceOf(target: unknown): Source | undefined {
  try {
    // Any question to a revoked Proxy throws: ask it something harmless, here, at the call. (Not
    // `Object.getPrototypeOf`: a call into the runtime, dearer than the rest of the check.)
    if (typeof target === "function") {
      void ("call" in target);
      return undefined;
    }
    if (
      typeof target === "object" &&
      target !== null &&
      typeof (target as { next?: unknown }).next === "function"
    ) {
      return target as Source;
    }
  } catch (error) {
    throw invalid("target", "a function, a generator or an iterator", target, false, error);
  }
  throw invalid("target", "a function, a generator or an iterator", target);
}
