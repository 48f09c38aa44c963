import { describe, expect, it } from "vitest";
import { Timer, TimerCancelledError, TimerStateError } from "../src/index.js";
import { clock, sleep, track } from "./helpers.js";

describe("trigger()", () => {
  it("while sleeping cuts the sleep short, runs a tick now and resumes the schedule", async () => {
    const c = clock();
    const starts: number[] = [];
    const timer = new Timer(10, () => starts.push(c.now()), { driver: c }).start();
    await c.advance(3);
    const value = await c.runUntil(timer.trigger());
    expect(value).toBe(2);
    expect(starts).toEqual([0, 3000]);
    // fixed_delay: the next sleep starts when the triggered tick finishes.
    await c.advance(10);
    expect(starts).toEqual([0, 3000, 13000]);
    await timer.cancel();
  });

  it.each(["fixed_delay", "fixed_rate"] as const)(
    "right after start() runs one tick, not two, and then sleeps the delay (%s)",
    async (mode) => {
      const c = clock();
      const starts: number[] = [];
      const timer = new Timer(10, () => starts.push(c.now()), { driver: c, mode });
      timer.start();
      expect(await c.runUntil(timer.trigger())).toBe(1);
      await c.advance(5);
      expect(starts).toEqual([0]);
      await c.advance(5);
      expect(starts).toEqual([0, 10_000]);
      await timer.cancel();
    },
  );

  it("never runs the target inside the caller's stack", async () => {
    const c = clock();
    let calls = 0;
    const timer = new Timer(10, () => ++calls, { driver: c }).start();
    await c.settle();
    const pending = timer.trigger();
    expect(calls).toBe(1);
    expect(await pending).toBe(2);
    await timer.cancel();
  });

  it("while a tick is in flight resolves with a tick that started after the call", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(
      10,
      async ({ signal }) => {
        const mine = ++n;
        await sleep(c, 1000, signal);
        return mine;
      },
      { driver: c },
    ).start();
    await c.advance(0.5); // tick 1 is in flight until 1 s
    const triggered = track(timer.trigger());
    await c.advance(0.5);
    expect(triggered.state).toBe("pending"); // tick 1 finished, but started before the call
    await c.advance(1);
    expect(triggered).toMatchObject({ state: "resolved", value: 2 });
    await timer.cancel();
  });

  it("shares one tick between concurrent calls, and runs exactly one extra tick", async () => {
    const c = clock();
    let calls = 0;
    const timer = new Timer(
      10,
      async ({ signal }) => {
        calls++;
        await sleep(c, 100, signal);
        return calls;
      },
      { driver: c },
    ).start();
    await c.advance(0.05);
    const a = timer.trigger();
    const b = timer.trigger();
    const both = Promise.all([a, b]);
    expect(await c.runUntil(both)).toEqual([2, 2]);
    await c.advance(5);
    expect(calls).toBe(2);
    await timer.cancel();
  });

  it("calls made while sleeping share the tick too", async () => {
    const c = clock();
    let calls = 0;
    const timer = new Timer(10, () => ++calls, { driver: c }).start();
    await c.advance(1);
    const [a, b] = await Promise.all([timer.trigger(), timer.trigger()]);
    expect([a, b]).toEqual([2, 2]);
    expect(calls).toBe(2);
    await timer.cancel();
  });

  it("re-anchors a fixed_rate schedule at the triggered tick", async () => {
    const c = clock();
    const starts: number[] = [];
    const timer = new Timer(10, () => starts.push(c.now()), {
      driver: c,
      mode: "fixed_rate",
    }).start();
    await c.advance(4);
    await timer.trigger();
    await c.advance(25);
    expect(starts).toEqual([0, 4000, 14000, 24000]);
    await timer.cancel();
  });

  it("rejects with TimerStateError when the timer is not running", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c });
    await expect(timer.trigger()).rejects.toBeInstanceOf(TimerStateError);
    timer.start();
    await timer.cancel();
    await expect(timer.trigger()).rejects.toThrow(/needs a running timer/);
  });

  it("rejects with TimerCancelledError when the timer stops before the tick completes", async () => {
    const c = clock();
    const timer = new Timer(10, async ({ signal }) => sleep(c, 1000, signal), {
      driver: c,
    }).start();
    await c.advance(0.1);
    const triggered = track(timer.trigger());
    await timer.cancel();
    await c.settle();
    expect(triggered.state).toBe("rejected");
    expect(triggered.error).toBeInstanceOf(TimerCancelledError);
  });

  it("rejects with the target's error when the triggered tick fails", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(
      10,
      () => {
        if (++n === 2) throw new Error("second tick fails");
        return n;
      },
      { driver: c, onError: () => "continue" },
    ).start();
    await c.advance(1);
    await expect(timer.trigger()).rejects.toThrow("second tick fails");
    expect(timer.isRunning()).toBe(true);
    expect(await timer.trigger()).toBe(3);
    await timer.cancel();
  });
});
