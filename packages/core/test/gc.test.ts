/**
 * What a timer keeps alive. Needs --expose-gc (vitest.config.ts passes it). Collection is
 * observed with a FinalizationRegistry, forcing full collections a bounded number of times.
 */
import { describe, expect, it } from "vitest";
import { Timer } from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;

async function collectUntil(done: () => boolean, attempts = 20): Promise<boolean> {
  for (let i = 0; i < attempts && !done(); i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done();
}

describe("garbage collection", () => {
  it("runs with global.gc", () => {
    expect(typeof gc).toBe("function");
  });

  it("a long-lived cancelOn promise does not keep a dropped timer alive", async () => {
    const shutdown = new Promise<void>(() => {}); // settles only when the process ends
    let collected = false;
    const registry = new FinalizationRegistry(() => {
      collected = true;
    });
    (() => {
      const timer = new Timer(60, () => new Array(10_000).fill(0), { cancelOn: [shutdown] });
      registry.register(timer, "timer");
    })();
    expect(await collectUntil(() => collected)).toBe(true);
  });

  it("a closed subscription is not kept by the timer, which goes on running", async () => {
    let collected = false;
    const registry = new FinalizationRegistry(() => {
      collected = true;
    });
    const timer = new Timer(0.001, () => 1).start();
    try {
      await (async () => {
        const feed = timer.subscribe();
        await feed.next();
        feed.close();
        registry.register(feed, "subscription");
      })();
      expect(await collectUntil(() => collected)).toBe(true);
      expect(timer.isRunning()).toBe(true);
    } finally {
      await timer.cancel();
    }
  });

  it("a cancelled timer, its subscriptions and its waiters are collected", async () => {
    const seen = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => seen.add(label));
    await (async () => {
      const timer = new Timer(0.001, () => new Array(10_000).fill(0)).start();
      const feed = timer.subscribe({ maxsize: 3 });
      await timer.wait({ hits: 3 });
      await timer.cancel();
      registry.register(timer, "timer");
      registry.register(feed, "subscription");
    })();
    expect(await collectUntil(() => seen.size === 2)).toBe(true);
  });
});
