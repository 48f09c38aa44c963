/**
 * Regressions of issue #16 (reliability under hostile input, shared resources and load), each
 * checked against its rule rather than only its instance. Points 6–8, 11 and the rest of 12
 * (messages, empty names) and the hostile-input property live in group-attempts, options-keys,
 * hostile-input.test.ts and the node-threads and testing suites; the heap a shared cancelOn
 * promise keeps (#16.3) in gc.test.ts, which needs --expose-gc.
 */
// biome-ignore-all lint/suspicious/noThenProperty: thenables of every shape are the point here
import { describe, expect, it } from "vitest";
import { Timer } from "../src/index.js";
import { clock, recordingLogger, track } from "./helpers.js";

describe("#16.1 a target's result is adopted exactly as await adopts it", () => {
  const rejected = (): PromiseLike<never> => Promise.reject(new Error("inner"));
  const shapes: [string, () => unknown][] = [
    [
      "a thenable resolving to a rejected promise",
      () => ({ then: (res: (v: unknown) => void) => res(rejected()) }),
    ],
    [
      "a thenable resolving to a thenable that rejects",
      () => ({
        then: (res: (v: unknown) => void) =>
          res({ then: (_: unknown, rej: (e: unknown) => void) => rej(new Error("inner")) }),
      }),
    ],
    [
      "a thenable whose then throws after resolving with a rejected promise",
      () => ({
        then(res: (v: unknown) => void) {
          res(rejected());
          throw new Error("ignored: already resolved");
        },
      }),
    ],
  ];

  it.each(shapes)(
    "%s fails the tick: onError hears of it, nothing is unhandled",
    async (_, make) => {
      const c = clock();
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", record);
      try {
        const errors: unknown[] = [];
        const timer = new Timer(1, make as () => number, {
          driver: c,
          onError: (error) => {
            errors.push(error);
            return "continue";
          },
        }).start();
        await c.advance(2);
        await timer.cancel();
        await new Promise((resolve) => setImmediate(resolve));
        expect(errors.map((error) => (error as Error).message)).toEqual([
          "inner",
          "inner",
          "inner",
        ]);
        expect(timer.hitCount).toBe(0);
        expect(unhandled).toEqual([]);
      } finally {
        process.off("unhandledRejection", record);
      }
    },
  );
});

describe("#16.2 closing a source fails only into the logger: the run always ends", () => {
  const hostileReturns: [string, () => unknown][] = [
    [
      "return() throws",
      () => {
        throw new Error("return broke");
      },
    ],
    [
      "return() gives a thenable whose then getter throws",
      () => ({
        get then() {
          throw new Error("then getter broke");
        },
      }),
    ],
    ["return() gives a promise that rejects", () => Promise.reject(new Error("close rejected"))],
    [
      "return() gives a thenable that throws",
      () => ({
        then: () => {
          throw new Error("then broke");
        },
      }),
    ],
  ];

  it.each(hostileReturns)(
    "%s: onCancel runs, iterators end, cancel() resolves",
    async (_, close) => {
      const c = clock();
      const logger = recordingLogger();
      let cancelled = 0;
      const source = {
        n: 0,
        next() {
          return { done: false, value: ++this.n };
        },
        return: close,
        [Symbol.iterator]() {
          return this;
        },
      };
      const timer = new Timer(1, source as unknown as Iterator<number>, {
        driver: c,
        logger,
        onCancel: () => cancelled++,
      }).start();
      await c.settle();
      const iterator = timer[Symbol.asyncIterator]();
      const next = track(iterator.next());
      await timer.cancel();
      await c.settle();
      expect(cancelled).toBe(1);
      expect(next.state).toBe("resolved");
      expect(next.value).toEqual({ done: true, value: undefined });
      expect(timer.state).toBe("idle");
      expect(logger.at("error")).toEqual(["[async-timer] closing the generator source failed"]);
    },
  );
});

