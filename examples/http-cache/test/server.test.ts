/**
 * Starts the real server on a loopback port, talks HTTP to it, shuts it down, and checks that
 * the refresh timer is gone with it.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import type { Snapshot } from "../src/database.js";

const timeouts = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(options: Parameters<typeof buildApp>[0] = {}) {
  app = buildApp(options);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function getCache(base: string): Promise<Snapshot> {
  const response = await fetch(`${base}/`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { db_cache: Snapshot }).db_cache;
}

describe("the HTTP service with a refreshed cache", () => {
  it("serves an initialised cache to the very first request", async () => {
    const base = await start({ refreshEvery: 60 });
    const cache = await getCache(base);
    expect(cache.version).toBe(1);
    expect(Object.keys(cache.prices)).toEqual(["AAPL", "MSFT"]);
  });

  it("POST /refresh answers with a snapshot loaded after the request", async () => {
    const base = await start({ refreshEvery: 60 });
    const before = await getCache(base);
    const response = await fetch(`${base}/refresh`, { method: "POST" });
    expect(response.status).toBe(200);
    const { db_cache: fresh } = (await response.json()) as { db_cache: Snapshot };
    expect(fresh.version).toBe(before.version + 1);
    expect(fresh.loadedAt).toBeGreaterThanOrEqual(before.loadedAt);
    expect((await getCache(base)).version).toBe(fresh.version); // what later readers see
  });

  it("a burst of refresh requests runs at most two queries, each answer fresh", async () => {
    const base = await start({ refreshEvery: 60 });
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        fetch(`${base}/refresh`, { method: "POST" }).then(
          async (r) => ((await r.json()) as { db_cache: Snapshot }).db_cache.version,
        ),
      ),
    );
    // The first request starts a query; those arriving while it runs share exactly one more.
    for (const version of answers) expect([2, 3]).toContain(version);
    expect((await getCache(base)).version).toBeLessThanOrEqual(3);
  });

  it("keeps refreshing in the background", async () => {
    const base = await start({ refreshEvery: "50ms" });
    await app?.cacheTimer.wait({ hits: 3, timeout: 10 });
    expect((await getCache(base)).version).toBeGreaterThanOrEqual(4);
  });

  it("keeps serving the last good snapshot when a refresh fails", async () => {
    let calls = 0;
    const base = await start({
      refreshEvery: 60,
      load: async () => {
        calls += 1;
        if (calls === 2) throw new Error("database unavailable");
        return { version: calls, loadedAt: Date.now(), prices: { AAPL: 1 } };
      },
    });
    const failed = await fetch(`${base}/refresh`, { method: "POST" });
    expect(failed.status).toBe(500);
    expect((await getCache(base)).version).toBe(1);
    expect(app?.cacheTimer.isRunning()).toBe(true);
    const retried = await fetch(`${base}/refresh`, { method: "POST" });
    expect(((await retried.json()) as { db_cache: Snapshot }).db_cache.version).toBe(3);
  });

  it("shuts down while a POST /refresh waits on a refresh that hangs: 503, then closed", async () => {
    let loads = 0;
    const hangs = () => new Promise<never>(() => {}); // ignores its signal: the worst case
    const base = await start({
      load: async () =>
        ++loads === 1 ? { version: 1, loadedAt: Date.now(), prices: {} } : hangs(),
      shutdownTimeout: 0.2,
    });
    const waiting = fetch(`${base}/refresh`, { method: "POST" });
    while (loads < 2) await new Promise((resolve) => setTimeout(resolve, 5)); // refresh in flight
    const closed = app?.close();
    app = undefined;
    const response = await waiting;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "shutting down" });
    await closed; // within the shutdown timeout, not when the client gives up
  });

  it("shutting down cancels the timer and leaves no timer handle behind", async () => {
    const baseline = timeouts();
    const base = await start({ refreshEvery: 1 });
    expect(app?.cacheTimer.isRunning()).toBe(true);
    expect(timeouts()).toBeGreaterThan(baseline); // the sleeping timer holds a handle
    await getCache(base);

    const timer = app?.cacheTimer;
    await app?.close();
    app = undefined;
    expect(timer?.isRunning()).toBe(false);
    expect(String(timer)).toMatch(/idle/);
    expect(timeouts()).toBe(baseline);
    await expect(fetch(`${base}/`)).rejects.toThrow(); // and the port is closed
  });
});
