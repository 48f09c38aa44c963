/**
 * The owner's side: a timer that polls a market-data source for the latest exchange rate.
 */
import { type Driver, Timer } from "@async-timer/core";

/** One polled rate; `seq` counts the polls. */
export interface Quote {
  seq: number;
  rate: number;
  at: number;
}

/** Options of {@link startQuoteFeed}. */
export interface QuoteFeedOptions {
  /** Seconds between polls (fixed rate: the grid does not drift with the source's latency). */
  every: number;
  /** Reads the current rate from the market-data source. */
  fetchRate: () => Promise<number>;
  driver?: Driver;
}

/** Starts polling; the timer's `lastResult` is the newest quote. */
export function startQuoteFeed({ every, fetchRate, driver }: QuoteFeedOptions): Timer<Quote> {
  let seq = 0;
  return new Timer(every, async () => ({ seq: ++seq, rate: await fetchRate(), at: Date.now() }), {
    mode: "fixed_rate",
    name: "quote_feed",
    ...(driver === undefined ? {} : { driver }),
  }).start();
}

/** A stand-in for a market-data API: a random walk around `start`, one step per call. */
export function simulatedMarket(start: number): () => Promise<number> {
  let rate = start;
  return async () => {
    rate *= 1 + (Math.random() - 0.5) * 0.002;
    return Math.round(rate * 1e5) / 1e5;
  };
}
