/**
 * Testing application code that owns a timer, with a virtual clock: exact to the millisecond,
 * and an hour of checks runs in milliseconds.
 */
import { VirtualClock } from "@async-timer/testing";
import { describe, expect, it } from "vitest";
import { type Health, HealthMonitor } from "../src/health-monitor.js";

/** A dependency whose next answers the test decides: `true` is up, `false` is down. */
function dependency(clock: VirtualClock, answers: boolean[], latency = 0.2) {
  const calls: number[] = [];
  const check = async (signal: AbortSignal) => {
    calls.push(clock.seconds);
    await new Promise<void>((done) => clock.setWake(clock.now() + latency * 1000, done, false));
    signal.throwIfAborted();
    if (!(answers.shift() ?? true)) throw new Error("connection refused");
  };
  return { check, calls };
}

describe("HealthMonitor, on a virtual clock", () => {
  it("checks at start, then every 10 seconds", async () => {
    const clock = new VirtualClock();
    const { check, calls } = dependency(clock, []);
    await using monitor = new HealthMonitor(check, { driver: clock });
    const first = await clock.runUntil(monitor.start());
    expect(first.ok).toBe(true);
    expect(monitor.status).toBe("healthy");
    await clock.advance(60);
    // fixed_delay: each 10 s sleep starts when the 0.2 s check ends.
    expect(calls).toEqual([0, 10.2, 20.4, 30.6, 40.8, 51]);
  });

  it("turns degraded on the third failure in a row, and healthy on the next success", async () => {
    const clock = new VirtualClock();
    const { check } = dependency(clock, [true, false, false, false, false, true], 0);
    const changes: [Health, number][] = [];
    await using monitor = new HealthMonitor(check, {
      driver: clock,
      onChange: (status) => changes.push([status, clock.seconds]),
    });
    await clock.runUntil(monitor.start());
    await clock.advance(60);
    expect(changes).toEqual([
      ["healthy", 0],
      ["degraded", 30], // failures at 10, 20 and 30 s
      ["healthy", 50],
    ]);
  });

  it("a re-check answers with a check that started after the request", async () => {
    const clock = new VirtualClock();
    const { check, calls } = dependency(clock, [true, false]);
    await using monitor = new HealthMonitor(check, { driver: clock });
    await clock.runUntil(monitor.start()); // the first check ends at 0.2 s
    await clock.advance(3.8); // 4 s: sleeping until the check due at 10.2 s
    const result = await clock.runUntil(monitor.checkNow());
    expect(result).toMatchObject({ ok: false, failuresInARow: 1 });
    expect(calls).toEqual([0, 4]);
    await clock.advance(10.2); // the schedule resumes 10 s after the re-check ended (4.2 s)
    expect(calls).toEqual([0, 4, 14.2]);
  });

  it("stop() waits for the check in flight, and nothing runs after it", async () => {
    const clock = new VirtualClock();
    const { check, calls } = dependency(clock, [], 5);
    const monitor = new HealthMonitor(check, { driver: clock });
    await clock.runUntil(monitor.start()); // the first check takes 0 … 5 s
    await clock.advance(12); // 17 s: the check that started at 15 s is in flight
    expect(calls).toEqual([0, 15]);
    await clock.runUntil(monitor.stop());
    expect(monitor.checks).toBe(1); // the aborted check did not count
    await clock.advance(3600);
    expect(calls).toEqual([0, 15]);
    expect(clock.pending).toBe(0);
  });

  it("an hour of one-second checks takes no time at all", async () => {
    const clock = new VirtualClock();
    const { check } = dependency(clock, [], 0);
    await using monitor = new HealthMonitor(check, { every: 1, driver: clock });
    const started = performance.now();
    await clock.runUntil(monitor.start());
    await clock.advance(3600);
    expect(monitor.checks).toBe(3601);
    expect(performance.now() - started).toBeLessThan(5000); // real milliseconds, generously
  });
});
