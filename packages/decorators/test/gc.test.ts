/**
 * Timers are kept in WeakMaps keyed by their instance: an instance the program drops is
 * collected with its timers. Needs `--expose-gc` (vitest.config.ts passes it to this project's
 * workers). Collection is observed with a FinalizationRegistry, forcing full collections a
 * bounded number of times; no timing is involved.
 */
import { describe, expect, it } from "vitest";
import { every, timerOf, timersOf } from "../src/index.js";

const gc = (globalThis as { gc?: () => void }).gc;

/** Forces collections until `done()` or the attempts run out; finalizers run between them. */
async function collectUntil(done: () => boolean, attempts = 20): Promise<void> {
  for (let i = 0; i < attempts && !done(); i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

class Cache {
  readonly payload = new Array(10_000).fill(0); // big enough to matter if it leaked
  @every(0.05)
  refresh() {
    return this.payload.length;
  }
  @every(60)
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: @every calls it
  #prune() {}
  @every(60)
  static reload() {}
}

/** A long-lived promise, like a process's shutdown signal: it must not hold instances. */
const shutdown = new Promise<void>(() => {});

class Guarded {
  @every(1, { cancelOn: [shutdown] })
  poll() {}
}

describe("garbage collection", () => {
  it("runs with global.gc", () => {
    expect(typeof gc).toBe("function");
  });

  it("collects a dropped instance whose timers were made but never started", async () => {
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => collected.add(label));
    (() => {
      const never = new Cache();
      timersOf(never);
      timerOf(never, "refresh");
      timerOf(never, "#prune");
      registry.register(never, "never started");
      const untouched = new Cache();
      registry.register(untouched, "no timers made");
      const guarded = new Guarded();
      timersOf(guarded);
      registry.register(guarded, "cancelOn a pending promise");
    })();
    await collectUntil(() => collected.size === 3);
    expect([...collected].sort()).toEqual([
      "cancelOn a pending promise",
      "never started",
      "no timers made",
    ]);
  });

  it("keeps an instance alive while its timer runs, and lets it go after cancel()", async () => {
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => collected.add(label));
    let ref: WeakRef<Cache> | undefined;
    await (async () => {
      const running = new Cache();
      ref = new WeakRef(running);
      registry.register(running, "running");
      const timer = timerOf(running, "refresh").start();
      await timer.wait({ hitCount: 2, timeout: 10 }); // real time: ticks every 50 ms
    })();

    // Only the pending wake of the running timer refers to the instance now.
    await collectUntil(() => collected.size > 0, 5);
    expect(collected.size).toBe(0);
    await (async () => {
      const instance = ref?.deref();
      expect(instance).toBeInstanceOf(Cache);
      if (instance !== undefined) await timersOf(instance).cancel();
    })();

    await collectUntil(() => collected.size === 1);
    expect([...collected]).toEqual(["running"]);
  });

  it("collects a dropped class with its static timers", async () => {
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((label) => collected.add(label));
    (() => {
      class Temporary extends Cache {}
      timerOf(Temporary, "reload");
      timersOf(new Temporary());
      registry.register(Temporary, "class");
    })();
    await collectUntil(() => collected.size === 1);
    expect([...collected]).toEqual(["class"]);
  });
});
