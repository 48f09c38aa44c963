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

  it("checks its arguments when the timer is made", () => {
    expect(() => every(-1)(() => 1)).toThrow(RangeError);
    expect(() => every(1)(42 as never)).toThrow(TypeError);
  });
});
