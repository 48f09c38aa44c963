import { Timer } from "@async-timer/core";
import { VirtualClock } from "@async-timer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { shareTimer } from "../src/index.js";
import {
  block,
  recordingLogger,
  requireDist,
  type Thread,
  threadsOfEachTest,
  until,
} from "./helpers.js";

beforeAll(requireDist);

const { open } = threadsOfEachTest();

/**
 * Has `worker` call `method` at the moment this thread's event loop goes blocked for
 * `blockMs`, and returns the worker's answer.
 */
async function callWhileBlocked(worker: Thread, method: string, args: unknown[], blockMs: number) {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const answer = worker.call({
    script: "afterSignal",
    flag: flag.buffer,
    target: "timer",
    method,
    args,
  });
  await until(() => Atomics.load(flag, 1) === 1, "the worker to get ready");
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  block(blockMs); // the request arrives now, and waits behind this
  return answer;
}

function setup() {
  const clock = new VirtualClock({ stallTimeout: 0 });
  const logger = recordingLogger();
  let n = 0;
  const timer = new Timer(60, () => ++n, { driver: clock }).start();
  const worker = open({ timer: shareTimer(timer, { logger }) });
  const skipped = () =>
    logger.lines.some(
      ({ level, line }) => level === "debug" && /caller gave up before it ran/.test(line),
    );
  return { clock, timer, worker, skipped };
}

describe("a blocked owner event loop", () => {
  it("cancelSync() times out, saying the owner never started it, and the cancel never runs", async () => {
    const { clock, timer, worker, skipped } = setup();
    await clock.advance(0);
    const answer = await callWhileBlocked(worker, "cancelSync", [{ timeout: 0.2 }], 900);
    expect(answer).toMatchObject({
      ok: false,
      error: {
        name: "TimerTimeoutError",
        message: expect.stringMatching(/had not started it, and now never will/),
      },
    });
    expect(answer.ms).toBeGreaterThanOrEqual(190);
    expect(answer.ms).toBeLessThan(850); // it did not wait for the owner
    await until(skipped, "the owner to see the abandoned request");
    expect(timer.isRunning()).toBe(true);
    expect(await worker.value({ target: "timer", method: "isRunning" })).toBe(true);
    await timer.cancel();
  });

  it("triggerSync() times out and the abandoned tick never fires; the next call works", async () => {
    const { clock, timer, worker, skipped } = setup();
    await clock.advance(0);
    const answer = await callWhileBlocked(worker, "triggerSync", [{ timeout: "150ms" }], 600);
    expect(answer).toMatchObject({ ok: false, error: { name: "TimerTimeoutError" } });
    await until(skipped, "the owner to see the abandoned request");
    await clock.settle();
    expect(timer.hitCount).toBe(1);
    expect(
      await worker.value({ target: "timer", method: "triggerSync", args: [{ timeout: 5 }] }),
    ).toBe(2);
    await timer.cancel();
  });

  it("the non-blocking trigger() rejects at its timeout and never fires either", async () => {
    const { clock, timer, worker, skipped } = setup();
    await clock.advance(0);
    const answer = await callWhileBlocked(worker, "trigger", [{ timeout: 0.1 }], 500);
    expect(answer).toMatchObject({ ok: false, error: { name: "TimerTimeoutError" } });
    await until(skipped, "the owner to see the abandoned request");
    await clock.settle();
    expect(timer.hitCount).toBe(1);
    await timer.cancel();
  });

  it("without a timeout, a call waits for the owner and then completes", async () => {
    const { clock, timer, worker } = setup();
    await clock.advance(0);
    const answer = await callWhileBlocked(worker, "cancelSync", [], 400);
    expect(answer).toMatchObject({ ok: true });
    expect(answer.ms).toBeGreaterThanOrEqual(300);
    expect(timer.isRunning()).toBe(false);
  });
});

describe("a timeout while the owner is doing the work", () => {
  it("says it may still complete there; the late reply is dropped, and the slot works again", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    const logger = recordingLogger();
    // The resolver of the tick in flight, if any.
    const tick: { release?: ((value: string) => void) | undefined } = {};
    const inFlight = (): boolean => tick.release !== undefined;
    const settleTick = (value: string): void => {
      const release = tick.release;
      tick.release = undefined;
      release?.(value);
    };
    const timer = new Timer(
      60,
      () =>
        new Promise<string>((resolve) => {
          tick.release = resolve;
        }),
      { driver: clock },
    ).start();
    await clock.advance(0);
    settleTick("first"); // tick 1 done; the next one is the triggered one
    await clock.settle();
    const worker = open({ timer: shareTimer(timer, { logger }) });
    const answer = await worker.call({
      target: "timer",
      method: "triggerSync",
      args: [{ timeout: 0.2 }],
    });
    expect(answer).toMatchObject({
      ok: false,
      error: {
        name: "TimerTimeoutError",
        message: expect.stringMatching(/may still complete there/),
      },
    });
    expect(inFlight()).toBe(true); // the triggered tick is in flight on the owner
    settleTick("late");
    await until(
      () => logger.lines.some(({ line }) => /dropped the reply to trigger request/.test(line)),
      "the owner to drop the late reply",
    );
    expect(timer.lastResult).toBe("late");
    const next = worker.value({ target: "timer", method: "triggerSync", args: [{ timeout: 5 }] });
    await until(inFlight, "the next tick to start");
    settleTick("fresh");
    expect(await next).toBe("fresh");
    await timer.cancel();
  });
});
