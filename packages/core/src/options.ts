import { checkName, checkOptional, checkOptions, invalid } from "./check.js";
import type { Driver } from "./driver.js";
import { type Duration, readDuration } from "./duration.js";
import type { Gate } from "./gate.js";
import { type Logger, readLogger } from "./logger.js";
import type { MachineConfig } from "./machine.js";
import type { Mode } from "./schedule.js";
import { isThenable } from "./target.js";
import type { Timer } from "./timer.js";
import { isAbortSignal } from "./watch.js";

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
   * What happens when a tick throws or rejects. Without it, the run stops and the error is
   * logged (as in the original). `"continue"`: keep the schedule and log each error at error
   * level (a burst of them as one summary line per 10 s). A function owns the error: it is
   * called first, and returns `"continue"` to keep the schedule, or `"stop"`/nothing to end the
   * run; nothing is logged.
   */
  onError?:
    | "continue"
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
  /**
   * Consulted before each tick: with a lease from `@async-timer/lease`, many processes running
   * this timer tick it at most once per slot, cluster-wide. See {@link Gate}.
   */
  lease?: Gate | undefined;
}

/**
 * {@link TimerOptions} checked and with defaults filled in: the settings of one timer, fixed for
 * its life (less `start` and `driver`, which the constructor takes at once). Durations in
 * milliseconds.
 */
export interface ResolvedOptions<T> extends MachineConfig {
  readonly name: string | undefined;
  readonly cancelOn: readonly (PromiseLike<unknown> | AbortSignal)[];
  readonly onError: TimerOptions<T>["onError"];
  readonly onCancel: TimerOptions<T>["onCancel"];
  readonly logger: Logger;
  readonly unref: boolean;
  readonly lease: Gate | undefined;
}

const MODES: readonly string[] = ["fixed_delay", "fixed_rate"];
const KEYS =
  "mode initialDelay jitter name cancelOn signal onError onCancel logger start unref driver lease";

/**
 * Checks every option, throwing a `TypeError`/`RangeError` that names it and its value.
 * `source`: the target is a generator object given directly, which cannot run twice.
 */
export function resolveOptions<T>(
  options: TimerOptions<T> | undefined,
  source = false,
): ResolvedOptions<T> {
  checkOptions(options, "options", KEYS);
  const read = readOnce(options ?? (NO_OPTIONS as TimerOptions<T>));
  const { mode, initialDelay, jitter, name, logger, unref, start, driver } = read;
  // Timers made in a loop with equal options share one settings object: nothing to allocate or
  // check again, and less heap per idle timer. Only options without callbacks, lease or cancel
  // inputs are shared, so the memo keeps no user closure (nor what it holds) alive.
  const shareable =
    read.onError === undefined &&
    read.onCancel === undefined &&
    read.lease === undefined &&
    read.cancelOn === undefined &&
    read.signal === undefined;
  const last = memo;
  if (
    shareable &&
    last !== undefined &&
    mode === last.read.mode &&
    initialDelay === last.read.initialDelay &&
    jitter === last.read.jitter &&
    name === last.read.name &&
    logger === last.read.logger &&
    unref === last.read.unref &&
    source === last.source
  ) {
    // What is not remembered is checked as on the first call.
    checkOptional(start, "boolean", "start");
    checkDriver(driver);
    LAST_READ.start = start;
    LAST_READ.driver = driver;
    return last.resolved as ResolvedOptions<T>;
  }
  const resolved = resolve(read, source);
  LAST_READ.start = start;
  LAST_READ.driver = driver;
  // (Not the driver: a test's clock would be kept alive by it.)
  memo = shareable
    ? {
        read: { mode, initialDelay, jitter, name, logger, unref },
        source,
        resolved: resolved as ResolvedOptions<unknown>,
      }
    : undefined;
  return resolved;
}

const NO_OPTIONS: TimerOptions<unknown> = Object.freeze({});

