import { Timer } from "@async-timer/core";
import { beforeAll, describe, expect, it } from "vitest";
import { shareTimer } from "../src/index.js";
import { remote, requireDist, threadsOfEachTest } from "./helpers.js";

beforeAll(requireDist);

const { keep } = threadsOfEachTest();

const WORKERS = 8;
const TRIGGERS = 25;

describe("many workers at once", () => {
  it("trigger, read and cancel one timer concurrently; each gets fresh ticks, in order", async () => {
    let n = 0;
    const timer = new Timer(3600, () => ++n, { name: "shared" }).start(); // the real driver
    await timer.wait({ hitCount: 1 });
    const workers = Array.from({ length: WORKERS }, () => remote({ timer: shareTimer(timer) }));
    for (const worker of workers) keep(worker);
    const results: number[][] = await Promise.all(
      workers.map((worker) =>
        worker.value({ script: "triggers", target: "timer", count: TRIGGERS, timeout: 30 }),
      ),
    );
    for (const values of results) {
      expect(values).toHaveLength(TRIGGERS);
      // Each call gets a tick that started after it: strictly increasing per worker.
      for (let i = 1; i < values.length; i++)
        expect(values[i]).toBeGreaterThan(values[i - 1] as number);
      for (const value of values) expect(value).toBeLessThanOrEqual(timer.hitCount);
    }
    // Concurrent triggers may share a tick, never more than one per call.
    expect(timer.hitCount).toBeGreaterThanOrEqual(1 + TRIGGERS);
    expect(timer.hitCount).toBeLessThanOrEqual(1 + WORKERS * TRIGGERS);
    const seen = await Promise.all(
      workers.map((worker) => worker.value({ target: "timer", get: "hitCount" })),
    );
    expect(seen).toEqual(Array(WORKERS).fill(timer.hitCount));
    const cancels = await Promise.all(
      workers.map((worker) =>
        worker.call({ target: "timer", method: "cancelSync", args: [{ timeout: 30 }] }),
      ),
    );
    expect(cancels.every((answer) => answer.ok)).toBe(true);
    expect(timer.isRunning()).toBe(false);
    // Threads holding handles end on their own once they are done: handles keep nothing alive.
    await Promise.all(workers.map((worker) => worker.value({ script: "finish" })));
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual(
      Array(WORKERS).fill(0),
    );
  });
});
