/**
 * The pipeline on a virtual clock: a sample a second, an exporter that needs 2.5 s per sample.
 */
import { VirtualClock } from "@async-timer/testing";
import { describe, expect, it } from "vitest";
import { type Exporter, type Sample, startPipeline } from "../src/pipeline.js";

function slowExporter(clock: VirtualClock, seconds: number, fail?: (s: Sample) => boolean) {
  const sent: { seq: number; at: number }[] = [];
  const exporter: Exporter = {
    async export(sample) {
      await new Promise<void>((done) => clock.setWake(clock.now() + seconds * 1000, done, false));
      if (fail?.(sample)) throw new Error(`export failed for #${sample.seq}`);
      sent.push({ seq: sample.seq, at: clock.seconds });
    },
  };
  return { exporter, sent };
}

describe("metrics on a fixed rate with a slow exporter", () => {
  it("samples on the grid, whatever the exporter is doing", async () => {
    const clock = new VirtualClock();
    const { exporter } = slowExporter(clock, 2.5);
    const pipeline = startPipeline({
      every: 1,
      read: () => ({ load: clock.seconds }),
      exporter,
      maxsize: 3,
      logger: {},
      driver: clock,
    });
    await clock.advance(20);
    expect(pipeline.timer.hitCount).toBe(21); // at 0, 1, …, 20 s: never pushed back
    expect(pipeline.timer.lastResult?.values).toEqual({ load: 20 });
    await clock.runUntil(pipeline.stop());
  });

  it("keeps the queue bounded and exports the newest samples, in order", async () => {
    const clock = new VirtualClock();
    const { exporter, sent } = slowExporter(clock, 2.5);
    const warnings: string[] = [];
    const pipeline = startPipeline({
      every: 1,
      read: () => ({}),
      exporter,
      maxsize: 3,
      logger: { warn: (line) => warnings.push(line) },
      driver: clock,
    });
    await clock.advance(30);
    const seqs = sent.map((entry) => entry.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in order
    // Behind as it is, the exporter is never further behind than the queue is long.
    const last = sent.at(-1);
    expect(31 - (last?.seq ?? 0)).toBeLessThanOrEqual(3 + 1 + 1);
    expect(warnings.some((line) => line.includes('subscription "exporter" is full'))).toBe(true);
    await clock.runUntil(pipeline.stop());
    // 31 samples (0 … 30 s). One export per 2.5 s gives 12 by 30 s; on stop, the one in flight
    // and the 3 queued go out too: 16 exported, the other 15 shed. None is unaccounted for.
    expect(pipeline.timer.hitCount).toBe(31);
    expect(pipeline.exported).toBe(16);
    expect(pipeline.dropped).toBe(15);
  });

  it("on stop, exports what was queued, then ends", async () => {
    const clock = new VirtualClock();
    const { exporter, sent } = slowExporter(clock, 2.5);
    const pipeline = startPipeline({
      every: 1,
      read: () => ({}),
      exporter,
      maxsize: 3,
      logger: {},
      driver: clock,
    });
    await clock.advance(10);
    const sampled = pipeline.timer.hitCount;
    const stopped = pipeline.stop();
    await clock.runUntil(stopped);
    expect(pipeline.timer.isRunning()).toBe(false);
    expect(sent.at(-1)?.seq).toBe(sampled); // the newest sample made it out
    expect(pipeline.exported + pipeline.dropped).toBe(sampled);
    expect(clock.pending).toBe(0); // nothing left scheduled
  });

  it("a failing export is logged and skipped; sampling and exporting go on", async () => {
    const clock = new VirtualClock();
    const { exporter, sent } = slowExporter(clock, 0.5, (sample) => sample.seq === 2);
    const warnings: string[] = [];
    const pipeline = startPipeline({
      every: 1,
      read: () => ({}),
      exporter,
      maxsize: 3,
      logger: { warn: (line) => warnings.push(line) },
      driver: clock,
    });
    await clock.advance(5);
    expect(sent.map((entry) => entry.seq)).toEqual([1, 3, 4, 5]);
    expect(pipeline.failed).toBe(1);
    expect(warnings).toContain("export of sample 2 failed; skipped");
    expect(pipeline.timer.isRunning()).toBe(true);
    await clock.runUntil(pipeline.stop());
  });

  it("a failing sampler stops sampling; the queue is still exported and stop() reports the error", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const clock = new VirtualClock();
      const { exporter, sent } = slowExporter(clock, 0.5);
      let reads = 0;
      const pipeline = startPipeline({
        every: 1,
        read: () => {
          if (++reads === 5) throw new Error("metrics source broke");
          return {};
        },
        exporter,
        maxsize: 3,
        logger: { warn: () => {}, error: () => {} },
        driver: clock,
      });
      await clock.advance(10);
      await new Promise((resolve) => setTimeout(resolve, 10)); // let Node report anything unhandled
      expect(unhandled).toEqual([]);
      expect(pipeline.timer.isRunning()).toBe(false);
      expect(sent.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
      await expect(clock.runUntil(pipeline.stop())).rejects.toThrow("metrics source broke");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
