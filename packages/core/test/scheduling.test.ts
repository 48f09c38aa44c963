import { describe, expect, it } from "vitest";
import { Timer, type TimerOptions } from "../src/index.js";
import { clock, recordingLogger, sleep, type VirtualClock } from "./helpers.js";

/** A timer whose target records when each tick starts and ends (virtual ms). */
function probe(on: VirtualClock, delay: number, work: number, options: TimerOptions<number> = {}) {
  const starts: number[] = [];
  const ends: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const timer = new Timer(
    delay,
    async ({ signal }) => {
      starts.push(on.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        if (work > 0) await sleep(on, work, signal);
      } finally {
        inFlight--;
      }
      ends.push(on.now());
      return starts.length;
    },
    { driver: on, ...options },
  );
  return { timer, starts, ends, maxInFlight: () => maxInFlight };
}

describe("the first tick", () => {
  it("fires at start(), not synchronously inside it", async () => {
    const c = clock();
    let calls = 0;
    const timer = new Timer(12, () => ++calls, { driver: c });
    timer.start();
    expect(calls).toBe(0);
    expect(await timer.join()).toBe(1);
    expect(c.now()).toBe(0);
    await timer.cancel();
  });

  it("fires at start() + initialDelay", async () => {
    const c = clock();
    await c.advance(3);
    const { timer, starts } = probe(c, 10, 0, { initialDelay: "1.5s" });
    timer.start();
    await c.advance(1.499);
    expect(starts).toEqual([]);
    await c.advance(0.001);
    expect(starts).toEqual([4500]);
    await timer.cancel();
  });

  it("with start: true starts from the constructor", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c, start: true });
    expect(timer.isRunning()).toBe(true);
    expect(await timer.join()).toBe(1);
    await timer.cancel();
  });
});

describe("fixed_delay", () => {
  it("sleeps `delay` after each tick finishes", async () => {
    const c = clock();
    const { timer, starts, ends } = probe(c, 5, 1500);
    timer.start();
    await c.advance(20);
    expect(starts).toEqual([0, 6500, 13000, 19500]);
    expect(ends).toEqual([1500, 8000, 14500]);
    await timer.cancel();
  });

  it("never overlaps a slow target with itself", async () => {
    const c = clock();
    const { timer, maxInFlight } = probe(c, 0.1, 750);
    timer.start();
    await c.advance(10);
    expect(timer.hitCount).toBeGreaterThan(10);
    expect(maxInFlight()).toBe(1);
    await timer.cancel();
  });

  it("with a zero delay re-arms a wake for the same instant after each tick", async () => {
    const c = clock();
    const timer = new Timer(0, () => 1, { driver: c }).start();
    await c.settle(); // the first tick, on the microtask after start()
    expect(timer.hitCount).toBe(1);
    for (let i = 0; i < 5; i++) await c.next();
    expect(timer.hitCount).toBe(6);
    expect(c.now()).toBe(0);
    expect(c.pending).toBe(1);
    await expect(c.advance(1)).rejects.toThrow(/zero-delay timer never lets time pass/);
    await timer.cancel();
    expect(c.pending).toBe(0);
  });
});

