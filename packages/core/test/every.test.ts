import { describe, expect, it } from "vitest";
import { every, Timer } from "../src/index.js";
import { clock } from "./helpers.js";

describe("every()", () => {
  it("turns a function into a Timer that is not started, keeping the function on .func", async () => {
    const c = clock();
    const refreshDb = every(5, { mode: "fixed_rate", name: "db_refresh", driver: c })(
      async () => "fresh",
    );
    expect(refreshDb).toBeInstanceOf(Timer);
    expect(refreshDb.isRunning()).toBe(false);
    expect(refreshDb.name).toBe("db_refresh");
    expect(refreshDb.mode).toBe("fixed_rate");
    expect(await refreshDb.func()).toBe("fresh");
    refreshDb.start();
    expect(await refreshDb.join()).toBe("fresh");
    await refreshDb.cancel();
  });

  it("accepts duration strings", async () => {
    const c = clock();
    const timer = every("250ms", { driver: c })(() => 1).start();
    await c.advance(1);
    expect(timer.hitCount).toBe(5);
    await timer.cancel();
  });

  it("checks delay and options when it is called, and fn when the timer is made", () => {
    expect(() => every(-1)).toThrow(
      new RangeError("delay must be a non-negative, finite duration in seconds; got -1"),
    );
    expect(() => every(1, { jitter: 2 })).toThrow(
      new RangeError("jitter must be a fraction in [0, 1]; got 2"),
    );
    expect(() => every(1, { cancelOn: "soon" as never })).toThrow(
      'cancelOn must be an iterable of promises or AbortSignals; got "soon"',
    );
    expect(() => every(1)(42 as never)).toThrow(
      new TypeError("every(delay)(fn): fn must be a function; got 42"),
    );
  });

  it("applies a cancelOn given as a generator to every timer it makes", async () => {
    const c = clock();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const everySecond = every(1, {
      driver: c,
      cancelOn: (function* () {
        yield stopped;
      })(),
    });
    const first = everySecond(() => 1).start();
    const second = everySecond(() => 2).start();
    stop();
    await c.settle();
    expect(first.isRunning()).toBe(false);
    expect(second.isRunning()).toBe(false);
  });
});
