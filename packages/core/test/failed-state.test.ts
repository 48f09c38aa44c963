/**
 * A timer that stopped because of an error says so (#17 point 1, SPEC fine print): `state`,
 * `lastError`, `toString()`, and every waiting call rejecting with that error as the cause —
 * and `onError: "continue"`, the one word for "keep going and tell me".
 */
import { describe, expect, it } from "vitest";
import { Timer, TimerCancelledError, TimerStateError } from "../src/index.js";
import { clock, recordingLogger } from "./helpers.js";

const boom = new Error("database blinked");

/** A refresh job whose `failing` ticks (1-based) throw `boom`. */
function refresh(c: ReturnType<typeof clock>, failing: number[], options = {}) {
  let n = 0;
  return new Timer(
    60,
    () => {
      if (failing.includes(++n)) throw boom;
      return n;
    },
    { driver: c, name: "cache", ...options },
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("resolved");
    },
    (error: Error) => error,
  );
}

describe("a timer an error stopped", () => {
  it("is failed: state, lastError and toString() say so", async () => {
    const c = clock();
    const timer = refresh(c, [1], { logger: recordingLogger() });
    expect(timer.state).toBe("idle");
    timer.start();
    expect(timer.state).toBe("running");
    await c.settle();
    expect(timer.state).toBe("failed");
    expect(timer.lastError).toBe(boom);
    expect(timer.isRunning()).toBe(false);
    expect(String(timer)).toBe(
      "Timer(cache, delay=60s, fixed_delay, failed: database blinked, hits=0)",
    );
  });

  it("makes join(), wait() and trigger() reject with a TimerStateError whose cause is the error", async () => {
    const c = clock();
    const timer = refresh(c, [1], { logger: recordingLogger() }).start();
    await c.settle();
    const calls: [string, Promise<unknown>][] = [
      ["join() was called on", timer.join()],
      ["wait() was called on", timer.wait()],
      ["wait() was called on", timer.wait({ hits: 1 })],
      ["trigger() was called on", timer.trigger()],
    ];
    for (const [what, call] of calls) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(TimerStateError);
      expect(error.message).toBe(
        `${what} a timer that stopped because a tick failed: database blinked`,
      );
      expect(error.cause).toBe(boom);
    }
  });

  it("is itself again after start(): the failure is forgotten", async () => {
    const c = clock();
    const timer = refresh(c, [1], { logger: recordingLogger() }).start();
    await c.settle();
    timer.start();
    expect(timer.state).toBe("running");
    expect(timer.lastError).toBeUndefined();
    expect(await c.runUntil(timer.join())).toBe(2);
    await timer.cancel();
    expect(timer.state).toBe("idle");
    await expect(timer.join()).rejects.toThrow(TimerCancelledError); // stopped, not failed
  });

  it("is stopping, not failed, while a cancelled run's tick settles", async () => {
    const c = clock();
    let release!: () => void;
    const timer = new Timer(1, () => new Promise<void>((resolve) => (release = resolve)), {
      driver: c,
    }).start();
    await c.settle();
    const cancelled = timer.cancel();
    expect(timer.state).toBe("stopping");
    release();
    await cancelled;
    expect(timer.state).toBe("idle");
  });
});

describe("lastError under onError", () => {
  it("is the latest tick's error, and clears when a tick succeeds", async () => {
    const c = clock();
    const timer = refresh(c, [2], { onError: () => "continue" as const }).start();
    await c.settle();
    expect(timer.lastError).toBeUndefined();
    await c.advance(60);
    expect(timer.lastError).toBe(boom);
    expect(timer.state).toBe("running");
    await c.advance(60);
    expect(timer.lastError).toBeUndefined();
    await timer.cancel();
  });
});

describe('onError: "continue"', () => {
  it("keeps the schedule and logs the error at error level, with the error", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = refresh(c, [1], { onError: "continue", logger }).start();
    await c.advance(60);
    expect(timer.state).toBe("running");
    expect(timer.hitCount).toBe(1);
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: '[async-timer] cache: tick failed; the timer goes on (onError: "continue")',
        error: boom,
      },
    ]);
    await timer.cancel();
  });

  it("logs a burst of errors once, then as one summary line per 10 s", async () => {
    const c = clock();
    const logger = recordingLogger();
    const timer = new Timer(
      1,
      () => {
        throw boom;
      },
      { driver: c, onError: "continue", logger },
    ).start();
    await c.advance(25); // 26 failures
    expect(logger.at("error")).toEqual([
      '[async-timer] tick failed; the timer goes on (onError: "continue")',
      '[async-timer] tick errors (onError: "continue"): 10 more in the last 10 s (11 since it began 10 s ago)',
      '[async-timer] tick errors (onError: "continue"): 10 more in the last 10 s (21 since it began 20 s ago)',
    ]);
    await timer.cancel();
    expect(logger.at("error").at(-1)).toBe(
      '[async-timer] tick errors (onError: "continue"): 26 in all over 25 s; it has stopped',
    );
  });

  it("is not the function form: a function owns the error and nothing is logged", async () => {
    const c = clock();
    const logger = recordingLogger();
    const seen: unknown[] = [];
    const timer = refresh(c, [1], {
      onError: (error: unknown) => {
        seen.push(error);
        return "continue" as const;
      },
      logger,
    }).start();
    await c.advance(60);
    expect(seen).toEqual([boom]);
    expect(logger.lines).toEqual([]);
    await timer.cancel();
  });

  it("is the only string onError accepts", () => {
    expect(() => new Timer(1, () => 1, { onError: "stop" as never })).toThrow(
      'onError must be a function; got "stop"',
    );
  });
});
