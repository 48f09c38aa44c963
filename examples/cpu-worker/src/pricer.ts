/**
 * The worker: prices an option batch after batch on the newest quote, synchronously — its event
 * loop is busy the whole time, which is why it reads the feed lock-free and controls it with the
 * blocking calls. When the job is done it stops the feed: nobody else needs the quotes.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openTimer } from "@async-timer/node-threads";
import type { PricerMessage, PricingJob } from "./job.js";
import { priceByMonteCarlo } from "./monte-carlo.js";

const job = workerData as PricingJob;
const feed = openTimer(job.feed);
const report = (message: PricerMessage) => parentPort?.postMessage(message);

// Start from a fresh quote: the owner polls once now and this thread gets that tick's value.
let quote = feed.triggerSync({ timeout: 5 });
for (let batch = 1; batch <= job.batches; batch++) {
  quote = feed.lastResult() ?? quote; // never blocks: the newest quote the owner published
  const estimate = priceByMonteCarlo({ ...job.option, spot: quote.rate }, job.pathsPerBatch, batch);
  report({ kind: "batch", batch, quote, ...estimate });
}

// Blocks until the owner's `await feed.cancel()` has finished: no poll is in flight after this.
feed.cancelSync({ timeout: 5 });
report({ kind: "done", feedRunning: feed.isRunning(), quotesSeen: feed.hitCount });
