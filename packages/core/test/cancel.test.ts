import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { type Subscription, Timer, TimerCancelledError, TimerStateError } from "../src/index.js";
import { clock, deferred, recordingLogger, sleep, track } from "./helpers.js";

describe("cancel()", () => {
  it("turns isRunning() false at once, and is idempotent", async () => {
    const c = clock();
    const onCancel = vi.fn();
    const timer = new Timer(1, () => 1, { driver: c, onCancel }).start();
    await c.advance(1);
    const first = timer.cancel();
    expect(timer.isRunning()).toBe(false);
    await Promise.all([first, timer.cancel(), timer.stop()]);
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(c.pending).toBe(0);
  });

  it("on a timer never started resolves and does nothing", async () => {
    const c = clock();
    const onCancel = vi.fn();
    await new Timer(1, () => 1, { driver: c, onCancel }).cancel();
    expect(onCancel).not.toHaveBeenCalled();
  });

  it("resolves only after the in-flight tick has settled, its signal aborted and its result dropped", async () => {
    const c = clock();
    const release = deferred();
    let aborted = false;
    let finished = false;
    const timer = new Timer(
      1,
      async ({ signal }) => {
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        await release.promise; // ignores the signal until released
        finished = true;
        return "late";
      },
      { driver: c },
    ).start();
    await c.settle();
    const join = track(timer.join());
    const cancelled = track(timer.cancel());
    await c.settle();
    expect(aborted).toBe(true);
    expect(join.error).toBeInstanceOf(TimerCancelledError);
    expect(cancelled.state).toBe("pending");
    release.resolve();
    await c.settle();
    expect(finished).toBe(true);
    expect(cancelled.state).toBe("resolved");
    expect(timer.lastResult).toBeUndefined();
    expect(timer.hitCount).toBe(0);
  });

  it("with a timeout resolves for a tick that never settles, and logs it as abandoned", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = new Timer(1, () => new Promise(() => {}), {
      driver: c,
      logger,
      name: "stuck",
    }).start();
    await c.settle();
    const cancelled = track(timer.cancel({ timeout: "5s" }));
    await c.advance(4.999);
    expect(cancelled.state).toBe("pending");
    await c.advance(0.001);
    expect(cancelled.state).toBe("resolved");
    expect(logger.at("warn")).toEqual([
      "[async-timer] stuck: cancel() timed out; abandoned tick 1, which has not settled (its signal was aborted)",
    ]);
    expect(c.pending).toBe(0);
    // The timer can run again; the abandoned tick is forgotten.
    timer.start();
    expect(timer.isRunning()).toBe(true);
    await timer.cancel({ timeout: 1 });
  });

  it("with a timeout, gives up on a pull for good: its source's stuck cleanup holds no later cancel()", async () => {
    const c = clock();
    const logger = recordingLogger();
    const cleanups: string[] = [];
    let runs = 0;
    const timer = new Timer(
      0.5,
      async function* () {
        const run = ++runs;
        try {
          for (;;) {
            await sleep(c, 1000);
            yield run;
          }
        } finally {
          cleanups.push(`run ${run} began`);
          // The first run's cleanup never ends; the second's takes 100 ms.
          await (run === 1 ? new Promise(() => {}) : sleep(c, 100));
          cleanups.push(`run ${run} ended`);
        }
      },
      { driver: c, logger },
    ).start();
    await c.advance(1.5); // the second pull is in flight
    const first = track(timer.cancel({ timeout: "100ms" }));
    await c.advance(0.1);
    expect(first.state).toBe("resolved"); // gave up on the pull
    await c.advance(2); // the pull settles: the source is closed, and its cleanup hangs
    expect(cleanups).toEqual(["run 1 began"]);
    const again = track(timer.cancel());
    await c.settle();
    expect(again.state).toBe("resolved");
    timer.start();
    await c.advance(3);
    const restarted = track(timer.cancel());
    await c.advance(1.05); // its pull in flight settles, then its own cleanup takes 100 ms
    expect(restarted.state).toBe("pending");
    await c.advance(0.1);
    expect(restarted.state).toBe("resolved"); // waited for its own run's cleanup only
    expect(cleanups).toEqual(["run 1 began", "run 2 began", "run 2 ended"]);
  });

  it("with a timeout that is not needed leaves no wake behind", async () => {
    const c = clock();
    const timer = new Timer(1, async ({ signal }) => sleep(c, 500, signal), { driver: c }).start();
    await c.settle();
    await timer.cancel({ timeout: 60 });
    expect(c.pending).toBe(0);
  });

  it("runs onCancel once per run, for every way a run ends", async () => {
    const c = clock();
    const onCancel = vi.fn();
    let n = 0;
    const timer = new Timer(
      1,
      function* () {
        while (++n < 3) yield n;
      },
      { driver: c, onCancel },
    );
    timer.start(); // ends by exhaustion after two values
    await c.advance(5);
    expect(onCancel).toHaveBeenCalledTimes(1);
    timer.start(); // ends by cancel
    await timer.cancel();
    expect(onCancel).toHaveBeenCalledTimes(2);
  });

  it("ends subscriptions after their buffer, and resolves waits with no condition", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(1, () => ++n, { driver: c }).start();
    const feed = timer.subscribe();
    const waiting = track(timer.wait());
    await c.advance(2);
    await timer.cancel();
    expect(waiting).toMatchObject({ state: "resolved", value: 3 });
    const rest: number[] = [];
    for await (const value of feed) rest.push(value);
    expect(rest).toEqual([1, 2, 3]);
  });
});

