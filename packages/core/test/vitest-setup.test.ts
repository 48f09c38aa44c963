/**
 * The workspace's vitest.setup.ts, which every project loads: `toThrow("message")` must fail on
 * a thrown or rejected `undefined`/`null`, or the tests that name an expected error could not
 * notice a promise rejecting with nothing.
 */
import { describe, expect, it } from "vitest";

const refused =
  /expected an error matching .*, but the code (threw|rejected) with (undefined|null)/;

describe("toThrow with a message or pattern (vitest.setup.ts)", () => {
  it("fails when a promise rejects with undefined or null", async () => {
    await expect(expect(Promise.reject(undefined)).rejects.toThrow("failed")).rejects.toThrow(
      refused,
    );
    await expect(expect(Promise.reject(null)).rejects.toThrowError(/failed/)).rejects.toThrow(
      refused,
    );
  });

  it("fails when a function throws undefined or null, calling it once", () => {
    let calls = 0;
    const throwsNothing = (): never => {
      calls++;
      throw undefined;
    };
    expect(() => expect(throwsNothing).toThrow("failed")).toThrow(refused);
    expect(calls).toBe(1);
    expect(() =>
      expect(() => {
        throw null;
      }).toThrowError(/failed/),
    ).toThrow(refused);
  });

  it("still passes on a matching error and fails on another or on none", async () => {
    await expect(Promise.reject(new Error("tick failed"))).rejects.toThrow("failed");
    expect(() => {
      throw new RangeError("delay must be positive");
    }).toThrow(/positive/);
    expect(() => expect(() => 1).toThrow("failed")).toThrow(/to throw/);
    expect(() =>
      expect(() => {
        throw new Error("other");
      }).toThrow("failed"),
    ).toThrow(/failed/);
    expect(() => 1).not.toThrow("failed");
  });
});
