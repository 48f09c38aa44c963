import { checkOptional, checkOptions, invalid } from "./check.js";
import type { Driver } from "./driver.js";
import { type Duration, toMilliseconds } from "./duration.js";
import { type Logger, readLogger } from "./logger.js";
import type { Mode } from "./schedule.js";
import { isThenable } from "./target.js";
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
  checkOptions(options);
  options ??= {};
  const { mode = "fixed_delay", jitter = 0, name, onError, onCancel, logger, driver } = options;
  if (!MODES.includes(mode)) {
    throw invalid("mode", '"fixed_delay" or "fixed_rate"', mode, typeof mode === "string");
  }
  if (typeof jitter !== "number") throw invalid("jitter", "a number", jitter);
  if (!(jitter >= 0 && jitter <= 1)) throw invalid("jitter", "a fraction in [0, 1]", jitter, true);
  checkOptional(name, "string", "name");
  checkOptional(onError, "function", "onError");
  checkOptional(onCancel, "function", "onCancel");
  const checkedLogger = readLogger(logger);
  if (driver !== undefined && typeof driver?.setWake !== "function") {
    throw invalid("driver", "an implementation of the Driver interface", driver);
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
    logger: checkedLogger,
    start: options.start === true,
    unref: options.unref === true,
    driver,
  };
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
      typeof (cancelOn as Iterable<unknown> | null)?.[Symbol.iterator] !== "function"
    ) {
      throw invalid("cancelOn", "an iterable of promises or AbortSignals", cancelOn);
    }
    for (const entry of cancelOn as Iterable<unknown>) {
      if (!isThenable(entry) && !isAbortSignal(entry)) {
        throw invalid(`cancelOn[${entries.length}]`, "a promise or an AbortSignal", entry);
      }
      entries.push(entry);
    }
  }
  if (signal !== undefined) {
    if (!isAbortSignal(signal)) throw invalid("signal", "an AbortSignal", signal);
    entries.push(signal);
  }
  return entries;
}
