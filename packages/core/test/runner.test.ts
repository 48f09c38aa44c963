/**
 * The runner: the mailbox that orders effects, tick invocation and settlement, and the end of a
 * run (aborting the signal, closing generator sources) — seen through the Timer API.
 */
import { describe, expect, it } from "vitest";
import { type Logger, Timer, TimerCancelledError } from "../src/index.js";
import { clock, deferred, recordingLogger, sleep, track, VirtualClock } from "./helpers.js";

describe("the mailbox", () => {
  it("performs an effect raised inside another only after it: a sync cancel() finishes the tick first", async () => {
    const c = clock();
    const order: string[] = [];
    const timer: Timer<number> = new Timer(
      1,
      () => {
        order.push("target: before cancel()");
        void timer.cancel();
        order.push("target: after cancel()");
        return 1;
      },
      { driver: c, onCancel: () => order.push("onCancel") },
    ).start();
    await c.settle();
    expect(order).toEqual(["target: before cancel()", "target: after cancel()", "onCancel"]);
  });

  it("logs no internal error in ordinary use", async () => {
    const c = clock();
    const logger = recordingLogger();
    let n = 0;
    const timer = new Timer(1, async () => ++n, { driver: c, logger, mode: "fixed_rate" }).start();
    const feed = timer.subscribe({ maxsize: 100 });
    await c.advance(3);
    await timer.trigger();
    await timer.cancel();
    timer.start();
    await c.advance(2);
    await timer.cancel();
    feed.close();
    expect(logger.lines).toEqual([]);
  });
});

describe("tick results", () => {
  it("an async generator that throws fails the tick", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      async function* () {
        yield 1;
        throw new Error("async generator broke");
      },
      { driver: c, logger: recordingLogger() },
    ).start();
    expect(await timer.join()).toBe(1);
    await expect(c.runUntil(timer.join())).rejects.toThrow("async generator broke");
  });

  it("a sync generator yielding a rejected promise fails the tick", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      function* () {
        yield Promise.reject(new Error("yielded rejection"));
      },
      { driver: c, logger: recordingLogger() },
    ).start();
    await expect(timer.join()).rejects.toThrow("yielded rejection");
  });

  it("a source whose next() gives no iterator result fails the tick, saying so", async () => {
    const c = clock();
    const bad = { next: () => 42, [Symbol.iterator]: () => bad };
    const timer = new Timer(1, bad as unknown as Iterator<number>, {
      driver: c,
      logger: recordingLogger(),
    }).start();
    await expect(timer.join()).rejects.toThrow(
      "the source's next() must give an iterator result; got 42",
    );
  });

  it("a tick's signal aborts with a TimerCancelledError when the timer is cancelled while it runs", async () => {
    const c = clock();
    let signal: AbortSignal | undefined;
    const timer = new Timer(
      1,
      async (context) => {
        signal = context.signal;
        await sleep(c, 10_000); // still running at the cancel
      },
      { driver: c },
    ).start();
    await c.settle();
    const cancelled = timer.cancel();
    const reason: unknown = signal?.reason;
    expect(reason).toBeInstanceOf(TimerCancelledError);
    expect((reason as Error).message).toBe("the timer's run ended (cancel)");
    await c.advance(10);
    await cancelled;
  });

  it("each tick has its own signal; one that completed is never aborted", async () => {
    const c = clock();
    const signals: AbortSignal[] = [];
    const timer = new Timer(1, ({ signal }) => void signals.push(signal), { driver: c }).start();
    await c.advance(1); // ticks at 0 and 1
    await timer.cancel();
    timer.start();
    await c.settle();
    await timer.cancel();
    expect(signals).toHaveLength(3);
    expect(new Set(signals).size).toBe(3);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false, false]);
  });

  it("a listener added to every tick's signal goes with its tick: none pile up on one signal", async () => {
    const c = clock();
    const { EventEmitter } = await import("node:events");
    const counts: number[] = [];
    const signals: AbortSignal[] = [];
    const timer = new Timer(
      1,
      ({ signal }) => {
        signal.addEventListener("abort", () => {});
        signals.push(signal);
        counts.push(EventEmitter.getEventListeners(signal, "abort").length);
      },
      { driver: c },
    ).start();
    await c.advance(20);
    await timer.cancel();
    expect(counts).toHaveLength(21);
    expect(new Set(counts)).toEqual(new Set([1])); // Node would warn past ten on one signal
  });

  it("a signal first read after its tick was cancelled is already aborted, with the reason", async () => {
    const c = clock();
    let read: AbortSignal | undefined;
    const release = deferred();
    const timer = new Timer(
      1,
      async (context) => {
        await release.promise; // ignores the cancel
        read = context.signal;
      },
      { driver: c },
    ).start();
    await c.settle();
    const cancelled = timer.cancel();
    release.resolve();
    await cancelled;
    expect(read?.aborted).toBe(true);
    expect((read?.reason as Error | undefined)?.message).toBe("the timer's run ended (cancel)");
  });

  it("a tick that fails keeps its signal: only a cancel or an abandon aborts it", async () => {
    const c = clock();
    let signal: AbortSignal | undefined;
    const timer = new Timer(
      1,
      async (context) => {
        await sleep(c, 10);
        signal = context.signal;
        throw new Error("boom");
      },
      { driver: c, logger: recordingLogger() },
    ).start();
    await expect(c.runUntil(timer.join())).rejects.toThrow("boom");
    expect(signal?.aborted).toBe(false);
  });
});

