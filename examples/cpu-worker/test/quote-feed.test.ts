import { VirtualClock } from "@async-timer/testing";
import { describe, expect, it } from "vitest";
import { startQuoteFeed } from "../src/quote-feed.js";

describe("the quote feed", () => {
  it("polls on a fixed grid however long the source takes, newest quote last", async () => {
    const clock = new VirtualClock();
    const rates = [1.08, 1.09, 1.07, 1.1, 1.11];
    let calls = 0;
    const fetchRate = async () => {
      // 30 ms of latency on a 50 ms grid: a fixed-delay timer would drift to one poll per 80 ms.
      await new Promise<void>((done) => clock.setWake(clock.now() + 30, done, false));
      return rates[calls++ % rates.length] as number;
    };
    const feed = startQuoteFeed({ every: 0.05, fetchRate, driver: clock });
    await clock.advance(1);
    expect(feed.hitCount).toBe(20); // polls started at 0, 50, …, 950 ms finished by 1 s
    expect(feed.lastResult).toMatchObject({ seq: 20, rate: rates[19 % rates.length] });
    await clock.runUntil(feed.cancel());
  });
});
