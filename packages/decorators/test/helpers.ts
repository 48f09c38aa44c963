import type { Logger } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";

/** A virtual clock with the stall watchdog off (these tests always drive time themselves). */
export function clock(seed = 1): VirtualClock {
  return new VirtualClock({ seed, stallTimeout: 0 });
}

/** A logger that records every line, for asserting what a timer logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
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
