import type { Driver } from "./driver.js";
import { type Duration, describe, toMilliseconds } from "./duration.js";
import { consoleLogger, type Logger } from "./logger.js";
import type { Mode } from "./schedule.js";
import type { Timer } from "./timer.js";

/**
 * Options of `new Timer(delay, target, options)` and `every(delay, options)`.
 *
 * @example
 * ```ts
 * new Timer(5, refreshDb, {
 *   name: "db_refresh",
 *   mode: "fixed_rate",        // slots every 5 s from the first tick; missed slots are skipped
 *   initialDelay: "1s",        // first tick one second after start()
 *   jitter: 0.1,               // each sleep × a random factor in [0.9, 1.1]
 *   onError: (error) => (isTransient(error) ? "continue" : "stop"),
 *   unref: true,               // don't keep a CLI alive just for this timer
 *   start: true,
 * });
 * ```
 */
export interface TimerOptions<T> {
  // Every option also accepts `undefined` (the same as leaving it out), for callers that build
  // options from possibly-missing values under `exactOptionalPropertyTypes`.
  /** `"fixed_delay"` (default): sleep `delay` after each tick ends. `"fixed_rate"`: tick on a fixed grid. */
  mode?: Mode | undefined;
  /** Time from `start()` to the first tick. Default 0: the first tick fires at `start()`. Never jittered. */
  initialDelay?: Duration | undefined;
  /** Fraction in `[0, 1]`: each sleep is multiplied by a random factor in `[1 − jitter, 1 + jitter]`. */
  jitter?: number | undefined;
  /** Shown by `toString()`/`util.inspect` and in every log line. */
  name?: string | undefined;
  /** Promises or signals that cancel the timer when they settle or abort (Python's `cancel_aws`). Single-run. */
  cancelOn?: Iterable<PromiseLike<unknown> | AbortSignal> | undefined;
  /** Cancels the timer when it aborts, like one entry of `cancelOn`. Single-run. */
  signal?: AbortSignal | undefined;
  /**
   * Called first when a tick throws or rejects. Return `"continue"` to keep the schedule;
   * `"stop"` or nothing ends the run (the default without `onError`, which also logs the error).
   */
  onError?:
    | ((error: unknown, timer: Timer<T>) => "stop" | "continue" | undefined | void)
    | undefined;
  /** Called once per run, when it ends for any reason. */
  onCancel?: ((timer: Timer<T>) => void) | undefined;
  /** Where log lines go; default: warn and error through `console`. */
  logger?: Logger | undefined;
  /** Start right away (Python's `start=True`). */
  start?: boolean | undefined;
  /** Node, Deno, Bun: a sleeping timer does not keep the process alive. */
  unref?: boolean | undefined;
  /** The runtime driver; the real one ({@link realDriver}) by default. */
  driver?: Driver | undefined;
}

/** {@link TimerOptions} checked and with defaults filled in. Durations in milliseconds. */
export interface ResolvedOptions<T> {
  readonly mode: Mode;
  readonly initialDelay: number;
  readonly jitter: number;
  readonly name: string | undefined;
  readonly cancelOn: readonly (PromiseLike<unknown> | AbortSignal)[];
  readonly onError: TimerOptions<T>["onError"];
  readonly onCancel: TimerOptions<T>["onCancel"];
  readonly logger: Logger;
  readonly start: boolean;
  readonly unref: boolean;
  readonly driver: Driver | undefined;
}

const MODES: readonly string[] = ["fixed_delay", "fixed_rate"];

/** Checks every option, throwing a `TypeError`/`RangeError` that names it and its value. */
export function resolveOptions<T>(options: TimerOptions<T> | undefined): ResolvedOptions<T> {
  if (options === undefined) options = {};
  else if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object; got ${describe(options)}`);
  }
  const { mode = "fixed_delay", jitter = 0, name, onError, onCancel, logger, driver } = options;
  if (typeof mode !== "string") throw new TypeError(`mode must be a string; got ${describe(mode)}`);
  if (!MODES.includes(mode)) {
    throw new RangeError(`mode must be "fixed_delay" or "fixed_rate"; got ${describe(mode)}`);
  }
  if (typeof jitter !== "number")
    throw new TypeError(`jitter must be a number; got ${describe(jitter)}`);
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`jitter must be a fraction in [0, 1]; got ${String(jitter)}`);
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`name must be a string; got ${describe(name)}`);
  }
  checkFunction(onError, "onError");
  checkFunction(onCancel, "onCancel");
  if (logger !== undefined && (typeof logger !== "object" || logger === null)) {
    throw new TypeError(
      `logger must be an object with debug/info/warn/error methods; got ${describe(logger)}`,
    );
  }
  if (
    driver !== undefined &&
    (typeof driver !== "object" || driver === null || typeof driver.setWake !== "function")
  ) {
    throw new TypeError(`driver must implement the Driver interface; got ${describe(driver)}`);
  }
  return {
    mode: mode as Mode,
    initialDelay:
      options.initialDelay === undefined ? 0 : toMilliseconds(options.initialDelay, "initialDelay"),
    jitter,
    name,
    cancelOn: readCancelOn(options.cancelOn, options.signal),
    onError,
    onCancel,
    logger: logger ?? consoleLogger,
    start: options.start === true,
    unref: options.unref === true,
    driver,
  };
}

function checkFunction(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${argument} must be a function; got ${describe(value)}`);
  }
}

/** True for an `AbortSignal` from any realm or polyfill. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

function readCancelOn(
  cancelOn: unknown,
  signal: unknown,
): readonly (PromiseLike<unknown> | AbortSignal)[] {
  const entries: (PromiseLike<unknown> | AbortSignal)[] = [];
  if (cancelOn !== undefined) {
    if (
      typeof cancelOn !== "object" ||
      cancelOn === null ||
      typeof (cancelOn as Iterable<unknown>)[Symbol.iterator] !== "function"
    ) {
      throw new TypeError(
        `cancelOn must be an iterable of promises or AbortSignals; got ${describe(cancelOn)}`,
      );
    }
    let index = 0;
    for (const entry of cancelOn as Iterable<unknown>) {
      const isPromise =
        entry !== null &&
        (typeof entry === "object" || typeof entry === "function") &&
        typeof (entry as PromiseLike<unknown>).then === "function";
      if (!isPromise && !isAbortSignal(entry)) {
        throw new TypeError(
          `cancelOn[${index}] must be a promise or an AbortSignal; got ${describe(entry)}`,
        );
      }
      entries.push(entry as PromiseLike<unknown> | AbortSignal);
      index++;
    }
  }
  if (signal !== undefined) {
    if (!isAbortSignal(signal))
      throw new TypeError(`signal must be an AbortSignal; got ${describe(signal)}`);
    entries.push(signal);
  }
  return entries;
}
