/** The fan-out on its own: who is settled by what, and that nobody settled stays behind. */
import { describe, expect, it, vi } from "vitest";
import { TimerCancelledError } from "../src/errors.js";
import { Fanout, type RunRecord, TimerIterator } from "../src/fanout.js";

const settled = async <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

const run = (): RunRecord => ({ ended: false, failure: undefined });

/** A `wait({ hitCount: until })` as the timer registers it, with spies for its callbacks. */
const countWaiter = (until: number) => ({
  kind: "count" as const,
  until,
  resolve: vi.fn(),
  reject: vi.fn(),
  cancelTimeout: vi.fn(),
});

/** A `wait()` for the end of the run, with spies for its callbacks. */
const stopWaiter = () => ({
  kind: "stop" as const,
  resolve: vi.fn(),
  reject: vi.fn(),
  cancelTimeout: vi.fn(),
});

describe("Fanout", () => {
  it("publish settles joins, iterators, due triggers and met counts, and keeps the rest", async () => {
    const fanout = new Fanout<string>();
    const join = fanout.join();
    const iterator = new TimerIterator<string>(fanout as Fanout<unknown>, run());
    const next = iterator.next();
    const now = fanout.trigger(1);
    const later = fanout.trigger(2);
    const met = countWaiter(1);
    const unmet = countWaiter(5);
    const stop = stopWaiter();
    fanout.add(met);
    fanout.add(unmet);
    fanout.add(stop);
    expect(fanout.waiting).toBe(7);
    fanout.publish(1, "v", 1);
    expect(await join).toBe("v");
    expect(await next).toEqual({ done: false, value: "v" });
    expect(await now).toBe("v");
    expect(met.resolve).toHaveBeenCalledWith("v");
    expect(met.cancelTimeout).toHaveBeenCalled();
    expect(unmet.resolve).not.toHaveBeenCalled();
    expect(stop.resolve).not.toHaveBeenCalled();
    expect(fanout.waiting).toBe(3); // the later trigger, the unmet count, the stop
    fanout.publish(2, "w", 2);
    expect(await later).toBe("w");
    expect(fanout.waiting).toBe(2);
  });

  it("calls for the same tick share one promise", () => {
    const fanout = new Fanout<number>();
    const a = fanout.trigger(4);
    expect(fanout.trigger(4)).toBe(a);
    expect(fanout.trigger(5)).not.toBe(a);
    expect(fanout.waiting).toBe(2);
  });

  it("a non-final failure reaches joins, counts and triggers up to that tick only", async () => {
    const fanout = new Fanout<number>();
    const record = run();
    const join = settled(fanout.join());
    const due = settled(fanout.trigger(3));
    const later = fanout.trigger(4);
    const count = countWaiter(9);
    const stop = stopWaiter();
    const iterator = new TimerIterator<number>(fanout as Fanout<unknown>, record);
    const next = iterator.next();
    fanout.add(count);
    fanout.add(stop);
    const error = new Error("tick 3");
    fanout.fail(3, error, false, record);
    expect(await join).toEqual({ error });
    expect(await due).toEqual({ error });
    expect(count.reject).toHaveBeenCalledWith(error);
    expect(count.cancelTimeout).toHaveBeenCalled();
    expect(stop.reject).not.toHaveBeenCalled();
    expect(stop.cancelTimeout).not.toHaveBeenCalled();
    expect(record.failure).toBeUndefined();
    expect(fanout.waiting).toBe(3); // the later trigger, the stop, the iterator
    expect(iterator.failureDelivered).toBe(false);
    fanout.publish(4, 4, 1);
    expect(await later).toBe(4);
    expect(await next).toEqual({ done: false, value: 4 });
  });

  it("a final failure reaches everyone, and is kept for iterators that were busy", async () => {
    const fanout = new Fanout<number>();
    const record = run();
    const waitingIterator = new TimerIterator<number>(fanout as Fanout<unknown>, record);
    const busyIterator = new TimerIterator<number>(fanout as Fanout<unknown>, record);
    const pending = settled(waitingIterator.next());
    const trigger = settled(fanout.trigger(8));
    const stop = stopWaiter();
    fanout.add(stop);
    const error = new Error("fatal");
    fanout.fail(2, error, true, record);
    record.ended = true;
    expect(await pending).toEqual({ error });
    expect(await trigger).toEqual({ error });
    expect(stop.reject).toHaveBeenCalledWith(error);
    expect(stop.cancelTimeout).toHaveBeenCalled();
    expect(record.failure).toEqual({ error });
    expect(fanout.waiting).toBe(0);
    expect(await settled(waitingIterator.next())).toEqual({
      value: { done: true, value: undefined },
    });
    expect(await settled(busyIterator.next())).toEqual({ error });
    expect(await settled(busyIterator.next())).toEqual({ value: { done: true, value: undefined } });
  });

  it("end rejects joins, triggers and counts as cancelled, ends iterators, resolves stops with the last value", async () => {
    const fanout = new Fanout<string>();
    const join = settled(fanout.join());
    const trigger = settled(fanout.trigger(1));
    const count = countWaiter(9);
    const stop = stopWaiter();
    const iterator = new TimerIterator<string>(fanout as Fanout<unknown>, run());
    const next = iterator.next();
    fanout.add(count);
    fanout.add(stop);
    fanout.end("last");
    expect(((await join) as { error: unknown }).error).toBeInstanceOf(TimerCancelledError);
    expect(((await trigger) as { error: unknown }).error).toBeInstanceOf(TimerCancelledError);
    expect(count.reject.mock.calls[0]?.[0]).toBeInstanceOf(TimerCancelledError);
    expect(count.cancelTimeout).toHaveBeenCalled();
    expect(stop.resolve).toHaveBeenCalledWith("last");
    expect(stop.cancelTimeout).toHaveBeenCalled();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(fanout.waiting).toBe(0);
  });

  it("remove() forgets a waiter once; forget() ends an iterator's waiting next()", async () => {
    const fanout = new Fanout<number>();
    const stop = { kind: "stop" as const, resolve: vi.fn(), reject: vi.fn() };
    fanout.add(stop);
    expect(fanout.remove(stop)).toBe(true);
    expect(fanout.remove(stop)).toBe(false);
    const mine = new TimerIterator<number>(fanout as Fanout<unknown>, run());
    const other = new TimerIterator<number>(fanout as Fanout<unknown>, run());
    const mineNext = mine.next();
    const otherNext = other.next();
    expect(await mine.return()).toEqual({ done: true, value: undefined });
    expect(await mineNext).toEqual({ done: true, value: undefined });
    expect(fanout.waiting).toBe(1);
    expect(await mine.next()).toEqual({ done: true, value: undefined });
    fanout.publish(1, 1, 1);
    expect(await otherNext).toEqual({ done: false, value: 1 });
    expect(mine[Symbol.asyncIterator]()).toBe(mine);
  });

  it("a waiter added while others are settled waits for the next event", async () => {
    const fanout = new Fanout<number>();
    const seen: number[] = [];
    const again = () =>
      fanout.join().then((value) => {
        seen.push(value);
        if (seen.length < 3) void again();
      });
    void again();
    fanout.publish(1, 1, 1);
    await Promise.resolve();
    await Promise.resolve();
    fanout.publish(2, 2, 2);
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual([1, 2]);
  });
});
