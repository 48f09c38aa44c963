import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { shareTimer } from "../src/index.js";
import { recordingLogger, requireDist, threadsOfEachTest } from "./helpers.js";

beforeAll(requireDist);

const EPOCH = 1_700_000_000_000;
const quiet = { warn() {}, error() {} };
const { open } = threadsOfEachTest();

function virtualClock(): VirtualClock {
  // Tests also wait for other threads, in real time, while no virtual time passes.
  return new VirtualClock({ epoch: EPOCH, stallTimeout: 0 });
}

describe("reads from another thread", () => {
  it("see hitCount, lastTickAt, delay, name, isRunning and generation as the owner ticks", async () => {
    const clock = virtualClock();
    const timer = new Timer(1, () => "tick", { driver: clock, name: "cache" });
    const worker = open({ timer: shareTimer(timer) });
    expect(await worker.value({ target: "timer", method: "snapshot" })).toEqual({
      hitCount: 0,
      lastTickAt: undefined,
      delay: 1,
      running: false,
      generation: 0,
    });
    timer.start();
    await clock.advance(5); // ticks at 0, 1, …, 5 s
    expect(await worker.value({ target: "timer", method: "snapshot" })).toEqual({
      hitCount: 6,
      lastTickAt: EPOCH + 5000,
      delay: 1,
      running: true,
      generation: 1,
    });
    expect(await worker.value({ target: "timer", get: "hitCount" })).toBe(6);
    expect(await worker.value({ target: "timer", get: "lastTickAt" })).toBe(EPOCH + 5000);
    expect(await worker.value({ target: "timer", get: "name" })).toBe("cache");
    expect(await worker.value({ target: "timer", method: "isRunning" })).toBe(true);
    expect(await worker.value({ target: "timer", method: "lastResult" })).toBe("tick");
    await timer.cancel();
    expect(await worker.value({ target: "timer", method: "isRunning" })).toBe(false);
    timer.start();
    expect(await worker.value({ target: "timer", get: "generation" })).toBe(2);
    await timer.cancel();
  });

  it("never see a torn hitCount/lastTickAt pair over a million reads while the owner ticks", async () => {
    const clock = virtualClock();
    // lastTickAt of tick n is EPOCH + (n - 1) * 1000: a pair from two ticks breaks that.
    const timer = new Timer(1, () => undefined, { driver: clock }).start();
    const worker = open({ timer: shareTimer(timer) });
    await clock.advance(0);
    let finished = 0;
    const reads = worker.value({
      script: "snapshots",
      target: "timer",
      count: 1_000_000,
      epoch: EPOCH,
      delayMs: 1000,
    });
    const counts = worker.value({ script: "hitCounts", target: "timer", count: 1_000_000 });
    for (const promise of [reads, counts]) {
      promise.then(
        () => finished++,
        () => finished++,
      );
    }
    while (finished < 2) await clock.advance(1); // as fast as the owner's event loop goes
    const result = await reads;
    expect(result.violations, JSON.stringify(result.first)).toBe(0);
    expect(result.backwards).toBe(0);
    expect(result.distinct).toBeGreaterThan(10); // the owner really wrote during the reads
    expect((await counts).backwards).toBe(0);
    await timer.cancel();
  });

  it("get lastResult() as a structured clone of the owner's value", async () => {
    const clock = virtualClock();
    class Price {
      constructor(
        readonly symbol: string,
        readonly value: number,
      ) {}
    }
    const value = {
      prices: new Map([["ACME", new Price("ACME", 12.5)]]),
      at: new Date(EPOCH),
      tags: new Set(["a", "b"]),
      big: 2n ** 70n,
      bytes: new Uint8Array([1, 2, 3]),
      nested: [{ deep: [1, null, "x"] }],
      error: new RangeError("kept"),
    };
    const timer = new Timer(1, () => value, { driver: clock });
    const worker = open({ timer: shareTimer(timer) });
    expect(await worker.value({ target: "timer", method: "lastResult" })).toBeUndefined();
    timer.start();
    await clock.advance(0);
    const copy = await worker.value({ target: "timer", method: "lastResult" });
    expect(copy).toEqual({
      ...value,
      prices: new Map([["ACME", { symbol: "ACME", value: 12.5 }]]),
    });
    expect(copy.prices.get("ACME")).not.toBeInstanceOf(Price); // a plain object: no prototype
    expect(copy.error).toBeInstanceOf(RangeError);
    await timer.cancel();
  });

  it("copy large values, growing the shared area as needed", async () => {
    const clock = virtualClock();
    let size = 10;
    const timer = new Timer(1, () => Array.from({ length: size }, (_, i) => i), { driver: clock });
    const worker = open({ timer: shareTimer(timer) });
    timer.start();
    for (size of [10, 100_000, 50, 300_000]) {
      await clock.advance(1);
      const copy = await worker.value({ target: "timer", method: "lastResult" });
      expect(copy).toHaveLength(size);
      expect(copy[size - 1]).toBe(size - 1);
    }
    await timer.cancel();
  });

  it("throw ThreadControlError 'uncloneable' for a value that cannot cross threads, or is too large", async () => {
    const clock = virtualClock();
    let value: unknown = () => "a function";
    const timer = new Timer(1, () => value, { driver: clock, name: "odd" });
    const worker = open({ timer: shareTimer(timer, { maxResultBytes: 1000 }) });
    timer.start();
    await clock.advance(0);
    const answer = await worker.call({ target: "timer", method: "lastResult" });
    expect(answer).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "uncloneable" },
    });
    expect(answer.ok ? "" : answer.error.message).toMatch(/timer "odd" cannot be copied/);
    value = "x".repeat(2000);
    await clock.advance(1);
    const large = await worker.call({ target: "timer", method: "lastResult" });
    expect(large.ok ? "" : large.error.message).toMatch(/more than maxResultBytes \(1000\)/);
    value = "fits";
    await clock.advance(1);
    expect(await worker.value({ target: "timer", method: "lastResult" })).toBe("fits");
    await timer.cancel();
  });

  it("throw ThreadControlError 'unavailable' from lastResult() when the owner opted out", async () => {
    const clock = virtualClock();
    const timer = new Timer(1, () => 1, { driver: clock }).start();
    const worker = open({ timer: shareTimer(timer, { lastResult: false, logger: quiet }) });
    await clock.advance(0);
    expect(await worker.call({ target: "timer", method: "lastResult" })).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "unavailable" },
    });
    expect(await worker.value({ target: "timer", get: "hitCount" })).toBe(1);
    await timer.cancel();
  });

  it("follow a timer that stops on its own (an error under the stop policy, a generator running out)", async () => {
    const clock = virtualClock();
    const logger = recordingLogger();
    let n = 0;
    const failing = new Timer(
      1,
      () => {
        if (++n === 3) throw new Error("boom");
        return n;
      },
      { driver: clock, logger },
    );
    const finite = new Timer(
      1,
      function* () {
        yield 1;
        yield 2;
      },
      { driver: clock },
    );
    const worker = open({ failing: shareTimer(failing), finite: shareTimer(finite) });
    failing.start();
    finite.start();
    await clock.advance(5);
    expect(await worker.value({ target: "failing", method: "snapshot" })).toMatchObject({
      hitCount: 2,
      running: false,
    });
    expect(await worker.value({ target: "finite", method: "snapshot" })).toMatchObject({
      hitCount: 2,
      running: false,
    });
  });
});
