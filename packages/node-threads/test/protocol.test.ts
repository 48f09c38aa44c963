import { Timer, TimerGroup } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  openGroup,
  openSubscription,
  openTimer,
  shareGroup,
  shareSubscription,
  shareTimer,
} from "../src/index.js";
import { PROTOCOL } from "../src/layout.js";
import { recordingLogger, requireDist, sleep, threadsOfEachTest, until } from "./helpers.js";

beforeAll(requireDist);

const TAG = "@async-timer/node-threads";
const { open } = threadsOfEachTest();

function counter() {
  const clock = new VirtualClock({ stallTimeout: 0 });
  let n = 0;
  const timer = new Timer(60, () => ++n, { driver: clock, name: "guarded" }).start();
  return { clock, timer };
}

describe("the owner's side of the protocol", () => {
  it("ignores and logs malformed or foreign messages, and keeps serving", async () => {
    const { clock, timer } = counter();
    const logger = recordingLogger();
    const handle = shareTimer(timer, { logger });
    const garbage: unknown[] = [
      "hello",
      null,
      { type: "someone else's protocol" },
      { t: TAG, v: 99, op: "cancel", id: 1, slot: 1, sync: false },
      { t: TAG, v: PROTOCOL, op: "explode", id: 1, slot: 1, sync: false },
      { t: TAG, v: PROTOCOL, op: "cancel", id: -4, slot: 1, sync: false },
      { t: TAG, v: PROTOCOL, op: "cancel", id: 1, slot: 4096, sync: false },
      { t: TAG, v: PROTOCOL, op: "cancel", id: 1, slot: 1, sync: "yes" },
      { t: TAG, v: PROTOCOL, op: "cancel", id: 1, slot: 1, sync: false, generation: -1 },
      { t: TAG, v: PROTOCOL, op: "setDelay", delay: { seconds: 1 } },
      // Well-formed, but its slot was never armed: treated as abandoned, never run.
      { t: TAG, v: PROTOCOL, op: "cancel", id: 7, slot: 3, sync: false },
    ];
    for (const message of garbage) handle.port.postMessage(message);
    await until(() => logger.lines.length >= garbage.length, "the owner to log every message");
    const warnings = logger.lines.filter(({ level }) => level === "warn").map(({ line }) => line);
    expect(warnings).toHaveLength(10);
    expect(
      warnings.every((line) => line.includes('timer "guarded": ignored a malformed message')),
    ).toBe(true);
    for (const why of [
      /not an object/,
      /not a @async-timer\/node-threads message/,
      new RegExp(`protocol version 99; this copy .* speaks ${PROTOCOL}`),
      /unknown operation "explode"/,
      /bad id -4/,
      /bad slot 4096/,
      /bad sync flag/,
      /bad generation -1/,
      /setDelay without a delay/,
    ]) {
      expect(
        warnings.some((line) => why.test(line)),
        String(why),
      ).toBe(true);
    }
    expect(warnings[9]).toMatch(/further malformed messages are not logged/);
    expect(
      logger.lines.some(
        ({ level, line }) => level === "debug" && /skipped cancel request 7/.test(line),
      ),
    ).toBe(true);
    expect(timer.isRunning()).toBe(true);
    // The same handle still works once it reaches a worker.
    const worker = open({ timer: handle });
    await clock.advance(0);
    expect(
      await worker.value({ target: "timer", method: "triggerSync", args: [{ timeout: 5 }] }),
    ).toBe(2);
    await timer.cancel();
  });

  it("stops following the timer when every handle is gone, and catches up on the next share", async () => {
    const { clock, timer } = counter();
    const handle = shareTimer(timer);
    const state = new Int32Array(handle.state); // kept here: this is what readers would see
    const hitWord = 1;
    const worker = open({ timer: handle });
    await clock.advance(0);
    expect(Atomics.load(state, hitWord)).toBe(1);
    await worker.value({ target: "timer", method: "disconnect" });
    await sleep(50); // the owner sees the port close
    await timer.trigger();
    await timer.trigger();
    expect(timer.hitCount).toBe(3);
    expect(Atomics.load(state, hitWord)).toBe(1); // nobody listens: nothing is published
    const again = openTimer(shareTimer(timer));
    expect(again.hitCount).toBe(3);
    expect(again.lastResult()).toBe(3);
    await timer.trigger();
    expect(again.hitCount).toBe(4);
    again.disconnect();
    await timer.cancel();
  });
});

