import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { openSubscription, shareSubscription, shareTimer } from "../src/index.js";
import { requireDist, sleep, threadsOfEachTest } from "./helpers.js";

beforeAll(requireDist);

const quiet = { warn() {}, error() {} };
const { open } = threadsOfEachTest();

function setup(start = true) {
  const clock = new VirtualClock({ stallTimeout: 0 });
  let n = 0;
  const timer = new Timer(1, () => ++n, { driver: clock, logger: quiet });
  const feed = timer.subscribe({ maxsize: 3, name: "sink" });
  if (start) timer.start();
  return { clock, timer, feed };
}

describe("a shared subscription", () => {
  it("shows qsize and droppedCount as ticks arrive and the consumer takes or drops values", async () => {
    const { clock, timer, feed } = setup();
    const worker = open({ feed: shareSubscription(feed, timer) });
    const read = () => worker.value({ target: "feed", method: "snapshot" });
    expect(await worker.value({ target: "feed", get: "name" })).toBe("sink");
    expect(await worker.value({ target: "feed", get: "maxsize" })).toBe(3);
    await clock.advance(1); // ticks at 0 and 1 s
    expect(await read()).toEqual({ qsize: 2, droppedCount: 0 });
    await clock.advance(3); // three more: the oldest two overflow
    expect(await read()).toEqual({ qsize: 3, droppedCount: 2 });
    expect(await worker.value({ target: "feed", get: "qsize" })).toBe(3);
    expect(await worker.value({ target: "feed", get: "droppedCount" })).toBe(2);
    expect(await feed.next()).toEqual({ done: false, value: 3 });
    expect(await read()).toEqual({ qsize: 2, droppedCount: 2 });
    feed.dropOldest(1);
    expect(await read()).toEqual({ qsize: 1, droppedCount: 3 });
    await timer.cancel();
  });

  it("closeSync() closes it on the owner: the buffer is discarded and the consumer's loop ends", async () => {
    const { clock, timer, feed } = setup();
    const worker = open({ feed: shareSubscription(feed, timer) });
    await clock.advance(1);
    const consumed: number[] = [];
    const consumer = (async () => {
      for await (const value of feed) consumed.push(value);
    })();
    await clock.settle();
    expect(consumed).toEqual([1, 2]);
    expect(
      await worker.call({ target: "feed", method: "closeSync", args: [{ timeout: 5 }] }),
    ).toMatchObject({
      ok: true,
    });
    await consumer; // the loop ended
    await clock.advance(2);
    expect(consumed).toEqual([1, 2]);
    expect(await worker.value({ target: "feed", get: "qsize" })).toBe(0);
    expect(await worker.call({ target: "feed", method: "closeSync" })).toMatchObject({ ok: true }); // idempotent
    expect(timer.isRunning()).toBe(true); // only the subscription closed
    await timer.cancel();
  });

  it("the non-blocking close() works too, also from the owner thread", async () => {
    const { clock, timer, feed } = setup();
    const here = openSubscription(shareSubscription(feed, timer));
    await clock.advance(1);
    expect(here.qsize).toBe(2);
    await here.close();
    expect(await feed.next()).toEqual({ done: true, value: undefined });
    expect(here.qsize).toBe(0);
    here.disconnect();
    await timer.cancel();
  });

  it("refuses closeSync() before its timer ever started, and on the owner thread", async () => {
    const { timer, feed } = setup(false);
    const worker = open({ feed: shareSubscription(feed, timer) });
    expect(await worker.call({ target: "feed", method: "closeSync" })).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "not-started" },
    });
    const here = openSubscription(shareSubscription(feed, timer));
    expect(() => here.closeSync()).toThrow(/Use `subscription\.close\(\)` there/);
    timer.start();
    expect(await worker.call({ target: "feed", method: "closeSync" })).toMatchObject({ ok: true });
    here.disconnect();
    await timer.cancel();
  });

  it("shares its timer's tick tracking with the timer's own handles", async () => {
    const { clock, timer, feed } = setup();
    const worker = open({ timer: shareTimer(timer), feed: shareSubscription(feed, timer) });
    await clock.advance(2);
    expect(await worker.value({ target: "timer", get: "hitCount" })).toBe(3);
    expect(await worker.value({ target: "feed", get: "qsize" })).toBe(3);
    await worker.value({ target: "timer", method: "disconnect" });
    await sleep(50); // the owner sees that handle close; the subscription's keeps ticks tracked
    await clock.advance(1);
    expect(await worker.value({ target: "feed", get: "droppedCount" })).toBe(1);
    await timer.cancel();
  });

  it("refuses what is not a subscription or a timer, and a second timer", () => {
    const { timer, feed } = setup(false);
    const other = new Timer(1, () => 0, { name: "other" });
    expect(() => shareSubscription({} as never, timer)).toThrow(TypeError);
    expect(() => shareSubscription(feed, undefined as never)).toThrow(TypeError);
    openSubscription(shareSubscription(feed, timer)).disconnect();
    expect(() => shareSubscription(feed, other as never)).toThrow(TypeError);
  });

  it("refuses a subscription of another timer, naming both (#16, point 7)", () => {
    const { timer, feed } = setup(false);
    const other = new Timer(1, () => 0, { name: "other" });
    // Never shared before: the subscription's own timer is what tells it apart.
    expect(() => shareSubscription(feed, other as never)).toThrow(
      new TypeError(
        'shareSubscription(subscription, timer): subscription "sink" belongs to Timer(delay=1s, fixed_delay, idle, hits=0), not to Timer(other, delay=1s, fixed_delay, idle, hits=0)',
      ),
    );
    const lookalike = {
      name: "fake",
      qsize: 0,
      droppedCount: 0,
      close() {},
      next() {},
      dropOldest() {},
    };
    expect(() => shareSubscription(lookalike as never, timer)).toThrow(
      /subscription "fake" was not made by timer\.subscribe\(\), not to Timer\(/,
    );
    openSubscription(shareSubscription(feed, timer)).disconnect(); // its own timer: fine
  });
});
