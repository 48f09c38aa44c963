import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Timer } from "@async-timer/core";
import { describe, expect, it, vi } from "vitest";
import { seededRandom, VirtualClock } from "../src/index.js";

const quiet = () => new VirtualClock({ stallTimeout: 0 });

describe("VirtualClock", () => {
  it("runs wakes in (time, insertion) order and moves time to each", async () => {
    const clock = quiet();
    const order: string[] = [];
    const at = (ms: number, name: string) =>
      clock.setWake(ms, () => order.push(`${name}@${clock.now()}`), false);
    at(300, "c");
    at(100, "a");
    at(300, "d");
    at(100, "b");
    await clock.advance(1);
    expect(order).toEqual(["a@100", "b@100", "c@300", "d@300"]);
    expect(clock.now()).toBe(1000);
  });

  it("settles promise continuations between wakes", async () => {
    const clock = quiet();
    const seen: string[] = [];
    clock.setWake(
      10,
      async () => {
        await Promise.resolve();
        await Promise.resolve();
        seen.push(`continuation@${clock.now()}`);
      },
      false,
    );
    clock.setWake(20, () => seen.push(`second@${clock.now()}`), false);
    await clock.advance(1);
    expect(seen).toEqual(["continuation@10", "second@20"]);
  });

  it("runs wakes armed while it advances, if they fall due", async () => {
    const clock = quiet();
    const seen: number[] = [];
    const chain = () => {
      seen.push(clock.now());
      if (seen.length < 5) clock.setWake(clock.now() + 100, chain, false);
    };
    clock.setWake(0, chain, false);
    await clock.advance(0.25);
    expect(seen).toEqual([0, 100, 200]);
    expect(clock.pending).toBe(1);
  });

  it("never runs a cleared wake", async () => {
    const clock = quiet();
    const fn = vi.fn();
    const handle = clock.setWake(10, fn, false);
    clock.clearWake(handle);
    clock.clearWake(handle);
    await clock.advance(1);
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pending).toBe(0);
  });

  it("ignores a handle it did not make: another clock's, or anything else", async () => {
    const clock = quiet();
    const other = quiet();
    const fn = vi.fn();
    clock.setWake(10, fn, false);
    for (const foreign of [other.setWake(10, () => {}, false), {}, 42, null]) {
      clock.clearWake(foreign);
    }
    expect(clock.pending).toBe(1);
    expect(other.pending).toBe(1);
    await clock.advance(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("next() runs one wake; false when none is pending", async () => {
    const clock = quiet();
    clock.setWake(500, () => {}, false);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(500);
    expect(await clock.next()).toBe(false);
    expect(clock.now()).toBe(500);
  });

  it("runUntil() returns the outcome, or says why it cannot", async () => {
    const clock = quiet();
    const timer = new Timer(3600, () => "hourly", { driver: clock }).start();
    await clock.settle();
    expect(await clock.runUntil(timer.join())).toBe("hourly");
    expect(clock.seconds).toBe(3600);
    await expect(clock.runUntil(new Promise(() => {}), { limit: 5 })).rejects.toThrow(
      /still pending after 5 wakes/,
    );
    await timer.cancel();
    await expect(clock.runUntil(new Promise(() => {}))).rejects.toThrow(
      /no wake is left that could settle it/,
    );
    await expect(clock.runUntil(Promise.reject(new Error("own error")))).rejects.toThrow(
      "own error",
    );
  });

  it("runUntilIdle() finishes finite work and refuses a periodic timer after its limit", async () => {
    const clock = quiet();
    let n = 0;
    const finite = new Timer(1, ["a", "b", "c"].values(), { driver: clock }).start();
    await clock.runUntilIdle();
    expect(finite.isRunning()).toBe(false);
    const periodic = new Timer(1, () => ++n, { driver: clock }).start();
    await expect(clock.runUntilIdle({ limit: 50 })).rejects.toThrow(/never idles/);
    expect(n).toBeGreaterThanOrEqual(50);
    await periodic.cancel();
  });

  it("fails with the reason, not a hang, when a zero-delay timer holds time still", async () => {
    const clock = quiet();
    const timer = new Timer(0, () => 1, { driver: clock }).start();
    await expect(clock.advance(1)).rejects.toThrow(/zero-delay timer never lets time pass/);
    await timer.cancel();
  });

  it("refuses to be advanced twice at once", async () => {
    const clock = quiet();
    clock.setWake(10, () => {}, false);
    const first = clock.advance(1);
    await expect(clock.advance(1)).rejects.toThrow(/already being advanced/);
    await first;
  });

  it("replays random samples from its seed, and reports wall time from its epoch", () => {
    const a = new VirtualClock({ seed: 99, epoch: 1_000, stallTimeout: 0 });
    const b = new VirtualClock({ seed: 99, stallTimeout: 0 });
    const samples = [a.random(), a.random(), a.random()];
    expect([b.random(), b.random(), b.random()]).toEqual(samples);
    const fresh = seededRandom(99);
    expect(fresh()).toBe(samples[0]);
    for (const sample of samples) expect(sample >= 0 && sample < 1).toBe(true);
    expect(a.wallNow()).toBe(1_000);
  });

  it("checks its options", () => {
    expect(() => new VirtualClock({ seed: 1.5 })).toThrow(RangeError);
    expect(() => new VirtualClock({ stallTimeout: -1 })).toThrow(RangeError);
    expect(() => new VirtualClock({ onStall: "shout" as never })).toThrow(/onStall/);
  });

  it("throws at the call, naming the argument and the value, for bad arguments", () => {
    expect(() => new VirtualClock(null as never)).toThrow(
      new TypeError("new VirtualClock(options): options must be an object; got null"),
    );
    expect(() => new VirtualClock({ seed: "7" as never })).toThrow(
      new TypeError('new VirtualClock(options): seed must be an integer; got "7"'),
    );
    const clock = quiet();
    // Synchronously: a rejected promise would surface only where (and if) it is awaited.
    expect(() => clock.advance(-1)).toThrow(
      new RangeError(
        "advance(duration): duration must be a non-negative, finite duration in seconds; got -1",
      ),
    );
    expect(() => clock.advance("5 parsecs" as never)).toThrow(
      /advance\(duration\): duration .*"5 parsecs"/,
    );
    expect(() => clock.runUntilIdle({ limit: 0 })).toThrow(
      new RangeError("runUntilIdle(options): limit must be a positive integer; got 0"),
    );
    expect(() => clock.runUntil(Promise.resolve(), null as never)).toThrow(
      new TypeError("runUntil(promise, options): options must be an object; got null"),
    );
    expect(clock.now()).toBe(0);
  });

  it("warns when a test awaits virtual time that nobody advances", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const clock = new VirtualClock({ stallTimeout: "50ms", onStall: "warn" });
      clock.setWake(60_000, () => {}, false);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/nothing has advanced the clock/);
    } finally {
      warn.mockRestore();
    }
  });

  it("throws an error naming the problem instead of hanging, by default", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/stall.mjs", import.meta.url));
    expect(existsSync(new URL("../dist/index.js", import.meta.url))).toBe(true);
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [fixture], { timeout: 20_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/A test is probably awaiting virtual time/);
  });
});