describe("opening a handle", () => {
  it("refuses what is not a handle of the right kind or version, with a TypeError", () => {
    const { timer } = counter();
    const handle = shareTimer(timer);
    expect(() => openTimer(42 as never)).toThrow(
      /openTimer\(handle\): handle must be a timer handle .*got 42/,
    );
    expect(() => openTimer({} as never)).toThrow(TypeError);
    expect(() => openSubscription(handle as never)).toThrow(
      /must be a subscription handle .*got a timer handle/,
    );
    expect(() => openGroup(handle as never)).toThrow(TypeError);
    expect(() => openTimer({ ...handle, protocol: PROTOCOL + 1 })).toThrow(
      `speaks protocol ${PROTOCOL + 1}; this copy speaks ${PROTOCOL}`,
    );
    expect(() => openTimer({ ...handle, state: new SharedArrayBuffer(4) })).toThrow(/bad state/);
    expect(() => openTimer({ ...handle, port: undefined } as never)).toThrow(/bad port/);
    const once = openTimer(handle);
    expect(openTimer(handle)).toBe(once); // the same object for the same handle
    expect(String(once)).toMatch(/^RemoteTimer\(guarded, owner thread \d+, running, hits=\d+\)$/);
    once.disconnect();
    void timer.cancel();
  });

  it("seals an opened handle: sending it on is refused, and the owner stays alive for everyone", async () => {
    const { timer } = counter();
    const timerHandle = shareTimer(timer);
    const feedHandle = shareSubscription(timer.subscribe({ name: "feed" }), timer);
    const groupHandle = shareGroup(new TimerGroup([timer], { name: "upkeep" }));
    const handles = [timerHandle, feedHandle, groupHandle];
    expect(timerHandle.transfer).toEqual([timerHandle.port]); // readable until opened
    const remotes = [openTimer(timerHandle), openSubscription(feedHandle), openGroup(groupHandle)];
    const refused =
      /^this handle of (timer|subscription|group) "(guarded|feed|upkeep)" was opened on thread \d+ and its port serves that thread now; to reach another thread, share the \w+ again on its owner thread and send the new handle$/;
    for (const handle of handles) expect(() => handle.transfer).toThrow(refused);
    expect(remotes.every((remote) => remote.isOwnerAlive())).toBe(true);
    expect(openTimer(shareTimer(timer)).isOwnerAlive()).toBe(true);
    for (const remote of remotes) remote.disconnect();
    await timer.cancel();
  });
});

describe("bad arguments", () => {
  it("throw TypeError/RangeError at the call, naming the argument and the value", async () => {
    const { timer } = counter();
    expect(() => shareTimer({} as never)).toThrow(/shareTimer\(timer\): timer must be a Timer/);
    expect(() => shareTimer(timer, { maxResultBytes: 0 })).toThrow(RangeError);
    expect(() => shareTimer(timer, { maxResultBytes: "1MB" as never })).toThrow(TypeError);
    expect(() => shareTimer(timer, { lastResult: "yes" as never })).toThrow(TypeError);
    expect(() => shareTimer(timer, 5 as never)).toThrow(TypeError);
    const here = openTimer(shareTimer(timer));
    // Checked before anything else, so even on the owner thread.
    expect(() => here.cancelSync({ timeout: -1 })).toThrow(
      /^cancelSync\(options\): timeout must be .*got -1/,
    );
    expect(() => here.triggerSync({ timeout: "soon" as never })).toThrow(RangeError);
    expect(() => here.cancelSync({ generation: 1.5 })).toThrow(
      /generation must be a non-negative integer; got 1.5/,
    );
    expect(() => here.cancelSync(7 as never)).toThrow(TypeError);
    expect(() => here.cancel({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => here.setDelay(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    here.disconnect();
    await timer.cancel();
  });
});
