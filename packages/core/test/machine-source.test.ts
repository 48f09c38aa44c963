/**
 * A static check of machine.ts itself (not of its behaviour): the pure core must not reach for
 * a clock, a timer, a promise, randomness or I/O. Biome enforces the same with
 * noRestrictedGlobals; this test keeps it true whoever edits the lint config.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("machine.ts", () => {
  it("has no clock, timer, promise, randomness or I/O in it", () => {
    const source = readFileSync(new URL("../src/machine.ts", import.meta.url), "utf8");
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    for (const forbidden of [
      /\bDate\b/,
      /\bperformance\b/,
      /\bsetTimeout\b/,
      /\bsetInterval\b/,
      /\bqueueMicrotask\b/,
      /\bPromise\b/,
      /\basync\b/,
      /\bawait\b/,
      /Math\.random/,
      /\bprocess\b/,
      /\bconsole\b/,
    ]) {
      expect(code).not.toMatch(forbidden);
    }
  });
});
