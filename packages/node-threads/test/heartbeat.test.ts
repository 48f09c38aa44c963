import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { describe, expect, it } from "vitest";
import { openTimer, shareTimer } from "../src/index.js";
import { T_BEAT } from "../src/layout.js";
import { sleep } from "./helpers.js";

describe("the owner's heartbeat (#16, point 11)", () => {
  it("beats while a handle of this owner is connected, and stops when none is", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    const timer = new Timer(60, () => 1, { driver: clock, logger: { warn() {}, error() {} } });
    const handle = shareTimer(timer);
    const words = new Int32Array(handle.thread);
    const first = Atomics.load(words, T_BEAT);
    await sleep(800); // about three beats
    expect(Atomics.load(words, T_BEAT)).toBeGreaterThan(first);
    openTimer(handle).disconnect();
    await sleep(100); // the owner sees the handle's port close
    const last = Atomics.load(words, T_BEAT);
    await sleep(800);
    expect(Atomics.load(words, T_BEAT)).toBe(last); // nobody to beat for: no wake-ups
  });
});
