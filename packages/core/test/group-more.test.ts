import { describe, expect, it } from "vitest";
import { Timer, TimerGroup, TimerTimeoutError } from "../src/index.js";
import { clock, recordingLogger, sleep, track } from "./helpers.js";
import { memberErrors } from "./member-errors.js";

describe("TimerGroup, more", () => {
  it("checks its options and timers, naming what is wrong", () => {
    expect(() => new TimerGroup([], 3 as never)).toThrow("options must be an object; got 3");
    expect(() => new TimerGroup([], null as never)).toThrow("options must be an object; got null");
    expect(() => new TimerGroup(null as never)).toThrow(
      "timers must be an iterable of Timer; got null",
    );
    const group = new TimerGroup();
    const noStart = { cancel() {}, isRunning() {} };
    const noCancel = { start() {}, isRunning() {} };
    const noIsRunning = { start() {}, cancel() {} };
    for (const bad of [noStart, noCancel, noIsRunning, null, 5]) {
      expect(() => group.add(bad as never)).toThrow(/^add\(timer\): timer must be a Timer; got /);
    }
    expect(() => group.trigger({ timeout: -1 })).toThrow(
      /^trigger\(options\): timeout must be a non-negative/,
    );
    expect(() => group.trigger(5 as never)).toThrow(
      new TypeError("trigger(options): options must be an object; got 5"),
    );
    // A bad member given to the constructor is named as the caller wrote it.
    const member = new Timer(1, () => 1, { driver: clock() });
    expect(() => new TimerGroup([member, 1 as never])).toThrow(
      new TypeError("timers[1] must be a Timer; got 1"),
    );
  });

  it("refuses bad wait() and cancel() options at the call, with or without members", async () => {
    const empty = new TimerGroup().start();
    const member = new Timer(1, () => 1, { driver: clock() });
    const full = new TimerGroup([member]).start();
    for (const group of [empty, full]) {
      expect(() => group.wait({ hits: -1 })).toThrow(
        new RangeError("wait(options): hits must be a non-negative integer; got -1"),
      );
      expect(() => group.wait({ hitCount: 1.5 })).toThrow(/^wait\(options\): hitCount must be/);
      expect(() => group.wait({ timeout: "soon" as never })).toThrow(
        /^wait\(options\): timeout must be a number of seconds or a string like/,
      );
      // Thrown, not rejected, and the group is left as it was: nothing was cancelled.
      expect(() => group.cancel({ timeout: Number.NaN })).toThrow(
        /^cancel\(options\): timeout must be a non-negative, finite duration in seconds; got NaN$/,
      );
      expect(() => group.cancel(7 as never)).toThrow(
        new TypeError("cancel(options): options must be an object; got 7"),
      );
      expect(group.isRunning()).toBe(true);
    }
    expect(member.isRunning()).toBe(true);
    await full.cancel();
    expect(() => new TimerGroup([], { logger: "console" as never })).toThrow(
      new TypeError('logger must be an object with debug/info/warn/error methods; got "console"'),
    );
  });

  it("holds a timer once, however often it is added", () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c });
    const group = new TimerGroup([timer, timer]);
    group.add(timer);
    expect(group.size).toBe(1);
  });

  it("start() on an active group changes nothing, even for a member stopped since", async () => {
    const c = clock();
    const a = new Timer(1, () => 1, { driver: c });
    const group = new TimerGroup([a]).start();
    await a.cancel();
    group.start();
    expect(a.isRunning()).toBe(false);
    await group.cancel();
  });

  it("after cancel() the group is inactive: add() no longer starts timers", async () => {
    const c = clock();
    const group = new TimerGroup([new Timer(1, () => 1, { driver: c })]).start();
    await group.cancel();
    const late = group.add(new Timer(1, () => 1, { driver: c }));
    expect(late.isRunning()).toBe(false);
    expect(String(group)).toBe("TimerGroup(2 timers, idle)");
  });

  it("trigger({ timeout }) resolves when the members are quick enough, and disarms its deadline", async () => {
    const c = clock();
    const group = new TimerGroup([
      new Timer(10, async () => sleep(c, 500).then(() => "a"), { driver: c }),
    ]).start();
    await c.settle();
    const done = track(group.trigger({ timeout: 5 }));
    await c.advance(1);
    expect(done.state).toBe("resolved");
    expect(c.pending).toBe(1); // the member's own wake; no deadline left behind
    await group.cancel();
  });

  it("trigger({ timeout }) rejects with the members' errors, and disarms its deadline", async () => {
    const c = clock();
    let calls = 0;
    const failing = new Timer(10, () => (++calls > 1 ? Promise.reject(new Error("down")) : 1), {
      driver: c,
      onError: () => "continue",
    });
    const group = new TimerGroup([failing]).start();
    await c.settle();
    const done = track(group.trigger({ timeout: 5 }));
    await c.settle();
    expect(done.state).toBe("rejected");
    expect(memberErrors(done.error)).toEqual([new Error("down")]);
    expect(c.pending).toBe(1); // the member's own wake; no deadline left behind
    await group.cancel();
  });

  it("trigger({ timeout }) says how long it waited", async () => {
    const c = clock();
    const stuck = new Timer(1, () => new Promise(() => {}), {
      driver: c,
      logger: recordingLogger(), // its abandoned tick is logged
    });
    const group = new TimerGroup([stuck], { name: "g" }).start();
    await c.settle();
    const triggering = track(group.trigger({ timeout: 2 }));
    await c.advance(2);
    expect(memberErrors(triggering.error)).toEqual([
      new TimerTimeoutError("TimerGroup(g, 1 timer, running): trigger() timed out after 2s"),
    ]);
    expect((triggering.error as Error).message).toBe(
      "TimerGroup(g, 1 timer, running): trigger() failed for Timer(delay=1s, fixed_delay, running, hits=0)",
    );
    await c.runUntil(group.cancel({ timeout: 0 }));
  });

  it("trigger({ timeout }) bounds every member on its own clock, whatever the member order", async () => {
    for (const hungFirst of [true, false]) {
      const fast = clock(1);
      const slow = clock(2); // never advanced: a member timed on it alone would never time out
      const hung = new Timer(1, () => new Promise<never>(() => {}), {
        driver: fast,
        initialDelay: 100,
        logger: recordingLogger(),
      });
      const idle = new Timer(1, () => "v", { driver: slow, initialDelay: 100 });
      const group = new TimerGroup(hungFirst ? [hung, idle] : [idle, hung]).start();
      const triggered = track(group.trigger({ timeout: 0.5 }));
      await fast.advance(0.5);
      expect(memberErrors(triggered.error)).toEqual([expect.any(TimerTimeoutError)]);
      void group.cancel({ timeout: 0 });
      await fast.advance(0);
    }
  });

  it("an empty group triggers and waits for nothing", async () => {
    const group = new TimerGroup().start();
    expect(await group.trigger({ timeout: 1 })).toEqual([]);
    expect(await group.wait({ hits: 1 })).toEqual([]);
    expect(group.isRunning()).toBe(true);
    expect(String(group)).toBe("TimerGroup(0 timers, running)");
    const { inspect } = await import("node:util");
    expect(inspect(group)).toBe(String(group));
  });
});
