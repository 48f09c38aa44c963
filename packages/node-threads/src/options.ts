import { type Duration, toMilliseconds } from "@async-timer/core";
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
   * the work may still complete there. Default: no limit (a gone owner still ends the wait).
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

export function readOptions(options: TimerControlOptions | undefined, method: string): ReadOptions {
  if (options === undefined) return { timeoutMs: undefined, generation: undefined };
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${method}(options): options must be an object; got ${describe(options)}`);
  }
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
