import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { openTimer, shareTimer, ThreadControlError } from "../src/index.js";
import { recordingLogger, requireDist, threadsOfEachTest, until } from "./helpers.js";

beforeAll(requireDist);

const EPOCH = 1_700_000_000_000;
const { open } = threadsOfEachTest();

function virtualClock(): VirtualClock {
  return new VirtualClock({ epoch: EPOCH, stallTimeout: 0 });
}

function counter(clock: VirtualClock, name = "counter"): Timer<number> {
  let n = 0;
  return new Timer(60, () => ++n, { driver: clock, name });
}

describe("triggerSync()", () => {
  it("blocks until a fresh tick completes and returns its value; reads show it at once", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0); // tick 1 at start()
    expect(await worker.value({ target: "timer", method: "triggerSync" })).toBe(2);
    expect(
      await worker.value({ target: "timer", method: "triggerSync", args: [{ timeout: 5 }] }),
    ).toBe(3);
    // The owner published before it answered: a read right after the call sees the tick.
    expect(
      await worker.value({ script: "triggers", target: "timer", count: 3, timeout: "5s" }),
    ).toEqual([4, 5, 6]);
    expect(timer.hitCount).toBe(6);
    expect(await worker.value({ target: "timer", method: "snapshot" })).toMatchObject({
      hitCount: 6,
      lastTickAt: EPOCH,
    });
    expect(await worker.value({ target: "timer", method: "lastResult" })).toBe(6);
    await timer.cancel();
  });

  it("copies the value as a structured clone, and rethrows the tick's error by name", async () => {
    const clock = virtualClock();
    class FetchError extends Error {
      override name = "FetchError";
      code = "ECONNRESET";
    }
    let fail: Error | undefined;
    const timer = new Timer(
      60,
      () => {
        if (fail !== undefined) throw fail;
        return { at: new Date(EPOCH), ids: new Set([1, 2]) };
      },
      { driver: clock, onError: () => "continue" },
    ).start();
    const worker = open({ timer: shareTimer(timer) });
    expect(await worker.value({ target: "timer", method: "triggerSync" })).toEqual({
      at: new Date(EPOCH),
      ids: new Set([1, 2]),
    });
    fail = new FetchError("upstream reset");
    const failed = await worker.call({ target: "timer", method: "triggerSync" });
    expect(failed).toMatchObject({
      ok: false,
      error: { name: "FetchError", message: "upstream reset" },
    });
    expect(failed.ok ? "" : failed.error.stack).toMatch(/FetchError: upstream reset/);
    fail = new RangeError("out of range");
    expect(await worker.call({ target: "timer", method: "triggerSync" })).toMatchObject({
      ok: false,
      error: { name: "RangeError", message: "out of range" },
    });
    expect(timer.isRunning()).toBe(true);
    await timer.cancel();
  });

  it("throws TimerStateError for a stopped timer, ThreadControlError 'uncloneable' for a value that cannot cross", async () => {
    const clock = virtualClock();
    const timer = new Timer(60, () => Symbol("local"), { driver: clock }).start();
    const worker = open({ timer: shareTimer(timer) });
    expect(await worker.call({ target: "timer", method: "triggerSync" })).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "uncloneable" },
    });
    expect(timer.hitCount).toBe(2); // the tick itself happened
    await timer.cancel();
    expect(
      await worker.call({ target: "timer", method: "triggerSync", args: [{ timeout: 5 }] }),
    ).toMatchObject({
      ok: false,
      error: { name: "TimerStateError", message: expect.stringMatching(/needs a running timer/) },
    });
  });
});

describe("cancelSync()", () => {
  it("blocks until the owner's cancel() resolved; isRunning() reads false right after; idempotent", async () => {
    const clock = virtualClock();
    let ticking: (() => void) | undefined;
    let settled = false;
    const timer = new Timer(
      60,
      () =>
        new Promise<void>((resolve) => {
          ticking = () => {
            settled = true;
            resolve();
          };
        }),
      { driver: clock },
    ).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    expect(ticking).toBeDefined();
    const cancelled = worker.call({
      target: "timer",
      method: "cancelSync",
      args: [{ timeout: 10 }],
    });
    await until(() => !timer.isRunning(), "the owner to start cancelling");
    // cancel() waits for the tick in flight, and so does the blocked caller.
    expect(await Promise.race([cancelled.then(() => "answered"), sleepThen(100, "blocked")])).toBe(
      "blocked",
    );
    ticking?.();
    expect(await cancelled).toMatchObject({ ok: true });
    expect(settled).toBe(true);
    expect(await worker.value({ target: "timer", method: "isRunning" })).toBe(false);
    expect(await worker.call({ target: "timer", method: "cancelSync" })).toMatchObject({
      ok: true,
    });
  });
});

