/**
 * What a timer keeps alive. Needs --expose-gc (vitest.config.ts passes it). Collection is
 * observed with a FinalizationRegistry, forcing full collections a bounded number of times.
 */
import { describe, expect, it } from "vitest";
import { Timer } from "../src/index.js";
import { clock } from "./helpers.js";

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

  it("#16.3: 20,000 timers started and cancelled with one shared promise and signal leave nothing on them", async () => {
    const shutdown = new Promise<void>(() => {}); // one app-wide promise that never settles
    const signal = new AbortController().signal; // and one app-wide signal
    const c = clock();
    // In a function of its own: a frame still running would hold its last timer.
    const churn = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const timer = new Timer(1, () => i, { driver: c, cancelOn: [shutdown], signal }).start();
        await timer.cancel();
      }
    };
    const heap = async () => {
      for (let i = 0; i < 4; i++) {
        gc?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage().heapUsed;
    };
    await churn(2000); // one-time costs (compiled code, the shared listeners) are paid here
    const before = await heap();
    await churn(20_000);
    const perTimer = ((await heap()) - before) / 20_000;
    // A callback per timer on the promise cost ~350 B each; what is left now is heap noise.
    expect(perTimer).toBeLessThan(32);
  });

  it("a dropped timer's onError and onCancel are collected: timers share settings, never callbacks", async () => {
    const seen = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => seen.add(label));
    await (async () => {
      const onError = () => "continue" as const;
      const onCancel = () => {};
      const timer = new Timer(60, () => 1, { name: "shared", onError, onCancel }).start();
      await timer.cancel();
      registry.register(onError, "onError");
      registry.register(onCancel, "onCancel");
    })();
    // No timer is made after it: whatever the library remembers of the last options it resolved
    // must not include these.
    expect(await collectUntil(() => seen.size === 2)).toBe(true);
  });
});
