import { describe, expect, it } from "vitest";
import { jitterFactor, nextSlot, slotWake } from "../src/schedule.js";

describe("jitterFactor", () => {
  it("spans [1 − jitter, 1 + jitter) as the sample spans [0, 1)", () => {
    expect(jitterFactor(0, 0.7)).toBe(1);
    expect(jitterFactor(0.3, 0)).toBeCloseTo(0.7, 12);
    expect(jitterFactor(0.3, 0.5)).toBeCloseTo(1, 12);
    expect(jitterFactor(0.3, 0.999999)).toBeCloseTo(1.3, 5);
    expect(jitterFactor(1, 0)).toBe(0);
  });
});

describe("nextSlot", () => {
  it("takes the following slot when the tick ended in time", () => {
    expect(nextSlot(0, 1000, 0, 300)).toBe(1);
    expect(nextSlot(250, 1000, 3, 3300)).toBe(4);
  });

  it("takes the first slot at or after the end, passing over the ones it missed", () => {
    expect(nextSlot(0, 1000, 0, 1000)).toBe(1);
    expect(nextSlot(0, 1000, 0, 1001)).toBe(2);
    expect(nextSlot(0, 1000, 0, 4000)).toBe(4);
    expect(nextSlot(100, 1000, 2, 5150)).toBe(6);
  });

  it("counts a tick that ends one period after its slot as on time, whatever the rounding", () => {
    for (const period of [1000 / 3, 1000 / 60, 16.6, 100.1]) {
      for (const anchor of [0, 1234.567, 9e8]) {
        for (let slot = 0; slot < 500; slot++) {
          const end = anchor + slot * period + period;
          expect(nextSlot(anchor, period, slot, end)).toBe(slot + 1);
          expect(nextSlot(anchor, period, slot, end + 0.01)).toBe(slot + 2);
        }
      }
    }
  });
});

describe("slotWake", () => {
  it("is the slot itself without jitter", () => {
    expect(slotWake(2000, 1300, 1000, 1)).toBe(2000);
  });

  it("perturbs the time left to the slot, capped at a period", () => {
    expect(slotWake(2000, 1500, 1000, 0.5)).toBe(1750); // half of the 500 ms left
    expect(slotWake(5000, 1000, 1000, 1.5)).toBe(5500); // 4 s left: capped at one period
  });

  it("never wakes past the slot after next, nor before the tick ended", () => {
    for (const sample of [0, 0.25, 0.5, 0.75, 0.999999]) {
      for (const ended of [0, 100, 900, 1000, 1500]) {
        const slot = nextSlot(0, 1000, 0, ended);
        const wakeAt = slotWake(slot * 1000, ended, 1000, jitterFactor(1, sample));
        expect(wakeAt).toBeGreaterThanOrEqual(ended);
        expect(wakeAt).toBeLessThan((slot + 1) * 1000);
      }
    }
  });
});