describe("non-blocking cancel() and trigger()", () => {
  it("resolve with the same results, from a worker and on the owner thread itself", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    expect(await worker.value({ target: "timer", method: "trigger", args: [{ timeout: 5 }] })).toBe(
      2,
    );
    const here = openTimer(shareTimer(timer));
    expect(await here.trigger()).toBe(3);
    await here.cancel();
    expect(timer.isRunning()).toBe(false);
    await expect(here.trigger()).rejects.toMatchObject({ name: "TimerStateError" });
    expect(await worker.call({ target: "timer", method: "cancel" })).toMatchObject({ ok: true });
    here.disconnect();
  });
});

describe("many non-blocking calls from one thread", () => {
  it("queue beyond the handle's slots and all resolve", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    const values: number[] = await worker.value({
      script: "concurrent",
      target: "timer",
      method: "trigger",
      count: 100,
    });
    expect(values).toHaveLength(100);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(2); // each a tick after its call
    expect(Math.max(...values)).toBe(timer.hitCount);
    await timer.cancel();
  });
});

describe("non-blocking calls with a timeout", () => {
  it("count the wait for a free request slot against the timeout", async () => {
    let ticks = 0;
    const logger = recordingLogger();
    // Every tick after the first hangs, so every trigger() stays pending and holds its slot.
    const timer = new Timer(3600, () => (++ticks === 1 ? 1 : new Promise<number>(() => {})), {
      logger,
    }).start();
    await timer.wait({ hitCount: 1 });
    const here = openTimer(shareTimer(timer));
    const held = Array.from({ length: 40 }, () => here.trigger().catch((error: unknown) => error));
    const started = performance.now();
    const late = await here.cancel({ timeout: 0.2 }).catch((error: unknown) => error);
    expect(late).toMatchObject({
      name: "TimerTimeoutError",
      message: expect.stringMatching(/cancel\(\) timed out after 0\.2s: .* had not started it/),
    });
    expect(performance.now() - started).toBeLessThan(5000); // not held until a slot frees
    expect(timer.isRunning()).toBe(true); // the cancel never reached the owner
    await timer.cancel({ timeout: 0 });
    expect(logger.lines).toEqual([
      { level: "warn", line: expect.stringMatching(/cancel\(\) timed out; abandoned tick 2/) },
    ]);
    await Promise.all(held);
    here.disconnect();
  });

  it("hold a timeout longer than setTimeout can (about 24.8 days) for its whole length", async () => {
    let ticks = 0;
    const timer = new Timer(3600, async () => {
      if (++ticks > 1) await new Promise((resolve) => setTimeout(resolve, 100));
      return ticks;
    }).start();
    await timer.wait({ hitCount: 1 });
    const here = openTimer(shareTimer(timer));
    expect(await here.trigger({ timeout: 25 * 86_400 })).toBe(2);
    await timer.cancel();
    here.disconnect();
  });
});

describe("setDelay() from a worker", () => {
  it("takes effect at the owner's next sleep, exactly, on the virtual clock", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start(); // ticks at 0 s, then every 60 s
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    expect(
      await worker.call({ target: "timer", method: "setDelay", args: ["2.5s"] }),
    ).toMatchObject({
      ok: true,
    });
    await until(() => timer.delay === 2.5, "the owner to apply the delay");
    expect(await worker.value({ target: "timer", get: "delay" })).toBe(2.5);
    await clock.advance(59.999); // the sleep under way keeps its 60 s
    expect(timer.hitCount).toBe(1);
    await clock.advance(0.001);
    expect(timer.hitCount).toBe(2);
    await clock.advance(2.5); // from there on: 2.5 s
    expect(timer.hitCount).toBe(3);
    expect(await worker.value({ target: "timer", get: "lastTickAt" })).toBe(EPOCH + 62_500);
    await timer.cancel();
  });

  it("throws RangeError/TypeError in the calling thread for a bad duration", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    expect(await worker.call({ target: "timer", method: "setDelay", args: [-1] })).toMatchObject({
      ok: false,
      error: { name: "RangeError", message: expect.stringMatching(/delay must be .*got -1/) },
    });
    expect(
      await worker.call({ target: "timer", method: "setDelay", args: ["soon"] }),
    ).toMatchObject({
      ok: false,
      error: { name: "RangeError" },
    });
    expect(await worker.call({ target: "timer", method: "setDelay", args: [null] })).toMatchObject({
      ok: false,
      error: { name: "TypeError" },
    });
    expect(timer.delay).toBe(60);
    await timer.cancel();
  });
});

