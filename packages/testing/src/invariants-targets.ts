/**
 * Invariants of what a timer is given: generator sources (pulled a value per tick, ended by
 * running out) and bad arguments (refused at the call, by name).
 *
 * @module
 */
import { Timer, TimerCancelledError, TimerStateError } from "@async-timer/core";
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
}

const durations = [-1, Number.NaN, Number.POSITIVE_INFINITY, "5 parsecs", "-1s", null, true];
const counts = [-1, 1.5, Number.NaN, "3", null];
const calls: readonly BadCall[] = [
  {
    argument: "delay",
    call: (_timer, value, harness) =>
      new Timer(value as never, () => 1, { driver: harness.driver }),
    values: durations,
  },
  {
    argument: "initialDelay",
    call: (_timer, value, harness) =>
      new Timer(1, () => 1, { driver: harness.driver, initialDelay: value as never }),
    values: durations,
  },
  {
    argument: "jitter",
    call: (_timer, value, harness) =>
      new Timer(1, () => 1, { driver: harness.driver, jitter: value as never }),
    values: [-0.1, 1.5, Number.NaN, "0.5", null],
  },
  {
    argument: "mode",
    call: (_timer, value, harness) =>
      new Timer(1, () => 1, { driver: harness.driver, mode: value as never }),
    values: ["fast", "fixed-rate", 1, null],
  },
  {
    argument: "target",
    call: (_timer, value, harness) => new Timer(1, value as never, { driver: harness.driver }),
    values: [5, "tick", null, {}],
  },
  { argument: "delay", call: (timer, value) => timer.setDelay(value as never), values: durations },
  {
    argument: "maxsize",
    call: (timer, value) => timer.subscribe({ maxsize: value as never }),
    values: counts,
  },
  {
    argument: "dropOldest",
    call: (timer, value) => timer.subscribe().dropOldest(value as never),
    values: counts,
  },
  {
    argument: "hits",
    call: (timer, value) => timer.wait({ hits: value as never }),
    values: counts,
  },
  {
    argument: "hitCount",
    call: (timer, value) => timer.wait({ hitCount: value as never }),
    values: counts,
  },
  {
    argument: "timeout",
    call: (timer, value) => timer.wait({ hits: 1, timeout: value as never }),
    values: durations.filter((value) => value !== null),
  },
  {
    argument: "timeout",
    call: (timer, value) => timer.cancel({ timeout: value as never }),
    values: durations.filter((value) => value !== null),
  },
];

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
    "A bad argument — a negative, NaN, infinite or unparsable duration, a jitter outside [0, 1], an unknown mode, a target that is neither callable nor an iterator, a count that is not a non-negative integer — throws a TypeError or RangeError synchronously at the call that received it (also from wait() and cancel(), which return promises), naming the argument and the bad value, and leaves a running timer as it was: still running, its delay unchanged.",
  doesNotCheck:
    "The wording of messages beyond the argument's name and the value; boolean and function options, unknown option keys, cancelOn entries, TimerGroup's arguments; bad values of types other than those listed.",
  property: (make) =>
    harnessProperty(
      make,
      [
        fc
          .constantFrom(...calls)
          .chain((call) =>
            fc.record({ call: fc.constant(call), value: fc.constantFrom(...call.values) }),
          ),
      ],
      async (harness, { call, value }) => {
        const timer = new Timer(1, () => 1, { driver: harness.driver, logger: {} }).start();
        await harness.settle();
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
        const message = (threw as Error).message;
        const value_ = shown(value);
        check(
          message.includes(call.argument) && (value_ === undefined || message.includes(value_)),
          () => `${what} threw "${message}", which does not name ${call.argument} and ${value_}`,
          "the message names the argument and the value",
        );
        check(
          timer.isRunning() && timer.delay === 1,
          () =>
            `after ${what} was refused the timer is ${timer.isRunning() ? "running" : "stopped"} with delay ${timer.delay}`,
          "a refused call changes nothing",
        );
        await drive(harness, timer.cancel());
      },
    ),
};
