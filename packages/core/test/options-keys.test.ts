import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { every, Timer, TimerGroup } from "../src/index.js";
import { clock, TIMER_KEYS } from "./helpers.js";

const target = () => 1;
/** Every options object of core, the keys it knows, and how to hand it one. */
const BAGS: readonly {
  readonly call: string;
  readonly argument: string;
  readonly keys: readonly string[];
  readonly give: (options: object) => unknown;
}[] = [
  {
    call: "new Timer",
    argument: "options",
    keys: TIMER_KEYS,
    give: (options) => new Timer(1, target, { driver: clock(), ...options }),
  },
  {
    call: "every",
    argument: "options",
    keys: TIMER_KEYS,
    give: (options) => every(1, options as never),
  },
  {
    call: "timer.wait",
    argument: "wait(options): options",
    keys: ["hitCount", "hits", "timeout"],
    give: (options) => new Timer(1, target, { driver: clock() }).wait(options as never),
  },
  {
    call: "timer.cancel",
    argument: "cancel(options): options",
    keys: ["timeout"],
    give: (options) => new Timer(1, target, { driver: clock() }).cancel(options as never),
  },
  {
    call: "timer.stop",
    argument: "cancel(options): options",
    keys: ["timeout"],
    give: (options) => new Timer(1, target, { driver: clock() }).stop(options as never),
  },
  {
    call: "timer.subscribe",
    argument: "subscribe(options): options",
    keys: ["maxsize", "name"],
    give: (options) => new Timer(1, target, { driver: clock() }).subscribe(options as never),
  },
  {
    call: "new TimerGroup",
    argument: "options",
    keys: ["name", "logger"],
    give: (options) => new TimerGroup([], options as never),
  },
  {
    call: "group.wait",
    argument: "wait(options): options",
    keys: ["hitCount", "hits", "timeout"],
    give: (options) => new TimerGroup().wait(options as never),
  },
  {
    call: "group.cancel",
    argument: "cancel(options): options",
    keys: ["timeout"],
    give: (options) => new TimerGroup().cancel(options as never),
  },
  {
    call: "group.trigger",
    argument: "trigger(options): options",
    keys: ["timeout"],
    give: (options) => new TimerGroup().trigger(options as never),
  },
];