describe("fixed_rate", () => {
  it("ticks on slots anchored at the first tick, whatever the tick's duration", async () => {
    const c = clock();
    const { timer, starts } = probe(c, 2, 700, { mode: "fixed_rate", initialDelay: 0.5 });
    timer.start();
    await c.advance(8.5);
    expect(starts).toEqual([500, 2500, 4500, 6500, 8500]);
    await timer.cancel();
  });

  it("skips slots a slow tick ran past, and logs how many at warn level with the name", async () => {
    const c = clock();
    const logger = recordingLogger();
    const durations = [100, 4500, 100, 100];
    const starts: number[] = [];
    const timer = new Timer(
      1,
      async ({ signal }) => {
        starts.push(c.now());
        await sleep(c, durations[starts.length - 1] ?? 100, signal);
      },
      { driver: c, mode: "fixed_rate", name: "rates", logger },
    );
    timer.start();
    await c.advance(7);
    // The second tick (slot 1, t=1000) ends at 5500: slots 2..5 are skipped, slot 6 fires.
    expect(starts).toEqual([0, 1000, 6000, 7000]);
    expect(logger.at("warn")).toEqual([
      "[async-timer] rates: fixed_rate: skipped 4 slots; the tick ran past them",
    ]);
    await timer.cancel();
  });

  it("fires a slot that falls exactly on the finish time", async () => {
    const c = clock();
    const logger = recordingLogger();
    const { timer, starts } = probe(c, 1, 1000, { mode: "fixed_rate", logger });
    timer.start();
    await c.advance(3);
    expect(starts).toEqual([0, 1000, 2000, 3000]);
    expect(logger.lines).toEqual([]);
    await timer.cancel();
  });
});

describe("jitter", () => {
  it("multiplies each fixed-delay sleep by a factor in [1 − jitter, 1 + jitter]", async () => {
    const c = clock(7);
    const { timer, starts, ends } = probe(c, 10, 0, { jitter: 0.3 });
    timer.start();
    await c.advance(2000);
    const sleeps = starts.slice(1).map((start, i) => start - (ends[i] as number));
    expect(sleeps.length).toBeGreaterThan(100);
    for (const sleep of sleeps) {
      expect(sleep).toBeGreaterThanOrEqual(7000);
      expect(sleep).toBeLessThanOrEqual(13000);
    }
    // Spread over the range, not a constant.
    expect(Math.min(...sleeps)).toBeLessThan(7600);
    expect(Math.max(...sleeps)).toBeGreaterThan(12400);
    await timer.cancel();
  });

  it("never applies to the initial delay", async () => {
    const c = clock(3);
    const { timer, starts } = probe(c, 10, 0, { jitter: 1, initialDelay: 4 });
    timer.start();
    await c.advance(4);
    expect(starts).toEqual([4000]);
    await timer.cancel();
  });

  it("under fixed_rate never causes a skip by itself and never drifts off the grid", async () => {
    const c = clock(11);
    const logger = recordingLogger();
    const { timer, starts } = probe(c, 1, 0, { mode: "fixed_rate", jitter: 1, logger });
    timer.start();
    await c.advance(1000);
    expect(logger.lines).toEqual([]);
    // Tick k belongs to slot k: jitter 1 displaces it by at most one period, never more.
    starts.forEach((start, k) => {
      expect(Math.abs(start - k * 1000)).toBeLessThanOrEqual(1000);
    });
    expect(starts.length).toBeGreaterThanOrEqual(1000);
    await timer.cancel();
  });

  it("replays exactly from the same seed", async () => {
    const run = async (seed: number) => {
      const c = clock(seed);
      const { timer, starts } = probe(c, 1, 0, { jitter: 0.5 });
      timer.start();
      await c.advance(30);
      await timer.cancel();
      return starts;
    };
    expect(await run(42)).toEqual(await run(42));
    expect(await run(42)).not.toEqual(await run(43));
  });
});

describe("setDelay", () => {
  it("takes effect at the next sleep under fixed_delay", async () => {
    const c = clock();
    const { timer, starts } = probe(c, 10, 0);
    timer.start();
    await c.advance(1);
    timer.setDelay("2s");
    expect(timer.delay).toBe(2);
    await c.advance(15);
    expect(starts).toEqual([0, 10000, 12000, 14000, 16000]);
    await timer.cancel();
  });

  it("re-anchors at the next slot under fixed_rate", async () => {
    const c = clock();
    const { timer, starts } = probe(c, 10, 100, { mode: "fixed_rate" });
    timer.start();
    await c.advance(5);
    timer.setDelay(3);
    await c.advance(15);
    // The current sleep (to 10 s) is kept; from there the grid is 3 s.
    expect(starts).toEqual([0, 10000, 13000, 16000, 19000]);
    await timer.cancel();
  });

  it("from a zero delay under fixed_rate anchors the new grid at the next tick, skipping nothing", async () => {
    const c = clock();
    const logger = recordingLogger();
    const { timer, starts } = probe(c, 0, 250, { mode: "fixed_rate", logger });
    timer.start();
    await c.advance(1.1); // back to back: 0, 250, …, 1000 (in flight until 1250)
    timer.setDelay(1);
    await c.advance(3.5);
    expect(starts).toEqual([0, 250, 500, 750, 1000, 1250, 2250, 3250, 4250]);
    expect(logger.lines).toEqual([]);
    await c.runUntil(timer.cancel());
  });
});

