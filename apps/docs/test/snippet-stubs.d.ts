// What the documentation's examples call but leave to the reader: "your code".
// Each example is type-checked against these and the packages' real types.
import type { TickContext } from "@async-timer/core";

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
}
