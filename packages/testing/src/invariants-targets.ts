/**
 * Invariants of what a timer is given: generator sources (pulled a value per tick, ended by
 * running out) and bad arguments (refused at the call, by name).
 *
 * @module
 */
import { every, Timer, TimerCancelledError, TimerGroup, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import type { TimeHarness } from "./harness.js";
import { drive, type Invariant, limits, thrownBy } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, toOptions } from "./scenario.js";
import { watch } from "./watch.js";

/** A generator target as the SPEC's *Target shapes* describes it. */
export const generatorSources: Invariant = {
  name: "generator-sources",
  description:
    "A function returning a generator (sync or async) is called once per run and its generator pulled once per tick: subscribers get the yielded values in order, hitCount counts them, lastResult is the last. A generator that runs out ends the run like a cancel — not running, onCancel once, subscriptions end after their buffer, a pending join() rejects with TimerCancelledError — and start() calls the function afresh; a generator object given directly cannot be restarted (TimerStateError).",
  doesNotCheck:
    "The timing of pulls (the schedules' invariants, with function targets); a generator that throws (error-delivery-order covers failing ticks); closing on cancel (generator-close-on-cancel, failing-cleanup).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        fc.boolean(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 300 }),
        fc.boolean(),
      ],
      async (harness, spec, isAsync, length, pull, direct) => {
        let calls = 0;
        const yielded: number[] = [];
        const make = () => {
          calls++;
          const base = (calls - 1) * 100;
          return isAsync
            ? (async function* () {
                for (let i = 1; i <= length; i++) {
                  await harness.sleep(pull);
                  yielded.push(base + i);
                  yield base + i;
                }
              })()
            : (function* () {
                for (let i = 1; i <= length; i++) {
                  yielded.push(base + i);
                  yield base + i;
                }
              })();
        };
        let onCancel = 0;
        const options = toOptions<number>(spec, harness, {
          onCancel: () => onCancel++,
          logger: {},
        });
        const timer = direct
          ? new Timer(`${spec.delay}ms`, make(), options)
          : new Timer(`${spec.delay}ms`, make, options);
        for (const run of direct ? [1] : [1, 2]) {
          const before = yielded.length;
          const hitsBefore = timer.hitCount;
          const feed = timer.subscribe();
          const received: number[] = [];
          // A join() made once the last value is out is pending when the generator runs out.
          let lastJoin: { done(): boolean; result(): unknown } | undefined;
          const feeding = (async () => {
            for await (const value of feed) {
              received.push(value);
              if (received.length === length) lastJoin = watch(timer.join());
            }
          })();
          timer.start();
          const ended = await drive(harness, timer.wait());
          await drive(harness, feeding);
          const values = yielded.slice(before);
          check(
            ended && !timer.isRunning(),
            () =>
              `run ${run}: the generator ran out after ${values.length} values and the timer still runs`,
            "running out ends the run",
          );
          check(
            onCancel === run,
            () => `run ${run}: onCancel ran ${onCancel} times in ${run} run(s)`,
            "running out ends the run",
          );
          check(
            values.length === length && received.join() === values.join(),
            () => `run ${run}: yielded [${values}], the subscription got [${received}]`,
            "each tick pulls one value, delivered in order",
          );
          check(
            timer.hitCount - hitsBefore === length && timer.lastResult === values.at(-1),
            () =>
              `run ${run}: hitCount grew by ${timer.hitCount - hitsBefore} and lastResult is ${timer.lastResult}, after ${length} values ending with ${values.at(-1)}`,
            "each tick pulls one value, delivered in order",
          );
          let joinError: unknown;
          try {
            lastJoin?.result();
          } catch (error) {
            joinError = error;
          }
          check(
            lastJoin?.done() === true && joinError instanceof TimerCancelledError,
            () =>
              `run ${run}: a join() pending when the generator ran out ${lastJoin?.done() === true ? `settled with ${describeValue(joinError ?? "a value")}` : "never settled"}`,
            "running out ends the run",
          );
          check(
            calls === (direct ? 1 : run),
            () => `the function was called ${calls} times in ${run} run(s)`,
            "the function is called once per run",
          );
          await advanceTo(harness, harness.now() + spec.delay);
        }
        if (direct) {
          const threw = thrownBy(() => timer.start());
          check(
            threw instanceof TimerStateError,
            () => `start() of a generator object given directly threw ${describeValue(threw)}`,
            "a generator object cannot be restarted",
          );
        }
      },
    ),
};

