import {
  consoleLogger,
  type Duration,
  type TargetFunction,
  type TickContext,
  Timer,
  type TimerOptions,
} from "@async-timer/core";
import { describe } from "./describe.js";
import { record, type Spec } from "./registry.js";

/**
 * Options of `@every(delay, options)`: every {@link TimerOptions} of `@async-timer/core` except
 * `start` — a decorated method's timer is never started implicitly (see {@link every}).
 *
 * `name` defaults to `ClassName.method` (`ClassName.#method` for a private one). Every timer of
 * every instance gets the same options; `cancelOn`/`signal` therefore stop all of them.
 *
 * @example
 * ```ts
 * const options: EveryOptions = { mode: "fixed_rate", jitter: 0.1, onError: () => "continue" };
 * class Metrics {
 *   @every("30s", options)
 *   flush() {}
 * }
 * ```
 */
export type EveryOptions<T = unknown> = Omit<TimerOptions<T>, "start">;

/**
 * What a method decorated with `@every` may return, for ticks of type `T`: the value, a promise
 * of it, or an iterator / async iterator (a generator method), exactly as a core `Timer` target.
 *
 * @example
 * ```ts
 * const value: MethodResult<number> = Promise.resolve(42);
 * ```
 */
export type MethodResult<T> = ReturnType<TargetFunction<T>>;

/**
 * The decorator `every(delay, options)` returns: a TC39 (TypeScript 5) method decorator. The
 * method must accept a {@link TickContext} (or nothing); anything else is a compile error.
 *
 * @example
 * ```ts
 * const everyMinute: EveryDecorator = every(60);
 * class Janitor {
 *   @everyMinute
 *   sweep() {}
 * }
 * ```
 */
export type EveryDecorator<T = unknown> = <
  This,
  Method extends (this: This, context: TickContext) => MethodResult<T>,
>(
  method: Method,
  context: ClassMethodDecoratorContext<This, Method>,
) => void;

/** Methods already decorated: a second `@every` on one method would make two schedules. */
const decorated = new WeakSet<Function>();

/**
 * Runs a class method on a schedule — the `@async_timer.every(5)` of Python's async-timer, as a
 * standard TypeScript 5 (TC39) decorator: no `experimentalDecorators`, no `reflect-metadata`.
 *
 * Each instance gets its own {@link Timer} for the method, with `this` bound to it, made on the
 * first {@link timerOf}/{@link timersOf} call. The timer is **never started implicitly** (the
 * decorator runs before the instance's fields are initialised, and the first tick fires at
 * `start()`): start it with `timersOf(instance).start()` or `timerOf(instance, "method").start()`.
 * Calling the method yourself calls it directly, without the timer. Static methods get one timer
 * per class, `#private` methods work, subclasses inherit the schedule (a decorated override
 * replaces it; an undecorated one keeps it and is what the timer calls).
 *
 * The arguments are checked here, at the call: a bad `delay` or option throws a `TypeError` or
 * `RangeError` naming it. Applying the decorator to anything but a method throws a `TypeError`.
 *
 * For a plain function, use `every(delay)(fn)` from `@async-timer/core` instead.
 *
 * @param delay - Seconds between ticks, or a string like `"250ms"`, `"5s"`, `"2m"`.
 * @param options - Any {@link TimerOptions} but `start`; `name` defaults to `ClassName.method`.
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
 * await timerOf(cache, "refresh").wait({ hitCount: 1 }); // the cache is warm
 * ```
 */
export function every<T = unknown>(delay: Duration, options?: EveryOptions<T>): EveryDecorator<T> {
  const checked = checkArguments(delay, options);
  return function everyDecorator(method: Function, context: ClassMethodDecoratorContext): void {
    checkContext(method, context);
    if (decorated.has(method)) {
      throw new TypeError(`@every was applied twice to ${describeMember(context)}`);
    }
    decorated.add(method);
    const { access } = context;
    const spec: Spec = {
      name: context.name,
      isPrivate: context.private,
      method,
      get: (object) => access.get(object),
      delay,
      options: checked,
    };
    // Runs for each new instance (before its fields are initialised), or once for the class of
    // a static method. It only records; timers are made on demand and started by the user.
    context.addInitializer(function (this: unknown) {
      record(this as object, spec);
    });
  } as EveryDecorator<T>;
}