describe("cancel() from inside", () => {
  it("the synchronous part of the target resolves without waiting for that tick", async () => {
    const c = clock();
    let cancelled: Promise<void> | undefined;
    const timer: Timer<number> = new Timer(
      1,
      () => {
        cancelled = timer.cancel();
        return 1;
      },
      { driver: c },
    ).start();
    await c.settle();
    await cancelled;
    expect(timer.isRunning()).toBe(false);
    expect(timer.hitCount).toBe(0); // the cancelling tick's result is not delivered
  });

  it("the target, after an await, resolves without waiting for that tick (no deadlock)", async () => {
    const c = clock();
    const events: string[] = [];
    const timer: Timer<void> = new Timer(
      1,
      async ({ signal }) => {
        await sleep(c, 100);
        await timer.cancel();
        events.push(`after cancel, aborted=${signal.aborted}`);
      },
      { driver: c },
    ).start();
    await c.advance(1);
    expect(events).toEqual(["after cancel, aborted=true"]);
    expect(timer.isRunning()).toBe(false);
  });

  it("onCancel may restart the timer", async () => {
    const c = clock();
    let restarts = 0;
    const timer: Timer<number> = new Timer(1, () => 1, {
      driver: c,
      onCancel: () => {
        if (restarts++ === 0) timer.start();
      },
    }).start();
    await c.advance(1);
    await timer.cancel();
    expect(timer.isRunning()).toBe(true);
    await c.advance(1);
    expect(timer.hitCount).toBeGreaterThan(2);
    await timer.cancel();
    expect(timer.isRunning()).toBe(false);
  });

  it("onCancel may call cancel() again without deadlock", async () => {
    const c = clock();
    const inner: Promise<void>[] = [];
    const timer: Timer<number> = new Timer(
      1,
      async ({ signal }) => sleep(c, 100, signal).then(() => 1),
      {
        driver: c,
        onCancel: () => {
          inner.push(timer.cancel());
        },
      },
    ).start();
    await c.settle();
    await timer.cancel();
    await Promise.all(inner);
    expect(inner).toHaveLength(1);
  });
});