/** A call with a bad argument, and the name its error must give. */
interface BadCall {
  readonly argument: string;
  readonly call: (timer: Timer<number>, value: unknown, harness: TimeHarness) => unknown;
  readonly values: readonly unknown[];
  /**
   * Whether `value` is of the right kind but out of range — a `RangeError` — rather than of the
   * wrong kind — a `TypeError` (SPEC, *Errors*). Never, when not given.
   */
  readonly range?: (value: unknown) => boolean;
  /** What else the message must say about `value` (an unknown key's intended key). */
  readonly also?: (value: unknown) => string | undefined;
}

const durations = [-1, Number.NaN, Number.POSITIVE_INFINITY, "5 parsecs", "-1s", null, true];
/** A duration is a number or a string: either, unusable, is out of range. */
const durationRange = (value: unknown) => typeof value === "number" || typeof value === "string";
const counts = [-1, 1.5, Number.NaN, "3", null];
const numberRange = (value: unknown) => typeof value === "number";
const notBoolean = [1, "true", null, {}];
const notFunction = [1, "stop", true, {}];
const notObject = [5, "fast", true, null];
/** Unknown keys, each with the key it is one typo away from (if any). */
const typos: Record<string, string | undefined> = {
  jiter: "jitter",
  intialDelay: "initialDelay",
  oncancel: "onCancel",
  timeout: undefined,
  interval: undefined,
};
const suggestion = (value: unknown) => {
  const near = typos[value as string];
  return near === undefined ? undefined : `did you mean "${near}"`;
};
const noop = () => 1;

/** Every option of the constructor, given `value`, on a timer of `harness`. */
function option(name: string): BadCall["call"] {
  return (_timer, value, harness) =>
    new Timer(1, noop, { driver: harness.driver, [name]: value } as never);
}

