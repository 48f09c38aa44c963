/**
 * A user who installs fake timers (after importing the library) can drive timers that use the
 * real driver, because it looks setTimeout/performance.now up at call time.
 */
import FakeTimers from "@sinonjs/fake-timers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Timer } from "../src/index.js";

describe("under @sinonjs/fake-timers", () => {
  let clock: ReturnType<typeof FakeTimers.install> | undefined;
  afterEach(() => clock?.uninstall());

  it("ticks exactly as scheduled when driven with tickAsync", async () => {
    clock = FakeTimers.install();
    const starts: number[] = [];
    const timer = new Timer(5, async () => {
      starts.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }).start();
    await clock.tickAsync(20_000);
    expect(starts).toEqual([0, 6000, 12000, 18000]);
    await timer.cancel();
    expect(clock.countTimers()).toBe(0);
  });

  it("a timer armed on real timers and cancelled under fake ones leaves no real timeout behind", async () => {
    // Five seconds, not an hour: were the bug back, the leaked timeout would hold the run no longer.
    const timer = new Timer(5, () => 1).start();
    await timer.wait({ hitCount: 1 }); // now sleeping on a real setTimeout
    const before = process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    clock = FakeTimers.install(); // sinon's default: a fake clearTimeout ignores native handles
    await timer.cancel();
    clock.uninstall();
    clock = undefined;
    const after = process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    expect(after).toBe(before - 1);
  });

  it("lastTickAt is the wall time the tick completed, even if the wall clock jumps before it is read", async () => {
    clock = FakeTimers.install({ now: Date.UTC(2030, 0, 1) });
    const timer = new Timer(60, () => Date.now()).start();
    await clock.tickAsync(0);
    const completedAt = timer.lastResult;
    clock.setSystemTime(Date.UTC(2031, 0, 1)); // NTP step, a manual change, a sleeping laptop
    expect(timer.lastTickAt).toBe(completedAt);
    await timer.cancel();
  });

  it("keeps fixed_rate slots and skips, with trigger re-anchoring", async () => {
    clock = FakeTimers.install();
    const starts: number[] = [];
    const timer = new Timer(
      1,
      async () => {
        starts.push(performance.now());
        if (starts.length === 2) await new Promise((resolve) => setTimeout(resolve, 2500));
      },
      { mode: "fixed_rate", logger: {} },
    ).start();
    await clock.tickAsync(5000);
    void timer.trigger();
    await clock.tickAsync(2000);
    expect(starts).toEqual([0, 1000, 4000, 5000, 5000, 6000, 7000]);
    await timer.cancel();
  });

  it("splits a 30-day sleep into pieces setTimeout can hold, and wakes after exactly 30 days", async () => {
    clock = FakeTimers.install();
    const delays: number[] = [];
    const original = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      delays.push(ms);
      return original(fn, ms);
    }) as typeof setTimeout;
    try {
      const days30 = 30 * 24 * 3600;
      const timer = new Timer("720h", () => performance.now()).start(); // 30 days
      await clock.tickAsync(0);
      await clock.tickAsync(days30 * 1000 - 1);
      expect(timer.hitCount).toBe(1);
      await clock.tickAsync(1);
      expect(timer.hitCount).toBe(2);
      expect(timer.lastResult).toBe(days30 * 1000);
      expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
      await timer.cancel();
    } finally {
      globalThis.setTimeout = original;
    }
  });
});

describe("under vi.useFakeTimers()", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ticks exactly as scheduled when driven with advanceTimersByTimeAsync", async () => {
    vi.useFakeTimers();
    const t0 = performance.now();
    const starts: number[] = [];
    const timer = new Timer("500ms", () => starts.push(performance.now() - t0)).start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(starts).toEqual([0, 500, 1000, 1500, 2000]);
    const value = timer.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(await value).toBe(6);
    await timer.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });
});
