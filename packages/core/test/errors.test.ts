import { describe, expect, it, vi } from "vitest";
import { Timer, TimerCancelledError, TimerStateError } from "../src/index.js";
import { clock, recordingLogger, track } from "./helpers.js";

/** A timer whose ticks fail on the listed tick numbers (1-based). */
function flaky(c: ReturnType<typeof clock>, failing: number[], options = {}) {
  let n = 0;
  return new Timer(
    1,
    async () => {
      n++;
      if (failing.includes(n)) throw new Error(`tick ${n} failed`);
      return n;
    },
    { driver: c, ...options },
  );
}

describe("a failing tick, default policy", () => {
  it("stops the timer and logs the error at error level with the timer's name", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = flaky(c, [2], { logger, name: "db" }).start();
    await c.advance(5);
    expect(timer.isRunning()).toBe(false);
    expect(timer.hitCount).toBe(1);
    expect(logger.lines).toEqual([
      {
        level: "error",
        message:
          "[async-timer] db: tick failed; the timer stops (pass onError to decide otherwise)",
        error: new Error("tick 2 failed"),
      },
    ]);
  });

  it("delivers the error to join, conditional and unconditional wait, iteration and subscriptions", async () => {
    const c = clock();
    const timer = flaky(c, [3], { logger: recordingLogger() }).start();
    const feed = timer.subscribe();
    await c.advance(1);
    const join = track(timer.join());
    const count = track(timer.wait({ hitCount: 10 }));
    const stop = track(timer.wait());
    const iteration = track(timer[Symbol.asyncIterator]().next());
    await c.advance(1);
    for (const outcome of [join, count, stop, iteration]) {
      expect(outcome.state).toBe("rejected");
      expect((outcome.error as Error).message).toBe("tick 3 failed");
    }
    expect(await feed.next()).toEqual({ done: false, value: 1 });
    expect(await feed.next()).toEqual({ done: false, value: 2 });
    await expect(feed.next()).rejects.toThrow("tick 3 failed");
  });

  it("runs onCancel exactly once when the error ends the run", async () => {
    const c = clock();
    const onCancel = vi.fn();
    const timer = flaky(c, [1], { logger: recordingLogger(), onCancel }).start();
    await c.advance(3);
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(onCancel).toHaveBeenCalledWith(timer);
    await timer.cancel();
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe("onError", () => {
  it("is consulted first, with the error and the timer", async () => {
    const c = clock();
    const onError = vi.fn(() => "stop" as const);
    const timer = flaky(c, [1], { onError }).start();
    const join = track(timer.join());
    await c.settle();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(new Error("tick 1 failed"), timer);
    expect(join.state).toBe("rejected");
    expect(timer.isRunning()).toBe(false);
  });

  it('returning "continue" keeps the schedule; only join/trigger/conditional waits see the error', async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = flaky(c, [2], { onError: () => "continue", logger }).start();
    const feed = timer.subscribe();
    const iterated: number[] = [];
    const iteration = (async () => {
      for await (const value of timer) iterated.push(value);
    })();
    const stop = track(timer.wait());
    await c.settle();
    const join = track(timer.join());
    const count = track(timer.wait({ hitCount: 3 }));
    await c.advance(1);
    expect(join.error).toEqual(new Error("tick 2 failed"));
    expect(count.error).toEqual(new Error("tick 2 failed"));
    await c.advance(2);
    expect(timer.isRunning()).toBe(true);
    expect(timer.hitCount).toBe(3);
    expect(stop.state).toBe("pending");
    await timer.cancel();
    await iteration;
    expect(iterated).toEqual([1, 3, 4]);
    const fed: number[] = [];
    for await (const value of feed) fed.push(value);
    expect(fed).toEqual([1, 3, 4]);
    expect(stop).toMatchObject({ state: "resolved", value: 4 });
    expect(logger.lines).toEqual([]); // handled by onError: not logged
  });

  it("returning nothing means stop", async () => {
    const c = clock();
    const timer = flaky(c, [1], { onError: () => undefined }).start();
    await c.advance(2);
    expect(timer.isRunning()).toBe(false);
  });

  it("that throws is logged at error level and treated as stop", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = flaky(c, [1], {
      logger,
      name: "t",
      onError: () => {
        throw new Error("handler broke");
      },
    }).start();
    await c.advance(2);
    expect(timer.isRunning()).toBe(false);
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] t: onError threw; the timer stops",
        error: new Error("handler broke"),
      },
    ]);
  });

  it("may cancel the timer without deadlock", async () => {
    const c = clock();
    let cancelled: Promise<void> | undefined;
    const timer = flaky(c, [2], {
      onError: (_error: unknown, t: Timer<number>) => {
        cancelled = t.cancel();
        return "continue";
      },
    }).start();
    await c.advance(2);
    expect(timer.isRunning()).toBe(false);
    await cancelled;
  });
});