describe("closing sources", () => {
  it("a sync generator that cancels its own timer is closed after it yields, without error", async () => {
    const c = clock();
    const logger = recordingLogger();
    const log: string[] = [];
    const timer: Timer<number> = new Timer(
      1,
      function* () {
        try {
          void timer.cancel();
          yield 1;
        } finally {
          log.push("finally");
        }
      },
      { driver: c, logger },
    ).start();
    await c.advance(1);
    expect(log).toEqual(["finally"]);
    expect(logger.lines).toEqual([]);
  });

  it("an iterator without return() is simply dropped", async () => {
    const c = clock();
    const logger = recordingLogger();
    let n = 0;
    const plain = { next: () => ({ done: false, value: ++n }), [Symbol.iterator]: () => plain };
    const timer = new Timer(1, plain, { driver: c, logger }).start();
    await c.advance(1);
    await timer.cancel();
    expect(logger.lines).toEqual([]);
  });

  it("a generator whose finally throws is still closed; the failure is logged", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = new Timer(
      1,
      async function* () {
        try {
          for (;;) yield 1;
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the point of the test
          throw new Error("finally failed");
        }
      },
      { driver: c, logger },
    ).start();
    await c.advance(1);
    await timer.cancel();
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] closing the generator source failed",
        error: new Error("finally failed"),
      },
    ]);
  });

  it("cancel() waits for an async finally that runs after an in-flight pull", async () => {
    const c = clock();
    const log: string[] = [];
    const timer = new Timer(
      1,
      async function* () {
        try {
          for (;;) {
            await sleep(c, 500);
            yield 1;
          }
        } finally {
          await sleep(c, 200);
          log.push("finally done");
        }
      },
      { driver: c },
    ).start();
    await c.advance(0.1);
    const cancelled = track(timer.cancel());
    await c.advance(0.55);
    expect(cancelled.state).toBe("pending");
    await c.advance(0.2);
    expect(log).toEqual(["finally done"]);
    expect(cancelled.state).toBe("resolved");
  });

  it("a closing that never ends does not keep cancel({ timeout }) waiting, nor touch the next run", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = firstRunNeverCloses(c, logger).start();
    await c.advance(1);
    const cancelled = track(timer.cancel({ timeout: 2 }));
    await c.advance(1);
    expect(cancelled.state).toBe("pending");
    timer.start(); // a new run while the old closing hangs
    await c.advance(1.5);
    expect(cancelled.state).toBe("resolved");
    expect(await c.runUntil(timer.join())).toBe(2);
    // The closing is given up and said so; nothing of the new run was abandoned.
    expect(logger.at("warn")).toEqual([CLOSING_GIVEN_UP]);
    await c.runUntil(timer.cancel({ timeout: 1 }));
  });

  it("a closing given up is not waited for by any later cancel(), of an idle timer or a new run", async () => {
    const c = clock();
    const logger = recordingLogger();
    let calls = 0;
    // The first run pulls from a generator whose `finally` hangs; later runs return plain values.
    const timer = new Timer(
      1,
      () =>
        ++calls === 1
          ? (async function* () {
              try {
                for (;;) yield 0;
              } finally {
                await new Promise(() => {});
              }
            })()
          : calls,
      { driver: c, logger },
    ).start();
    await c.advance(0);
    await c.runUntil(timer.cancel({ timeout: 1 }));
    expect(logger.at("warn")).toEqual([CLOSING_GIVEN_UP]);
    const idle = track(timer.cancel());
    await c.advance(0);
    expect(idle.state).toBe("resolved");
    timer.start();
    expect(await c.runUntil(timer.join())).toBe(2);
    const next = track(timer.cancel());
    await c.advance(0);
    expect(next.state).toBe("resolved");
  });

  it("a timed-out wait for a closing never abandons a later run's tick", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = firstRunNeverCloses(c, logger, (run) => (run === 1 ? 500 : 5000)).start();
    await c.advance(0.25);
    const first = track(timer.cancel({ timeout: 2 })); // waits for tick 1, then for the closing
    await c.advance(0.5);
    timer.start(); // run 2: its first tick is in flight until 5.75 s
    await c.advance(0.25);
    const second = track(timer.cancel());
    await c.advance(1.5);
    expect(first.state).toBe("resolved");
    expect(logger.at("warn")).toEqual([CLOSING_GIVEN_UP]);
    expect(second.state).toBe("pending"); // run 2's tick was not abandoned
    await c.advance(3.5);
    expect(second.state).toBe("resolved");
  });
});