describe("typos are errors (#17, point 3)", () => {
  it.each([
    [
      "new Timer",
      { intialDelay: 5 },
      'options has an unknown key "intialDelay"; did you mean "initialDelay"?',
    ],
    [
      "new Timer",
      { onerror: () => "continue" },
      'options has an unknown key "onerror"; did you mean "onError"?',
    ],
    [
      "new Timer",
      { singal: new AbortController().signal },
      'options has an unknown key "singal"; did you mean "signal"?',
    ],
    ["new Timer", { strat: true }, 'options has an unknown key "strat"; did you mean "start"?'],
    ["every", { mdoe: "fixed_rate" }, 'options has an unknown key "mdoe"; did you mean "mode"?'],
    [
      "timer.wait",
      { hitcount: 3 },
      'wait(options): options has an unknown key "hitcount"; did you mean "hitCount"?',
    ],
    [
      "timer.wait",
      { hit: 3 },
      'wait(options): options has an unknown key "hit"; did you mean "hits"?',
    ],
    [
      "timer.cancel",
      { timout: 5 },
      'cancel(options): options has an unknown key "timout"; did you mean "timeout"?',
    ],
    [
      "timer.subscribe",
      { maxSize: 5 },
      'subscribe(options): options has an unknown key "maxSize"; did you mean "maxsize"?',
    ],
    [
      "new TimerGroup",
      { nmae: "upkeep" },
      'options has an unknown key "nmae"; did you mean "name"?',
    ],
    [
      "group.trigger",
      { timeOut: 1 },
      'trigger(options): options has an unknown key "timeOut"; did you mean "timeout"?',
    ],
  ] as const)("%s(%j) names the key and the one meant", (call, options, message) => {
    const bag = BAGS.find((candidate) => candidate.call === call)!;
    expect(() => bag.give(options)).toThrow(new TypeError(message));
  });

  it("names no key when none is close", () => {
    expect(() => new Timer(1, target, { retries: 3 } as never)).toThrow(
      new TypeError('options has an unknown key "retries"'),
    );
    expect(() => new TimerGroup().cancel({ force: true } as never)).toThrow(
      new TypeError('cancel(options): options has an unknown key "force"'),
    );
  });

  it("refuses an unknown key even when its value is undefined", () => {
    expect(() => new Timer(1, target, { intialDelay: undefined } as never)).toThrow(
      /unknown key "intialDelay"/,
    );
  });

  it("for any options object: an unknown key is a TypeError naming it, at the call", () => {
    const key = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((k) => !["__proto__", "constructor"].includes(k));
    for (const bag of BAGS) {
      fc.assert(
        fc.property(key, (name) => {
          fc.pre(!bag.keys.includes(name));
          let thrown: unknown;
          try {
            bag.give({ [name]: 1 });
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(TypeError);
          expect((thrown as Error).message).toContain(
            `${bag.argument} has an unknown key ${JSON.stringify(name)}`,
          );
        }),
        { numRuns: 200 },
      );
    }
  });

  it("a bag that passed vouches for no later one, whatever their shapes (the check remembers the last good bag's keys)", () => {
    // Bags in loops share shapes, and the check takes a shortcut for a bag whose keys are the
    // last good bag's: a typo at any position, after any history of good bags, still throws.
    const known = fc.subarray(["mode", "initialDelay", "jitter", "name", "unref"]);
    const bag = fc.record({
      keys: known.chain((keys) => fc.shuffledSubarray(keys, { minLength: keys.length })),
      typo: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(bag, { minLength: 1, maxLength: 8 }), (bags) => {
        for (const { keys, typo } of bags) {
          const entries: [string, unknown][] = keys.map((key) => [key, undefined]);
          if (typo !== undefined)
            entries.splice(typo % (entries.length + 1), 0, ["intialDelay", 1]);
          const make = () =>
            new Timer(1, target, { driver: clock(), ...Object.fromEntries(entries) });
          if (typo === undefined) expect(make).not.toThrow();
          else expect(make).toThrow(/unknown key "intialDelay"/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("accepts every known key (given undefined, its default)", () => {
    for (const bag of BAGS) {
      const options = Object.fromEntries(bag.keys.map((key) => [key, undefined]));
      const result = bag.give(options);
      if (result instanceof Promise) result.catch(() => {}); // a wait on a stopped timer rejects
    }
  });
});

describe("every option is type-checked (#16, point 8)", () => {
  it.each([
    ["start", "yes", 'start must be a boolean; got "yes"'],
    ["start", 1, "start must be a boolean; got 1"],
    ["unref", 1, "unref must be a boolean; got 1"],
    ["unref", "false", 'unref must be a boolean; got "false"'],
    ["onError", "stop", 'onError must be a function; got "stop"'],
    ["onCancel", {}, "onCancel must be a function; got an object ([object Object])"],
    ["logger", { warn: "loud" }, 'logger.warn must be a function; got "loud"'],
    ["logger", { error: 1 }, "logger.error must be a function; got 1"],
    [
      "driver",
      { now() {} },
      "driver must be an implementation of the Driver interface; got an object ([object Object])",
    ],
  ])("%s: %j is a TypeError naming the option and the value", (option, value, message) => {
    const expected = new TypeError(message);
    expect(() => new Timer(1, target, { [option]: value })).toThrow(expected);
    expect(() => every(1, { [option]: value })).toThrow(expected);
  });

  it("a group's logger too", () => {
    expect(() => new TimerGroup([], { logger: { error: "x" } as never })).toThrow(
      new TypeError('logger.error must be a function; got "x"'),
    );
  });

  it("start: false and unref: false are booleans like any other", () => {
    const timer = new Timer(1, target, { driver: clock(), start: false, unref: false });
    expect(timer.isRunning()).toBe(false);
  });
});

describe('an empty name is refused (#16, point 12: name: "")', () => {
  it.each([
    ["a timer", () => new Timer(1, target, { name: "" })],
    ["every()", () => every(1, { name: "" })],
    ["a group", () => new TimerGroup([], { name: "" })],
  ])("for %s", (_what, make) => {
    expect(make).toThrow(new RangeError('name must be a non-empty string; got ""'));
  });

  it("for a subscription", () => {
    const timer = new Timer(1, target, { driver: clock() });
    expect(() => timer.subscribe({ name: "" })).toThrow(
      new RangeError('subscribe(options): name must be a non-empty string; got ""'),
    );
  });
});
