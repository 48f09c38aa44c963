import type { Logger } from "@async-timer/core";

// The virtual clock and promise tracker are core's test helpers; only the logger differs here
// (these tests assert on "level: message" lines).
export { clock, track } from "../../core/test/helpers.js";
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
