import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as Core from "../src/index.js";
import { clock, recordingLogger } from "./helpers.js";

// The warning is given once per process: each case loads a fresh copy of core, as a new process would.
let core: typeof Core;
beforeEach(async () => {
  vi.resetModules();
  core = await import("../src/index.js");
});

const target = () => 1;

/** A timer that never runs on its own, and the warn lines of its logger. */
function timer(delay: Core.Duration = 1, options: Core.TimerOptions<number> = {}) {
  const logger = recordingLogger();
  const made = new core.Timer(delay, target, { driver: clock(), logger, name: "job", ...options });
  return { timer: made, warned: () => logger.at("warn") };
}

describe("the seconds trap (#17, point 2)", () => {
  it("new Timer(5000, fn) warns once, through the timer's logger, with the strings it meant", () => {
    const { warned } = timer(5000);
    expect(warned()).toEqual([
      '[async-timer] job: delay 5000 is in seconds; did you mean "5s" or "5000ms"?',
    ]);
  });

  it("warns once per process, not once per timer", () => {
    const first = timer(5000);
    const second = timer(60_000);
    second.timer.setDelay(2000);
    expect(first.warned()).toHaveLength(1);
    expect(second.warned()).toEqual([]);
  });

  it("warns for initialDelay", () => {
    const { warned } = timer(1, { initialDelay: 3000 });
    expect(warned()).toEqual([
      expect.stringContaining('initialDelay 3000 is in seconds; did you mean "3s" or "3000ms"?'),
    ]);
  });

  it("warns for setDelay()", () => {
    const { timer: made, warned } = timer(1);
    made.setDelay(1000);
    expect(warned()).toEqual([
      expect.stringContaining('delay 1000 is in seconds; did you mean "1s" or "1000ms"?'),
    ]);
  });

  it("warns for the timeout of wait() and cancel()", async () => {
    const waiting = timer(1);
    void waiting.timer.wait({ timeout: 10_000 });
    expect(waiting.warned()).toEqual([
      expect.stringContaining(
        'wait(options): timeout 10000 is in seconds; did you mean "10s" or "10000ms"?',
      ),
    ]);
    vi.resetModules();
    core = await import("../src/index.js");
    const cancelling = timer(1);
    await cancelling.timer.cancel({ timeout: 2000 });
    expect(cancelling.warned()).toEqual([
      expect.stringContaining(
        'cancel(options): timeout 2000 is in seconds; did you mean "2s" or "2000ms"?',
      ),
    ]);
  });

  it("warns for a group's timeouts, through the group's logger", async () => {
    const logger = recordingLogger();
    const group = new core.TimerGroup([], { name: "upkeep", logger });
    await group.trigger({ timeout: 5000 });
    expect(logger.at("warn")).toEqual([
      '[async-timer] upkeep: trigger(options): timeout 5000 is in seconds; did you mean "5s" or "5000ms"?',
    ]);
  });

  it.each([
    ["a string with a unit", "5000ms"],
    ["a string in seconds", "5000s"],
    ["a number below 1000", 999],
    ["a number that is not a multiple of 1000", 1500],
    ["an hour in seconds", 3600],
    ["a day in seconds", 86_400],
  ])("never warns for %s (%j)", (_what, delay) => {
    const { timer: made, warned } = timer(delay as Core.Duration, {
      initialDelay: delay as Core.Duration,
    });
    made.setDelay(delay as Core.Duration);
    void made.wait({ timeout: delay as Core.Duration });
    expect(warned()).toEqual([]);
  });
});
