// The chaos run, in child processes against throwaway servers (the shared ones are never
// stopped). The short run is part of `pnpm test`; `pnpm chaos` runs the long one on every
// engine and prints its figures (ASYNC_TIMER_CHAOS=long).
import { describe, expect, it } from "vitest";
import {
  type ChaosConfig,
  type ChaosEngine,
  type ChaosReport,
  runChaos,
  summary,
} from "./chaos/harness.js";

const long = process.env.ASYNC_TIMER_CHAOS === "long";

function config(engine: ChaosEngine): ChaosConfig {
  if (!long) {
    // ≥ 1,000 slots in about 22 s: every kind of fault, each at least once.
    return {
      engine,
      replicas: 4,
      delay: 20,
      ttl: 500,
      renew: 250,
      skews: [-5000, 0, 5000, 0],
      work: 8,
      duration: 22_000,
      events: [
        { at: 2_000, kind: "kill" },
        { at: 5_000, kind: "stop" },
        { at: 8_000, kind: "restart" },
        { at: 11_500, kind: "partition" },
        { at: 15_000, kind: "drop" },
        { at: 16_500, kind: "kill" },
        { at: 19_000, kind: "stop" },
      ],
    };
  }
  // ≥ 10,000 slots: a fault every 4 s, round robin.
  const kinds = [
    "kill",
    "stop",
    "partition",
    "drop",
    "kill",
    "restart",
    "stop",
    "partition",
  ] as const;
  const duration = 215_000;
  return {
    engine,
    replicas: 5,
    delay: 20,
    ttl: 500,
    renew: 250,
    skews: [-5000, 0, 5000, -2500, 2500],
    work: 8,
    duration,
    events: Array.from({ length: Math.floor(duration / 4000) - 1 }, (_, i) => ({
      at: 3000 + i * 4000,
      kind: kinds[i % kinds.length] as ChaosConfig["events"][number]["kind"],
    })),
  };
}

function check(report: ChaosReport): void {
  const { config: c } = report;
  // 1. Zero duplicate slot starts; and no later slot under an older epoch.
  expect(report.duplicates).toEqual([]);
  expect(report.epochInversions).toBe(0);
  expect(report.slots).toBeGreaterThanOrEqual(long ? 10_000 : 1_000);
  // 2. A stale holder is told: after SIGCONT it records the loss and starts no slot it lost.
  expect(report.stops.length).toBeGreaterThan(0);
  for (const stop of report.stops)
    expect(stop).toEqual({ victim: stop.victim, lost: true, startedStale: false });
  // 3 and 6. Failover within ttl + renew + delay; missed slots per failover bounded.
  const failovers = report.failovers.filter((f) => f.kind !== "drop");
  expect(failovers.length).toBeGreaterThanOrEqual(long ? 20 : 4);
  for (const failover of failovers) {
    expect(failover.ms).toBeLessThanOrEqual(c.ttl + c.renew + c.delay);
    expect(failover.missed).toBeLessThanOrEqual(Math.ceil((c.ttl + c.renew) / c.delay));
  }
  // 4. Skewed replicas (±5 s) held the lease too: the clock they read does not matter.
  const skewed = Object.keys(report.startsByReplica)
    .map(Number)
    .filter((replica) => c.skews[replica % c.skews.length] !== 0);
  expect(skewed.length).toBeGreaterThan(0);
  // 5. The engine restarted: ticks resumed by themselves, the missed slots were reported.
  for (const restart of report.restarts) {
    expect(restart.recoveredMs).toBeLessThan(5_000);
    expect(restart.missed).toBeGreaterThan(0);
  }
  // What onMissed reported as missed was indeed never started.
  const started = new Set(report.starts.map((start) => start.slot));
  for (const line of report.lines.filter((l) => l.t === "missed")) {
    for (let slot = line.from as number; slot <= (line.to as number); slot++) {
      expect(started.has(slot)).toBe(false);
    }
  }
}

describe("chaos: child processes, one leased timer each", () => {
  const engines: ChaosEngine[] = long ? ["postgres", "ioredis", "node-redis"] : ["postgres"];
  for (const engine of engines) {
    it(
      `${engine}: ${long ? "≥ 10,000" : "≥ 1,000"} slots through kill -9, SIGSTOP, partitions, dropped connections and an engine restart`,
      async () => {
        const report = await runChaos(config(engine));
        if (long) console.log(`\n${summary(report)}\n`);
        check(report);
      },
      long ? 400_000 : 60_000,
    );
  }
});
