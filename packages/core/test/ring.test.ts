import { describe, expect, it } from "vitest";
import { Ring } from "../src/ring.js";

describe("Ring", () => {
  it("is FIFO through growth and wrap-around", () => {
    const ring = new Ring<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < (round % 7) + 3; i++) ring.push(next++);
      for (let i = 0; i < (round % 5) + 1; i++) out.push(ring.shift() as number);
    }
    while (ring.size > 0) out.push(ring.shift() as number);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(ring.shift()).toBeUndefined();
  });

  it("drops up to n of the oldest and says how many", () => {
    const ring = new Ring<string>();
    for (const letter of "abcdefghijk") ring.push(letter);
    expect(ring.drop(3)).toBe(3);
    expect(ring.shift()).toBe("d");
    expect(ring.drop(100)).toBe(7);
    expect(ring.size).toBe(0);
    expect(ring.drop(1)).toBe(0);
  });

  it("clear() empties it and it keeps working", () => {
    const ring = new Ring<number>();
    for (let i = 0; i < 20; i++) ring.push(i);
    ring.clear();
    expect(ring.size).toBe(0);
    ring.push(7);
    expect(ring.shift()).toBe(7);
  });
});
