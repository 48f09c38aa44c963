import { invalid } from "./check.js";

/**
 * Where a timer writes its log lines. Console-, pino- and winston-shaped objects all fit: each
 * method is called with one message string, plus the error for error-level lines.
 *
 * @example
 * ```ts
 * import pino from "pino";
 * new Timer(5, refresh, { name: "db_refresh", logger: pino() });
 * ```
 */
export interface Logger {
  /** Debug lines (a timer writes none today). */
  debug?(message: string, ...rest: unknown[]): void;
  /** Info lines (a timer writes none today). */
  info?(message: string, ...rest: unknown[]): void;
  /** Warn lines: skipped fixed-rate slots, dropped subscription values, abandoned ticks. */
  warn?(message: string, ...rest: unknown[]): void;
  /** Error lines: a failing tick without `onError`, callbacks that throw; the error follows the message. */
  error?(message: string, ...rest: unknown[]): void;
}

/**
 * A level a {@link Logger} method stands for.
 *
 * @example
 * ```ts
 * const quiet: LogLevel[] = ["warn", "error"];
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * The default logger: prints warn and error lines through `console`, looked up at call time so a
 * test can replace `console.warn`. Debug and info lines are dropped.
 *
 * @example
 * ```ts
 * new Timer(5, refresh, { logger: consoleLogger }); // the same as leaving `logger` out
 * ```
 */
export const consoleLogger: Logger = {
  warn: (message, ...rest) => console.warn(message, ...rest),
  error: (message, ...rest) => console.error(message, ...rest),
};

/** The `logger` option of a timer or a group, checked; the console logger if not given. */
export function readLogger(logger: unknown): Logger {
  if (logger === undefined) return consoleLogger;
  if (typeof logger !== "object" || logger === null) {
    throw invalid("logger", "an object with debug/info/warn/error methods", logger);
  }
  return logger as Logger;
}

/**
 * Writes one line, prefixed with `[async-timer]` and the owner's name. A logger that throws, or
 * lacks the method, never breaks the caller.
 */
export function writeLog(
  logger: Logger,
  level: LogLevel,
  owner: string | undefined,
  message: string,
  error?: unknown,
): void {
  const line =
    owner === undefined ? `[async-timer] ${message}` : `[async-timer] ${owner}: ${message}`;
  try {
    if (error === undefined) logger[level]?.(line);
    else logger[level]?.(line, error);
  } catch {
    // A broken logger must not break the timer; there is nowhere left to report it.
  }
}

/** Milliseconds between two summary lines of a repeated condition, and of quiet that ends one. */
const SUMMARY_EVERY = 10_000;

/**
 * A condition that may repeat many times a second — values dropped from a full subscription,
 * skipped fixed-rate slots, errors a timer continues past — logged as SPEC *Logging* says: one
 * line when it starts, at most one summary line (count, since when) per 10 s while it lasts, and
 * one when it ends (10 s without it, or its owner ending) — unless it never went past its first
 * line, which said it all. Times are the driver's monotonic milliseconds.
 *
 * @example
 * ```ts
 * const skips = new Repeated("fixed_rate: skipped slots");
 * if (skips.hit(now, 3) === START) logger.warn("fixed_rate: skipped 3 slots; the tick ran past them");
 * const line = skips.clear(later, false); // a summary or the closing line, when one is due
 * ```
 */
export class Repeated {
  readonly #what: string;
  /** The count the first line reported: an episode that never grew past it needs no closing line. */
  #first = 0;
  #total = 0;
  #unreported = 0;
  #since = 0;
  #lastAt = 0;
  #lineAt = 0;

  /** `what` names the condition in its summary and closing lines. */
  constructor(what: string) {
    this.#what = what;
  }

  /** True while the condition is on: it has begun and not closed. */
  get active(): boolean {
    return this.#total > 0;
  }

  /**
   * `count` more occurrences at `now`. Returns {@link START} when the condition begins (the
   * caller writes its own first line), a summary line when one is due, else `undefined`.
   */
  hit(now: number, count: number): string | undefined {
    this.#lastAt = now;
    if (this.#total === 0) {
      this.#total = this.#first = count;
      this.#since = this.#lineAt = now;
      return START;
    }
    this.#total += count;
    this.#unreported += count;
    return this.#summary(now);
  }

  /**
   * A moment without the condition, at `now`: the closing line once it has been quiet for the
   * summary interval (at once with `final`, its owner ending), a summary line if one is due, or
   * `undefined`.
   */
  clear(now: number, final: boolean): string | undefined {
    const total = this.#total;
    if (total === 0) return undefined;
    if (!final && now - this.#lastAt < SUMMARY_EVERY) return this.#summary(now);
    this.#total = this.#unreported = 0;
    if (total === this.#first) return undefined; // its first line said it all
    return `${this.#what}: ${total} in all over ${seconds(this.#lastAt - this.#since)}; it has stopped`;
  }

  #summary(now: number): string | undefined {
    if (this.#unreported === 0 || now - this.#lineAt < SUMMARY_EVERY) return undefined;
    const line = `${this.#what}: ${this.#unreported} more in the last ${seconds(now - this.#lineAt)} (${this.#total} since it began ${seconds(now - this.#since)} ago)`;
    this.#lineAt = now;
    this.#unreported = 0;
    return line;
  }
}

/** What {@link Repeated.hit} returns when a condition begins. */
export const START = "start";

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
