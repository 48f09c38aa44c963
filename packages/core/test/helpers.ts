import { VirtualClock } from "../../testing/src/virtual-clock.js";
import { type Logger, Timer } from "../src/index.js";

export { VirtualClock };

export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly error?: unknown;
}

/** A logger that records every line, for asserting what a timer logged. */
export function recordingLogger(): Logger & {
  lines: LogLine[];
  at(level: LogLine["level"]): string[];
} {
  const lines: LogLine[] = [];
  const record =
    (level: LogLine["level"]) =>
    (message: string, error?: unknown): void => {
      lines.push(error === undefined ? { level, message } : { level, message, error });
    };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    at: (level) => lines.filter((line) => line.level === level).map((line) => line.message),
  };
}

/** A promise with its settle functions outside. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A virtual clock with the stall watchdog off (tests here always drive time themselves). */
export function clock(seed = 1): VirtualClock {
  return new VirtualClock({ seed, stallTimeout: 0 });
}

/** Sleeps `ms` of virtual time on `clock` (for targets that take time). */
export function sleep(on: VirtualClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const handle = on.setWake(on.now() + ms, resolve, false);
    signal?.addEventListener(
      "abort",
      () => {
        on.clearWake(handle);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Records the outcome of a promise without ever leaving it unhandled. */
export function track<T>(promise: Promise<T>): {
  readonly state: "pending" | "resolved" | "rejected";
  readonly value: T | undefined;
  readonly error: unknown;
} {
  const record = {
    state: "pending" as "pending" | "resolved" | "rejected",
    value: undefined as T | undefined,
    error: undefined as unknown,
  };
  promise.then(
    (value) => {
      record.state = "resolved";
      record.value = value;
    },
    (error: unknown) => {
      record.state = "rejected";
      record.error = error;
    },
  );
  return record;
}

/** A started timer on `on` whose tick `failing` throws `Error(message)`; the others count up. */
export function failingAt(on: VirtualClock, failing: number, message: string): Timer<number> {
  let n = 0;
  return new Timer(
    1,
    () => {
      if (++n === failing) throw new Error(message);
      return n;
    },
    { driver: on, logger: recordingLogger() },
  ).start();
}

/** The keys of a Timer's options that the option-checking tests hand it (all but `lease`). */
export const TIMER_KEYS: readonly string[] = [
  "mode",
  "initialDelay",
  "jitter",
  "name",
  "cancelOn",
  "signal",
  "onError",
  "onCancel",
  "logger",
  "start",
  "unref",
  "driver",
];