const calls: readonly BadCall[] = [
  {
    argument: "delay",
    call: (_timer, value, harness) => new Timer(value as never, noop, { driver: harness.driver }),
    values: durations,
    range: durationRange,
  },
  {
    argument: "initialDelay",
    call: option("initialDelay"),
    values: durations,
    range: durationRange,
  },
  {
    argument: "jitter",
    call: option("jitter"),
    values: [-0.1, 1.5, Number.NaN, "0.5", null],
    range: numberRange,
  },
  {
    argument: "mode",
    call: option("mode"),
    values: ["fast", "fixed-rate", 1, null],
    range: (value) => typeof value === "string",
  },
  {
    argument: "target",
    call: (_timer, value, harness) => new Timer(1, value as never, { driver: harness.driver }),
    values: [5, "tick", null, {}],
  },
  {
    argument: "options",
    call: (_timer, value) => new Timer(1, noop, value as never),
    values: notObject,
  },
  {
    argument: "options",
    call: (_timer, value, harness) =>
      new Timer(1, noop, { driver: harness.driver, [value as string]: 1 }),
    values: Object.keys(typos),
    also: suggestion,
  },
  {
    argument: "name",
    call: option("name"),
    values: [5, "", null, true],
    range: (value) => value === "",
  },
  { argument: "onError", call: option("onError"), values: notFunction },
  { argument: "onCancel", call: option("onCancel"), values: notFunction },
  { argument: "start", call: option("start"), values: notBoolean },
  { argument: "unref", call: option("unref"), values: notBoolean },
  { argument: "logger", call: option("logger"), values: notObject },
  {
    argument: "logger.warn",
    call: (_timer, value, harness) =>
      new Timer(1, noop, { driver: harness.driver, logger: { warn: value as never } }),
    values: [5, "console", true, {}],
  },
  { argument: "driver", call: option("driver"), values: [5, {}, "real", null] },
  { argument: "lease", call: option("lease"), values: [5, {}, "pg", null] },
  { argument: "cancelOn", call: option("cancelOn"), values: [5, "abc", {}, null] },
  {
    argument: "cancelOn[1]",
    call: (_timer, value, harness) =>
      new Timer(1, noop, {
        driver: harness.driver,
        cancelOn: [new Promise<void>(() => {}), value as never],
      }),
    values: [5, null, "x", {}],
  },
  { argument: "signal", call: option("signal"), values: [5, {}, "x", null] },
  {
    argument: "delay",
    call: (timer, value) => timer.setDelay(value as never),
    values: durations,
    range: durationRange,
  },
  {
    argument: "maxsize",
    call: (timer, value) => timer.subscribe({ maxsize: value as never }),
    values: counts,
    range: numberRange,
  },
  {
    argument: "subscribe(options): name",
    call: (timer, value) => timer.subscribe({ name: value as never }),
    values: [5, "", null],
    range: (value) => value === "",
  },
  {
    argument: "subscribe(options): options",
    call: (timer, value) => timer.subscribe({ [value as string]: 1 } as never),
    values: ["maxSize", "size"],
    also: (value) => (value === "maxSize" ? 'did you mean "maxsize"' : undefined),
  },
  {
    argument: "dropOldest",
    call: (timer, value) => timer.subscribe().dropOldest(value as never),
    values: counts,
    range: numberRange,
  },
  {
    argument: "hits",
    call: (timer, value) => timer.wait({ hits: value as never }),
    values: counts,
    range: numberRange,
  },
  {
    argument: "hitCount",
    call: (timer, value) => timer.wait({ hitCount: value as never }),
    values: counts,
    range: numberRange,
  },
  {
    argument: "timeout",
    call: (timer, value) => timer.wait({ hits: 1, timeout: value as never }),
    values: durations.filter((value) => value !== null),
    range: durationRange,
  },
  {
    argument: "wait(options): options",
    call: (timer, value) => timer.wait({ [value as string]: 1 } as never),
    values: ["hit", "timout"],
    also: (value) => `did you mean "${value === "hit" ? "hits" : "timeout"}"`,
  },
  {
    argument: "timeout",
    call: (timer, value) => timer.cancel({ timeout: value as never }),
    values: durations.filter((value) => value !== null),
    range: durationRange,
  },
  {
    argument: "cancel(options): options",
    call: (timer, value) => timer.cancel(value as never),
    values: [5, "1s", null],
  },
  {
    argument: "observe(observer): observer",
    call: (timer, value) => timer.observe(value as never),
    values: [5, "log", null],
  },
  {
    argument: "delay",
    call: (_timer, value) => every(value as never),
    values: durations,
    range: durationRange,
  },
  {
    argument: "options",
    call: (_timer, value) => every(1, { [value as string]: 1 } as never),
    values: Object.keys(typos),
    also: suggestion,
  },
  { argument: "fn", call: (_timer, value) => every(1)(value as never), values: [5, "f", null] },
  {
    argument: "timers",
    call: (_timer, value) => new TimerGroup(value as never),
    values: [5, {}, null],
  },
  {
    argument: "timers[1]",
    call: (timer, value) => new TimerGroup([timer, value as never]),
    values: [5, {}, null, () => 1],
  },
  {
    argument: "add(timer): timer",
    call: (timer, value) => new TimerGroup([timer]).add(value as never),
    values: [5, {}, null],
  },
  {
    argument: "name",
    call: (_timer, value) => new TimerGroup([], { name: value as never }),
    values: [5, "", true],
    range: (value) => value === "",
  },
  {
    argument: "timeout",
    call: (timer, value) => new TimerGroup([timer]).trigger({ timeout: value as never }),
    values: durations.filter((value) => value !== null),
    range: durationRange,
  },
];

