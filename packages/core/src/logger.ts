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
