import { Timer, TimerGroup } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { openGroup, shareGroup } from "../src/index.js";
import { requireDist, threadsOfEachTest } from "./helpers.js";

beforeAll(requireDist);

const { open } = threadsOfEachTest();

function members(clock: VirtualClock): [Timer<number>, Timer<number>] {
  return [new Timer(5, () => 1, { driver: clock }), new Timer(60, () => 2, { driver: clock })];
}

describe("a shared group", () => {
  it("cancelSync() stops every member and waits for their ticks", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    let release: (() => void) | undefined;
    const slow = new Timer(
      5,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      { driver: clock },
    );
    const [a, b] = members(clock);
    const group = new TimerGroup([a, b, slow], { name: "upkeep" }).start();
    const worker = open({ group: shareGroup(group) });
    expect(await worker.value({ target: "group", get: "name" })).toBe("upkeep");
    await clock.advance(0);
    const cancelled = worker.call({
      target: "group",
      method: "cancelSync",
      args: [{ timeout: 10 }],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([a.isRunning(), b.isRunning(), slow.isRunning()]).toEqual([false, false, false]);
    release?.(); // the slow member's tick settles; only now is the group cancelled
    expect(await cancelled).toMatchObject({ ok: true });
    expect(group.isRunning()).toBe(false);
  });

  it("refuses before the group or any member started; members started alone count", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    const [a, b] = members(clock);
    const group = new TimerGroup([a, b]);
    const worker = open({ group: shareGroup(group) });
    expect(await worker.call({ target: "group", method: "cancelSync" })).toMatchObject({
      ok: false,
      error: { name: "ThreadControlError", reason: "not-started" },
    });
    a.start();
    expect(await worker.call({ target: "group", method: "cancel" })).toMatchObject({ ok: true });
    expect(a.isRunning()).toBe(false);
  });

  it("counts a group whose members ran before it was shared as started", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    const [a, b] = members(clock);
    const group = new TimerGroup([a, b]).start();
    await clock.advance(1); // the members tick …
    await clock.runUntil(group.cancel()); // … and stop, all before the group is shared
    const here = openGroup(shareGroup(group));
    await expect(here.cancel()).resolves.toBeUndefined();
    here.disconnect();
  });

  it("refuses cancelSync() on the owner thread; cancel() works there", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    const group = new TimerGroup(members(clock)).start();
    const here = openGroup(shareGroup(group));
    expect(() => here.cancelSync({ timeout: 1 })).toThrow(/Use `await group\.cancel\(\)` there/);
    await here.cancel();
    expect(group.isRunning()).toBe(false);
    here.disconnect();
    expect(() => shareGroup({} as never)).toThrow(TypeError);
  });
});
