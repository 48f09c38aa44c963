import type { TickContext, TickValue, Timer, TimerGroup } from "@async-timer/core";
import { describe } from "./describe.js";
import { groupFor, memberName, ownerName, type Spec, timersFor } from "./registry.js";

/**
 * The timer of a method of type `M`: its value type is what the method returns, promises
 * unwrapped and generators contributing what they yield (core's `TickValue`).
 *
 * @example
 * ```ts
 * type T = MethodTimer<() => Promise<number>>; // Timer<number>
 * ```
 */
export type MethodTimer<M> = Timer<M extends (...args: any) => infer R ? TickValue<R> : never>;

/**
 * The {@link Timer} of one `@every` method of `instance` (or of a class, for a static method),
 * bound to it: its ticks call `instance.method(context)`. Made on first use — together with the
 * object's other timers — and the same timer on every later call. Not started.
 *
 * Name the method by its name (type-checked: a member that does not exist, or is not a method,
 * is a compile error), or pass the method itself — `timerOf(this, this.#poll)` — which also
 * reaches `private`, `protected` and `#private` methods from inside the class. From outside, a
 * `#private` method can be named as the string `"#poll"` (then give the value type yourself).
 *
 * @throws TypeError if `instance` is not an object, or the method is not decorated with `@every`.
 *
 * @example
 * ```ts
 * const cache = new PriceCache();
 * const refresh = timerOf(cache, "refresh"); // Timer<number>, bound to cache
 * refresh.start();
 * console.log(await refresh.join(), cache.prices.size);
 * await refresh.cancel();
 * ```
 */
export function timerOf<
  K extends string | symbol,
  I extends { readonly [P in K]: (context: TickContext) => unknown },
>(instance: I, name: K): MethodTimer<I[K]>;
export function timerOf<M extends (context: TickContext) => unknown>(
  instance: object,
  method: M,
): MethodTimer<M>;
export function timerOf<T = unknown>(instance: object, name: `#${string}`): Timer<T>;
export function timerOf(instance: object, name: unknown): Timer<unknown> {
  checkInstance(instance, "timerOf(instance, name)");
  if (typeof name !== "string" && typeof name !== "symbol" && typeof name !== "function") {
    throw new TypeError(
      `timerOf(instance, name): name must be a method's name or the method itself; got ${describe(name)}`,
    );
  }
  const { timers } = timersFor(instance);
  let found: Timer<unknown> | undefined;
  for (const { spec, timer } of timers.values()) {
    // The last match wins: a subclass's `#poll` comes after its parent's.
    if (matches(spec, instance, name)) found = timer;
  }
  if (found !== undefined) return found;
  throw new TypeError(
    notDecorated(
      instance,
      name,
      [...timers.values()].map(({ spec }) => spec),
    ),
  );
}

/**
 * A `TimerGroup` of every `@every` timer of `instance` (or the static ones of a class): start and
 * cancel them together. The same group on every call, so `timersOf(x).isRunning()` tells the
 * truth; it is named after the class. An object without `@every` methods has an empty group.
 *
 * `timersOf(x).start()` returns the group, so `await using group = timersOf(x).start()` cancels
 * every timer of `x` when the scope exits.
 *
 * @throws TypeError if `instance` is not an object or a class.
 *
 * @example
 * ```ts
 * class Upkeep {
 *   @every(5) refreshDb() { return refreshDb(); }
 *   @every(60) prune() { return pruneCache(); }
 * }
 *
 * const upkeep = new Upkeep();
 * timersOf(upkeep).start();                 // both timers
 * await timersOf(upkeep).wait({ hits: 1 }); // [timer, value] pairs
 * await timersOf(upkeep).cancel();
 * ```
 */
export function timersOf(instance: object): TimerGroup {
  checkInstance(instance, "timersOf(instance)");
  return groupFor(instance);
}

function checkInstance(instance: unknown, call: string): asserts instance is object {
  if ((typeof instance !== "object" && typeof instance !== "function") || instance === null) {
    throw new TypeError(
      `${call}: instance must be an object (or a class, for static methods); got ${describe(instance)}`,
    );
  }
}

function matches(spec: Spec, instance: object, name: string | symbol | Function): boolean {
  if (typeof name === "function") {
    if (name === spec.method) return true;
    try {
      return spec.get(instance) === name;
    } catch {
      return false;
    }
  }
  return spec.name === name;
}

function notDecorated(instance: object, name: string | symbol | Function, specs: Spec[]): string {
  const owner = ownerName(instance);
  const subject = typeof instance === "function" ? `class ${owner}` : `this ${owner}`;
  const decorated =
    specs.length === 0
      ? `${subject} has no @every methods${typeof instance === "function" ? " (instance methods need an instance, not the class)" : ""}`
      : `its @every methods: ${specs.map((spec) => memberName(spec.name).replace(/^\./, "")).join(", ")}`;
  if (typeof name === "function") {
    return `timerOf(instance, method): ${describe(name)} is not an @every method of ${subject}; ${decorated}`;
  }
  const member = `${owner}${memberName(name)}`;
  if (typeof name === "string" && name.startsWith("#")) {
    return `timerOf(instance, name): ${member} is not an @every method; ${decorated}`;
  }
  const value = (instance as Record<string | symbol, unknown>)[name];
  const what =
    typeof value === "function"
      ? `${member} is not decorated with @every`
      : name in instance
        ? `${member} is not a method`
        : `${owner} has no member ${typeof name === "symbol" ? String(name) : JSON.stringify(name)}`;
  return `timerOf(instance, name): ${what}; ${decorated}`;
}