describe("refusals", () => {
  it("a blocking call on the owner thread throws 'owner-thread', naming the async alternative", async () => {
    const clock = virtualClock();
    const timer = counter(clock, "cache").start();
    const here = openTimer(shareTimer(timer));
    expect(() => here.cancelSync({ timeout: 1 })).toThrow(ThreadControlError);
    expect(() => here.cancelSync()).toThrow(
      /thread that owns timer "cache".*Use `await timer\.cancel\(\)` there/,
    );
    try {
      here.triggerSync();
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: "ThreadControlError", reason: "owner-thread" });
      expect((error as Error).message).toMatch(/`await timer\.trigger\(\)`/);
    }
    expect(timer.isRunning()).toBe(true);
    here.disconnect();
    await timer.cancel();
  });

  it("control of a timer never started throws 'not-started'; once started it works", async () => {
    const clock = virtualClock();
    const timer = counter(clock, "lazy");
    const worker = open({ timer: shareTimer(timer) });
    for (const method of ["cancelSync", "triggerSync", "cancel", "trigger"]) {
      const answer = await worker.call({ target: "timer", method });
      expect(answer).toMatchObject({
        ok: false,
        error: { name: "ThreadControlError", reason: "not-started" },
      });
      expect(answer.ok ? "" : answer.error.message).toMatch(/timer "lazy" has never been started/);
    }
    timer.start();
    expect(await worker.value({ target: "timer", method: "triggerSync" })).toBeGreaterThan(0);
    expect(await worker.call({ target: "timer", method: "cancelSync" })).toMatchObject({
      ok: true,
    });
    expect(timer.isRunning()).toBe(false);
  });

  it("a call for an older generation throws 'stale-generation' and does nothing", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    const seen: number = await worker.value({ target: "timer", get: "generation" });
    expect(seen).toBe(1);
    await timer.cancel();
    timer.start(); // a restart: generation 2
    expect(await worker.value({ target: "timer", get: "generation" })).toBe(2);
    const stale = await worker.call({
      target: "timer",
      method: "cancelSync",
      args: [{ generation: seen }],
    });
    expect(stale).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "stale-generation" },
    });
    expect(timer.isRunning()).toBe(true);
    // Without a generation, a handle follows the timer across restarts.
    expect(
      await worker.call({ target: "timer", method: "cancelSync", args: [{ generation: 2 }] }),
    ).toMatchObject({
      ok: true,
    });
    expect(timer.isRunning()).toBe(false);
  });

  it("a call pending at disconnect() rejects 'disconnected', saying it may or may not have run", async () => {
    const timer = new Timer(3600, () => 1).start();
    const here = openTimer(shareTimer(timer));
    const pending = here.cancel();
    here.disconnect();
    await expect(pending).rejects.toMatchObject({
      reason: "disconnected",
      message: expect.stringMatching(
        /disconnected on this thread while the call was in progress; it may or may not have run$/,
      ),
    });
    await timer.cancel();
  });

  it("after disconnect() control calls throw 'disconnected' while reads keep answering", async () => {
    const clock = virtualClock();
    const timer = counter(clock).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    await worker.value({ target: "timer", method: "disconnect" });
    expect(await worker.call({ target: "timer", method: "triggerSync" })).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "disconnected" },
    });
    expect(await worker.value({ target: "timer", get: "hitCount" })).toBe(1);
    await timer.cancel();
  });
});

function sleepThen<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value));
}