describe("generator sources", () => {
  it("are closed on cancel, their finally blocks run before cancel() resolves", async () => {
    const c = clock();
    const log: string[] = [];
    const timer = new Timer(
      1,
      async function* () {
        try {
          for (let i = 1; ; i++) yield i;
        } finally {
          await sleep(c, 0);
          log.push("finally");
        }
      },
      { driver: c },
    ).start();
    await c.advance(2);
    const cancelling = timer.cancel();
    await c.runUntil(cancelling);
    expect(log).toEqual(["finally"]);
  });

  it("may cancel their own timer from their finally block, even after an await, without deadlock", async () => {
    const c = clock();
    const log: string[] = [];
    const timer: Timer<number> = new Timer(
      1,
      async function* () {
        try {
          for (let i = 1; ; i++) yield i;
        } finally {
          await sleep(c, 10);
          await timer.cancel(); // e.g. a shared shutdown helper
          log.push("finally done");
        }
      },
      { driver: c },
    ).start();
    await c.advance(2);
    const cancelled = track(timer.cancel());
    await c.advance(1);
    expect(log).toEqual(["finally done"]);
    expect(cancelled.state).toBe("resolved");
  });

  it("are closed after an in-flight pull settles", async () => {
    const c = clock();
    const log: string[] = [];
    const timer = new Timer(
      1,
      async function* () {
        try {
          for (;;) {
            await sleep(c, 500);
            log.push("yield");
            yield 1;
          }
        } finally {
          log.push("finally");
        }
      },
      { driver: c },
    ).start();
    await c.advance(0.1); // first pull in flight until 0.5 s
    const cancelled = track(timer.cancel());
    await c.advance(0.3);
    expect(cancelled.state).toBe("pending");
    await c.advance(0.1);
    expect(log).toEqual(["yield", "finally"]);
    expect(cancelled.state).toBe("resolved");
  });

  it("a sync generator that cancels its own timer is closed once its step returns", async () => {
    const c = clock();
    const logger = recordingLogger();
    const log: string[] = [];
    let timer: Timer<number> | undefined;
    timer = new Timer(
      1,
      function* () {
        try {
          yield 1;
          void timer?.cancel(); // from inside the generator's own body
          log.push("cancelled");
          yield 2;
        } finally {
          log.push("finally");
        }
      },
      { driver: c, logger },
    ).start();
    await c.advance(2);
    expect(timer.isRunning()).toBe(false);
    expect(log).toEqual(["cancelled", "finally"]);
    expect(timer.lastResult).toBe(1); // the value of the cancelled tick is not delivered
    expect(logger.lines).toEqual([]);
  });

  it("an iterator's return() is not called while its next() is pending", async () => {
    const c = clock();
    const calls: string[] = [];
    const pull = deferred<IteratorResult<number>>();
    const cursor: AsyncIterator<number> = {
      next: () => {
        calls.push("next");
        return pull.promise;
      },
      return: async () => {
        calls.push("return");
        return { done: true, value: undefined };
      },
    };
    const timer = new Timer(1, cursor, { driver: c }).start();
    await c.settle();
    const cancelling = timer.cancel();
    const cancelled = track(cancelling);
    await c.settle();
    expect(calls).toEqual(["next"]);
    expect(cancelled.state).toBe("pending");
    pull.resolve({ done: false, value: 1 });
    await c.runUntil(cancelling);
    expect(calls).toEqual(["next", "return"]);
  });

  it("that run out end the run normally", async () => {
    const c = clock();
    const timer = new Timer(1, ["a", "b"][Symbol.iterator](), { driver: c }).start();
    const seen: string[] = [];
    await c.runUntil(
      (async () => {
        for await (const value of timer) seen.push(value);
      })(),
    );
    expect(seen).toEqual(["a", "b"]);
    expect(timer.isRunning()).toBe(false);
    await expect(timer.join()).rejects.toBeInstanceOf(TimerCancelledError);
  });

  it("given directly cannot be restarted", async () => {
    const c = clock();
    function* values() {
      yield 1;
    }
    const timer = new Timer(1, values(), { driver: c }).start();
    await timer.cancel();
    expect(() => timer.start()).toThrow(TimerStateError);
    expect(() => timer.start()).toThrow(/generator object given directly/);
  });

  it("returned by a function are made afresh on restart", async () => {
    const c = clock();
    const timer = new Timer(
      1,
      function* () {
        yield "first";
        yield "second";
      },
      { driver: c },
    ).start();
    expect(await timer.join()).toBe("first");
    await timer.cancel();
    timer.start();
    expect(await timer.join()).toBe("first");
    await timer.cancel();
  });
});

