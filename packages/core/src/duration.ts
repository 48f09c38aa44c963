import { invalid } from "./check.js";
import { type Logger, writeLog } from "./logger.js";

/**
 * A length of time. A number is **seconds** (fractions allowed), as in Python's async-timer;
 * a string names its unit: `"250ms"`, `"1.5 s"`, `"2m"`, `"1h"`.
 *
 * @example
 * ```ts
 * new Timer(5, refresh);         // every 5 seconds
 * new Timer("250ms", poll);      // every quarter second
 * ```
 */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/**
 * The units a {@link Duration} string may carry: milliseconds, seconds, minutes, hours.
 *
 * @example
 * ```ts
 * const unit: DurationUnit = "ms";
 * const delay: Duration = `250${unit}`;
 * ```
 */
export type DurationUnit = "ms" | "s" | "m" | "h";

const UNIT_MS: Readonly<Record<DurationUnit, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^(\d+(?:\.\d+)?|\.\d+) *(ms|s|m|h)$/;

/**
 * Converts a {@link Duration} to milliseconds, throwing a `TypeError`/`RangeError` that names
 * `argument` and the bad value. Negative, NaN and infinite numbers are refused.
 *
 * @example
 * ```ts
 * toMilliseconds("1.5 s", "delay"); // 1500
 * toMilliseconds(2, "delay");       // 2000
 * toMilliseconds(-1, "delay");      // RangeError: delay must be a non-negative, finite duration in seconds; got -1
 * ```
 */
export function toMilliseconds(value: unknown, argument: string): number {
  if (typeof value === "number") {
    // Finite in milliseconds too: 1e306 s is finite, but 1e309 ms is not, and would sleep for ever.
    if (!Number.isFinite(value * 1000) || value < 0) {
      throw invalid(argument, "a non-negative, finite duration in seconds", value, true);
    }
    return atMost(value * 1000, argument, value);
  }
  const match = typeof value === "string" ? PATTERN.exec(value) : null;
  if (match === null) {
    throw invalid(
      argument,
      'a number of seconds or a string like "250ms", "5s", "2m" or "1h"',
      value,
      typeof value === "string",
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  if (!Number.isFinite(ms)) throw invalid(argument, "a finite duration", value, true);
  return atMost(ms, argument, value);
}

/**
 * The longest duration a timer takes: 2^53 − 1 ms, about 285,000 years. Past it, adding it to a
 * clock reading, doubling it with jitter or stepping a fixed-rate grid by it would lose the
 * millisecond or overflow to Infinity, and a timer would be left running with no wake.
 */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

function atMost(ms: number, argument: string, value: unknown): number {
  if (ms > MAX_DURATION_MS) {
    throw invalid(
      argument,
      `at most ${MAX_DURATION_MS / 1000} seconds (about 285,000 years)`,
      value,
      true,
    );
  }
  return ms;
}

let warned = false;

/**
 * {@link toMilliseconds}, for a duration a timer or a group was given: the first plain number in
 * a process that looks like milliseconds — a positive multiple of 1000, as in
 * `new Timer(5000, fn)`, a JavaScript habit that here waits 83 minutes — is logged at warn level
 * through `logger`, with the strings that say what was meant. Strings carry their unit and never
 * warn.
 */
export function readDuration(
  value: unknown,
  argument: string,
  logger: Logger | undefined,
  owner: string | undefined,
): number {
  const ms = toMilliseconds(value, argument);
  warnIfMilliseconds(value, ms, argument, logger, owner);
  return ms;
}

/**
 * The seconds trap of {@link readDuration}, for a caller that has converted `value` (to `ms`)
 * already, before it had the logger to warn through.
 */
export function warnIfMilliseconds(
  value: unknown,
  ms: number,
  argument: string,
  logger: Logger | undefined,
  owner: string | undefined,
): void {
  if (!warned && logger && typeof value === "number" && ms > 0 && value % 1000 === 0) {
    warned = true;
    writeLog(
      logger,
      "warn",
      owner,
      `${argument} ${value} is in seconds; did you mean "${value / 1000}s" or "${value}ms"?`,
    );
  }
}
