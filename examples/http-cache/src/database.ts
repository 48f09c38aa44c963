/**
 * Stands in for a slow database: each query takes a little while and returns the current rows.
 * In a real service this is your query; the timer does not care what it is.
 */
export interface Snapshot {
  /** Increases by one on every query, so a reader can tell a fresh snapshot from an old one. */
  readonly version: number;
  /** When the query ran, epoch milliseconds. */
  readonly loadedAt: number;
  readonly prices: Readonly<Record<string, number>>;
}

export function fakeDatabase(latencyMs = 20) {
  let version = 0;
  return {
    async query(signal?: AbortSignal): Promise<Snapshot> {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      signal?.throwIfAborted();
      version += 1;
      return {
        version,
        loadedAt: Date.now(),
        prices: { AAPL: 190 + version / 100, MSFT: 410 + version / 100 },
      };
    },
  };
}
