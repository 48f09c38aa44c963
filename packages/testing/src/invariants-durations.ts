/**
 * Invariants of durations as the API reads them: numbers are seconds, strings carry a unit.
 *
 * @module
 */
import { every, Timer } from "@async-timer/core";
import fc from "fast-check";
import type { Invariant } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration string the SPEC accepts, with the milliseconds it means. */
const valid = fc
  .record({
    whole: fc.integer({ min: 0, max: 5000 }),
    fraction: fc.option(fc.integer({ min: 0, max: 999 }), { nil: undefined }),
    leadingDot: fc.boolean(),
    spaces: fc.integer({ min: 0, max: 2 }),
    unit: fc.constantFrom<keyof typeof UNITS>("ms", "s", "m", "h"),
  })
  .map(({ whole, fraction, leadingDot, spaces, unit }) => {
    const number =
      fraction === undefined ? String(whole) : leadingDot ? `.${fraction}` : `${whole}.${fraction}`;
    return { text: `${number}${" ".repeat(spaces)}${unit}`, ms: Number(number) * UNITS[unit] };
  });

/** Strings the SPEC refuses: a unit it does not know, a sign, an exponent, stray spaces, no unit. */
const invalid = fc.constantFrom(
  "5S",
  "5 sec",
  "5secs",
  "+5s",
  "-5s",
  "1e3ms",
  " 5s",
  "5s ",
  "5",
  "",
  "s",
  "5.s",
  "5..5s",
  "5 ms ms",
  "0x10ms",
  "５s",
);

/** SPEC (*Duration strings*): what a duration means, and which strings are refused. */
export const durationStrings: Invariant = {
  name: "duration-strings",
  description:
    "A number is seconds and a string a non-negative decimal with one of the units ms, s, m, h, lowercase, spaces allowed between: new Timer(d), setDelay(d) and every() read it as exactly that many milliseconds (timer.delay in seconds); anything else — an unknown or uppercase unit, a sign, an exponent, leading or trailing spaces, no unit — is a RangeError naming the string, at the call.",
  doesNotCheck:
    "Durations too long for the driver (huge-durations); the warning for numbers that look like milliseconds (once per process, so not repeatable in a property); bad values that are not strings (bad-arguments).",
  property: (make) =>
    harnessProperty(
      make,
      [valid, fc.double({ min: 0, max: 1e6, noNaN: true }), invalid],
      async (harness, string, seconds, bad) => {
        const options = { driver: harness.driver, logger: {} };
        const made = [
          ["new Timer", new Timer(string.text as never, () => 1, options)],
          ["every()", every(string.text as never, options)(() => 1)],
        ] as const;
        for (const [how, timer] of made) {
          check(
            Math.abs(timer.delay - string.ms / 1000) <= 1e-9 * Math.max(1, string.ms / 1000),
            () =>
              `${how}(${JSON.stringify(string.text)}) has delay ${timer.delay} s, not ${string.ms / 1000}`,
            "a string is its number in its unit",
          );
        }
        const timer = made[0][1];
        timer.setDelay(seconds);
        check(
          Math.abs(timer.delay - seconds) <= 1e-12 * Math.max(1, seconds),
          () => `setDelay(${seconds}) gave delay ${timer.delay}`,
          "a number is seconds",
        );
        timer.setDelay(string.text as never);
        check(
          Math.abs(timer.delay - string.ms / 1000) <= 1e-9 * Math.max(1, string.ms / 1000),
          () => `setDelay(${JSON.stringify(string.text)}) gave delay ${timer.delay} s`,
          "a string is its number in its unit",
        );
        for (const [how, call] of [
          ["new Timer", () => new Timer(bad as never, () => 1, options)],
          ["setDelay", () => timer.setDelay(bad as never)],
        ] as const) {
          let threw: unknown;
          try {
            call();
          } catch (error) {
            threw = error;
          }
          check(
            threw instanceof RangeError && threw.message.includes(JSON.stringify(bad)),
            () =>
              `${how}(${JSON.stringify(bad)}) ${threw === undefined ? "was accepted" : `threw ${describeValue(threw)}`}`,
            "any other string is a RangeError naming it",
          );
        }
      },
    ),
};
