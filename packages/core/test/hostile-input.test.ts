/**
 * Hostile input, fed to every public entry point of core (#16, "Beyond the instances"): values
 * with throwing getters, revoked proxies, thenables of every shape, huge and non-finite numbers,
 * wrong types — as constructor arguments, method arguments, options, and what a target returns.
 *
 * For each call, the property holds:
 * - it returns, or throws synchronously a `TypeError`/`RangeError` (or the error a hostile value
 *   threw itself, which is the caller's own);
 * - no promise it returns rejects with a `TypeError`/`RangeError` of its own making: argument
 *   errors are thrown at the call, never delivered later;
 * - driven on the virtual clock (a bounded number of wakes), then cancelled everywhere with a
 *   cancel timeout, everything settles: no `unhandledRejection`, no promise the API handed out
 *   left pending, no wake left armed, no timer still running;
 * - a running timer whose target settles always has a wake pending (it never stalls).
 *
 */
// biome-ignore-all lint/suspicious/noThenProperty: thenables of every shape are the point here
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  armDeadline,
  type Driver,
  every,
  type Logger,
  Timer,
  TimerGroup,
  toMilliseconds,
} from "../src/index.js";
import { clock, TIMER_KEYS, type VirtualClock } from "./helpers.js";

/** What a hostile value throws from its getters, traps and methods. */
const SENTINEL = new Error("hostile value");
const noop = (): void => {};

// ─── The hostile values ────────────────────────────────────────────────────────────────────

/** A value made fresh for each use (a revoked proxy, a thenable with state), and its name. */
interface Hostile {
  readonly name: string;
  make(): unknown;
}

const thrower = (): never => {
  throw SENTINEL;
};

/** A proxy whose every trap throws. */
function throwingProxy(target: object = {}): object {
  const handler: ProxyHandler<object> = {};
  for (const trap of [
    "get",
    "set",
    "has",
    "ownKeys",
    "getOwnPropertyDescriptor",
    "defineProperty",
    "deleteProperty",
    "getPrototypeOf",
    "apply",
    "construct",
  ] as const) {
    handler[trap] = thrower;
  }
  return new Proxy(target, handler);
}

function revoked(target: object): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** An object whose every property an API might read is a getter that throws. */
function throwingGetters(): object {
  const object = {};
  for (const key of [
    ...TIMER_KEYS,
    "hitCount",
    "hits",
    "timeout",
    "maxsize",
    "then",
    "next",
    "return",
    "throw",
    "aborted",
    "addEventListener",
    "setWake",
    "clearWake",
    "now",
    "start",
    "cancel",
    "isRunning",
    "toString",
    "valueOf",
    "started",
    "ticked",
    "ended",
    "delayed",
    "warn",
    "error",
    Symbol.iterator,
    Symbol.asyncIterator,
    Symbol.toPrimitive,
    Symbol.toStringTag,
  ]) {
    Object.defineProperty(object, key, { get: thrower, enumerable: typeof key === "string" });
  }
  return object;
}

function handledRejection(): Promise<never> {
  const promise = Promise.reject(SENTINEL);
  promise.catch(noop);
  return promise;
}

const value = (name: string, make: () => unknown): Hostile => ({ name, make });
const constant = (name: string, v: unknown): Hostile => value(name, () => v);