/**
 * Every option, each read once (through the prototype chain, as destructuring does): a getter
 * answering differently on a second read changes nothing. On the shared-settings path the copy
 * does not outlive the call, and V8 does not allocate it (measured).
 */
function readOnce<T>(o: TimerOptions<T>): TimerOptions<T> {
  return {
    mode: o.mode,
    initialDelay: o.initialDelay,
    jitter: o.jitter,
    name: o.name,
    cancelOn: o.cancelOn,
    signal: o.signal,
    onError: o.onError,
    onCancel: o.onCancel,
    logger: o.logger,
    start: o.start,
    unref: o.unref,
    driver: o.driver,
    lease: o.lease,
  };
}

/**
 * `start` and `driver` as the last {@link resolveOptions} read and checked them, for the
 * constructor to take at once (read again, a getter could hand it something unchecked). Not
 * part of the shared settings: a driver is per timer. Take them before anything else runs.
 */
export const LAST_READ: { start: boolean | undefined; driver: Driver | undefined } = {
  start: undefined,
  driver: undefined,
};

/** The options the last shareable settings object was resolved from (see {@link resolveOptions}). */
let memo:
  | {
      readonly read: TimerOptions<unknown>;
      readonly source: boolean;
      readonly resolved: ResolvedOptions<unknown>;
    }
  | undefined;

function checkDriver(driver: unknown): void {
  if (driver !== undefined && typeof (driver as Driver | null)?.setWake !== "function") {
    throw invalid("driver", "an implementation of the Driver interface", driver);
  }
}

/** Checks `options` (read once, into a plain object) and fills in the defaults. */
function resolve<T>(options: TimerOptions<T>, source: boolean): ResolvedOptions<T> {
  const {
    mode = "fixed_delay",
    initialDelay = 0,
    jitter = 0,
    name,
    onError,
    onCancel,
    unref,
    lease,
  } = options;
  if (!MODES.includes(mode)) {
    throw invalid("mode", '"fixed_delay" or "fixed_rate"', mode, typeof mode === "string");
  }
  if (typeof jitter !== "number") throw invalid("jitter", "a number", jitter);
  if (!(jitter >= 0 && jitter <= 1)) throw invalid("jitter", "a fraction in [0, 1]", jitter, true);
  checkName(name, "name");
  if (onError !== "continue") checkOptional(onError, "function", "onError");
  checkOptional(onCancel, "function", "onCancel");
  checkOptional(options.start, "boolean", "start");
  checkOptional(unref, "boolean", "unref");
  const logger = checkLogger(options.logger);
  checkDriver(options.driver);
  if (lease !== undefined && typeof lease?.claim !== "function") {
    throw invalid("lease", "a gate (an object with a claim() method)", lease);
  }
  const cancelOn = readCancelOn(options.cancelOn, options.signal);
  return {
    mode: mode as Mode,
    initialDelay: readDuration(initialDelay, "initialDelay", logger, name),
    jitter,
    single:
      cancelOn.length > 0
        ? "a timer built with cancelOn or signal runs once; it cannot be started again"
        : source
          ? "a generator object given directly as the target cannot be restarted; pass a function that returns one"
          : undefined,
    name,
    cancelOn,
    onError,
    onCancel,
    logger,
    unref: unref === true,
    lease,
  };
}

/** The `logger` option of a timer or a group, with every method it has checked to be one. */
export function checkLogger(value: unknown): Logger {
  const logger = readLogger(value);
  for (const level of ["debug", "info", "warn", "error"] as const) {
    checkOptional(logger[level], "function", `logger.${level}`);
  }
  return logger;
}

/** No `cancelOn` and no `signal`: one empty list, shared. */
const NONE: readonly (PromiseLike<unknown> | AbortSignal)[] = Object.freeze([]);

function readCancelOn(
  cancelOn: unknown,
  signal: unknown,
): readonly (PromiseLike<unknown> | AbortSignal)[] {
  if (cancelOn === undefined && signal === undefined) return NONE;
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
