import { describe, expect, it } from "vitest";
import { jitterFactor, nextDelay, nextSlot } from "../src/schedule.js";

describe("jitterFactor", () => {
  it("spans [1 − jitter, 1 + jitter) as the sample spans [0, 1)", () => {
    expect(jitterFactor(0, 0.7)).toBe(1);
    expect(jitterFactor(0.3, 0)).toBeCloseTo(0.7, 12);
    expect(jitterFactor(0.3, 0.5)).toBeCloseTo(1, 12);
    expect(jitterFactor(0.3, 0.999999)).toBeCloseTo(1.3, 5);
    expect(jitterFactor(1, 0)).toBe(0);
  });
});

describe("nextDelay", () => {
  it("is now + delay × factor", () => {
    expect(nextDelay(1000, 500, 0, 0.9)).toBe(1500);
    expect(nextDelay(1000, 500, 0.5, 0)).toBe(1000);
  });
});

describe("nextSlot", () => {
  it("takes the following slot when the tick ended in time", () => {
    expect(nextSlot(0, 1000, 0, 300, 0, 0)).toEqual({ slot: 1, skipped: 0, wakeAt: 1000 });
    expect(nextSlot(250, 1000, 3, 3300, 0, 0)).toEqual({ slot: 4, skipped: 0, wakeAt: 4250 });
  });

  it("takes the first slot at or after the end, counting the ones passed over", () => {
    expect(nextSlot(0, 1000, 0, 1000, 0, 0)).toEqual({ slot: 1, skipped: 0, wakeAt: 1000 });
    expect(nextSlot(0, 1000, 0, 1001, 0, 0)).toEqual({ slot: 2, skipped: 1, wakeAt: 2000 });
    expect(nextSlot(0, 1000, 0, 4000, 0, 0)).toEqual({ slot: 4, skipped: 3, wakeAt: 4000 });
    expect(nextSlot(100, 1000, 2, 5150, 0, 0)).toEqual({ slot: 6, skipped: 3, wakeAt: 6100 });
  });

  it("counts a tick that ends one period after its slot as on time, whatever the rounding", () => {
    for (const period of [1000 / 3, 1000 / 60, 16.6, 100.1]) {
      for (const anchor of [0, 1234.567, 9e8]) {
        for (let slot = 0; slot < 500; slot++) {
          const end = anchor + slot * period + period;
          expect(nextSlot(anchor, period, slot, end, 0, 0).skipped).toBe(0);
          expect(nextSlot(anchor, period, slot, end + 0.01, 0, 0).skipped).toBe(1);
        }
      }
    }
  });

  it("with a zero period runs back to back", () => {
    expect(nextSlot(0, 0, 7, 123, 0, 0)).toEqual({ slot: 8, skipped: 0, wakeAt: 123 });
  });

  it("never wakes past the slot after next, nor before the tick ended", () => {
    for (const sample of [0, 0.25, 0.5, 0.75, 0.999999]) {
      for (const ended of [0, 100, 900, 1000, 1500]) {
        const { slot, wakeAt } = nextSlot(0, 1000, 0, ended, 1, sample);
        expect(wakeAt).toBeGreaterThanOrEqual(ended);
        expect(wakeAt).toBeLessThan((slot + 1) * 1000);
      }
    }
  });
});