const NUMBERS: Hostile[] = [
  constant("0", 0),
  constant("-0", -0),
  constant("-1", -1),
  constant("0.5", 0.5),
  constant("a denormal", 5e-324),
  constant("1.5", 1.5),
  constant("1e21", 1e21),
  constant("1e300", 1e300),
  constant("1e305", 1e305),
  constant("1e306", 1e306),
  constant("MAX_VALUE", Number.MAX_VALUE),
  constant("MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER),
  constant("2^31", 2 ** 31),
  constant("Infinity", Number.POSITIVE_INFINITY),
  constant("-Infinity", Number.NEGATIVE_INFINITY),
  constant("NaN", Number.NaN),
];

const THENABLES: Hostile[] = [
  value("a thenable whose then is not a function", () => ({ then: 1 })),
  value("a thenable whose then throws", () => ({ then: thrower })),
  value("a thenable whose then getter throws", () => ({
    get then() {
      return thrower();
    },
  })),
  value("a thenable resolving synchronously", () => ({ then: (resolve: any) => resolve(42) })),
  value("a thenable rejecting synchronously", () => ({
    then: (_: unknown, reject: any) => reject(SENTINEL),
  })),
  value("a thenable resolving with a rejected promise", () => ({
    then: (resolve: any) => resolve(handledRejection()),
  })),
  value("a thenable resolving with a new rejected promise", () => ({
    then: (resolve: any) => resolve(Promise.reject(SENTINEL)),
  })),
  value("a thenable resolving with a thenable resolving with a new rejected promise", () => ({
    then: (resolve: any) => resolve({ then: (inner: any) => inner(Promise.reject(SENTINEL)) }),
  })),
  value("a thenable resolving with a thenable", () => ({
    then: (resolve: any) => resolve({ then: (inner: any) => inner(7) }),
  })),
  value("a thenable resolving with a thenable that throws", () => ({
    then: (resolve: any) => resolve({ then: thrower }),
  })),
  value("a thenable settling three times", () => ({
    then(resolve: any, reject: any) {
      resolve(1);
      reject(SENTINEL);
      resolve(2);
    },
  })),
  value("a thenable that resolves and then throws", () => ({
    then(resolve: any) {
      resolve(1);
      throw SENTINEL;
    },
  })),
  value("a thenable that never settles", () => ({ then: noop })),
  value("a function with a then", () => Object.assign(() => 1, { then: (r: any) => r(1) })),
  value("a revoked proxy around a thenable", () => revoked({ then: (r: any) => r(1) })),
  value("a rejected promise", handledRejection),
  value("a promise that never settles", () => new Promise(noop)),
  constant("a resolved promise", Promise.resolve(1)),
];

const OTHERS: Hostile[] = [
  constant('""', ""),
  constant('"5"', "5"),
  constant('"5s"', "5s"),
  constant('"5000ms"', "5000ms"),
  constant('"1e309ms"', "1e309ms"),
  constant("a 400-digit duration string", `${"9".repeat(400)}ms`),
  constant('"__proto__"', "__proto__"),
  constant("10n", 10n),
  value("a symbol", () => Symbol("hostile")),
  constant("true", true),
  constant("false", false),
  constant("null", null),
  constant("undefined", undefined),
  value("{}", () => ({})),
  value("[]", () => []),
  value("a null-prototype object", () => Object.create(null)),
  value("a Date", () => new Date(0)),
  value("an aborted AbortSignal", () => AbortSignal.abort(SENTINEL)),
  value("an AbortSignal", () => new AbortController().signal),
  constant("a function", () => 1),
  constant("a function that throws", thrower),
  constant("an async function that rejects", async () => thrower()),
  constant("a class", class {}),
  value("a generator object", () => (function* () {})()),
  value("an iterator whose next throws", () => ({ next: thrower })),
  value("an iterator whose result's getters throw", () => ({
    next: () => ({
      get done() {
        return thrower();
      },
      get value() {
        return thrower();
      },
    }),
  })),
  value("an iterable whose iterator throws", () => ({ [Symbol.iterator]: thrower })),
  value("an iterable of a promise and a hostile value", () => [new Promise(noop), throwingProxy()]),
  value("an object with throwing getters", throwingGetters),
  value("a proxy whose traps throw", () => throwingProxy()),
  value("a function proxy whose traps throw", () => throwingProxy(noop)),
  value("a revoked proxy", () => revoked({})),
  value("a revoked function proxy", () => revoked(noop)),
  value("a logger whose methods throw", () => ({
    debug: thrower,
    info: thrower,
    warn: thrower,
    error: thrower,
  })),
  value("a driver whose methods throw", () => ({
    now: thrower,
    wallNow: thrower,
    random: thrower,
    setWake: thrower,
    clearWake: thrower,
  })),
  value("a driver whose clock reads NaN", () => ({
    now: () => Number.NaN,
    wallNow: () => Number.NaN,
    random: () => Number.NaN,
    setWake: () => 1,
    clearWake: noop,
  })),
  value("an observer whose callbacks throw", () => ({
    started: thrower,
    ticked: thrower,
    ended: thrower,
    delayed: thrower,
  })),
];

const CATALOGUE: readonly Hostile[] = [...NUMBERS, ...THENABLES, ...OTHERS];

// ─── The entry points ──────────────────────────────────────────────────────────────────────

/** What a case has to hand: the clock, and a place for what it made and was handed back. */
interface Scope {
  readonly clock: VirtualClock;
  readonly logger: Logger;
  /** Timers made by the case, for the checks and the clean-up. */
  readonly timers: Timer<unknown>[];
  /** Promises the API returned, with whether an argument error there would be a violation. */
  readonly promises: { promise: PromiseLike<unknown>; fromArguments: boolean }[];
  /** Timers whose target always settles: running, they must have a wake pending. */
  readonly settling: Set<Timer<unknown>>;
}

interface Entry {
  readonly name: string;
  run(scope: Scope, h: unknown): unknown;
  /** Whether `h` is a bad argument here, which must then be refused at the call. */
  readonly bad?: (h: unknown) => boolean;
}

// What is plainly bad for each kind of argument (a value these call good may still be refused).
const DURATION = /^(\d+(?:\.\d+)?|\.\d+) *(ms|s|m|h)$/;
const badDuration = (h: unknown) =>
  typeof h === "number"
    ? !(h >= 0 && h < Number.POSITIVE_INFINITY)
    : typeof h !== "string" || !DURATION.test(h);
const optional = (bad: (h: unknown) => boolean) => (h: unknown) => h !== undefined && bad(h);
const badCount = (h: unknown) => !(typeof h === "number" && Number.isInteger(h) && h >= 0);
const badName = (h: unknown) => typeof h !== "string" || h === "";
const notA = (type: string) => (h: unknown) => typeof h !== type;
const badLogger = (h: unknown) =>
  typeof h !== "object" ||
  h === null ||
  ["debug", "info", "warn", "error"].some((level) => {
    const method = (h as Record<string, unknown>)[level];
    return method !== undefined && typeof method !== "function";
  });
const OPTION_BAD: Readonly<Record<string, (h: unknown) => boolean>> = {
  mode: (h) => h !== "fixed_delay" && h !== "fixed_rate",
  initialDelay: badDuration,
  jitter: (h) => !(typeof h === "number" && h >= 0 && h <= 1),
  name: badName,
  onError: notA("function"),
  onCancel: notA("function"),
  logger: badLogger,
  start: notA("boolean"),
  unref: notA("boolean"),
  signal: (h) => typeof (h as AbortSignal | null)?.addEventListener !== "function",
};

/** A quiet logger: the cases log plenty (that is not under test here). */
const quiet = (): Logger => ({ debug: noop, info: noop, warn: noop, error: noop });

function timer(scope: Scope, target: any = () => 1, options: object = {}): Timer<unknown> {
  const made = new Timer(1, target, { driver: scope.clock, logger: scope.logger, ...options });
  scope.timers.push(made);
  if (target === ONE) scope.settling.add(made);
  return made;
}

const ONE = () => 1;
const FAIL = () => {
  throw new Error("tick failed");
};

function handed(scope: Scope, promise: unknown, fromArguments = true): unknown {
  if (isThenableLike(promise)) scope.promises.push({ promise, fromArguments });
  return promise;
}

function isThenableLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

const running = (scope: Scope, target: any = ONE, options: object = {}) =>
  timer(scope, target, options).start();

const ENTRIES: readonly Entry[] = [
  // Construction.
  {
    name: "new Timer(h, target)",
    bad: badDuration,
    run: (s, h) => {
      const made = new Timer(h as never, ONE, { driver: s.clock, logger: s.logger });
      s.timers.push(made);
      s.settling.add(made);
      made.start();
    },
  },
  {
    name: "new Timer(h, target, { jitter: 1 })",
    bad: badDuration,
    run: (s, h) => {
      const made = new Timer(h as never, ONE, { driver: s.clock, logger: s.logger, jitter: 1 });
      s.timers.push(made);
      s.settling.add(made);
      made.start();
    },
  },
  { name: "new Timer(delay, h)", run: (s, h) => timer(s, h).start() },
  {
    name: "new Timer(delay, target, h)",
    bad: (h) => h !== undefined && (typeof h !== "object" || h === null),
    run: (s, h) => {
      const made = new Timer(1, ONE, h as never);
      s.timers.push(made);
    },
  },
  ...TIMER_KEYS.filter((key) => key !== "driver").map(
    (key): Entry => ({
      name: `new Timer(delay, target, { ${key}: h })`,
      ...(OPTION_BAD[key] && { bad: optional(OPTION_BAD[key]) }),
      // A failing target, so that onError and the logger are called.
      run: (s, h) => {
        const made = timer(s, key === "onError" || key === "logger" ? FAIL : ONE, { [key]: h });
        if (!made.isRunning()) made.start(); // `start: true` started it already
      },
    }),
  ),
  {
    name: "new Timer(delay, target, { driver: h })",
    run: (s, h) => {
      const made = new Timer(1, ONE, { driver: h as Driver, logger: s.logger });
      s.timers.push(made);
      made.start();
    },
  },
  {
    name: "new Timer(delay, target, { cancelOn: [h] })",
    run: (s, h) => running(s, ONE, { cancelOn: [h] }),
  },
  { name: "onError returns h", run: (s, h) => running(s, FAIL, { onError: () => h }) },
  {
    name: "onCancel returns h",
    run: (s, h) => {
      running(s, ONE, { onCancel: () => h });
    },
  },
  // What a target returns or yields.
  {
    name: "a target returns h",
    run: (s, h) => {
      const made = running(s, () => h);
      handed(s, made.join(), false);
      handed(s, made.trigger(), false);
      handed(s, made.wait({ hits: 2 }), false);
      handed(s, made.subscribe().next(), false);
      handed(s, made[Symbol.asyncIterator]().next(), false);
    },
  },
  {
    name: "a generator target yields h",
    run: (s, h) => {
      const made = running(s, function* () {
        for (;;) yield h;
      });
      handed(s, made.join(), false);
    },
  },
  {
    name: "an async generator target yields h",
    run: (s, h) => {
      const made = running(s, async function* () {
        for (;;) yield h;
      });
      handed(s, made.join(), false);
    },
  },
  // Methods of a running timer.
  { name: "timer.setDelay(h)", bad: badDuration, run: (s, h) => running(s).setDelay(h as never) },
  {
    name: "timer.cancel(h)",
    bad: (h) => h !== undefined && (typeof h !== "object" || h === null),
    run: (s, h) => handed(s, running(s).cancel(h as never)),
  },
  { name: "timer.stop(h)", run: (s, h) => handed(s, running(s).stop(h as never)) },
  {
    name: "timer.wait(h)",
    bad: (h) => h !== undefined && (typeof h !== "object" || h === null),
    run: (s, h) => handed(s, running(s).wait(h as never)),
  },
  {
    name: "timer.wait({ hitCount: h })",
    bad: optional(badCount),
    run: (s, h) => handed(s, running(s).wait({ hitCount: h as never })),
  },
  {
    name: "timer.wait({ hits: h })",
    bad: optional(badCount),
    run: (s, h) => handed(s, running(s).wait({ hits: h as never })),
  },
  {
    name: "timer.wait({ timeout: h })",
    bad: optional(badDuration),
    run: (s, h) => handed(s, running(s).wait({ timeout: h as never })),
  },
  {
    name: "timer.wait({ hits: 1000, timeout: h })",
    bad: optional(badDuration),
    run: (s, h) => handed(s, running(s).wait({ hits: 1000, timeout: h as never })),
  },
  {
    name: "timer.subscribe(h)",
    bad: (h) => h !== undefined && (typeof h !== "object" || h === null),
    run: (s, h) => running(s).subscribe(h as never),
  },
  {
    name: "timer.subscribe({ maxsize: h })",
    bad: optional(badCount),
    run: (s, h) => running(s).subscribe({ maxsize: h as never }),
  },
  {
    name: "timer.subscribe({ name: h })",
    bad: optional(badName),
    run: (s, h) => running(s).subscribe({ name: h as never }),
  },
  {
    name: "subscription.dropOldest(h)",
    bad: badCount,
    run: (s, h) =>
      running(s)
        .subscribe()
        .dropOldest(h as never),
  },
  {
    name: "timer.observe(h)",
    bad: (h) => typeof h !== "object" || h === null,
    run: (s, h) => running(s).observe(h as never),
  },
  {
    name: "timer.observe({ every callback: h })",
    run: (s, h) => running(s).observe({ started: h, ticked: h, ended: h, delayed: h } as never),
  },
  {
    name: "timer.observe(h) on a timer that then changes",
    run: (s, h) => {
      const made = timer(s);
      made.observe(h as never);
      made.start();
      made.setDelay(2);
    },
  },
  // every().
  {
    name: "every(h)",
    bad: badDuration,
    run: (s, h) => {
      const made = every(h as never, { driver: s.clock, logger: s.logger })(ONE);
      s.timers.push(made);
      s.settling.add(made);
      made.start();
    },
  },
  { name: "every(delay, h)", run: (_s, h) => every(1, h as never) },
  {
    name: "every(delay, options)(h)",
    run: (s, h) => {
      const made = every(1, { driver: s.clock, logger: s.logger })(h as never);
      s.timers.push(made);
      made.start();
    },
  },
  // TimerGroup.
  { name: "new TimerGroup(h)", run: (_s, h) => new TimerGroup(h as never) },
  {
    name: "new TimerGroup([], h)",
    bad: (h) => h !== undefined && (typeof h !== "object" || h === null),
    run: (_s, h) => new TimerGroup([], h as never),
  },
  {
    name: "new TimerGroup([timer, h])",
    run: (s, h) => new TimerGroup([timer(s), h as never]).start(),
  },
  {
    name: "group.add(h)",
    bad: (h) => typeof (h as Timer | null)?.start !== "function",
    run: (s, h) => new TimerGroup([timer(s)]).start().add(h as never),
  },
  { name: "group.has(h)", run: (_s, h) => new TimerGroup().has(h as never) },
  {
    name: "group.wait(h)",
    run: (s, h) => handed(s, new TimerGroup([running(s)]).wait(h as never)),
  },
  {
    name: "group.cancel(h)",
    run: (s, h) => handed(s, new TimerGroup([running(s)]).cancel(h as never)),
  },
  {
    name: "group.trigger(h)",
    run: (s, h) => handed(s, new TimerGroup([running(s)]).trigger(h as never)),
  },
  // Functions.
  {
    name: "toMilliseconds(h, argument)",
    bad: badDuration,
    run: (_s, h) => toMilliseconds(h, "argument"),
  },
  { name: "armDeadline(h, at, fire)", run: (_s, h) => armDeadline(h as never, 0, noop)() },
  { name: "armDeadline(driver, h, fire)", run: (s, h) => armDeadline(s.clock, h as never, noop)() },
];

// ─── The property ──────────────────────────────────────────────────────────────────────────

/** Unhandled rejections, collected here (and not by the test runner) while a case runs. */
let unhandled: unknown[] = [];
let runnerListeners: NodeJS.UnhandledRejectionListener[] = [];
const collect = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  // A timer given `logger: undefined` logs through the console, looked up at call time.
  vi.spyOn(console, "warn").mockImplementation(noop);
  vi.spyOn(console, "error").mockImplementation(noop);
  runnerListeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", collect);
});
afterAll(() => {
  vi.restoreAllMocks();
  process.off("unhandledRejection", collect);
  for (const listener of runnerListeners) process.on("unhandledRejection", listener);
});

