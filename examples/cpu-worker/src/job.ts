/** What the owner asks of the pricing worker, and what the worker reports back. */
import type { TimerHandle } from "@async-timer/node-threads";
import type { Option } from "./monte-carlo.js";
import type { Quote } from "./quote-feed.js";

/** The worker's `workerData`: the feed's handle and the job. */
export interface PricingJob {
  feed: TimerHandle<Quote>;
  option: Omit<Option, "spot">;
  batches: number;
  pathsPerBatch: number;
}

/** Messages from the worker to the owner. */
export type PricerMessage =
  | { kind: "batch"; batch: number; quote: Quote; price: number; standardError: number }
  | { kind: "done"; feedRunning: boolean; quotesSeen: number };
