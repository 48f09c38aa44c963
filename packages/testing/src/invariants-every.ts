/**
 * Invariants of `every()`: the decorator form of a timer.
 *
 * @module
 */
import { every, Timer } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import { type Invariant, limits } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo, type TimerSpec, toOptions } from "./scenario.js";

/** SPEC (`every(delay, options)`): a function made into a timer, as `new Timer` would make it. */
export const everyDecorator: Invariant = {
  name: "every-decorator",
  description:
    "every(delay, options)(fn) is a timer that is not started and keeps fn on func; started, it calls fn on exactly the schedule of new Timer(delay, fn, options) on the same clock, with the same values; every timer made by one every(…) is its own (starting or cancelling one leaves the others), and a cancelOn given to every(…) — even a one-shot iterable — ends the run of each of them.",
  doesNotCheck:
    "Class methods (@every in @async-timer/decorators); bad arguments to every() (bad-arguments); jitter (each timer draws its own samples).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits).map((spec): TimerSpec => ({ ...spec, jitter: 0 })),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
      ],
      async (harness, spec, count, withCancelOn) => {
        const controller = new AbortController();
        // A generator: readable once, though every timer the decorator makes must watch it.
        const cancelOn = withCancelOn
          ? (function* () {
              yield controller.signal;
            })()
          : undefined;
        const calls: { fn: number; at: number }[] = [];
        const fns = Array.from({ length: count + 1 }, (_, fn) => () => {
          calls.push({ fn, at: harness.now() });
          return fn * 1000 + calls.filter((call) => call.fn === fn).length;
        });
        const decorate = every(`${spec.delay}ms`, toOptions(spec, harness, { cancelOn }));
        const made = fns.slice(1).map((fn) => decorate(fn));
        const reference = new Timer(`${spec.delay}ms`, fns[0] as () => number, {
          ...toOptions(spec, harness),
        });
        made.forEach((timer, i) => {
          check(
            timer.func === fns[i + 1] && !timer.isRunning() && timer.hitCount === 0,
            () =>
              `timer #${i + 1}: func is ${timer.func === fns[i + 1] ? "fn" : "not fn"}, running ${timer.isRunning()}`,
            "every()(fn) is a timer, not started, with fn on func",
          );
        });
        await advanceTo(harness, spec.initialDelay + 2 * spec.delay);
        check(calls.length === 0, () => `${calls.length} calls before start()`, "not started");
        const t0 = harness.now();
        reference.start();
        for (const timer of made) timer.start();
        const horizon = t0 + spec.initialDelay + 6 * spec.delay;
        // The last one made is cancelled half way: the others go on.
        const last = made.at(-1);
        const half = t0 + spec.initialDelay + 3 * spec.delay;
        await advanceTo(harness, half);
        const cutLast = made.length > 1;
        if (cutLast) void last?.cancel();
        await advanceTo(harness, horizon);
        const times = (fn: number) => calls.filter((c) => c.fn === fn).map((c) => c.at);
        const expected = times(0);
        made.forEach((timer, i) => {
          const own = times(i + 1);
          const cut = timer === last && cutLast;
          const want = cut ? expected.filter((at) => at <= half) : expected;
          check(
            own.length === want.length && own.every((at, k) => at === want[k]),
            () =>
              `timer #${i + 1} ticked at ${own}; new Timer with the same options ticked at ${expected}${cut ? ` (cancelled at ${half})` : ""}`,
            "the same schedule as new Timer(delay, fn, options)",
          );
          check(
            timer.isRunning() === !cut &&
              timer.lastResult === (own.length === 0 ? undefined : (i + 1) * 1000 + own.length),
            () =>
              `timer #${i + 1}: running ${timer.isRunning()}, lastResult ${timer.lastResult} after ${own.length} ticks`,
            "each timer every() makes is its own",
          );
        });
        if (withCancelOn) {
          controller.abort();
          await harness.settle();
          check(
            made.every((timer) => !timer.isRunning()),
            () => `after cancelOn fired, ${made.filter((t) => t.isRunning()).length} still run`,
            "every()'s cancelOn ends each timer's run",
          );
        }
        await Promise.all([reference, ...made].map((timer) => timer.cancel()));
      },
    ),
};
