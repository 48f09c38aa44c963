import { describe, expect, it } from "vitest";
import { Timer, TimerCancelledError, TimerStateError, TimerTimeoutError } from "../src/index.js";
import { clock, failingAt, recordingLogger, sleep, track } from "./helpers.js";

function counter(c: ReturnType<typeof clock>, delay = 1, options = {}) {
  let n = 0;
  return new Timer(delay, () => ++n, { driver: c, ...options });
}

describe("join()", () => {
  it("resolves with the value of the next tick to complete", async () => {
    const c = clock();
    const timer = counter(c).start();
    expect(await timer.join()).toBe(1);
    const next = track(timer.join());
    await c.advance(0.999);
    expect(next.state).toBe("pending");
    await c.advance(0.001);
    expect(next.value).toBe(2);
    await timer.cancel();
  });

  it("rejects with TimerCancelledError on a timer that is not running, or that stops first", async () => {
    const c = clock();
    const timer = counter(c);
    await expect(timer.join()).rejects.toBeInstanceOf(TimerCancelledError);
    timer.start();
    await c.settle();
    const pending = track(timer.join());
    await timer.cancel();
    await c.settle();
    expect(pending.error).toBeInstanceOf(TimerCancelledError);
  });

  it("rejects with the target's error when the next tick fails", async () => {
    const c = clock();
    const timer = new Timer(1, () => Promise.reject(new Error("nope")), {
      driver: c,
      logger: recordingLogger(),
    });
    timer.start();
    await expect(timer.join()).rejects.toThrow("nope");
  });
});

describe("wait()", () => {
  it("with hitCount resolves when the absolute count is reached, with that tick's value", async () => {
    const c = clock();
    const timer = counter(c).start();
    const waiting = track(timer.wait({ hitCount: 3 }));
    await c.advance(1.5);
    expect(waiting.state).toBe("pending");
    await c.advance(0.5);
    expect(waiting).toMatchObject({ state: "resolved", value: 3 });
    await timer.cancel();
  });

  it("with hits resolves after that many more ticks", async () => {
    const c = clock();
    const timer = counter(c).start();
    await c.advance(2); // 3 hits
    const waiting = track(timer.wait({ hits: 2 }));
    await c.advance(2);
    expect(waiting).toMatchObject({ state: "resolved", value: 5 });
    await timer.cancel();
  });

  it("prefers hitCount when both are given", async () => {
    const c = clock();
    const timer = counter(c).start();
    await c.settle();
    const waiting = track(timer.wait({ hitCount: 2, hits: 10 }));
    await c.advance(1);
    expect(waiting.value).toBe(2);
    await timer.cancel();
  });

  it("resolves with undefined at once when the condition is already met, even when stopped", async () => {
    const c = clock();
    const timer = counter(c).start();
    await c.advance(1);
    await timer.cancel();
    expect(await timer.wait({ hitCount: 1 })).toBeUndefined();
    expect(await timer.wait({ hits: 0 })).toBeUndefined();
  });

  it("rejects with TimerCancelledError for an unmet condition on a stopped timer, or when it stops first", async () => {
    const c = clock();
    const timer = counter(c);
    await expect(timer.wait({ hitCount: 1 })).rejects.toBeInstanceOf(TimerCancelledError);
    timer.start();
    const waiting = track(timer.wait({ hitCount: 5 }));
    await c.advance(1);
    await timer.cancel();
    await c.settle();
    expect(waiting.error).toBeInstanceOf(TimerCancelledError);
  });

  it("with a condition and a timeout rejects with TimerTimeoutError, and leaves no wake behind", async () => {
    const c = clock();
    const timer = counter(c, 10).start();
    await c.settle();
    const waiting = track(timer.wait({ hitCount: 5, timeout: "2s" }));
    await c.advance(1.999);
    expect(waiting.state).toBe("pending");
    await c.advance(0.001);
    expect(waiting.error).toBeInstanceOf(TimerTimeoutError);
    expect((waiting.error as Error).message).toMatch(/timed out after 2s/);
    expect(c.pending).toBe(1); // only the timer's own wake
    await timer.cancel();
    expect(c.pending).toBe(0);
  });

  it("met before its timeout disarms the timeout", async () => {
    const c = clock();
    const timer = counter(c).start();
    expect(await c.runUntil(timer.wait({ hits: 1, timeout: 60 }))).toBe(1);
    expect(c.pending).toBe(1);
    await timer.cancel();
  });

  it("with no condition resolves with the last value when the timer stops, never rejecting on cancel", async () => {
    const c = clock();
    const timer = counter(c).start();
    const waiting = track(timer.wait());
    await c.advance(2);
    expect(waiting.state).toBe("pending");
    await timer.cancel();
    await c.settle();
    expect(waiting).toMatchObject({ state: "resolved", value: 3 });
    expect(await timer.wait()).toBe(3); // not running: at once
  });

  it("with no condition and a timeout just bounds the wait, resolving with the last value", async () => {
    const c = clock();
    const timer = counter(c).start();
    const waiting = track(timer.wait({ timeout: 2.5 }));
    await c.advance(2.5);
    expect(waiting).toMatchObject({ state: "resolved", value: 3 });
    expect(timer.isRunning()).toBe(true);
    await timer.cancel();
  });
});

