/**
 * When the code under test gives no way to pass a driver, the test runner's fake timers still
 * drive it: core's real driver looks `setTimeout` and `performance.now` up when it needs them.
 */
import { afterEach, expect, it, vi } from "vitest";
import { HealthMonitor } from "../src/health-monitor.js";

afterEach(() => {
  vi.useRealTimers();
});

it("drives a real-clock monitor with vi.useFakeTimers()", async () => {
  vi.useFakeTimers();
  const check = vi.fn(async () => {});
  const monitor = new HealthMonitor(check); // no driver: the real one, on faked globals
  await monitor.start();
  await vi.advanceTimersByTimeAsync(60_000);
  expect(check).toHaveBeenCalledTimes(7); // at 0, 10, 20 … 60 s (the check takes no time)
  expect(monitor.status).toBe("healthy");
  await monitor.stop();
  expect(vi.getTimerCount()).toBe(0); // a stopped monitor leaves no timer behind
});
