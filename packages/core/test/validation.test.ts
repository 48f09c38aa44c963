import { describe, expect, it } from "vitest";
import { Timer, toMilliseconds } from "../src/index.js";
import { clock } from "./helpers.js";

const target = () => 1;

describe("durations", () => {
  it.each([
    [5, 5000],
    [0.25, 250],
    [0, 0],
    ["250ms", 250],
    ["5s", 5000],
    ["1.5 s", 1500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    [".5s", 500],
  ])("%j is %d ms", (value, ms) => {
    expect(toMilliseconds(value, "delay")).toBe(ms);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e306])(
    "refuses %d with a RangeError naming the argument and value",
    (value) => {
      expect(() => new Timer(value, target)).toThrow(RangeError);
      expect(() => new Timer(value, target)).toThrow(
        `delay must be a non-negative, finite duration in seconds; got ${value}`,
      );
    },
  );

  it("refuses a duration string too large to be a finite number of milliseconds", () => {
    const huge = `${"9".repeat(400)}ms`;
    expect(() => toMilliseconds(huge, "delay")).toThrow(
      new RangeError(`delay must be a finite duration; got "${huge}"`),
    );
  });

  it.each(["5", "5 sec", "-1s", "5S", "1d", "", " 5s", "5s ", "1e3ms", "abc"])(
    "refuses the string %j with a RangeError naming it",
    (value) => {
      expect(() => new Timer(value as never, target)).toThrow(RangeError);
      expect(() => new Timer(value as never, target)).toThrow(JSON.stringify(value));
    },
  );

  it("refuses an object that merely converts to a duration string", () => {
    const sneaky = { toString: () => "5s" };
    expect(() => new Timer(sneaky as never, target)).toThrow(TypeError);
  });

  it("names a bigint as one, not as the number it equals", () => {
    expect(() => new Timer(10n as never, target)).toThrow(/; got 10n$/);
  });

  it.each([null, true, {}, [], 10n])("refuses %s with a TypeError", (value) => {
    expect(() => new Timer(value as never, target)).toThrow(TypeError);
    expect(() => new Timer(value as never, target)).toThrow(
      /^delay must be a number of seconds or a string like "250ms", "5s", "2m" or "1h"; got /,
    );
  });
});

describe("bad arguments throw at the call that received them", () => {
  const c = clock();

  it("target that is neither callable nor an iterator", () => {
    expect(() => new Timer(1, 42 as never)).toThrow(
      new TypeError("target must be a function, a generator or an iterator; got 42"),
    );
    expect(() => new Timer(1, { foo: 1 } as never)).toThrow(TypeError);
    expect(() => new Timer(1, null as never)).toThrow(/got null/);
  });

  it("jitter outside [0, 1], or not a number", () => {
    expect(() => new Timer(1, target, { jitter: 1.5 })).toThrow(
      new RangeError("jitter must be a fraction in [0, 1]; got 1.5"),
    );
    expect(() => new Timer(1, target, { jitter: -0.1 })).toThrow(RangeError);
    expect(() => new Timer(1, target, { jitter: Number.NaN })).toThrow(/got NaN/);
    expect(() => new Timer(1, target, { jitter: "0.1" as never })).toThrow(TypeError);
  });

  it("an unknown mode", () => {
    expect(() => new Timer(1, target, { mode: "fixed-rate" as never })).toThrow(
      new RangeError('mode must be "fixed_delay" or "fixed_rate"; got "fixed-rate"'),
    );
    expect(() => new Timer(1, target, { mode: 1 as never })).toThrow(TypeError);
  });

  it("initialDelay", () => {
    expect(() => new Timer(1, target, { initialDelay: -2 })).toThrow(
      /^initialDelay must be a non-negative/,
    );
    expect(() => new Timer(1, target, { initialDelay: "soon" as never })).toThrow(
      /initialDelay .*"soon"/,
    );
  });

  it("callbacks, name, logger, driver, cancelOn and signal of the wrong kind", () => {
    expect(() => new Timer(1, target, { onError: "stop" as never })).toThrow(
      new TypeError('onError must be a function; got "stop"'),
    );
    expect(() => new Timer(1, target, { onCancel: {} as never })).toThrow(
      /^onCancel must be a function/,
    );
    expect(() => new Timer(1, target, { name: 5 as never })).toThrow(
      /^name must be a string; got 5/,
    );
    expect(() => new Timer(1, target, { logger: "console" as never })).toThrow(
      /^logger must be an object/,
    );
    expect(() => new Timer(1, target, { driver: {} as never })).toThrow(
      /^driver must be an implementation of the Driver interface/,
    );
    expect(() => new Timer(1, target, { cancelOn: Promise.resolve() as never })).toThrow(
      /^cancelOn must be an iterable/,
    );
    expect(() => new Timer(1, target, { cancelOn: [5 as never] })).toThrow(
      "cancelOn[0] must be a promise or an AbortSignal; got 5",
    );
    expect(() => new Timer(1, target, { signal: {} as never })).toThrow(
      /^signal must be an AbortSignal/,
    );
    expect(() => new Timer(1, target, 7 as never)).toThrow(/^options must be an object; got 7/);
  });

  it("a timer whose options equal the one made before it is checked as fully (timers share resolved settings)", () => {
    const logger = { warn() {}, error() {} };
    const good = { mode: "fixed_rate", initialDelay: 2, name: "same", logger } as const;
    const first = new Timer(1, target, { ...good });
    expect(() => new Timer(1, target, { ...good, start: "yes" as never })).toThrow(
      new TypeError('start must be a boolean; got "yes"'),
    );
    expect(() => new Timer(1, target, { ...good, driver: {} as never })).toThrow(
      /^driver must be an implementation of the Driver interface/,
    );
    expect(() => new Timer(1, target, { ...good, nmae: "typo" } as never)).toThrow(
      'options has an unknown key "nmae"; did you mean "name"?',
    );
    expect(() => new Timer(1, target, { ...good, onError: "stop" as never })).toThrow(
      new TypeError('onError must be a function; got "stop"'),
    );
    expect(() => new Timer(1, target, { ...good, cancelOn: [5 as never] })).toThrow(
      "cancelOn[0] must be a promise or an AbortSignal; got 5",
    );
    // And each gets what its own options say.
    const second = new Timer(1, target, { ...good });
    const third = new Timer(1, target, { ...good, mode: "fixed_delay", name: "other" });
    expect([first.mode, first.name, second.mode, second.name]).toEqual([
      "fixed_rate",
      "same",
      "fixed_rate",
      "same",
    ]);
    expect([third.mode, third.name]).toEqual(["fixed_delay", "other"]);
  });

  it("reads each option once, so a getter that changes its answer cannot split what is checked from what is used", () => {
    const reads: Record<string, number> = {};
    const answers: Record<string, unknown[]> = {
      name: ["once", 5],
      onError: [undefined, () => "continue"],
      jitter: [0, 2],
      start: [false, "yes"],
      driver: [undefined, {}],
    };
    const options = {};
    for (const [key, values] of Object.entries(answers)) {
      Object.defineProperty(options, key, {
        enumerable: true,
        get: () => {
          const read = reads[key] ?? 0;
          reads[key] = read + 1;
          return values[read];
        },
      });
    }
    const timer = new Timer(1, target, options);
    expect(reads).toEqual({ name: 1, onError: 1, jitter: 1, start: 1, driver: 1 });
    expect(timer.name).toBe("once");
    expect(timer.isRunning()).toBe(false);
  });

  it("setDelay", () => {
    const timer = new Timer(1, target, { driver: c });
    expect(() => timer.setDelay(-5)).toThrow(RangeError);
    expect(() => timer.setDelay("x" as never)).toThrow(/^delay .*"x"/);
    expect(timer.delay).toBe(1);
  });

  it("subscribe: maxsize that is not a non-negative integer, a name that is not a string", () => {
    const timer = new Timer(1, target, { driver: c });
    expect(() => timer.subscribe({ maxsize: -1 })).toThrow(
      new RangeError("subscribe(options): maxsize must be a non-negative integer; got -1"),
    );
    expect(() => timer.subscribe({ maxsize: 1.5 })).toThrow(RangeError);
    expect(() => timer.subscribe({ maxsize: "10" as never })).toThrow(TypeError);
    expect(() => timer.subscribe({ maxsize: null as never })).toThrow(
      new TypeError("subscribe(options): maxsize must be a number; got null"),
    );
    expect(() => timer.subscribe({ name: 1 as never })).toThrow(TypeError);
  });

  it("dropOldest(n) with n that is not a non-negative integer", () => {
    const feed = new Timer(1, target, { driver: c }).subscribe();
    expect(() => feed.dropOldest(-1)).toThrow(
      new RangeError("dropOldest(n): n must be a non-negative integer; got -1"),
    );
    expect(() => feed.dropOldest(2.5)).toThrow(RangeError);
    expect(() => feed.dropOldest(Number.NaN)).toThrow(RangeError);
    expect(() => feed.dropOldest("1" as never)).toThrow(TypeError);
  });

  it("wait, cancel and trigger throw synchronously for bad arguments, although they return promises", () => {
    const timer = new Timer(1, target, { driver: c });
    expect(() => timer.wait({ hitCount: -1 })).toThrow(
      new RangeError("wait(options): hitCount must be a non-negative integer; got -1"),
    );
    expect(() => timer.wait({ hits: 0.5 })).toThrow(
      /^wait\(options\): hits must be a non-negative integer; got 0.5/,
    );
    expect(() => timer.wait({ hits: "2" as never })).toThrow(TypeError);
    expect(() => timer.wait({ timeout: -1 })).toThrow(/^wait\(options\): timeout must be/);
    expect(() => timer.cancel({ timeout: Number.NaN })).toThrow(
      /^cancel\(options\): timeout .*NaN/,
    );
    expect(() => timer.cancel(3 as never)).toThrow(/^cancel\(options\): options must be an object/);
  });
});

describe("every kind of bad option value, with the exact message", () => {
  const signal = new AbortController().signal;
  it.each<[string, unknown, string | RegExp]>([
    ["options: null", null, "options must be an object; got null"],
    ["options: a string", "fast", 'options must be an object; got "fast"'],
    ["mode: a number", { mode: 1 }, 'mode must be "fixed_delay" or "fixed_rate"; got 1'],
    ["jitter: a string", { jitter: "0.5" }, 'jitter must be a number; got "0.5"'],
    ["name: an object", { name: {} }, "name must be a string; got an object ([object Object])"],
    ["onError: an array", { onError: [] }, "onError must be a function; got an array"],
    [
      "logger: null",
      { logger: null },
      "logger must be an object with debug/info/warn/error methods; got null",
    ],
    ["logger: a function", { logger: () => {} }, /^logger must be an object.*got function/],
    [
      "driver: null",
      { driver: null },
      "driver must be an implementation of the Driver interface; got null",
    ],
    [
      "driver: without setWake",
      { driver: { now: () => 0 } },
      /^driver must be an implementation of the Driver interface; got an object/,
    ],
    [
      "cancelOn: null",
      { cancelOn: null },
      "cancelOn must be an iterable of promises or AbortSignals; got null",
    ],
    [
      "cancelOn: a string",
      { cancelOn: "abc" },
      'cancelOn must be an iterable of promises or AbortSignals; got "abc"',
    ],
    [
      "cancelOn: an object without then",
      { cancelOn: [signal, {}] },
      "cancelOn[1] must be a promise or an AbortSignal; got an object ([object Object])",
    ],
    [
      "cancelOn: null entry",
      { cancelOn: [null] },
      "cancelOn[0] must be a promise or an AbortSignal; got null",
    ],
    [
      "cancelOn: a function",
      { cancelOn: [() => {}] },
      /^cancelOn\[0\] must be a promise or an AbortSignal; got function/,
    ],
    [
      "signal: a promise",
      { signal: Promise.resolve() },
      /^signal must be an AbortSignal; got an object/,
    ],
    [
      "signal: not quite a signal",
      { signal: { aborted: "no", addEventListener() {} } },
      /^signal must be an AbortSignal/,
    ],
  ])("%s", (_label, options, message) => {
    expect(() => new Timer(1, target, options as never)).toThrow(message);
  });

  it("accepts thenables and signals from anywhere, and undefined for every option", () => {
    // biome-ignore lint/suspicious/noThenProperty: hand-made thenables are the point of the test
    const thenable = { then: (resolve: () => void) => resolve() } as PromiseLike<void>;
    // biome-ignore lint/suspicious/noThenProperty: a callable thenable
    const fnThenable = Object.assign(() => {}, { then: (resolve: () => void) => resolve() });
    expect(
      () => new Timer(1, target, { cancelOn: [thenable, fnThenable as never, signal] }),
    ).not.toThrow();
    expect(
      () =>
        new Timer(1, target, {
          mode: undefined,
          jitter: undefined,
          name: undefined,
          onError: undefined,
          onCancel: undefined,
          logger: undefined,
          driver: undefined,
          cancelOn: undefined,
          signal: undefined,
          unref: undefined,
          start: undefined,
          initialDelay: undefined,
        }),
    ).not.toThrow();
  });

  it("describes a bad target precisely", () => {
    expect(() => new Timer(1, [] as never)).toThrow(
      "target must be a function, a generator or an iterator; got an array",
    );
    expect(() => new Timer(1, { next: 1 } as never)).toThrow(/got an object/);
    expect(() => new Timer(1, "tick" as never)).toThrow('got "tick"');
  });

  it("names the method in the messages of subscribe, wait and cancel", () => {
    const timer = new Timer(1, target, { driver: c });
    expect(() => timer.subscribe(5 as never)).toThrow(
      "subscribe(options): options must be an object; got 5",
    );
    expect(() => timer.subscribe(null as never)).toThrow(
      "subscribe(options): options must be an object; got null",
    );
    expect(() => timer.subscribe({ maxsize: "3" as never })).toThrow(
      'subscribe(options): maxsize must be a number; got "3"',
    );
    expect(() => timer.subscribe({ name: 7 as never })).toThrow(
      "subscribe(options): name must be a string; got 7",
    );
    expect(() => timer.wait("x" as never)).toThrow(
      'wait(options): options must be an object; got "x"',
    );
    expect(() => timer.wait({ hitCount: "1" as never })).toThrow(
      'wait(options): hitCount must be a number; got "1"',
    );
    expect(() => timer.cancel(null as never)).toThrow(
      "cancel(options): options must be an object; got null",
    );
    const feed = timer.subscribe();
    expect(() => feed.dropOldest("2" as never)).toThrow(
      'dropOldest(n): n must be a number; got "2"',
    );
    expect(feed.dropOldest(0)).toBe(0);
  });

  it("accepts the decimal forms of duration strings and refuses partial numbers", () => {
    expect(toMilliseconds("12.75s", "delay")).toBe(12_750);
    expect(toMilliseconds(".25 s", "delay")).toBe(250);
    expect(() => toMilliseconds("1.s", "delay")).toThrow(RangeError);
    expect(() => toMilliseconds(".s", "delay")).toThrow(RangeError);
    expect(() => toMilliseconds(() => 1, "delay")).toThrow(
      'delay must be a number of seconds or a string like "250ms", "5s", "2m" or "1h"; got function (anonymous)',
    );
    function namedFn() {}
    expect(() => toMilliseconds(namedFn, "delay")).toThrow("got function namedFn");
  });
});

const c = clock();
