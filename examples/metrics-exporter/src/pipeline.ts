/**
 * Metrics emission: a `fixed_rate` timer samples on a steady grid (one sample per period, on the
 * period, whatever the exporter is doing), and a bounded subscription feeds the exporter. When
 * the exporter is slower than the sampling rate, the queue keeps only the newest `maxsize`
 * samples: memory stays bounded and what is exported stays recent.
 */
import { type Driver, type Duration, type Logger, Timer } from "@async-timer/core";

export interface Sample {
  /** 1, 2, 3 … in sampling order. */
  readonly seq: number;
  /** Epoch milliseconds (the driver's wall clock). */
  readonly at: number;
  readonly values: Readonly<Record<string, number>>;
}

export interface Exporter {
  /** Sends one sample; may be slow; may fail. */
  export(sample: Sample): Promise<void>;
}

export interface PipelineOptions {
  /** Sampling period. */
  every: Duration;
  /** Reads the current values. */
  read: () => Record<string, number>;
  exporter: Exporter;
  /** Most samples waiting for the exporter; older ones are dropped. */
  maxsize: number;
  logger?: Logger;
  driver?: Driver;
}

export interface Pipeline {
  readonly timer: Timer<Sample>;
  /** Samples exported successfully. */
  readonly exported: number;
  /** Samples the bounded queue dropped because the exporter was behind. */
  readonly dropped: number;
  /** Samples whose export failed (logged, then skipped). */
  readonly failed: number;
  /**
   * Stops sampling, lets the exporter drain what is queued, and resolves when it has — or
   * rejects with the sampler's error, if a failing `read()` stopped sampling first.
   */
  stop(): Promise<void>;
}

export function startPipeline(options: PipelineOptions): Pipeline {
  const { exporter, logger, driver } = options;
  let seq = 0;
  const timer: Timer<Sample> = new Timer(
    options.every,
    (): Sample => ({ seq: ++seq, at: timer.driver.wallNow(), values: options.read() }),
    { name: "metrics", mode: "fixed_rate", ...(logger && { logger }), ...(driver && { driver }) },
  );
  // Subscribe before starting, so the first sample is queued too.
  const feed = timer.subscribe({ maxsize: options.maxsize, name: "exporter" });
  timer.start();

  let exported = 0;
  let failed = 0;
  // A sampler that throws stops the timer (its default policy, logged by the timer); the feed
  // then ends with that error after the queued samples. Kept for stop() to report, so it is
  // never an unhandled rejection while nobody has called stop() yet.
  let samplerError: { error: unknown } | undefined;
  const drained = (async () => {
    try {
      for await (const sample of feed) {
        try {
          await exporter.export(sample);
          exported += 1;
        } catch (error) {
          failed += 1;
          logger?.warn?.(`export of sample ${sample.seq} failed; skipped`, error);
        }
      }
    } catch (error) {
      samplerError = { error };
    }
  })();

  return {
    timer,
    get exported() {
      return exported;
    },
    get dropped() {
      return feed.droppedCount;
    },
    get failed() {
      return failed;
    },
    async stop() {
      await timer.cancel(); // the subscription ends after its buffer …
      await drained; // … which the exporter works through
      if (samplerError !== undefined) throw samplerError.error;
    },
  };
}

/** The process's own numbers, as a real service might export them. */
export function processMetrics(): Record<string, number> {
  const memory = process.memoryUsage();
  return { rss: memory.rss, heapUsed: memory.heapUsed, uptime: process.uptime() };
}
