import { describe, expect, it, vi } from "vitest";
import { Timer, TimerGroup, TimerStateError, TimerTimeoutError } from "../src/index.js";
import { clock, recordingLogger, sleep, track } from "./helpers.js";
import { memberErrors } from "./member-errors.js";

function counter(c: ReturnType<typeof clock>, delay: number, options = {}) {
  let n = 0;
  return new Timer(delay, () => ++n, { driver: c, ...options });
}

describe("TimerGroup", () => {
  it("starts and cancels its timers together", async () => {
    const c = clock();
    const a = counter(c, 5);
    const b = counter(c, 60);
    const group = new TimerGroup([a, b], { name: "upkeep" });
    expect(group.isRunning()).toBe(false);
    group.start();
    expect(a.isRunning() && b.isRunning()).toBe(true);
    expect(group.isRunning()).toBe(true);
    await c.advance(60);
    expect([a.hitCount, b.hitCount]).toEqual([13, 2]);
    await group.cancel();
    expect(a.isRunning() || b.isRunning()).toBe(false);
    expect(c.pending).toBe(0);
  });

  it("add() returns the timer, and starts it when the group is active", () => {
    const c = clock();
    const group = new TimerGroup();
    const idle = counter(c, 1);
    expect(group.add(idle)).toBe(idle);
    expect(idle.isRunning()).toBe(false);
    group.start();
    const late = group.add(counter(c, 1));
    expect(late.isRunning()).toBe(true);
    expect(group.size).toBe(2);
    expect(group.has(late)).toBe(true);
    expect([...group]).toEqual([idle, late]);
    void group.cancel();
  });

  it("start() is idempotent", () => {
    const c = clock();
    const timer = counter(c, 1);
    const group = new TimerGroup([timer]);
    group.start();
    expect(() => group.start()).not.toThrow();
    void group.cancel();
  });

  it("start() cancels the members it started and throws an AggregateError when one fails to start", async () => {
    const c = clock();
    const first = counter(c, 1);
    const single = new Timer(1, () => 1, { driver: c, signal: new AbortController().signal });
    single.start();
    await single.cancel(); // single-run: a second start throws
    const third = counter(c, 1);
    const group = new TimerGroup([first, single, third]);
    let thrown: unknown;
    try {
      group.start();
    } catch (error) {
      thrown = error;
    }
    expect(memberErrors(thrown)).toEqual([expect.any(TimerStateError)]);
    expect(first.isRunning()).toBe(false);
    expect(third.isRunning()).toBe(false);
    expect(group.isRunning()).toBe(false);
  });

  it("isRunning() is false when a member has stopped", async () => {
    const c = clock();
    const a = counter(c, 1);
    const group = new TimerGroup([a, counter(c, 1)]).start();
    await a.cancel();
    expect(group.isRunning()).toBe(false);
    await group.cancel();
  });

  it("cancel() cancels members concurrently and logs (never throws) a member's failure", async () => {
    const c = clock();
    const logger = recordingLogger();
    const slowA = new Timer(1, async () => sleep(c, 500), { driver: c });
    const slowB = new Timer(1, async () => sleep(c, 500), { driver: c });
    const broken = counter(c, 1);
    broken.cancel = () => Promise.reject(new Error("cannot cancel"));
    const group = new TimerGroup([slowA, slowB, broken], { name: "g", logger }).start();
    await c.settle();
    const cancelled = track(group.cancel());
    await c.advance(0.5); // both in-flight ticks end at 0.5 s: cancelled together, not one after another
    expect(cancelled.state).toBe("resolved");
    expect(logger.at("error")).toEqual([
      "[async-timer] g: cancelling Timer(delay=1s, fixed_delay, running, hits=1) failed",
    ]);
    broken.cancel = Timer.prototype.cancel;
    await broken.cancel();
  });

  it("wait() and trigger() act on every member and resolve with [timer, value] pairs in order", async () => {
    const c = clock();
    const a = counter(c, 1);
    const b = new Timer(3, () => "b", { driver: c });
    const group = new TimerGroup([a, b]).start();
    const waited = await c.runUntil(group.wait({ hits: 2 }));
    expect(waited).toEqual([
      [a, 2],
      [b, "b"],
    ]);
    const triggered = await group.trigger();
    expect(triggered.map(([timer]) => timer)).toEqual([a, b]);
    await group.cancel();
  });

  it("wait() and trigger() timeouts bound the whole group", async () => {
    const c = clock();
    const fast = counter(c, 1);
    const slow = counter(c, 100);
    const group = new TimerGroup([fast, slow]).start();
    await c.settle();
    const waiting = track(group.wait({ hits: 1, timeout: 10 }));
    await c.advance(10);
    expect(memberErrors(waiting.error)).toEqual([expect.any(TimerTimeoutError)]); // slow's
    const stuck = new Timer(1, () => new Promise(() => {}), {
      driver: c,
      logger: recordingLogger(), // its abandoned tick is logged
    });
    const withStuck = new TimerGroup([fast, stuck]).start();
    await c.settle();
    const triggering = track(withStuck.trigger({ timeout: 2 }));
    await c.advance(2);
    expect(memberErrors(triggering.error)).toEqual([expect.any(TimerTimeoutError)]); // stuck's
    await group.cancel();
    await c.runUntil(withStuck.cancel({ timeout: 0 }));
  });

  it("has a toString with its name, and cancels on await using", async () => {
    const c = clock();
    const timer = counter(c, 1);
    {
      await using group = new TimerGroup([timer], { name: "upkeep" });
      group.start();
      expect(String(group)).toBe("TimerGroup(upkeep, 1 timer, running)");
    }
    expect(timer.isRunning()).toBe(false);
  });

  it("refuses what is not a timer", () => {
    expect(() => new TimerGroup([{} as Timer])).toThrow(TypeError);
    expect(() => new TimerGroup(5 as never)).toThrow(/timers must be an iterable/);
    expect(() => new TimerGroup([], { name: 3 as never })).toThrow(/name must be a string; got 3/);
  });

  it("never leaves an unhandled rejection behind a timed-out trigger", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const c = clock();
      const stuck = new Timer(1, () => new Promise(() => {}), {
        driver: c,
        logger: recordingLogger(), // its abandoned tick is logged
      });
      const group = new TimerGroup([stuck]).start();
      await c.settle();
      const triggering = track(group.trigger({ timeout: 1 }));
      await c.advance(1);
      expect(memberErrors(triggering.error)).toEqual([expect.any(TimerTimeoutError)]);
      await c.runUntil(group.cancel({ timeout: 0 })); // the pending trigger now rejects: handled
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("unhandledRejection", unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });
});