/**
 * Checks `delay` and the options now, so a mistake fails where it was written and not when the
 * first instance asks for its timer. A `Timer` that is never started has no effects, so making
 * one is the way to apply core's own checks.
 *
 * `cancelOn` is read once (it may be a one-shot iterable) and its promises are folded into one
 * `AbortSignal` shared by every instance's timer: a rejected promise is then logged once, not
 * once per instance, and the throwaway timer never watches it.
 */
function checkArguments(delay: unknown, options: unknown): TimerOptions<any> {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`@every: options must be an object; got ${describe(options)}`);
  }
  const { start, cancelOn, ...rest } = (options ?? {}) as TimerOptions<any>;
  if (start !== undefined && start !== false) {
    throw new TypeError(
      `@every: the start option is not supported; got ${describe(start)}. A decorated method's timer is started by you, after construction: timersOf(instance).start()`,
    );
  }
  const signals = cancelOn === undefined ? undefined : foldCancelOn(cancelOn, rest);
  const checked = signals === undefined ? rest : { ...rest, cancelOn: signals };
  try {
    new Timer(delay as Duration, noop, checked);
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(`@every: ${error.message}`);
    if (error instanceof TypeError) throw new TypeError(`@every: ${error.message}`);
    throw error;
  }
  return checked;
}

/** `cancelOn`'s signals as they are, and its promises as one signal that aborts when any settles. */
function foldCancelOn(cancelOn: unknown, options: TimerOptions<any>): AbortSignal[] {
  if (typeof cancelOn !== "object" || cancelOn === null || !(Symbol.iterator in cancelOn)) {
    throw new TypeError(
      `@every: cancelOn must be an iterable of promises or AbortSignals; got ${describe(cancelOn)}`,
    );
  }
  const signals: AbortSignal[] = [];
  const promises: PromiseLike<unknown>[] = [];
  let index = 0;
  for (const entry of cancelOn as Iterable<unknown>) {
    if (isAbortSignal(entry)) signals.push(entry);
    else if (isThenable(entry)) promises.push(entry);
    else {
      throw new TypeError(
        `@every: cancelOn[${index}] must be a promise or an AbortSignal; got ${describe(entry)}`,
      );
    }
    index++;
  }
  if (promises.length === 0) return signals;
  const settled = new AbortController();
  const abort = () => settled.abort();
  for (const promise of promises) {
    Promise.resolve(promise).then(abort, (error: unknown) => {
      if (!settled.signal.aborted) {
        const owner = options.name === undefined ? "" : ` ${options.name}:`;
        (options.logger ?? consoleLogger).warn?.(
          `[async-timer]${owner} a cancelOn promise rejected; cancelling its timers`,
          error,
        );
      }
      abort();
    });
  }
  signals.push(settled.signal);
  return signals;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** The target of the throwaway timer that checks the options: it never runs. */
function noop(): void {}

function checkContext(
  method: unknown,
  context: unknown,
): asserts context is ClassMethodDecoratorContext {
  if (context === undefined && typeof method === "function") {
    throw new TypeError(
      `@every from @async-timer/decorators decorates class methods; it was called with ${describe(method)} alone. For a plain function use every(delay)(fn) from @async-timer/core`,
    );
  }
  if (
    typeof context !== "object" ||
    context === null ||
    typeof (context as { kind?: unknown }).kind !== "string"
  ) {
    throw new TypeError(
      "@every is a standard (TC39, TypeScript 5) decorator, but it was called with legacy decorator arguments: turn experimentalDecorators off in tsconfig.json",
    );
  }
  const { kind } = context as DecoratorContext;
  if (kind !== "method") {
    throw new TypeError(
      `@every can only decorate a method; it was applied to ${describeMember(context as DecoratorContext)}`,
    );
  }
  if (typeof (context as ClassMethodDecoratorContext).addInitializer !== "function") {
    throw new TypeError(
      "@every needs context.addInitializer, which this compiler's decorators do not provide: use TypeScript 5, esbuild ≥ 0.21 or Babel's 2023-11 decorators",
    );
  }
}

/** `the method "refresh"`, `the static method "#poll"`, `the field "prices"`, `the class Cache`. */
function describeMember(context: DecoratorContext): string {
  const name = context.name === undefined ? "(anonymous)" : String(context.name);
  if (context.kind === "class") return `the class ${name}`;
  const modifier = (context as { static?: boolean }).static === true ? "static " : "";
  const kind = context.kind === "accessor" ? "auto-accessor" : context.kind;
  return `the ${modifier}${kind} ${typeof context.name === "symbol" ? name : `"${name}"`}`;
}
