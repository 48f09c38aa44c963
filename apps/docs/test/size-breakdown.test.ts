import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sizeBreakdown } from "../scripts/size-breakdown.mjs";
import { repoRoot } from "../scripts/workspace.mjs";

describe("size breakdown (pnpm --filter async-timer-docs size:breakdown)", () => {
  it("attributes core's bundle to its source files, largest share first", async () => {
    const entry = join(repoRoot, "packages", "core", "dist", "index.js");
    const { total, files } = await sizeBreakdown(entry);
    const names = files.map((file) => file.file);
    // Every module the main entry bundles shows up, named by its source file.
    for (const module of ["timer.ts", "machine.ts", "consumers.ts", "group.ts", "check.ts"]) {
      expect(names).toContain(module);
    }
    const shares = files.map((file) => file.gzipped);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // Each share is part of the whole; together they cannot exceed it (gzip shares a dictionary).
    for (const share of shares) expect(share).toBeGreaterThan(0);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeLessThanOrEqual(total);
  });
});
