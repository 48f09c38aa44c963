import { Timer, TimerCancelledError, TimerTimeoutError } from "@async-timer/core";
import { describe, expect, it } from "vitest";
import { MockTimer } from "../src/index.js";

describe("MockTimer", () => {
  it("is a Timer whose one-hour sleeps end at once, recorded in seconds", async () => {
    let n = 0;
    const timer = new MockTimer(3600, () => ++n);
    expect(timer).toBeInstanceOf(Timer);
    timer.start();
    const started = performance.now();
    expect(await timer.wait({ hitCount: 4 })).toBe(4);
    expect(performance.now() - started).toBeLessThan(1000);
    await timer.cancel();
    expect(timer.sleep.calls.slice(0, 3)).toEqual([3600, 3600, 3600]);
    expect(timer.sleep.callCount).toBe(timer.sleep.calls.length);
    expect(timer.sleep.lastCall).toBe(3600);
  });

  it("records the initial delay, and each fixed-delay sleep after the tick ends", async () => {
    const timer = new MockTimer("5s", async () => 1, { initialDelay: 2 }).start();
    await timer.wait({ hitCount: 2 });
    await timer.cancel();
    expect(timer.sleep.calls.slice(0, 2)).toEqual([2, 5]);
  });

  it("records the time left to the next slot under fixed_rate", async () => {
    const timer = new MockTimer(10, () => 1, { mode: "fixed_rate" }).start();
    await timer.wait({ hitCount: 3 });
    await timer.cancel();
    expect(timer.sleep.calls.slice(0, 2)).toEqual([10, 10]);
  });

  it("advances its clock by what it slept, so lastTickAt moves on", async () => {
    const timer = new MockTimer(60, () => 1).start();
    await timer.wait({ hitCount: 1 });
    const first = timer.lastTickAt as number;
    await timer.wait({ hits: 2 });
    await timer.cancel();
    expect((timer.lastTickAt as number) - first).toBe(120_000);
  });

  it("draws jitter from a seeded source: the same seed sleeps the same", async () => {
    const run = async (seed: number) => {
      const timer = new MockTimer(100, () => 1, { jitter: 0.5, seed }).start();
      await timer.wait({ hitCount: 5 });
      await timer.cancel();
      return timer.sleep.calls.slice(0, 4);
    };
    const a = await run(7);
    expect(a).toEqual(await run(7));
    expect(a).not.toEqual(await run(8));
    for (const seconds of a) {
      expect(seconds).toBeGreaterThanOrEqual(50);
      expect(seconds).toBeLessThanOrEqual(150);
    }
  });

  it("works with join, trigger, subscribe and restart", async () => {
    let n = 0;
    const timer = new MockTimer(3600, () => ++n).start();
    expect(await timer.join()).toBe(1);
    const triggered = await timer.trigger();
    expect(triggered).toBeGreaterThan(1);
    const feed = timer.subscribe();
    await timer.wait({ hits: 3 });
    await timer.cancel();
    const fed: number[] = [];
    for await (const value of feed) fed.push(value);
    expect(fed.length).toBeGreaterThanOrEqual(3);
    expect(fed).toEqual([...fed].sort((a, b) => a - b));
    timer.start();
    expect(await timer.join()).toBeGreaterThan(fed.at(-1) as number);
    await timer.cancel();
    expect(timer.isRunning()).toBe(false);
  });

  it("keeps timeouts on real time, so a one-hour timer still meets a short wait timeout", async () => {
    const timer = new MockTimer(3600, () => 1).start();
    expect(await timer.wait({ hitCount: 50, timeout: 5 })).toBe(1);
    await timer.cancel();
    const warnings: string[] = [];
    const stuck = new MockTimer(3600, () => new Promise<never>(() => {}), {
      logger: { warn: (line: string) => warnings.push(line) },
    }).start();
    await expect(stuck.wait({ hitCount: 1, timeout: "50ms" })).rejects.toBeInstanceOf(
      TimerTimeoutError,
    );
    await stuck.cancel({ timeout: "50ms" });
    await expect(stuck.join()).rejects.toBeInstanceOf(TimerCancelledError);
    expect(warnings).toEqual([expect.stringMatching(/cancel\(\) timed out; abandoned tick 1/)]);
  });

  it("sleep.reset() forgets what was recorded", async () => {
    const timer = new MockTimer(1, () => 1).start();
    await timer.wait({ hitCount: 3 });
    await timer.cancel();
    timer.sleep.reset();
    expect(timer.sleep.calls).toEqual([]);
    expect(timer.sleep.lastCall).toBeUndefined();
  });

  it("refuses a seed that is not an integer, as VirtualClock does", () => {
    for (const seed of [1.5, Number.NaN, "x"]) {
      expect(() => new MockTimer(1, () => 1, { seed: seed as number })).toThrow(
        new RangeError(`seed must be an integer; got ${String(seed)}`),
      );
    }
    expect(() => new MockTimer(1, () => 1, { seed: undefined })).not.toThrow();
  });

  it("refuses a driver option", () => {
    expect(() => new MockTimer(1, () => 1, { driver: {} } as never)).toThrow(
      /MockTimer options cannot include a driver/,
    );
  });
});
