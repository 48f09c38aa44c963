/**
 * The guides' diagrams are drawn from runs of the real timer on the virtual clock. These tests
 * pin what those runs show — the behaviour a reader learns from the pictures — and that the
 * pictures draw it.
 */
import { describe, expect, it } from "vitest";
import { diagrams } from "../diagrams/diagrams.js";
import { FAILOVER, simulateFailover } from "../diagrams/failover.js";
import { gridSlots, skippedSlots } from "../diagrams/render.js";
import { simulate, simulateDelivery } from "../diagrams/simulate.js";

const starts = (timeline: { ticks: { start: number }[] }) => timeline.ticks.map((t) => t.start);
const slow = [0.4, 0.4, 2.6, 0.4];

describe("the scheduling diagrams show the timer's real schedule", () => {
  it("fixed_delay: every sleep is the delay, counted from the end of the previous tick", async () => {
    const run = await simulate({ label: "fixed_delay", delay: 2, durations: slow }, 14);
    expect(starts(run)).toEqual([0, 2.4, 4.8, 9.4, 11.8]);
    expect(run.skips).toEqual([]);
  });

  it("fixed_rate: ticks on the grid; the slot a slow tick ran past is skipped and logged", async () => {
    const run = await simulate(
      { label: "fixed_rate", delay: 2, mode: "fixed_rate", durations: slow },
      14,
    );
    expect(starts(run)).toEqual([0, 2, 4, 8, 10, 12, 14]);
    expect(run.skips).toEqual([{ at: 6.6, count: 1 }]);
    expect(run.log).toEqual([
      { at: 6.6, level: "warn", message: expect.stringContaining("skipped 1 slot") },
    ]);
    expect(skippedSlots(run)).toEqual([6]);
  });

  it("a tick running past three slots skips all three, with one warning", async () => {
    const run = await simulate(
      { label: "fixed_rate", delay: 1, mode: "fixed_rate", durations: [0.3, 0.3, 3.4, 0.3] },
      10,
    );
    expect(starts(run).slice(0, 5)).toEqual([0, 1, 2, 6, 7]);
    expect(skippedSlots(run)).toEqual([3, 4, 5]);
  });

  it("jitter keeps fixed_rate ticks within jitter × delay of their own slot", async () => {
    const run = await simulate(
      { label: "fixed_rate", delay: 2, jitter: 0.3, mode: "fixed_rate", durations: [0.3], seed: 3 },
      14,
    );
    const ticks = starts(run);
    expect(ticks.length).toBeGreaterThanOrEqual(6);
    ticks.forEach((start, k) => {
      expect(Math.abs(start - 2 * k)).toBeLessThanOrEqual(0.6 + 1e-9);
    });
    expect(new Set(ticks.map((start, k) => (start - 2 * k).toFixed(3))).size).toBeGreaterThan(2);
    expect(run.skips).toEqual([]);
  });

  it("jitter under fixed_delay keeps each sleep within [0.7, 1.3] × delay", async () => {
    const run = await simulate(
      { label: "fixed_delay", delay: 2, jitter: 0.3, durations: [0.3], seed: 3 },
      14,
    );
    for (let i = 1; i < run.ticks.length; i++) {
      const sleep = (run.ticks[i]?.start ?? 0) - (run.ticks[i - 1]?.end ?? 0);
      expect(sleep).toBeGreaterThanOrEqual(1.4 - 1e-9);
      expect(sleep).toBeLessThanOrEqual(2.6 + 1e-9);
    }
  });

  it("initialDelay postpones the first tick only", async () => {
    const run = await simulate(
      { label: "initialDelay", delay: 2, initialDelay: 1.5, durations: [0.3] },
      9,
    );
    expect(starts(run)).toEqual([1.5, 3.8, 6.1, 8.4]);
  });

  it("trigger(): a fresh tick at once; fixed_rate re-anchors its grid there", async () => {
    const delayRun = await simulate(
      { label: "fixed_delay", delay: 3, durations: [0.4], triggers: [4.2] },
      14,
    );
    expect(starts(delayRun)).toEqual([0, 3.4, 4.2, 7.6, 11]);
    expect(delayRun.ticks.map((t) => t.triggered)).toEqual([false, false, true, false, false]);

    const rateRun = await simulate(
      { label: "fixed_rate", delay: 3, mode: "fixed_rate", durations: [0.4], triggers: [4.2] },
      14,
    );
    expect(starts(rateRun)).toEqual([0, 3, 4.2, 7.2, 10.2, 13.2]);
    expect(gridSlots(rateRun)).toEqual([0, 3, 4.2, 7.2, 10.2, 13.2]);
  });
});

describe("the delivery diagram shows the two delivery models", () => {
  it("latest value misses ticks; subscribe() gets all; maxsize drops the oldest", async () => {
    const trace = await simulateDelivery({ delay: 1, work: 2.5, maxsize: 2, horizon: 9.5 });
    expect(trace.produced.map((p) => p.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [latest, every, bounded] = trace.consumers;
    expect(latest?.handled.map((h) => h.value)).toEqual([1, 4, 7, 10]);
    expect(every?.handled.map((h) => h.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(every?.dropped).toBe(0);
    expect(bounded?.handled.map((h) => h.value)).toEqual([1, 2, 4, 7, 9, 10]);
    expect(bounded?.dropped).toBe(4);
    expect(bounded?.missed).toEqual([3, 5, 6, 8]);
  });
});

describe("the SVG files", () => {
  it.each(diagrams.map((diagram) => [diagram.file, diagram] as const))(
    "%s is an accessible SVG drawn from the run",
    async (_file, diagram) => {
      const svg = await diagram.render();
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain(`<title id="title">`);
      expect(svg).toContain(`<desc id="desc">`);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(await diagram.render()).toBe(svg); // deterministic: rebuilds change nothing
    },
  );

  it("draws one cross per skipped slot", async () => {
    const diagram = diagrams.find((d) => d.file === "skipped-slots.svg");
    const svg = (await diagram?.render()) ?? "";
    expect(svg.match(/>skipped</g)?.length).toBe(3);
  });
});

describe("the failover diagram shows the lease's real hand-over", () => {
  it("the holder runs every slot until cut off; after its lease expires another runs the rest, once each", async () => {
    const trace = await simulateFailover(FAILOVER);
    const [one, two, three] = trace.replicas;
    const slots = (r: typeof one) => r?.ticks.map((t) => t.slot - trace.firstSlot);
    expect(slots(one)).toEqual([1, 2, 3, 4, 5]);
    expect(slots(two)).toEqual([8, 9, 10, 11, 12, 13]);
    expect(slots(three)).toEqual([]);
    // The hand-over raises the epoch: the fence a side effect would check.
    const epochs = (r: typeof one) => new Set(r?.ticks.map((t) => t.epoch));
    expect(epochs(one).size).toBe(1);
    expect(epochs(two).size).toBe(1);
    expect([...epochs(two)][0]).toBe(([...epochs(one)][0] as number) + 1);
    // web-1 is told when its lease expires (ttl after its last renewal), web-2 gains it then.
    expect(one?.events.map((e) => [e.what, e.at, e.reason])).toEqual([
      ["gained", 0, undefined],
      ["partitioned", 5.5, undefined],
      ["lost", 8, "expired"],
    ]);
    expect(two?.events.map((e) => e.what)).toEqual(["gained"]);
  });
});
