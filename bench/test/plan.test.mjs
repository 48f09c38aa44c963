import { afterEach, describe, expect, it } from "vitest";
import { ensureNode, parseNodeMajors } from "../lib/nodes.mjs";
import { buildPlan } from "../lib/plan.mjs";
import { buildRows, loggedLines, renderMarkdown } from "../lib/report.mjs";
import { countingLogger, logKinds, logReport } from "../lib/subjects.mjs";

// The harness's own logic, with no child process and no timing: which runs a command line asks
// for, which target each of our rows is held to, and how the table reads the figures.

describe("--node", () => {
  it("defaults to Node 24 and 26, the lines issue #15's targets are set on", () => {
    expect(parseNodeMajors({})).toEqual([24, 26]);
  });

  it("takes a list, `none`, and --node24 as an alias of --node 24", () => {
    expect(parseNodeMajors({ node: "24,26" })).toEqual([24, 26]);
    expect(parseNodeMajors({ node: "22, 24,22" })).toEqual([22, 24]);
    expect(parseNodeMajors({ node: "none" })).toEqual([]);
    expect(parseNodeMajors({ node24: true })).toEqual([24]);
  });

  it("refuses what is not a Node major, naming it", () => {
    expect(() => parseNodeMajors({ node: "24,lts" })).toThrow(RangeError);
    expect(() => parseNodeMajors({ node: "24,lts" })).toThrow('"lts"');
    expect(() => parseNodeMajors({ node: true })).toThrow("--node needs a list");
  });

  describe("a binary from BENCH_NODE<major>", () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });
    const major = Number(process.versions.node.split(".")[0]);

    it("is used as given when it is that Node line", () => {
      process.env[`BENCH_NODE${major}`] = process.execPath;
      expect(ensureNode(major)).toEqual({ node: process.execPath, version: process.version });
    });

    it("is refused when it is another line", () => {
      process.env[`BENCH_NODE${major + 1}`] = process.execPath;
      expect(ensureNode(major + 1).error).toContain(
        `is Node ${process.version}, not Node ${major + 1}`,
      );
    });
  });
});

describe("the plan with --node 24,26 on a Node 20 host", () => {
  const plan = buildPlan("quick", {
    hostMajor: 20,
    runtimes: [
      { major: 24, node: "/opt/node24/bin/node", version: "v24.22.3" },
      { major: 26, node: "/opt/node26/bin/node", version: "v26.12.1" },
    ],
  });
  const metric = (id) => plan.find((m) => m.id === id);
  const run = (id, key) => metric(id).runs.find((r) => r.key === key);

  it("runs every per-runtime metric on each Node, in a group of its own, on that binary", () => {
    for (const id of ["cpu", "saturation", "alloc", "memory", "throughput"]) {
      const groups = new Set(metric(id).runs.map((r) => r.group));
      expect(
        [...groups].filter((g) => g !== "1s"),
        id,
      ).toEqual(["main", "node24", "node26"]);
      const ours = run(id, "timer-delay@node26");
      expect(ours.node, id).toBe("/opt/node26/bin/node");
      expect(ours.floorKey, id).toBe("floor-delay@node26");
      expect(run(id, "timer-delay").node, id).toBeUndefined(); // the host's own Node
    }
    for (const id of ["fanout", "accuracy", "virtual"]) {
      expect(
        metric(id).runs.every((r) => r.node === undefined && r.group === "main"),
        id,
      ).toBe(true);
    }
  });

  it("holds our CPU to ≤ 1.2× the floor and below every peer on Node 24/26, both modes", () => {
    for (const key of [
      "timer-delay@node24",
      "timer-rate@node24",
      "timer-delay@node26",
      "timer-rate@node26",
    ]) {
      expect(run("cpu", key).targets.value.text).toBe("≤ 1.2× floor, below every peer");
      expect(run("cpu", key).ratioTo).toBeUndefined();
    }
  });

  it("holds our CPU to ≤ 1.25× the floor with ALS on Node 20, each mode against its own loop", () => {
    expect(run("cpu", "timer-delay").targets.value.text).toBe("≤ 1.25× floor with ALS");
    expect(run("cpu", "timer-delay").ratioTo).toBe("floor-als");
    expect(run("cpu", "timer-rate").ratioTo).toBe("floor-rate-als");
    expect(run("cpu", "floor-rate-als")).toBeDefined();
    expect(run("cpu", "floor-rate-als@node24")).toBeUndefined(); // no promise hook there
  });

  it("sets issue #15's other targets", () => {
    expect(run("saturation", "timer-rate@node24").targets.value.text).toBe("≥ 0.6× floor");
    expect(run("saturation", "timer-rate@node24").targets.p99.text).toBe("≤ 2× floor");
    expect(run("saturation", "timer-rate@node24").floorKey).toBe("floor-rate@node24");
    expect(run("alloc", "timer-delay@node26").targets.beyond.text).toMatch(
      /^0 B beyond the target's own/,
    );
    expect(run("memory", "timer-delay@node24").targets.value.text).toBe("≤ 450 B");
    expect(run("throughput", "timer-rate").targets.value.text).toBe("≥ 0.6× floor");
    expect(run("saturation", "toad@node24").peer).toBe(true);
    expect(run("alloc", "ref-refresh").peer).toBe(false); // a reference, not a competitor
  });

  it("holds a leased tick to one round trip per slot on every engine, against the unleased timer", () => {
    for (const engine of ["postgres", "ioredis", "node-redis", "postgres-many"]) {
      expect(run("lease", `lease-${engine}`).targets.trips.text).toBe("≤ 1.02 trips");
    }
    expect(run("lease", "lease-postgres").floorKey).toBe("lease-none");
    expect(run("lease", "lease-none").isFloor).toBe(true);
    expect(run("lease", "lease-postgres@node24")).toBeUndefined(); // not a per-runtime metric
  });
});

