import { beforeAll, expect, it } from "vitest";
import { requireBuild, runScript } from "./helpers.mjs";

beforeAll(requireBuild);

// The short CI version of `pnpm soak`: 1,000 timers under random churn for a few seconds. The
// soak asserts the clauses itself (heap back within 5% of its post-warm-up level, no
// unhandledRejection, no listener left on a passed-in AbortSignal, no timer handle once all is
// cancelled, every subscription in order) and the parent checks that the process then exits by
// itself; here we check that it ran real work and that every one of those checks passed.
it("1,000 churned timers leak nothing, reject nothing unhandled, and deliver in order", async () => {
  const { code, stdout, stderr } = await runScript("soak.mjs", [
    "--duration",
    "10",
    "--warmup",
    "6",
    "--timers",
    "1000",
    "--seed",
    "7",
    "--json",
  ]);
  const json = stdout.slice(stdout.indexOf("{"));
  const report = JSON.parse(json.slice(0, json.lastIndexOf("}") + 1));
  expect(report.failures, stderr).toEqual([]);
  expect(code).toBe(0);
  expect(report.ok).toBe(true);
  expect(report.unhandledRejections).toBe(0);
  expect(report.violations).toBe(0);
  expect(report.activeResources).not.toContain("Timeout");
  // Real work happened: ticks, every kind of churn, values through subscriptions.
  expect(report.stats.ticks).toBeGreaterThan(1000);
  expect(report.stats.delivered).toBeGreaterThan(0);
  for (const op of ["start", "cancel", "trigger", "subscribe", "dropOldest", "setDelay", "close"]) {
    expect(report.stats.ops[op], op).toBeGreaterThan(0);
  }
  expect(Math.abs(report.heap.changePercent)).toBeLessThanOrEqual(report.heap.tolerancePercent);
});
