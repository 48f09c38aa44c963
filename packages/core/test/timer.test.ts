/** Timer behaviours not covered by the topic files: stop(), toString() while stopping, callbacks that misbehave. */
import { describe, expect, it, vi } from "vitest";
import { every, Timer, TimerCancelledError } from "../src/index.js";
import { clock, deferred, recordingLogger, track } from "./helpers.js";

describe("Timer", () => {
  it("stop() is cancel()", async () => {
    const c = clock();
    const onCancel = vi.fn();
    const timer = new Timer(1, () => 1, { driver: c, onCancel }).start();
    await timer.stop({ timeout: 1 });
    expect(timer.isRunning()).toBe(false);
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(() => timer.stop(3 as never)).toThrow(
      "cancel(options): options must be an object; got 3",
    );
  });

  it("shows 'stopping' while a cancelled run's tick is still in flight", async () => {
    const c = clock();
    const release = deferred();
    const timer = new Timer(2, () => release.promise, { driver: c, name: "slow" }).start();
    await c.settle();
    const cancelled = timer.cancel();
    expect(String(timer)).toBe("Timer(slow, delay=2s, fixed_delay, stopping, hits=0)");
    release.resolve();
    await cancelled;
    expect(String(timer)).toBe("Timer(slow, delay=2s, fixed_delay, idle, hits=0)");
  });

  it("lastTickAt is the completion time, however much later it is read", async () => {
    const c = new (await import("./helpers.js")).VirtualClock({
      epoch: 1_000_000,
      stallTimeout: 0,
    });
    const timer = new Timer(10, () => 1, { driver: c }).start();
    await c.advance(3); // the tick completed at 0; read 3 s later
    expect(timer.lastTickAt).toBe(1_000_000);
    expect(timer.lastTickAt).toBe(1_000_000);
    await c.advance(7);
    expect(timer.lastTickAt).toBe(1_010_000);
    await timer.cancel();
  });

  it("an onCancel that throws is logged, and the run still ends", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = new Timer(1, () => 1, {
      driver: c,
      logger,
      onCancel: () => {
        throw new Error("cleanup broke");
      },
    }).start();
    await timer.cancel();
    expect(timer.isRunning()).toBe(false);
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] onCancel threw",
        error: new Error("cleanup broke"),
      },
    ]);
  });

  it("an onError that returns a promise stops the timer with a warning; its rejection is logged", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = new Timer(
      1,
      () => {
        throw new Error("tick");
      },
      { driver: c, logger, onError: (() => Promise.reject(new Error("async handler"))) as never },
    ).start();
    await c.advance(1);
    expect(timer.isRunning()).toBe(false);
    expect(logger.lines).toEqual([
      {
        level: "warn",
        message:
          "[async-timer] onError returned a promise; it must decide synchronously, so the timer stops",
      },
      {
        level: "error",
        message: "[async-timer] onError rejected",
        error: new Error("async handler"),
      },
    ]);
  });

  it("says why join() and wait() reject on a stopped timer", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c });
    await expect(timer.join()).rejects.toThrow("join() was called on a timer that is not running");
    await expect(timer.wait({ hits: 1 })).rejects.toThrow(
      "wait() was called on a timer that is not running",
    );
    const running = new Timer(1, () => 1, { driver: c }).start();
    const pending = track(running.join());
    await running.cancel();
    await c.settle();
    expect(pending.error).toBeInstanceOf(TimerCancelledError);
    expect((pending.error as Error).message).toBe("the timer stopped before the awaited tick");
  });

  it("a cancelOn promise that settles between runs makes the next run end at its start", async () => {
    const c = clock();
    const shutdown = deferred();
    const target = vi.fn(() => 1);
    const timer = new Timer(1, target, { driver: c, cancelOn: [shutdown.promise] });
    shutdown.resolve();
    await c.settle();
    expect(timer.isRunning()).toBe(false);
    timer.start();
    await c.advance(3);
    expect(timer.isRunning()).toBe(false);
    expect(target).not.toHaveBeenCalled();
  });

  it("every() puts the function on an enumerable func property", () => {
    const fn = () => 1;
    const timer = every(1)(fn);
    expect(Object.keys(timer)).toContain("func");
    expect(Object.getOwnPropertyDescriptor(timer, "func")).toMatchObject({
      value: fn,
      enumerable: true,
      writable: false,
    });
  });

  it("subscriptions show their state in toString(), and util.inspect uses it", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c, name: "t" });
    const feed = timer.subscribe();
    const { inspect } = await import("node:util");
    expect(String(feed)).toBe("Subscription(t#1, unbounded, qsize=0, dropped=0, open)");
    expect(inspect(feed)).toBe(String(feed));
    timer.start();
    await c.advance(1);
    await timer.cancel();
    expect(String(feed)).toBe("Subscription(t#1, unbounded, qsize=2, dropped=0, ending)");
    await feed.next();
    await feed.next();
    await feed.next();
    expect(String(feed)).toBe("Subscription(t#1, unbounded, qsize=0, dropped=0, closed)");
    feed.close();
    await using scoped = timer.subscribe({ name: "scoped" });
    expect(String(scoped)).toBe("Subscription(scoped, unbounded, qsize=0, dropped=0, open)");
  });

  it("a subscription waiting when the run ends, twice over, gets the end once", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c }).start();
    const feed = timer.subscribe();
    await c.settle();
    await feed.next();
    const first = feed.next();
    const second = feed.next();
    await timer.cancel();
    expect(await first).toEqual({ done: true, value: undefined });
    expect(await second).toEqual({ done: true, value: undefined });
  });
});

describe("observe()", () => {
  it("reports starts, ticks, ends and delay changes synchronously, until unsubscribed", async () => {
    const c = clock();
    const seen: string[] = [];
    let n = 0;
    const timer = new Timer(1, () => ++n, { driver: c });
    const stop = timer.observe({
      started: () => seen.push(`started running=${timer.isRunning()}`),
      ticked: (value) =>
        seen.push(`ticked ${value} hits=${timer.hitCount} last=${timer.lastResult}`),
      ended: (reason) => seen.push(`ended ${reason}`),
      delayed: (seconds) => seen.push(`delayed ${seconds}`),
    });
    timer.start();
    await c.advance(1);
    timer.setDelay("500ms");
    await timer.cancel();
    stop();
    timer.start();
    await c.advance(1);
    await timer.cancel();
    expect(seen).toEqual([
      "started running=true",
      "ticked 1 hits=1 last=1",
      "ticked 2 hits=2 last=2",
      "delayed 0.5",
      "ended cancel",
    ]);
  });

  it("reports how a run ended, and survives an observer that throws", async () => {
    const c = clock();
    const logger = recordingLogger();
    const reasons: string[] = [];
    const timer = new Timer(1, ["a"].values(), { driver: c, logger });
    timer.observe({ ended: (reason) => reasons.push(reason) });
    timer.observe({
      ticked: () => {
        throw new Error("observer broke");
      },
    });
    timer.start();
    await c.advance(2);
    expect(reasons).toEqual(["exhausted"]);
    expect(timer.lastResult).toBe("a");
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] a timer observer's ticked() threw",
        error: new Error("observer broke"),
      },
    ]);
    const failing = new Timer(1, () => Promise.reject(new Error("x")), {
      driver: c,
      logger: recordingLogger(),
    });
    failing.observe({ ended: (reason) => reasons.push(reason) });
    failing.start();
    await c.advance(1);
    expect(reasons).toEqual(["exhausted", "error"]);
    expect(() => failing.observe(null as never)).toThrow(
      "observe(observer): observer must be an object; got null",
    );
  });
});
