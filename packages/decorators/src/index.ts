/**
 * `@async-timer/decorators`: `@every(5)` for class methods, as a TypeScript 5 standard (TC39)
 * decorator — each instance gets its own `Timer` for the method, bound to it, never started
 * implicitly. `timerOf(instance, "method")` and `timersOf(instance)` reach them.
 *
 * @example
 * ```ts
 * import type { TickContext } from "@async-timer/core";
 * import { every, timerOf, timersOf } from "@async-timer/decorators";
 *
 * class PriceCache {
 *   prices = new Map<string, number>();
 *
 *   @every(5, { mode: "fixed_rate", name: "price_refresh" })
 *   async refresh({ signal }: TickContext) {
 *     const latest = await fetchPrices(signal);
 *     for (const [symbol, price] of Object.entries(latest)) this.prices.set(symbol, price);
 *     return this.prices.size;
 *   }
 * }
 *
 * const cache = new PriceCache();
 * await using group = timersOf(cache).start();
 * await timerOf(cache, "refresh").wait({ hitCount: 1 });
 * ```
 *
 * @packageDocumentation
 */
export { type EveryDecorator, type EveryOptions, every, type MethodResult } from "./every.js";
export { type MethodTimer, timerOf, timersOf } from "./timer-of.js";
