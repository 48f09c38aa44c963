/**
 * The owner: polls a quote feed on the main thread and hands a pricing job to a CPU worker that
 * reads the feed and stops it when done. Run: `pnpm --filter async-timer-example-cpu-worker start`.
 */
import { Worker } from "node:worker_threads";
import { shareTimer } from "@async-timer/node-threads";
import type { PricerMessage, PricingJob } from "./job.js";
import { simulatedMarket, startQuoteFeed } from "./quote-feed.js";

const feed = startQuoteFeed({ every: 0.05, fetchRate: simulatedMarket(1.085) });
await feed.wait({ hitCount: 1 });

const handle = shareTimer(feed);
const job: PricingJob = {
  feed: handle,
  option: { strike: 1.1, volatility: 0.08, years: 0.5 },
  batches: 8,
  pathsPerBatch: 1_000_000,
};
// Compiled, this file is dist/main.js and the worker dist/pricer.js, side by side. (A worker
// cannot load .ts through tsx's loader on Node 20, which is why the example runs compiled.)
const pricer = new Worker(new URL("./pricer.js", import.meta.url), {
  workerData: job,
  transferList: [...handle.transfer],
});

pricer.on("message", (message: PricerMessage) => {
  if (message.kind === "batch") {
    const { batch, quote, price, standardError } = message;
    console.log(
      `batch ${batch}: quote #${quote.seq} at ${quote.rate.toFixed(5)} -> ` +
        `call worth ${price.toFixed(5)} ± ${standardError.toFixed(5)}`,
    );
  } else {
    console.log(
      `pricer: done, ${message.quotesSeen} quotes seen; feed running: ${message.feedRunning}`,
    );
  }
});
pricer.on("error", (error) => {
  console.error("pricer failed:", error);
  process.exitCode = 1;
});
pricer.on("exit", async () => {
  console.log(`owner: ${feed.hitCount} quotes polled; feed running: ${feed.isRunning()}`);
  // The pricer stops the feed when it finishes; if it crashed instead, stop it here.
  await feed.cancel();
});
// Once the feed is cancelled and the pricer has exited, nothing keeps this process alive.