describe("waiting from inside onError", () => {
  it("under continue, a join(), wait() or trigger() made there gets the next tick, not the failed one", async () => {
    const c = clock();
    const made: ReturnType<typeof track>[] = [];
    const timer = flaky(c, [1], {
      onError: (_error: unknown, t: Timer<number>) => {
        made.push(track(t.join()), track(t.wait({ hits: 1 })), track(t.trigger()));
        return "continue";
      },
    }).start();
    await c.advance(0.5);
    expect(made.map((record) => [record.state, record.value])).toEqual([
      ["resolved", 2],
      ["resolved", 2],
      ["resolved", 2],
    ]);
    await timer.cancel();
  });

  it("under stop, they are cancelled with the run; an iterator busy at the failure still gets it", async () => {
    const c = clock();
    let made: ReturnType<typeof track>[] = [];
    let iterator: AsyncIterator<number> | undefined;
    const timer = flaky(c, [2], {
      onError: (_error: unknown, t: Timer<number>) => {
        made = [
          track(t.join()),
          track(t.wait({ hits: 1 })),
          track(iterator?.next() as Promise<unknown>),
        ];
        return "stop";
      },
      logger: recordingLogger(),
    });
    timer.start();
    iterator = timer[Symbol.asyncIterator]();
    const first = iterator.next(); // tick 1's value; then the loop is busy when tick 2 fails
    await c.advance(1.5);
    expect(await first).toEqual({ done: false, value: 1 });
    const [join, wait, next] = made;
    expect(join?.error).toBeInstanceOf(TimerCancelledError);
    expect(wait?.error).toBeInstanceOf(TimerCancelledError);
    expect(next?.error).toEqual(new Error("tick 2 failed"));
  });
});

/** Every value `feed` yields, and the error that ended it, if any. */
async function collect(feed: AsyncIterable<number>): Promise<{ seen: number[]; error: unknown }> {
  const seen: number[] = [];
  try {
    for await (const value of feed) seen.push(value);
    return { seen, error: undefined };
  } catch (error) {
    return { seen, error };
  }
}

describe("onError that cancels the timer", () => {
  /** Consumers of every kind, waiting when tick 2 fails; their outcomes once the run is over. */
  async function outcomes(policy: "stop" | "continue" | undefined) {
    const c = clock();
    const isRunningInside: boolean[] = [];
    const ended: string[] = [];
    let cancelled: Promise<void> | undefined;
    let joinRejectedBeforeCancelResolved = false;
    const timer = flaky(c, [2], {
      onError: (_error: unknown, t: Timer<number>) => {
        cancelled = t.cancel();
        isRunningInside.push(t.isRunning());
        return policy;
      },
      onCancel: () => ended.push("onCancel"),
    });
    timer.observe({ ended: (reason) => ended.push(reason) });
    const feed = timer.subscribe();
    timer.start();
    await c.advance(0);
    const join = track(timer.join());
    const wait = track(timer.wait({ hitCount: 5 }));
    const iterate = collect(timer);
    const drain = collect(feed);
    await c.advance(1);
    await cancelled?.then(() => {
      joinRejectedBeforeCancelResolved = join.state === "rejected";
    });
    return {
      isRunningInside,
      ended,
      join,
      wait,
      joinRejectedBeforeCancelResolved,
      iterate: await iterate,
      drain: await drain,
      status: String(timer),
    };
  }

  it.each([["stop"], [undefined]] as const)(
    "policy %s: every consumer still receives the tick's error, not a cancellation",
    async (policy) => {
      const out = await outcomes(policy);
      const boom = new Error("tick 2 failed");
      expect(out.isRunningInside).toEqual([false]);
      expect(out.join.error).toEqual(boom);
      expect(out.wait.error).toEqual(boom);
      expect(out.iterate.error).toEqual(boom);
      expect(out.drain).toEqual({ seen: [1], error: boom });
      expect(out.ended).toEqual(["error", "onCancel"]);
      expect(out.joinRejectedBeforeCancelResolved).toBe(true);
      // The error stopped the run, whatever onError did besides: the timer says so.
      expect(out.status).toBe("Timer(delay=1s, fixed_delay, failed: tick 2 failed, hits=1)");
    },
  );

  it("policy continue: waiters receive the error, then the cancel ends the feeds normally", async () => {
    const out = await outcomes("continue");
    expect(out.join.error).toEqual(new Error("tick 2 failed"));
    expect(out.wait.error).toEqual(new Error("tick 2 failed"));
    expect(out.iterate.error).toBeUndefined();
    expect(out.drain).toEqual({ seen: [1], error: undefined });
    expect(out.ended).toEqual(["cancel", "onCancel"]);
  });

  it("a restart from onError after cancel() is refused; from onCancel it works", async () => {
    const c = clock();
    const refused: unknown[] = [];
    let restarts = 0;
    const timer = flaky(c, [1], {
      onError: (_error: unknown, t: Timer<number>) => {
        void t.cancel();
        try {
          t.start();
        } catch (error) {
          refused.push(error);
        }
      },
      onCancel: (t: Timer<number>) => {
        if (restarts++ === 0) t.start();
      },
    }).start();
    await c.advance(0);
    expect(refused).toEqual([
      new TimerStateError(
        "start() was called from onError after cancel(); the run ends when onError returns, so restart it from onCancel or later",
      ),
    ]);
    expect(timer.isRunning()).toBe(true); // restarted by onCancel
    await timer.cancel();
  });
});

