/**
 * Invariants of a timer's settings: what each timer was given is what it does, however many
 * timers were built before it with options alike or nearly so.
 *
 * @module
 */
import { type Logger, Timer, type TimerOptions } from "@async-timer/core";
import fc from "fast-check";
import type { TimeHarness } from "./harness.js";
import type { Invariant } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo } from "./scenario.js";

/** Option values drawn from small pools, so that consecutive bags often differ in one key. */
const bag = fc.record({
  // Long enough that a jittered sleep lands on the delay, give or take the harness's
  // resolution, only rarely: four of them at once, about once in a million cases.
  delay: fc.constantFrom(100, 200),
  mode: fc.constantFrom(undefined, "fixed_delay", "fixed_rate"),
  initialDelay: fc.constantFrom(undefined, 0, 50, 100),
  jitter: fc.constantFrom(undefined, 0, 0.4),
  name: fc.constantFrom(undefined, "a", "b"),
  logger: fc.constantFrom(0, 1),
  start: fc.constantFrom(undefined, true),
});
type Bag = typeof bag extends fc.Arbitrary<infer B> ? B : never;

/** Ticks before the target fails, which the default policy logs through the timer's logger. */
const GOOD_TICKS = 4;

/** SPEC (options): each timer has the settings it was given. */
export const settingsPerTimer: Invariant = {
  name: "settings-per-timer",
  description:
    "Timers built one after another from option bags alike or differing in one key (delay, mode, initialDelay, jitter, name, logger, start) each have their own settings: mode and name read back as given; start: true starts it at construction; the first tick comes initialDelay after start(); without jitter every sleep lasts exactly delay, with jitter not every one does; and each timer's log lines go to its own logger, with its own name.",
  doesNotCheck:
    "unref (not observable on a harness); options with callbacks, cancelOn, signal or lease (never shared between timers); the jitter's distribution (jitter-distribution).",
  property: (make) =>
    harnessProperty(
      make,
      [fc.array(bag, { minLength: 2, maxLength: 8 })],
      async (harness, bags) => {
        const lines: string[][] = [[], []];
        const loggers: Logger[] = lines.map((into) => ({
          warn: (line: string) => into.push(line),
          error: (line: string) => into.push(line),
        }));
        const ticks: number[][] = bags.map(() => []);
        const t0 = harness.now();
        const timers = bags.map((b, i) => build(harness, b, loggers, ticks[i] as number[]));
        timers.forEach((timer, i) => {
          const b = bags[i] as Bag;
          check(
            timer.mode === (b.mode ?? "fixed_delay") &&
              timer.name === b.name &&
              timer.delay === b.delay / 1000 &&
              timer.isRunning() === (b.start === true),
            () =>
              `timer #${i + 1} given ${JSON.stringify(b)} has mode ${timer.mode}, name ${timer.name}, delay ${timer.delay}, running ${timer.isRunning()}`,
            "each timer reads back the settings it was given",
          );
        });
        for (const timer of timers) if (!timer.isRunning()) timer.start();
        await advanceTo(harness, t0 + 100 + GOOD_TICKS * 200 * 1.4 + 50);
        const r = harness.resolution;
        bags.forEach((b, i) => {
          const own = ticks[i] as number[];
          check(
            own.length === GOOD_TICKS + 1 &&
              Math.abs((own[0] as number) - t0 - (b.initialDelay ?? 0)) <= r,
            () => `timer #${i + 1} given ${JSON.stringify(b)} ticked at ${own} (started at ${t0})`,
            "the first tick comes initialDelay after start()",
          );
          const gaps = own.slice(1).map((at, k) => at - (own[k] as number));
          const exact = gaps.every((gap) => Math.abs(gap - b.delay) <= r);
          check(
            (b.jitter ?? 0) === 0 ? exact : !exact,
            () => `timer #${i + 1} given ${JSON.stringify(b)} slept ${gaps} ms`,
            "without jitter each sleep is the delay; with jitter, not every one",
          );
        });
        for (const [index, into] of lines.entries()) {
          const expected = bags
            .filter((b) => b.logger === index)
            .map((b) => (b.name === undefined ? "(unnamed)" : b.name))
            .sort();
          const heard = into
            .filter((line) => /tick failed/.test(line))
            .map((line) => /^\[async-timer\] (\w+): /.exec(line)?.[1] ?? "(unnamed)")
            .sort();
          check(
            JSON.stringify(heard) === JSON.stringify(expected),
            () => `logger #${index + 1} heard failures of ${heard}; its timers were ${expected}`,
            "each timer's log lines go to its own logger, with its own name",
          );
        }
        await Promise.all(timers.map((timer) => timer.cancel()));
      },
    ),
};

/** A timer from `b` whose target records when it ticks and fails after {@link GOOD_TICKS}. */
function build(harness: TimeHarness, b: Bag, loggers: Logger[], into: number[]): Timer<number> {
  const options: TimerOptions<number> = { driver: harness.driver, logger: loggers[b.logger] };
  // Only the keys the bag has, as a caller would write them: a missing key is not `undefined`.
  if (b.mode !== undefined) options.mode = b.mode as TimerOptions<number>["mode"];
  if (b.initialDelay !== undefined) options.initialDelay = `${b.initialDelay}ms`;
  if (b.jitter !== undefined) options.jitter = b.jitter;
  if (b.name !== undefined) options.name = b.name;
  if (b.start !== undefined) options.start = b.start;
  return new Timer(
    `${b.delay}ms`,
    () => {
      into.push(harness.now());
      if (into.length > GOOD_TICKS) throw new Error("the last tick fails, to be logged");
      return into.length;
    },
    options,
  );
}
