import { type Duration, type Logger, toMilliseconds } from "@async-timer/core";
import { describe } from "./protocol.js";

/**
 * Options of the cross-thread control calls (`cancelSync`, `closeSync`, … and their async
 * variants).
 *
 * @example
 * ```ts
 * remote.cancelSync({ timeout: 5 });       // block at most 5 s
 * await remote.cancel({ timeout: "500ms" }); // reject after half a second
 * ```
 */
export interface ControlOptions {
  /**
   * Give up after this long (seconds, or a string like `"250ms"`) with core's
   * `TimerTimeoutError`. If the owner had not started the work by then it never will; if it had,
   * the message says whether the owner is still running (then the work may still complete
   * there). Default for a blocking call: 60 s, or sooner — after 5 s — once the owner has shown
   * no sign of life (a terminated owner thread cannot tell a blocked caller that it is gone).
   * A non-blocking call has no default: a gone owner ends its wait.
   */
  timeout?: Duration;
}

/**
 * Options of a timer's control calls.
 *
 * @example
 * ```ts
 * const { generation } = remote.snapshot();
 * // … later: cancel the run we looked at, not one a restart began since
 * remote.cancelSync({ timeout: 5, generation });
 * ```
 */
export interface TimerControlOptions extends ControlOptions {
  /**
   * Act only if the timer is still in this generation (see `RemoteTimer.generation`); otherwise
   * throw `ThreadControlError` with reason `"stale-generation"` and do nothing.
   */
  generation?: number;
}

/** Validated options, in milliseconds. */
export interface ReadOptions {
  readonly timeoutMs: number | undefined;
  readonly generation: number | undefined;
}

/** The keys of a timer's control options, and of a group's or a subscription's. */
export const TIMER_CONTROL_KEYS = ["timeout", "generation"] as const;
export const CONTROL_KEYS = ["timeout"] as const;

export function readOptions(
  options: TimerControlOptions | undefined,
  method: string,
  known: readonly string[] = TIMER_CONTROL_KEYS,
): ReadOptions {
  if (options === undefined) return { timeoutMs: undefined, generation: undefined };
  checkOptions(options, `${method}(options): options`, known);
  const timeoutMs =
    options.timeout === undefined
      ? undefined
      : toMilliseconds(options.timeout, `${method}(options): timeout`);
  const generation = options.generation;
  if (generation !== undefined) {
    if (typeof generation !== "number") {
      throw new TypeError(
        `${method}(options): generation must be a number; got ${describe(generation)}`,
      );
    }
    if (!Number.isInteger(generation) || generation < 0) {
      throw new RangeError(
        `${method}(options): generation must be a non-negative integer; got ${String(generation)}`,
      );
    }
  }
  return { timeoutMs, generation };
}

/**
 * An options bag: an object whose own keys are all `known`. A key it does not know is a typo
 * until proven otherwise, so it is a `TypeError` naming the key and the closest known one —
 * the same rule, and message, as core's options.
 */
export function checkOptions(options: unknown, argument: string, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${argument} must be an object; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find(
      (candidate) => edits(key.toLowerCase(), candidate.toLowerCase()) < 1 + key.length / 3,
    );
    throw new TypeError(
      `${argument} has an unknown key ${describe(key)}${near === undefined ? "" : `; did you mean "${near}"?`}`,
    );
  }
}

/** A `logger` option: an object whose debug/info/warn/error, where present, are functions. */
export function checkLogger(logger: unknown, argument: string): Logger {
  if (typeof logger !== "object" || logger === null) {
    throw new TypeError(`${argument} must be an object; got ${describe(logger)}`);
  }
  for (const level of ["debug", "info", "warn", "error"] as const) {
    const method = (logger as Logger)[level];
    if (method !== undefined && typeof method !== "function") {
      throw new TypeError(`${argument}.${level} must be a function; got ${describe(method)}`);
    }
  }
  return logger as Logger;
}

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
function edits(a: string, b: string): number {
  let row = [...Array(b.length + 1).keys()];
  for (const char of a) {
    const next = [row[0]! + 1];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (char === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length]!;
}