describe("unhandled rejections", () => {
  it("never come from a failing target nobody awaits, under either policy", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const c = clock();
      const stopping = flaky(c, [1], { logger: recordingLogger() }).start();
      const continuing = flaky(c, [1, 2, 3], { onError: () => "continue" }).start();
      const rejectsSync = new Timer(
        1,
        () => {
          throw new Error("sync");
        },
        { driver: c, logger: recordingLogger() },
      ).start();
      await c.advance(5);
      await continuing.cancel();
      expect(stopping.isRunning()).toBe(false);
      expect(rejectsSync.isRunning()).toBe(false);
      // Give Node a macrotask to report anything unhandled.
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it("never come from a rejecting cancelOn promise (it is logged at warn level)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const logger = recordingLogger();
    try {
      const c = clock();
      const timer = new Timer(1, () => 1, {
        driver: c,
        logger,
        cancelOn: [Promise.reject(new Error("shutdown failed"))],
      }).start();
      await c.advance(1);
      expect(timer.isRunning()).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(logger.at("warn")).toEqual(["[async-timer] a cancelOn promise rejected; cancelling"]);
  });
});

describe("the logger", () => {
  it("that throws never breaks the timer", async () => {
    const c = clock();
    const explode = () => {
      throw new Error("logger down");
    };
    const timer = new Timer(
      1,
      () => {
        throw new Error("tick");
      },
      { driver: c, logger: { debug: explode, info: explode, warn: explode, error: explode } },
    ).start();
    await c.advance(1);
    expect(timer.isRunning()).toBe(false);
  });

  it("defaults to console.warn/console.error, looked up at call time", async () => {
    const c = clock();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const timer = flaky(c, [1], { name: "loud" }).start();
      await c.advance(1);
      expect(timer.isRunning()).toBe(false);
      expect(error).toHaveBeenCalledWith(
        "[async-timer] loud: tick failed; the timer stops (pass onError to decide otherwise)",
        new Error("tick 1 failed"),
      );
    } finally {
      error.mockRestore();
    }
  });

  it("accepts pino- and winston-shaped loggers: one message string, plus the error", async () => {
    const c = clock();
    const calls: unknown[][] = [];
    // pino and winston both expose level methods taking (message, ...args).
    const pinoLike = {
      level: "info",
      child: () => pinoLike,
      warn: (...args: unknown[]) => calls.push(["warn", ...args]),
      error: (...args: unknown[]) => calls.push(["error", ...args]),
      info: (...args: unknown[]) => calls.push(["info", ...args]),
      debug: (...args: unknown[]) => calls.push(["debug", ...args]),
      fatal: () => {},
      trace: () => {},
    };
    const timer = new Timer(1, async () => 1, { driver: c, logger: pinoLike, mode: "fixed_rate" });
    timer.start();
    const feed = timer.subscribe({ maxsize: 1 });
    await c.advance(1);
    expect(calls).toEqual([
      [
        "warn",
        '[async-timer] subscription "timer#1" is full (maxsize 1); dropped its oldest value',
      ],
    ]);
    feed.close();
    await timer.cancel();
  });
});

describe("the error classes", () => {
  it("carry stable names, so duplicated package copies can still recognise them", async () => {
    const c = clock();
    const error = await new Timer(1, () => 1, { driver: c }).join().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimerCancelledError);
    expect((error as Error).name).toBe("TimerCancelledError");
    expect(new TimerCancelledError().message).toBe("the timer stopped before the awaited tick");
    const { TimerStateError, TimerTimeoutError } = await import("../src/index.js");
    expect(new TimerStateError("x").name).toBe("TimerStateError");
    expect(new TimerTimeoutError("x").name).toBe("TimerTimeoutError");
    expect(new TimerTimeoutError("x")).toBeInstanceOf(Error);
  });
});

describe("the console logger", () => {
  it("sends warn lines to console.warn and error lines to console.error, and nothing else", async () => {
    const { consoleLogger } = await import("../src/index.js");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      consoleLogger.warn?.("w", 1);
      consoleLogger.error?.("e", 2);
      expect(warn).toHaveBeenCalledWith("w", 1);
      expect(error).toHaveBeenCalledWith("e", 2);
      expect(consoleLogger.debug).toBeUndefined();
      expect(consoleLogger.info).toBeUndefined();
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
  });
});