describe("#16.3 a shared long-lived input holds nothing per timer after its run", () => {
  it("a shared signal keeps one listener while timers run, and none once they ended", async () => {
    const { EventEmitter } = await import("node:events");
    const c = clock();
    const controller = new AbortController();
    const timers = Array.from({ length: 20 }, () =>
      new Timer(1, () => 1, { driver: c, signal: controller.signal }).start(),
    );
    expect(EventEmitter.getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await Promise.all(timers.map((timer) => timer.cancel()));
    expect(EventEmitter.getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});

describe("#16.5 the event loop gets a turn between two ticks of one timer", () => {
  it("on the virtual clock: a wake armed at the same instant runs between self-triggered ticks", async () => {
    const c = clock();
    const order: string[] = [];
    let n = 0;
    const timer: Timer<number> = new Timer(
      3600,
      () => {
        order.push(`tick ${++n}`);
        if (n === 1) c.setWake(c.now(), () => order.push("other wake"), false);
        if (n < 3) void timer.trigger().catch(() => {});
        return n;
      },
      { driver: c },
    ).start();
    await c.advance(0);
    await c.advance(0);
    expect(order).toEqual(["tick 1", "other wake", "tick 2", "tick 3"]);
    await timer.cancel();
  });

  it("on the real driver: a 1 ms setTimeout fires while the target keeps triggering itself", async () => {
    let ticks = 0;
    let firedAfter = Number.NaN;
    const started = Date.now();
    const timer: Timer<number> = new Timer(
      3600,
      () => {
        ticks++;
        if (Number.isNaN(firedAfter)) void timer.trigger().catch(() => {});
        return ticks;
      },
      { unref: true },
    ).start();
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        firedAfter = ticks;
        resolve();
      }, 1),
    );
    await timer.cancel();
    // Chained on microtasks, ~300,000 ticks ran before the timeout could fire; each tick now
    // gives the loop a turn. Generous margins: this checks behaviour, not speed.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(firedAfter).toBeLessThan(1000);
  });
});

describe("#16.4 repeated conditions are logged once, then summarised", () => {
  it("fixed_rate skips: one line when they start, a summary per 10 s, one when they end", async () => {
    const c = clock();
    const logger = recordingLogger();
    let n = 0;
    const timer = new Timer(
      1,
      async () => {
        n++;
        // Ticks 2..13 each run 1.5 periods: a skip after every one of them.
        if (n >= 2 && n <= 13)
          await new Promise<void>((resolve) => c.setWake(c.now() + 1500, () => resolve(), false));
      },
      { driver: c, logger, mode: "fixed_rate" },
    ).start();
    await c.advance(60);
    await timer.cancel();
    expect(logger.at("warn")).toEqual([
      "[async-timer] fixed_rate: skipped 1 slot; the tick ran past it",
      "[async-timer] fixed_rate: skipped slots: 5 more in the last 10 s (6 since it began 10 s ago)",
      "[async-timer] fixed_rate: skipped slots: 5 more in the last 10 s (11 since it began 20 s ago)",
      // Quiet since: what is left unreported is said at the next summary time, then it closes.
      "[async-timer] fixed_rate: skipped slots: 1 more in the last 10.5 s (12 since it began 30.5 s ago)",
      "[async-timer] fixed_rate: skipped slots: 12 in all over 22 s; it has stopped",
    ]);
  });
});

describe("#16.9 cancelOn entries are adopted alike, native promise or thenable", () => {
  const settledAlready: [string, () => PromiseLike<unknown>][] = [
    ["a resolved native promise", () => Promise.resolve()],
    [
      "a resolved custom thenable",
      () => ({ then: (res: (v: unknown) => void) => res(1) }) as unknown as PromiseLike<unknown>,
    ],
  ];

  it.each(settledAlready)("%s ends the run before its first tick", async (_, make) => {
    const c = clock();
    let ticks = 0;
    const timer = new Timer(1, () => ++ticks, { driver: c, cancelOn: [make()] }).start();
    await c.advance(5);
    expect(ticks).toBe(0);
    expect(timer.isRunning()).toBe(false);
  });
});

describe("#16.10 durations are bounded, so a running timer always has a wake", () => {
  it("a delay whose jittered sleep would overflow is refused at the call that gave it", async () => {
    expect(() => new Timer(1e305, () => 1, { jitter: 1 })).toThrow(
      /^delay must be at most 9007199254740\.99 seconds .*; got 1e\+305$/,
    );
    const c = clock();
    const timer = new Timer(1, () => 1, { jitter: 1, driver: c }).start();
    expect(() => timer.setDelay(1e305)).toThrow(RangeError);
    // The largest accepted delay still leaves the running timer a wake to wait for.
    timer.setDelay(9_007_199_254_740);
    await c.advance(2);
    expect(timer.isRunning()).toBe(true);
    expect(c.pending).toBe(1);
    await timer.cancel();
  });
});

describe("#16.12 a revoked Proxy as target is a TypeError that says so", () => {
  it.each([
    ["a revoked function proxy", () => 1],
    ["a revoked object proxy", {}],
  ])("%s", (_, inner) => {
    const { proxy, revoke } = Proxy.revocable(inner as object, {});
    revoke();
    expect(() => new Timer(1, proxy as never)).toThrow(
      new TypeError(
        "target must be a function, a generator or an iterator; got an object that throws when inspected (a revoked Proxy?)",
      ),
    );
  });
});