/** A real macrotask: Node reports unhandled rejections once the microtasks have drained. */
const macrotask = () => new Promise((resolve) => setImmediate(resolve));

const isArgumentError = (error: unknown) =>
  error instanceof TypeError || error instanceof RangeError;

/** Runs one case; returns what it violated (empty when the property holds). */
async function check(entry: Entry, make: () => unknown): Promise<string[]> {
  const problems: string[] = [];
  unhandled = [];
  const scope: Scope = {
    clock: clock(),
    logger: quiet(),
    timers: [],
    promises: [],
    settling: new Set(),
  };
  const states = new Map<PromiseLike<unknown>, { settled: boolean; error?: unknown }>();
  try {
    const h = make();
    let bad = false;
    try {
      bad = entry.bad?.(h) ?? false;
    } catch {
      // Unreadable (it threw while we looked): whatever the call does with it is its own business.
    }
    try {
      handed(scope, entry.run(scope, h), false);
      if (bad) problems.push("accepted a bad argument instead of refusing it at the call");
    } catch (error) {
      if (!isArgumentError(error) && error !== SENTINEL) {
        problems.push(`threw ${describeError(error)} (not a TypeError/RangeError)`);
      }
    }
    for (const { promise } of scope.promises) {
      const state: { settled: boolean; error?: unknown } = { settled: false };
      states.set(promise, state);
      Promise.resolve(promise).then(
        () => {
          state.settled = true;
        },
        (error: unknown) => {
          state.settled = true;
          state.error = error;
        },
      );
    }
    // Bounded: at most 40 wakes (a zero delay would hold `advance()` at one instant for ever).
    for (let wakes = 0; wakes < 40 && (await scope.clock.next()); wakes++);
    for (const made of scope.settling) {
      if (made.isRunning() && scope.clock.pending === 0) {
        problems.push(`${String(made)} runs with no wake pending (it would never tick again)`);
      }
    }
    const cancels = scope.timers.map((made) => {
      try {
        return made.cancel({ timeout: 1 });
      } catch (error) {
        // A timer on a hostile driver may fail to cancel with the driver's own error, at the call.
        if (error !== SENTINEL) problems.push(`cancel() threw ${describeError(error)}`);
        return undefined;
      }
    });
    await scope.clock.runUntil(Promise.all(cancels), { limit: 1000 });
    await scope.clock.settle();
    await macrotask();
    await macrotask();
  } catch (error) {
    problems.push(`driving the clock failed: ${describeError(error)}`);
  }
  for (const made of scope.timers) {
    if (made.isRunning()) problems.push(`${String(made)} still runs after cancel()`);
  }
  if (scope.clock.pending > 0) problems.push(`${scope.clock.pending} wake(s) left armed`);
  for (const { promise, fromArguments } of scope.promises) {
    const state = states.get(promise);
    if (state?.settled === false) problems.push("a promise it returned never settled");
    if (fromArguments && isArgumentError(state?.error)) {
      problems.push(
        `a returned promise rejected with ${describeError(state?.error)}: not at the call`,
      );
    }
  }
  for (const reason of unhandled) problems.push(`unhandledRejection: ${describeError(reason)}`);
  return problems;
}

function describeError(error: unknown): string {
  if (error === SENTINEL) return "the hostile value's own error";
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "an undescribable value";
  }
}

describe("hostile input to every entry point of core (#16)", () => {
  it("every entry point × every catalogued hostile value", { timeout: 60_000 }, async () => {
    const failures: string[] = [];
    for (const entry of ENTRIES) {
      for (const hostile of CATALOGUE) {
        const problems = await check(entry, () => hostile.make());
        if (problems.length > 0)
          failures.push(`${entry.name} × ${hostile.name}: ${problems.join("; ")}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("fast-check: generated values, in any entry point", { timeout: 60_000 }, async () => {
    const generated = fc.oneof(
      fc.anything({
        withBigInt: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withTypedArray: true,
        withNullPrototype: true,
      }),
      fc.double(),
      fc.integer(),
      fc.string(),
      fc.constantFrom(...CATALOGUE), // made inside the property: fast-check must not read it
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENTRIES), generated, async (entry, input) => {
        const hostile = CATALOGUE.includes(input as Hostile) ? (input as Hostile) : undefined;
        expect(await check(entry, hostile === undefined ? () => input : hostile.make)).toEqual([]);
      }),
      { numRuns: 600 },
    );
  });
});