describe("cancelOn and signal", () => {
  it("cancel the timer when a promise resolves", async () => {
    const c = clock();
    const shutdown = deferred();
    const timer = new Timer(1, () => 1, { driver: c, cancelOn: [shutdown.promise] }).start();
    await c.advance(2);
    shutdown.resolve();
    await c.settle();
    expect(timer.isRunning()).toBe(false);
  });

  it("cancel the timer when a signal aborts, and leave no listener on it", async () => {
    const c = clock();
    const controller = new AbortController();
    const timer = new Timer(1, () => 1, { driver: c, signal: controller.signal }).start();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await c.advance(1);
    controller.abort();
    await c.settle();
    expect(timer.isRunning()).toBe(false);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("remove their listener when the run ends otherwise", async () => {
    const c = clock();
    const controller = new AbortController();
    const timer = new Timer(1, () => 1, { driver: c, cancelOn: [controller.signal] }).start();
    await timer.cancel();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("a signal shared by many timers carries one listener: no MaxListenersExceededWarning", async () => {
    const c = clock();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const shutdown = new AbortController();
      const timers = Array.from({ length: 20 }, () =>
        new Timer(1, () => 1, { driver: c, signal: shutdown.signal }).start(),
      );
      expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
      await timers[0]?.cancel(); // one leaves; the others still listen
      expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(1);
      shutdown.abort();
      await c.settle();
      expect(timers.map((timer) => timer.isRunning())).toEqual(timers.map(() => false));
      expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a tick
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual(
        [],
      );
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("an already aborted signal ends the run at start, without a tick", async () => {
    const c = clock();
    const target = vi.fn(() => 1);
    const onCancel = vi.fn();
    const timer = new Timer(1, target, { driver: c, signal: AbortSignal.abort(), onCancel });
    timer.start();
    expect(timer.isRunning()).toBe(false);
    await c.advance(5);
    expect(target).not.toHaveBeenCalled();
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it("an already settled promise ends the run before its first tick", async () => {
    const c = clock();
    const target = vi.fn(() => 1);
    const timer = new Timer(1, target, { driver: c, cancelOn: [Promise.resolve()] });
    timer.start();
    await c.advance(5);
    expect(target).not.toHaveBeenCalled();
    expect(timer.isRunning()).toBe(false);
  });

  it("make the timer single-run: start() after it ended throws TimerStateError", async () => {
    const c = clock();
    const timer = new Timer(1, () => 1, {
      driver: c,
      signal: new AbortController().signal,
    }).start();
    await timer.cancel();
    expect(() => timer.start()).toThrow(TimerStateError);
    expect(() => timer.start()).toThrow(/runs once/);
  });
});

describe("restart", () => {
  it("start() after cancel() begins a new run", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(1, () => ++n, { driver: c }).start();
    await c.advance(1);
    await timer.cancel();
    timer.start();
    expect(await timer.join()).toBe(3);
    await timer.cancel();
  });

  it("start() while the old run's tick is in flight waits for it: runs never overlap", async () => {
    const c = clock();
    let inFlight = 0;
    let most = 0;
    const timer = new Timer(
      1,
      async () => {
        most = Math.max(most, ++inFlight);
        await sleep(c, 700); // ignores its signal
        inFlight--;
      },
      { driver: c },
    ).start();
    await c.advance(0.1);
    const cancelled = timer.cancel();
    timer.start();
    expect(timer.isRunning()).toBe(true);
    await c.advance(5);
    await cancelled;
    expect(most).toBe(1);
    expect(timer.hitCount).toBeGreaterThan(2);
    await c.runUntil(timer.cancel());
  });

  describe.each(["an observer's ticked()", "a sync target"])(
    "cancel(); start() from inside %s",
    (where) => {
      /** Restarts on tick 2, then attaches a join and a subscription meant for the new run. */
      async function restartedRun() {
        const c = clock();
        const events: string[] = [];
        let n = 0;
        let fromNewRun: { join: ReturnType<typeof track<number>>; feed: Subscription<number> };
        const restart = (timer: Timer<number>) => {
          void timer.cancel();
          timer.start();
          fromNewRun = { join: track(timer.join()), feed: timer.subscribe() };
        };
        const timer: Timer<number> = new Timer(
          1,
          () => {
            ++n;
            if (where === "a sync target" && n === 2) restart(timer);
            return n;
          },
          { driver: c, onCancel: () => events.push("onCancel") },
        );
        timer.observe({
          started: () => events.push("started"),
          ended: (reason) => events.push(`ended:${reason}`),
          ticked: (value) => {
            if (where !== "a sync target" && value === 2) restart(timer);
          },
        });
        timer.start();
        await c.advance(1.5);
        return { c, timer, events, fromNewRun: fromNewRun! };
      }

      it("gives the new run whole: its join, subscription and iteration get its ticks", async () => {
        const { c, timer, fromNewRun } = await restartedRun();
        expect(timer.isRunning()).toBe(true);
        expect(fromNewRun.join.state).toBe("resolved");
        expect(fromNewRun.join.value).toBe(3);
        const iterated: number[] = [];
        const loop = (async () => {
          for await (const value of timer) {
            iterated.push(value);
            if (iterated.length === 2) break;
          }
        })();
        await c.advance(2);
        await loop;
        expect(iterated).toEqual([4, 5]);
        await c.runUntil(timer.cancel());
        const fed: number[] = [];
        for await (const value of fromNewRun.feed) fed.push(value);
        expect(fed).toEqual([3, 4, 5]);
      });

      it("tells observers of the old run's end before the new run's start", async () => {
        const { c, timer, events } = await restartedRun();
        expect(events).toEqual(["started", "ended:cancel", "onCancel", "started"]);
        await c.runUntil(timer.cancel());
      });
    },
  );

  it("restarting twice inside one sync tick ends each run in turn, and every consumer settles", async () => {
    const c = clock();
    const events: string[] = [];
    let n = 0;
    const timer: Timer<number> = new Timer(
      1,
      () => {
        if (++n === 2) {
          void timer.cancel();
          timer.start();
          void timer.cancel();
          timer.start();
        }
        return n;
      },
      { driver: c },
    );
    timer.observe({
      started: () => events.push("started"),
      ended: (reason) => events.push(`ended:${reason}`),
    });
    timer.start();
    const feed = timer.subscribe(); // run 1's: ends with run 1
    const fed: number[] = [];
    const drained = (async () => {
      for await (const value of feed) fed.push(value);
    })();
    await c.advance(0.5);
    const join = track(timer.join());
    const stop = track(timer.wait());
    await c.advance(3);
    await c.runUntil(timer.cancel());
    await drained;
    expect(fed).toEqual([1]);
    expect(join.error).toBeInstanceOf(TimerCancelledError); // run 1 stopped before its tick 2
    expect(stop.state).toBe("resolved");
    expect(events).toEqual([
      "started",
      "ended:cancel",
      "started",
      "ended:cancel",
      "started",
      "ended:cancel",
    ]);
  });

  it("start() while running throws TimerStateError", () => {
    const c = clock();
    const timer = new Timer(1, () => 1, { driver: c }).start();
    expect(() => timer.start()).toThrow(TimerStateError);
    void timer.cancel();
  });
});

describe("await using", () => {
  it("cancels the timer when the scope exits", async () => {
    const c = clock();
    let outer: Timer<number> | undefined;
    {
      await using timer = new Timer(1, () => 1, { driver: c }).start();
      outer = timer;
      await c.advance(1);
    }
    expect(outer.isRunning()).toBe(false);
    expect(c.pending).toBe(0);
  });
});
