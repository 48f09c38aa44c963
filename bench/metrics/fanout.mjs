/**
 * Metric 4 (child): fan-out, on the virtual clock (no waiting: only delivery is timed).
 *
 *   --variant push      one Timer, `--subscribers` unbounded subscriptions nobody reads yet,
 *                       `--ticks` ticks: wall time / (subscribers × ticks) = ns per value queued
 *   --variant consumed  the same with a `for await` consumer on every subscription: ns per value
 *                       handed to a consumer (promise resolution and continuation included)
 *   --variant floor-push, floor-consumed
 *                       the same jobs hand-written: arrays pushed in a loop; a minimal
 *                       async-iterator queue per consumer (`--als`: with AsyncLocalStorage on,
 *                       as it is in a process where our Timer has ticked on Node 20/22)
 *   --variant bounded   one subscription with maxsize 100 and no consumer, `--ticks` ticks (1e6):
 *                       ns per tick in each tenth of the run. A ring buffer keeps the last tenth
 *                       as fast as the first; `Array.shift` on a full queue would not.
 */
import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { collect, enableAsyncLocalStorage, runChild } from "../lib/child.mjs";
import { countingLogger, logCounts, logReport } from "../lib/subjects.mjs";

runChild(async (args) => {
  const variant = args.variant ?? "push";
  const subscribers = Number(args.subscribers ?? 10_000);
  const ticks = Number(args.ticks ?? (variant === "bounded" ? 1_000_000 : 1_000));
  if (args.als) enableAsyncLocalStorage();
  if (typeof globalThis.gc === "function") await collect();
  if (variant === "bounded") return bounded(ticks);
  if (variant === "floor-push") return floorPush(subscribers, ticks);
  if (variant === "floor-consumed") return floorConsumed(subscribers, ticks);
  return fanout(variant, subscribers, ticks);
});

async function fanout(variant, subscribers, ticks) {
  const clock = new VirtualClock({ stallTimeout: 0 });
  let seq = 0;
  const timer = new Timer(1, () => ++seq, { driver: clock, logger: countingLogger });
  const feeds = [];
  for (let i = 0; i < subscribers; i++) feeds.push(timer.subscribe());
  let received = 0;
  const consumers =
    variant === "consumed"
      ? feeds.map(async (feed) => {
          for await (const _value of feed) received++;
        })
      : [];
  // Warm the path once (one tick), then time the rest.
  timer.start();
  await clock.advance(0);
  const t0 = performance.now();
  await clock.advance(ticks - 1);
  const elapsed = performance.now() - t0;
  const delivered = subscribers * (ticks - 1);
  if (variant === "consumed" && received !== subscribers * ticks) {
    throw new Error(`consumers received ${received} values; expected ${subscribers * ticks}`);
  }
  if (variant === "push" && feeds[0].qsize !== ticks) {
    throw new Error(`a subscription holds ${feeds[0].qsize} values; expected ${ticks}`);
  }
  await timer.cancel();
  await clock.settle();
  await Promise.all(consumers);
  return { variant, subscribers, ticks, value: (elapsed * 1e6) / delivered, elapsedMs: elapsed };
}

async function floorPush(subscribers, ticks) {
  const queues = [];
  for (let i = 0; i < subscribers; i++) queues.push([]);
  const deliver = (value) => {
    for (let i = 0; i < queues.length; i++) queues[i].push(value);
  };
  deliver(0);
  const t0 = performance.now();
  for (let tick = 1; tick < ticks; tick++) {
    deliver(tick);
    await undefined; // a turn per tick, as the timer's tick has
  }
  const elapsed = performance.now() - t0;
  return {
    variant: "floor-push",
    subscribers,
    ticks,
    value: (elapsed * 1e6) / (subscribers * (ticks - 1)),
    elapsedMs: elapsed,
  };
}

/** A hand-written async-iterator queue: the least a `for await` consumer can be fed with. */
class HandQueue {
  waiters = [];
  next() {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  [Symbol.asyncIterator]() {
    return this;
  }
  push(value) {
    this.waiters.pop()({ done: value < 0, value });
  }
}

async function floorConsumed(subscribers, ticks) {
  let received = 0;
  const queues = [];
  const consumers = [];
  for (let i = 0; i < subscribers; i++) {
    const queue = new HandQueue();
    queues.push(queue);
    consumers.push(
      (async () => {
        for await (const _value of queue) received++;
      })(),
    );
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const deliver = async (value) => {
    for (let i = 0; i < subscribers; i++) queues[i].push(value);
    await settle();
  };
  await settle();
  await deliver(0);
  const t0 = performance.now();
  for (let tick = 1; tick < ticks; tick++) await deliver(tick);
  const elapsed = performance.now() - t0;
  await deliver(-1);
  await Promise.all(consumers);
  if (received !== subscribers * ticks) throw new Error(`received ${received}`);
  return {
    variant: "floor-consumed",
    subscribers,
    ticks,
    value: (elapsed * 1e6) / (subscribers * (ticks - 1)),
    elapsedMs: elapsed,
  };
}

async function bounded(ticks) {
  const clock = new VirtualClock({ stallTimeout: 0 });
  let seq = 0;
  const timer = new Timer(1, () => ++seq, { driver: clock, logger: countingLogger });
  const feed = timer.subscribe({ maxsize: 100 });
  timer.start();
  const windows = 10;
  const per = Math.floor(ticks / windows);
  const nsPerTick = [];
  for (let w = 0; w < windows; w++) {
    const t0 = performance.now();
    await clock.advance(per);
    nsPerTick.push(((performance.now() - t0) * 1e6) / per);
  }
  const total = timer.hitCount;
  const kept = feed.qsize;
  const dropped = feed.droppedCount;
  await timer.cancel();
  if (kept !== 100 || kept + dropped !== total) {
    throw new Error(`bounded queue: kept ${kept}, dropped ${dropped}, produced ${total}`);
  }
  // The least noisy reading of each half (the first window also warms up): O(1) per push keeps
  // the second half as fast as the first.
  const early = Math.min(...nsPerTick.slice(1, windows / 2));
  const late = Math.min(...nsPerTick.slice(windows / 2));
  return {
    variant: "bounded",
    ticks: total,
    value: late / early,
    nsPerTick,
    dropped,
    warnings: logCounts.warn,
    logged: logReport(),
  };
}