describe("rows and targets", () => {
  const plan = buildPlan("quick", {
    hostMajor: 20,
    runtimes: [{ major: 24, node: "/opt/node24/bin/node", version: "v24.22.3" }],
  });
  const cpu = plan.find((m) => m.id === "cpu");
  /** Two rounds of the given figures per run key. */
  const raw = (figures) =>
    Object.fromEntries(
      Object.entries(figures).map(([key, v]) => [key, [{ value: v }, { value: v }]]),
    );

  it("checks Node 20's target on the ratio to the floor with ALS, shown beside the plain ratio", () => {
    const rows = buildRows(
      { ...cpu, runs: cpu.runs.filter((r) => r.group === "main") },
      raw({
        "floor-delay": 1,
        "floor-als": 2,
        "timer-delay": 2.4,
        "floor-rate": 1,
        "floor-rate-als": 2,
        "timer-rate": 2.6,
      }),
    );
    const delay = rows.find((r) => r.key === "timer-delay");
    expect(delay.ratio.median).toBeCloseTo(2.4);
    expect(delay.targetRatio.median).toBeCloseTo(1.2);
    expect(delay.met).toBe(true);
    expect(rows.find((r) => r.key === "timer-rate").met).toBe(false); // 1.3× its ALS loop
  });

  it("compares our rows with the peers of the same Node only", () => {
    const rows = buildRows(
      cpu,
      raw({
        "floor-delay": 1,
        "floor-als": 2,
        toad: 0.5, // a fast peer on Node 20 …
        "floor-delay@node24": 1,
        "timer-delay@node24": 1.1,
        "toad@node24": 1.15, // … does not count against Node 24's row
      }),
    );
    expect(rows.find((r) => r.key === "timer-delay@node24").met).toBe(true);
  });

  it("lists a missed target with its ratio and the cause of that metric", () => {
    const rows = buildRows(
      { ...cpu, runs: cpu.runs.filter((r) => r.group === "node24") },
      raw({ "floor-delay@node24": 1, "timer-delay@node24": 1.5, "toad@node24": 2 }),
    );
    const md = renderMarkdown({
      generatedAt: "2026-01-01T00:00:00.000Z",
      command: "pnpm bench",
      rounds: 2,
      size: "quick",
      durationSeconds: 1,
      machine: {
        cpu: "x",
        cores: 2,
        memoryGiB: 1,
        os: "y",
        node: "v20.0.0",
        loadAverageAtStart: [0, 0, 0],
      },
      notes: [],
      metrics: { cpu: { ...cpu, rows } },
    });
    expect(md).toContain(
      "@async-timer/core Timer, fixed_delay — Node 24: 1.50 µs (1.50× the floor)",
    );
    expect(md).toContain("- **1. CPU per tick** (target ≤ 1.2× floor, below every peer)");
  });
});

describe("the counting logger", () => {
  it("counts our Timer's lines by level and by kind, whatever the figures in them", () => {
    const before = logReport();
    countingLogger.warn("[async-timer] fixed_rate: skipped 3 slots; the tick ran past them");
    countingLogger.warn(
      "[async-timer] fixed_rate: skipped 1,204 slots in the last 10 s (since 12.5 s)",
      {
        extra: true,
      },
    );
    countingLogger.warn(
      "[async-timer] fixed_rate: skipped 7 slots in the last 10 s (since 22.5 s)",
    );
    countingLogger.error("[async-timer] target failed", new Error("boom"));
    const after = logReport();
    expect(after.warn - before.warn).toBe(3);
    expect(after.error - before.error).toBe(1);
    expect(logKinds["warn fixed_rate: skipped # slots in the last # s (since # s)"]).toBe(2);
    expect(
      loggedLines([{ logged: after }, { warnings: 2 }]), // an old result line had only `warnings`
    ).toMatch(
      /^logged 5 warn, 1 error line\(s\) over 2 rounds, counted, not printed \(most of the first 4: “warn fixed_rate: skipped # slots in the last # s \(since # s\)” ×2\)$/,
    );
  });
});
