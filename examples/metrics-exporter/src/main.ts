/**
 * Five seconds of the pipeline in real time: a sample every 100 ms, an exporter that needs
 * 350 ms per sample, a queue of at most 5. Run: `pnpm --filter async-timer-example-metrics-exporter start`.
 */
import { type Exporter, processMetrics, startPipeline } from "./pipeline.js";

const slowExporter: Exporter = {
  async export(sample) {
    await new Promise((resolve) => setTimeout(resolve, 350));
    console.log(`exported #${sample.seq} (rss ${(sample.values.rss ?? 0) >> 20} MiB)`);
  },
};

const pipeline = startPipeline({
  every: "100ms",
  read: processMetrics,
  exporter: slowExporter,
  maxsize: 5,
  logger: { warn: () => {} }, // the drops are counted below rather than logged one by one
});

await new Promise((resolve) => setTimeout(resolve, 5000));
await pipeline.stop();
console.log(
  `sampled ${pipeline.timer.hitCount}, exported ${pipeline.exported}, dropped ${pipeline.dropped}`,
);
