/** The consumers on their own: who is settled by what, for which run, and who stays waiting. */
import { describe, expect, it, vi } from "vitest";
import {
  COUNT,
  Consumers,
  type Feed,
  JOIN,
  STOP,
  TimerIterator,
  TRIGGER,
} from "../src/consumers.js";
import { TimerCancelledError } from "../src/errors.js";

const settled = async <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

function feed(run: number): Feed & { pushed: unknown[]; ended: unknown[] } {
  const pushed: unknown[] = [];
  const ended: unknown[] = [];
  return {
    run,
    pushed,
    ended,
    push: (value) => pushed.push(value),
    end: (failure) => ended.push(failure),
  };
}

describe("Consumers", () => {
  it("publish settles joins, due triggers and met counts of its run, and keeps the rest", async () => {
    const consumers = new Consumers();
    const join = consumers.wait(JOIN, 1, 0);
    const now = consumers.wait(TRIGGER, 1, 1);
    const later = consumers.wait(TRIGGER, 1, 2);
    const met = consumers.wait(COUNT, 1, 1);
    const unmet = consumers.wait(COUNT, 1, 5);
    const stop = consumers.wait(STOP, 1, 0);
    const otherRun = consumers.wait(JOIN, 2, 0);
    met.disarm = vi.fn();
    consumers.publish(1, 1, "v", 1);
    expect(await join.promise).toBe("v");
    expect(await now.promise).toBe("v");
    expect(await met.promise).toBe("v");
    expect(met.disarm).toHaveBeenCalled();
    for (const waiter of [later, unmet, stop, otherRun])
      expect(consumers.remove(waiter)).toBe(true);
    expect(consumers.remove(join)).toBe(false); // settled ones are gone
  });

  it("triggers for the same tick and run share one waiter", () => {
    const consumers = new Consumers();
    const a = consumers.wait(TRIGGER, 1, 3);
    expect(consumers.wait(TRIGGER, 1, 3)).toBe(a);
    expect(consumers.wait(TRIGGER, 1, 4)).not.toBe(a);
    expect(consumers.wait(TRIGGER, 2, 3)).not.toBe(a);
  });

  it("a failure under continue reaches joins, conditional waits and triggers for that tick only", async () => {
    const consumers = new Consumers();
    const boom = new Error("boom");
    const join = settled(consumers.wait(JOIN, 1, 0).promise);
    const count = settled(consumers.wait(COUNT, 1, 9).promise);
    const due = settled(consumers.wait(TRIGGER, 1, 1).promise);
    const after = consumers.wait(TRIGGER, 1, 2);
    const stop = consumers.wait(STOP, 1, 0);
    const tail = feed(1);
    consumers.feeds.add(tail);
    consumers.fail(1, 1, boom, false);
    expect(await join).toEqual({ error: boom });
    expect(await count).toEqual({ error: boom });
    expect(await due).toEqual({ error: boom });
    expect(consumers.remove(after)).toBe(true);
    expect(consumers.remove(stop)).toBe(true);
    expect(tail.ended).toEqual([]);
  });

  it("a final failure reaches every waiter and feed of its run, not the next run's", async () => {
    const consumers = new Consumers();
    const boom = new Error("boom");
    const stop = settled(consumers.wait(STOP, 1, 0).promise);
    const next = consumers.wait(JOIN, 2, 0);
    const mine = feed(1);
    const theirs = feed(2);
    consumers.feeds.add(mine);
    consumers.feeds.add(theirs);
    consumers.fail(1, 1, boom, true);
    expect(await stop).toEqual({ error: boom });
    expect(mine.ended).toEqual([{ error: boom }]);
    expect(theirs.ended).toEqual([]);
    expect(consumers.remove(next)).toBe(true);
  });

  it("while an error policy decides, waiters added meanwhile are not the failed tick's", async () => {
    const consumers = new Consumers();
    const before = settled(consumers.wait(JOIN, 1, 0).promise);
    consumers.hold();
    const during = consumers.wait(JOIN, 1, 0);
    consumers.fail(1, 1, new Error("boom"), false);
    expect(await before).toMatchObject({ error: expect.any(Error) });
    expect(consumers.remove(during)).toBe(true);
  });

  it("an end settles the run's waiters (a stop wait with the last value) and ends its feeds", async () => {
    const consumers = new Consumers();
    const join = settled(consumers.wait(JOIN, 1, 0).promise);
    const stop = consumers.wait(STOP, 1, 0);
    const count = settled(consumers.wait(COUNT, 1, 5).promise);
    const next = consumers.wait(JOIN, 2, 0);
    const mine = feed(1);
    consumers.feeds.add(mine);
    consumers.end(1, "last");
    expect(await stop.promise).toBe("last");
    expect((await join) as { error: unknown }).toMatchObject({
      error: expect.any(TimerCancelledError),
    });
    expect(((await count) as { error: Error }).error.message).toBe(
      "the timer stopped before the awaited tick",
    );
    expect(mine.ended).toEqual([undefined]);
    expect(consumers.remove(next)).toBe(true);
  });

  it("a waiter added while settling waits for the next event", async () => {
    const consumers = new Consumers();
    const first = consumers.wait(JOIN, 1, 0);
    let again: ReturnType<Consumers["wait"]> | undefined;
    void first.promise.then(() => {});
    const original = first.resolve;
    first.resolve = (value) => {
      again = consumers.wait(JOIN, 1, 0);
      original(value);
    };
    consumers.publish(1, 1, "v", 1);
    expect(again).toBeDefined();
    expect(consumers.remove(again as NonNullable<typeof again>)).toBe(true);
  });
});

describe("TimerIterator", () => {
  it("gets values while waiting, misses them while busy, and ends with its run", async () => {
    const feeds = new Set<Feed>();
    const iterator = new TimerIterator<string>(1, feeds);
    expect(feeds.has(iterator)).toBe(true);
    iterator.push("missed"); // nobody waiting
    const next = iterator.next();
    iterator.push("v");
    expect(await next).toEqual({ done: false, value: "v" });
    iterator.end();
    expect(feeds.has(iterator)).toBe(false);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("throws a failure at once to a waiting next(), else on the next next(), then ends", async () => {
    const boom = new Error("boom");
    const waiting = new TimerIterator<string>(1, new Set());
    const pending = waiting.next();
    waiting.end({ error: boom });
    await expect(pending).rejects.toBe(boom);
    const busy = new TimerIterator<string>(1, new Set());
    busy.end({ error: boom });
    await expect(busy.next()).rejects.toBe(boom);
    expect(await busy.next()).toEqual({ done: true, value: undefined });
  });

  it("return() ends it and its waiting next(); one made without feeds has ended", async () => {
    const feeds = new Set<Feed>();
    const iterator = new TimerIterator<string>(1, feeds);
    const next = iterator.next();
    expect(await iterator.return()).toEqual({ done: true, value: undefined });
    expect(await next).toEqual({ done: true, value: undefined });
    expect(feeds.size).toBe(0);
    expect(await new TimerIterator(1, undefined).next()).toEqual({ done: true, value: undefined });
  });
});