describe("fixed_rate with periods that are not exact in binary", () => {
  it.each([1 / 3, 1 / 60, 0.0166])(
    "a tick lasting exactly one period (%d s) ends on the next slot, which fires",
    async (delay) => {
      const c = clock();
      const logger = recordingLogger();
      const { timer, starts } = probe(c, delay, delay * 1000, { mode: "fixed_rate", logger });
      timer.start();
      await c.advance(1000.5 * delay); // slots 0…1000: rounding errors must not add up to skips
      expect(starts.length).toBe(1001);
      expect(logger.lines).toEqual([]);
      await c.runUntil(timer.cancel());
    },
  );
});

describe("long delays", () => {
  it("sleep their full length, past what setTimeout can hold", async () => {
    const c = clock();
    const thirtyDays = 30 * 24 * 3600;
    // A whole number of kiloseconds, which the seconds-trap warning would take for milliseconds.
    const { timer, starts } = probe(c, thirtyDays, 0, { logger: {} });
    timer.start();
    await c.advance(thirtyDays - 1);
    expect(starts).toEqual([0]);
    await c.advance(1);
    expect(starts).toEqual([0, thirtyDays * 1000]);
    await timer.cancel();
  });
});

describe("counters", () => {
  it("hitCount counts successful ticks across restarts; lastResult and lastTickAt follow", async () => {
    const c = new (await import("./helpers.js")).VirtualClock({
      epoch: 1_700_000_000_000,
      stallTimeout: 0,
    });
    let n = 0;
    const timer = new Timer(1, () => ++n * 10, { driver: c });
    expect(timer.lastResult).toBeUndefined();
    expect(timer.lastTickAt).toBeUndefined();
    timer.start();
    await c.advance(2);
    expect(timer.hitCount).toBe(3);
    expect(timer.lastResult).toBe(30);
    expect(timer.lastTickAt).toBe(1_700_000_002_000);
    await timer.cancel();
    timer.start();
    await c.advance(0);
    expect(timer.hitCount).toBe(4);
    await timer.cancel();
  });

  it("TickContext.hitCount is the hitCount when the tick starts", async () => {
    const c = clock();
    const seen: number[] = [];
    const timer = new Timer(1, ({ hitCount }) => seen.push(hitCount), { driver: c }).start();
    await c.advance(3);
    expect(seen).toEqual([0, 1, 2, 3]);
    await timer.cancel();
  });
});

describe("toString and inspect", () => {
  it("show name, delay, mode, state and hits", async () => {
    const c = clock();
    const named = new Timer(5, () => 1, { driver: c, name: "db_refresh", mode: "fixed_rate" });
    expect(String(named)).toBe("Timer(db_refresh, delay=5s, fixed_rate, idle, hits=0)");
    named.start();
    await c.advance(10);
    expect(String(named)).toBe("Timer(db_refresh, delay=5s, fixed_rate, running, hits=3)");
    const { inspect } = await import("node:util");
    expect(inspect(named)).toBe(String(named));
    await named.cancel();
    expect(String(new Timer(0.25, () => 1, { driver: c }))).toBe(
      "Timer(delay=0.25s, fixed_delay, idle, hits=0)",
    );
  });
});