describe("for await (… of timer)", () => {
  it("yields the latest value of each tick it waits for, and ends when the timer stops", async () => {
    const c = clock();
    const timer = counter(c).start();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const value of timer) {
        seen.push(value);
        if (value === 3) void timer.cancel();
      }
    })();
    await c.advance(5);
    await loop;
    expect(seen).toEqual([1, 2, 3]);
  });

  it("drops the ticks a busy consumer misses (fan-out is not a queue)", async () => {
    const c = clock();
    const timer = counter(c).start();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const value of timer) {
        seen.push(value);
        await sleep(c, 2500); // slower than the timer
        if (seen.length === 3) break;
      }
    })();
    await c.advance(20);
    await loop;
    expect(seen).toEqual([1, 4, 7]);
    await timer.cancel();
  });

  it("gives every waiting consumer the same value", async () => {
    const c = clock();
    const timer = counter(c).start();
    const take = async (count: number) => {
      const got: number[] = [];
      for await (const value of timer) {
        got.push(value);
        if (got.length === count) break;
      }
      return got;
    };
    const a = take(3);
    const b = take(3);
    await c.advance(3);
    expect(await a).toEqual([1, 2, 3]);
    expect(await b).toEqual([1, 2, 3]);
    await timer.cancel();
  });

  it("over a timer that is not running ends at once", async () => {
    const c = clock();
    const seen: number[] = [];
    for await (const value of counter(c)) seen.push(value);
    expect(seen).toEqual([]);
  });

  it("over a timer an error stopped throws that error as the cause of a TimerStateError, until a restart", async () => {
    const c = clock();
    const timer = failingAt(c, 2, "boom");
    expect(await c.runUntil(timer.join())).toBe(1); // a consumer during the run
    await c.advance(1);
    expect(timer.state).toBe("failed");
    for (let attempt = 0; attempt < 2; attempt++) {
      const seen: number[] = [];
      const iterating = (async () => {
        for await (const value of timer) seen.push(value);
      })();
      await expect(iterating).rejects.toThrow(
        "iterating a timer that stopped because a tick failed: boom",
      );
      const error = await iterating.catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(TimerStateError);
      expect(((error as Error).cause as Error).message).toBe("boom");
      expect(seen).toEqual([]);
    }
    timer.start();
    await timer.cancel();
    const seen: number[] = [];
    for await (const value of timer) seen.push(value); // stopped by a cancel: ends at once
    expect(seen).toEqual([]);
  });

  it("throws the error that stopped the timer, also to a consumer that was busy when it happened", async () => {
    const c = clock();
    const timer = failingAt(c, 3, "third");
    const iterator = timer[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    await c.advance(5); // busy: not waiting when tick 3 fails
    await expect(iterator.next()).rejects.toThrow("third");
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});

describe("subscribe()", () => {
  it("receives every tick from the moment it subscribed, in order, however slow the consumer", async () => {
    const c = clock();
    const timer = counter(c).start();
    await c.advance(2); // ticks 1..3 happen before subscribing
    const feed = timer.subscribe();
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const value of feed) {
        seen.push(value);
        await sleep(c, 3000);
      }
    })();
    await c.advance(10);
    await timer.cancel();
    await c.advance(60);
    await consumer;
    expect(seen).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("gives several subscriptions independent copies", async () => {
    const c = clock();
    const timer = counter(c).start();
    const a = timer.subscribe();
    const b = timer.subscribe();
    await c.advance(2); // ticks 1..3: subscribed before the first tick fired
    expect(a.qsize).toBe(3);
    expect(await a.next()).toEqual({ done: false, value: 1 });
    expect(a.qsize).toBe(2);
    expect(b.qsize).toBe(3);
    expect(await b.next()).toEqual({ done: false, value: 1 });
    await timer.cancel();
  });

  it("made before start() receives the next run's ticks", async () => {
    const c = clock();
    const timer = counter(c);
    const feed = timer.subscribe();
    timer.start();
    await c.advance(1);
    expect(feed.qsize).toBe(2);
    await timer.cancel();
  });

  it("on a bounded queue drops the oldest, counts it and logs the drops as one repeated condition", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = counter(c, 1, { logger, name: "metrics" }).start();
    const feed = timer.subscribe({ maxsize: 3, name: "sink" });
    await c.advance(5); // ticks 1..6 arrive; 1, 2 and 3 are dropped
    expect(feed.qsize).toBe(3);
    expect(feed.droppedCount).toBe(3);
    // One line when the drops start, not one per value (SPEC: repeated conditions).
    expect(logger.at("warn")).toEqual([
      '[async-timer] metrics: subscription "sink" is full (maxsize 3); dropped its oldest value',
    ]);
    await c.advance(12); // 12 more drops, past the summary interval
    expect(logger.at("warn")).toEqual([
      '[async-timer] metrics: subscription "sink" is full (maxsize 3); dropped its oldest value',
      '[async-timer] metrics: subscription "sink" dropped values: 10 more in the last 10 s (11 since it began 10 s ago)',
    ]);
    await timer.cancel();
    const rest: number[] = [];
    for await (const value of feed) rest.push(value);
    expect(rest).toEqual([16, 17, 18]);
    // The end of the subscription closes the account.
    expect(logger.at("warn").at(-1)).toBe(
      '[async-timer] metrics: subscription "sink" dropped values: 15 in all over 14 s; it has stopped',
    );
  });

  it("treats maxsize 0 as unbounded", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe({ maxsize: 0 });
    await c.advance(99);
    expect(feed.qsize).toBe(100);
    expect(feed.droppedCount).toBe(0);
    await timer.cancel();
  });

  it("dropOldest(n) removes up to n buffered values, counts them, and returns how many", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe();
    await c.advance(5); // 1..6 buffered
    expect(feed.dropOldest(3)).toBe(3);
    expect(feed.droppedCount).toBe(3);
    expect(await feed.next()).toEqual({ done: false, value: 4 });
    expect(feed.dropOldest(100)).toBe(2);
    expect(feed.droppedCount).toBe(5);
    expect(feed.qsize).toBe(0);
    await timer.cancel();
  });

  it("dropOldest never removes the end-of-stream marker", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe();
    await c.advance(2);
    await timer.cancel();
    expect(feed.qsize).toBe(3); // the end marker is not counted
    expect(feed.dropOldest(10)).toBe(3);
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });

  it("dropOldest never removes the error marker; the error comes after buffered values", async () => {
    const c = clock();
    let n = 0;
    const timer = new Timer(
      1,
      () => {
        if (++n === 4) throw new Error("fourth");
        return n;
      },
      { driver: c, logger: recordingLogger() },
    ).start();
    const feed = timer.subscribe();
    const other = timer.subscribe();
    await c.advance(5);
    expect(timer.isRunning()).toBe(false);
    // One consumer sheds everything: the error still arrives.
    expect(feed.dropOldest(99)).toBe(3);
    await expect(feed.next()).rejects.toThrow("fourth");
    expect(await feed.next()).toEqual({ done: true, value: undefined });
    // The other drains its buffer first, then gets the error.
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of other) seen.push(value);
      })(),
    ).rejects.toThrow("fourth");
    expect(seen).toEqual([1, 2, 3]);
  });

  it("belongs to one run: it ends with the run and a restart needs a new subscription", async () => {
    const c = clock();
    const timer = counter(c).start();
    const first = timer.subscribe();
    await c.advance(1);
    await timer.cancel();
    timer.start();
    await c.advance(1);
    const drained: number[] = [];
    for await (const value of first) drained.push(value);
    expect(drained).toEqual([1, 2]);
    await timer.cancel();
  });

  it("close() unsubscribes at once, discards the buffer and ends a waiting next()", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe();
    await c.advance(2);
    feed.close();
    expect(feed.qsize).toBe(0);
    expect(await feed.next()).toEqual({ done: true, value: undefined });
    const waiting = timer.subscribe();
    await c.settle();
    const pending = track(waiting.next());
    waiting.close();
    await c.settle();
    expect(pending).toMatchObject({ state: "resolved", value: { done: true, value: undefined } });
    await c.advance(3);
    expect(waiting.qsize).toBe(0);
    await timer.cancel();
  });

  it("is closed by leaving a for-await loop, and by await using", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe();
    const loop = (async () => {
      for await (const value of feed) if (value === 2) break;
    })();
    await c.advance(1);
    await loop;
    await c.advance(3);
    expect(feed.qsize).toBe(0);
    let escaped: { qsize: number } = feed;
    {
      await using scoped = timer.subscribe({ name: "scoped" });
      escaped = scoped;
      await c.advance(1);
      expect(scoped.qsize).toBe(1);
    }
    // Leaving the scope closed it: its buffer is gone and it receives nothing more.
    expect(escaped.qsize).toBe(0);
    await c.advance(1);
    expect(escaped.qsize).toBe(0);
    await timer.cancel();
  });

  it("shows its name, bound, queue and drops in toString()", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = counter(c, 1, { name: "db", logger }).start();
    const feed = timer.subscribe({ maxsize: 1 });
    await c.advance(1);
    expect(String(feed)).toBe("Subscription(db#1, maxsize=1, qsize=1, dropped=1, open)");
    expect(logger.at("warn")).toEqual([
      '[async-timer] db: subscription "db#1" is full (maxsize 1); dropped its oldest value',
    ]);
    await timer.cancel();
  });

  it("costs nothing when unused: no value is kept for a subscription that was closed", async () => {
    const c = clock();
    const timer = counter(c).start();
    const feed = timer.subscribe({ maxsize: 2 });
    feed.close();
    await c.advance(10);
    expect(feed.droppedCount).toBe(0);
    await timer.cancel();
  });
});