/** Every bad call with each of its bad values. */
const badCalls = calls.flatMap((call) => call.values.map((value) => ({ call, value })));

/** How the SPEC's messages show a bad primitive: strings quoted, numbers as written. */
function shown(value: unknown): string | undefined {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return undefined;
}

/** SPEC: bad arguments throw at the call that received them, naming the argument and value. */
export const badArguments: Invariant = {
  name: "bad-arguments",
  description:
    "A bad argument — a negative, NaN, infinite or unparsable duration, a jitter outside [0, 1], an unknown mode, a target that is neither callable nor an iterator, a count that is not a non-negative integer, an options bag that is not an object or has a key the call does not know, a boolean or function option given something else, a logger, driver, lease, cancelOn entry or signal of the wrong shape, an observer that is not an object, and the same of every() and TimerGroup (its members, name and timeouts) — throws synchronously at the call that received it (also from wait() and cancel(), which return promises): a TypeError for a value of the wrong kind, a RangeError for one of the right kind out of range, naming the argument and the bad value (and, for an unknown key one typo from a known one, the known one), and leaves a running timer as it was: still running, its delay unchanged.",
  doesNotCheck:
    "The wording of messages beyond the argument's name, the value and the suggested key; values that are valid but suspicious (the seconds trap's warning); bad values of types other than those listed.",
  property: (make) =>
    harnessProperty(
      make,
      // Every bad call in each run, in a random order: the order matters to what core
      // remembers between calls (the last options bag checked, the last settings resolved).
      [fc.shuffledSubarray(badCalls, { minLength: badCalls.length })],
      async (harness, pairs) => {
        const timer = new Timer(1, () => 1, { driver: harness.driver, logger: {} }).start();
        await harness.settle();
        for (const { call, value } of pairs) refused(timer, call, value, harness);
        await drive(harness, timer.cancel());
      },
    ),
};

/** Checks that `call` with `value` is refused at the call, by the SPEC's rules. */
function refused(timer: Timer<number>, call: BadCall, value: unknown, harness: TimeHarness): void {
  let threw: unknown;
  let returned: unknown;
  try {
    returned = call.call(timer, value, harness);
  } catch (error) {
    threw = error;
  }
  if (returned instanceof Promise) returned.catch(() => {});
  const what = `${call.argument} = ${describeValue(value)}`;
  check(
    threw !== undefined,
    () =>
      returned instanceof Promise
        ? `${what} did not throw at the call; it returned a promise`
        : `${what} was accepted`,
    "bad arguments throw at the call",
  );
  check(
    threw instanceof TypeError || threw instanceof RangeError,
    () => `${what} threw ${describeValue(threw)}, not a TypeError or RangeError`,
    "bad arguments throw a TypeError or RangeError",
  );
  const range = call.range?.(value) === true;
  check(
    threw instanceof (range ? RangeError : TypeError),
    () =>
      `${what} threw a ${(threw as Error).name}; ${describeValue(value)} is ${range ? "of the right kind, out of range: a RangeError" : "of the wrong kind: a TypeError"}`,
    "a TypeError for a value of the wrong kind, a RangeError for one out of range",
  );
  const message = (threw as Error).message;
  const value_ = shown(value);
  check(
    message.includes(call.argument) && (value_ === undefined || message.includes(value_)),
    () => `${what} threw "${message}", which does not name ${call.argument} and ${value_}`,
    "the message names the argument and the value",
  );
  const also = call.also?.(value);
  check(
    also === undefined || message.includes(also),
    () => `${what} threw "${message}", which does not say ${also}`,
    "an unknown key names the known key it is closest to",
  );
  check(
    timer.isRunning() && timer.delay === 1,
    () =>
      `after ${what} was refused the timer is ${timer.isRunning() ? "running" : "stopped"} with delay ${timer.delay}`,
    "a refused call changes nothing",
  );
}