const CLOSING_GIVEN_UP =
  "[async-timer] cancel() timed out; the generator source has not finished closing (its return() has not settled)";

/**
 * A timer on a generator whose first run never finishes closing (its `finally` hangs); each run
 * yields its own number, every pull taking `pullMs(run)` ms.
 */
function firstRunNeverCloses(
  c: VirtualClock,
  logger: Logger,
  pullMs: (run: number) => number = () => 0,
): Timer<number> {
  let run = 0;
  return new Timer(
    1,
    async function* () {
      const mine = ++run;
      try {
        for (;;) {
          if (pullMs(mine) > 0) await sleep(c, pullMs(mine));
          yield mine;
        }
      } finally {
        if (mine === 1) await new Promise(() => {});
      }
    },
    { driver: c, logger },
  );
}

describe("abandoned ticks", () => {
  it("an abandoned tick that settles late does not confuse the tick in flight", async () => {
    const c = clock();
    const release = deferred<number>();
    let n = 0;
    let insideCancelled = false;
    const timer: Timer<number> = new Timer(
      1,
      async () => {
        if (++n === 1) return release.promise; // ignores its signal
        await sleep(c, 100);
        release.resolve(-1); // the abandoned tick 1 settles now, during tick 2
        await sleep(c, 100);
        await timer.cancel(); // from inside tick 2: must not wait for tick 2
        insideCancelled = true;
        return n;
      },
      { driver: c, logger: recordingLogger() },
    ).start();
    await c.settle();
    await c.runUntil(timer.cancel({ timeout: 1 })); // abandons tick 1
    timer.start();
    await c.advance(1);
    expect(insideCancelled).toBe(true);
    expect(timer.isRunning()).toBe(false);
  });

  it("are released when a new run waits for them: the new run ticks after the timeout", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(1, () => (++n === 1 ? new Promise<number>(() => {}) : n), {
      driver: c,
      logger: recordingLogger(),
    }).start();
    await c.settle();
    const cancelled = track(timer.cancel({ timeout: 3 }));
    timer.start(); // restarting: the new run waits for the hung tick
    await c.advance(2.999);
    expect(n).toBe(1);
    await c.advance(0.001);
    expect(cancelled.state).toBe("resolved");
    expect(n).toBe(2);
    await timer.cancel();
  });
});

describe("random samples", () => {
  it("are drawn only by jittered timers, so adding a jitter-free timer does not change a seeded run", async () => {
    const starts = async (withNeighbour: boolean) => {
      const c = new VirtualClock({ seed: 5, stallTimeout: 0 });
      const seen: number[] = [];
      const jittered = new Timer(1, () => seen.push(c.now()), { driver: c, jitter: 0.5 }).start();
      const neighbour = withNeighbour ? new Timer(0.3, () => 0, { driver: c }).start() : undefined;
      await c.advance(20);
      await jittered.cancel();
      await neighbour?.cancel();
      return seen;
    };
    expect(await starts(true)).toEqual(await starts(false));
  });
});

describe("closing sources, more", () => {
  it("an iterator whose return() throws is dropped, and the failure logged", async () => {
    const c = clock();
    const logger = recordingLogger();
    const source = {
      next: () => ({ done: false, value: 1 }),
      return: () => {
        throw new Error("no return for you");
      },
      [Symbol.iterator]: () => source,
    };
    const timer = new Timer(1, source, { driver: c, logger }).start();
    await c.advance(1);
    await timer.cancel();
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] closing the generator source failed",
        error: new Error("no return for you"),
      },
    ]);
  });
});
