import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requireBuild, runScript } from "./helpers.mjs";

beforeAll(requireBuild);
const out = mkdtempSync(join(tmpdir(), "async-timer-bench-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// Only the harness's plumbing, on the metrics that take no time (no speed is asserted): a run
// writes the JSON and the Markdown table, with the machine, the command and our row.
it("writes latest.json and a Markdown table for the metrics asked for", async () => {
  const { code, stderr } = await runScript("run.mjs", ["--metric", "size", "--out", out]);
  expect(code, stderr).toBe(0);
  const results = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
  expect(results.command).toBe(`pnpm bench --metric size --out ${out}`);
  expect(results.machine.node).toBe(process.version);
  const size = results.metrics.size.rows;
  expect(size.map((r) => r.subject)).toEqual([
    "floor-delay",
    "timer-delay",
    "core-all",
    "sia-dynamic",
    "toad",
    "croner",
    "rxjs",
    "effect-spaced",
  ]);
  const ours = size.find((r) => r.subject === "timer-delay");
  expect(ours.dependencies).toBe(0); // @async-timer/core has no runtime dependency
  expect(ours.median).toBeGreaterThan(0);
  // Issue #15's size targets: Timer alone ≤ 6 KB, all of core ≤ 7.5 KB (min+gz).
  expect(ours.target).toBe("≤ 6,000 B");
  expect(ours.met).toBe(ours.median <= 6000);
  const whole = size.find((r) => r.subject === "core-all");
  expect(whole.label).toBe("@async-timer/core@0.0.0: the whole API (every export)");
  expect(whole.target).toBe("≤ 7,500 B");
  expect(whole.median).toBeGreaterThan(ours.median);
  const table = readFileSync(join(out, "latest.md"), "utf8");
  expect(table).toContain(
    "| metric | subject | median | min – max | ratio to floor | target | met? |",
  );
  expect(table).toContain("@async-timer/core");
  expect(table).toContain(`Node ${process.version.slice(1)}`);
});

it("refuses an unknown metric", async () => {
  const { code, stderr } = await runScript("run.mjs", ["--metric", "speed", "--out", out]);
  expect(code).toBe(2);
  expect(stderr).toContain("unknown metric speed");
});
