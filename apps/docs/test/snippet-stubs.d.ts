// What the documentation's examples call but leave to the reader: "your code".
// Each example is type-checked against these and the packages' real types.
import type { Driver, TickContext } from "@async-timer/core";

declare global {
  type Rows = { id: number; name: string }[];
  const db: { fetch(): Promise<Rows> };
  function refreshCache(): Promise<void>;
  function refreshDb(): Promise<Rows>;
  function pruneCache(): Promise<void>;
  function readSensor(): Promise<number>;
  function logIt(value: unknown): Promise<void>;
  function sleep(ms: number): Promise<void>;
  function slowExport(value: unknown): Promise<void>;
  function loadPrices(): Promise<Record<string, number>>;
  function sampleMetrics(): Promise<number>;
  function exportSample(sample: number): Promise<void>;
  function pollQueue(context: TickContext): Promise<number>;
  function syncInventory(context: TickContext): Promise<void>;
  /** Serves requests until the server shuts down. */
  function listen(): Promise<void>;
  /** Your app's startup/shutdown around `serve`, with its timers on `driver`. */
  function lifespan(serve: () => Promise<void>, driver?: Driver): Promise<void>;
  /** Your app's cache. */
  const cache: { initialised: boolean };
  /** Resolves when the HTTP server has closed. */
  function onceServerCloses(): Promise<void>;
  // @async-timer/lease README and the guide "Running on many replicas"
  /** Your node-postgres Pool. */
  const pool: import("@async-timer/lease/postgres").Queryable;
  /** Your ioredis client. */
  const redis: import("@async-timer/lease/redis").IoRedisLike;
  function sendDigest(options: { signal: AbortSignal; idempotencyKey: string }): Promise<void>;
  function refreshRates(fence: import("@async-timer/core").Fence | undefined): Promise<void>;
  function myStore(): import("@async-timer/lease").LeaseStore;
  /** Your metrics client. */
  const metrics: { increment(name: string): void };
}

// @async-timer/decorators README
declare global {
  /** Fetches the latest prices by symbol; aborted through `signal`. */
  function fetchPrices(signal: AbortSignal): Promise<Record<string, number>>;
}
