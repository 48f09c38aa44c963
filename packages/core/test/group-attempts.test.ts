import { describe, expect, it, vi } from "vitest";
import { Timer, TimerGroup } from "../src/index.js";
import { clock, recordingLogger, track } from "./helpers.js";
import { memberErrors } from "./member-errors.js";

/** A duck-typed member (another copy of core, a wrapper) whose methods do what it is told. */
function member(overrides: Record<string, unknown> = {}) {
  let running = false;
  return {
    start: vi.fn(() => {
      running = true;
    }),
    cancel: vi.fn(async () => {
      running = false;
    }),
    isRunning: () => running,
    wait: vi.fn(async () => "waited"),
    trigger: vi.fn(async () => "triggered"),
    toString: () => "Member",
    ...overrides,
  } as unknown as Timer<unknown> & Record<string, ReturnType<typeof vi.fn>>;
}

const boom = (message: string) => () => {
  throw new Error(message);
};

describe("a group operation on N members is N attempts (#16, point 6)", () => {
  it("cancel() cancels the members after one whose cancel() throws synchronously, and resolves", async () => {
    const c = clock();
    const logger = recordingLogger();
    const before = new Timer(1, () => 1, { driver: c });
    const throwing = member({ cancel: boom("cannot cancel") });
    const after = new Timer(1, () => 2, { driver: c });
    const group = new TimerGroup([before, throwing, after], { name: "g", logger }).start();
    const cancelled = track(group.cancel());
    await c.settle();
    expect(cancelled.state).toBe("resolved");
    expect(before.isRunning()).toBe(false);
    expect(after.isRunning()).toBe(false);
    expect(logger.lines).toEqual([
      {
        level: "error",
        message: "[async-timer] g: cancelling Member failed",
        error: new Error("cannot cancel"),
      },
    ]);
  });

  it("cancel() logs a member whose toString() throws too, by its position, and never rejects", async () => {
    const logger = recordingLogger();
    const hostile = member({
      cancel: () => Promise.reject(new Error("no")),
      toString: boom("no name either"),
    });
    const getterThrows = member();
    const group = new TimerGroup([member(), hostile, getterThrows], { logger });
    Object.defineProperty(getterThrows, "cancel", { get: boom("no cancel") }); // once a member
    await expect(group.cancel()).resolves.toBeUndefined();
    await expect(group[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(logger.at("error").slice(0, 2)).toEqual([
      "[async-timer] cancelling member 1 failed",
      "[async-timer] cancelling Member failed",
    ]);
  });

  it("start() attempts every member, cancels those it started, and throws every failure at once", () => {
    const first = member();
    const second = member({ start: boom("second") });
    const third = member();
    const fourth = member({ start: boom("fourth") });
    const group = new TimerGroup([first, second, third, fourth], { name: "g" });
    let thrown: unknown;
    try {
      group.start();
    } catch (error) {
      thrown = error;
    }
    expect(memberErrors(thrown)).toEqual([new Error("second"), new Error("fourth")]);
    expect((thrown as Error).message).toBe(
      "TimerGroup(g, 4 timers, idle): start() failed for Member, Member",
    );
    expect(third.start).toHaveBeenCalledOnce(); // attempted after a failure
    expect(first.cancel).toHaveBeenCalledOnce(); // and both started ones cancelled again
    expect(third.cancel).toHaveBeenCalledOnce();
    expect(group.isRunning()).toBe(false);
  });

  it("start() rolling back never leaves an unhandled rejection, whatever a member's cancel() does", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const rejecting = member({ cancel: () => Promise.reject(new Error("no")) });
      const logger = recordingLogger();
      const group = new TimerGroup([rejecting, member({ start: boom("x") })], { logger });
      expect(() => group.start()).toThrow(AggregateError);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(logger.at("error")).toEqual(["[async-timer] cancelling Member failed"]);
    } finally {
      process.off("unhandledRejection", unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });

  it.each(["wait", "trigger"] as const)(
    "%s() waits for every member, then rejects with an AggregateError of the failures",
    async (method) => {
      let finish!: (value: string) => void;
      const slow = member({ [method]: vi.fn(() => new Promise((resolve) => (finish = resolve))) });
      const throwing = member({ [method]: boom("sync") });
      const rejecting = member({ [method]: () => Promise.reject(new Error("async")) });
      const group = new TimerGroup([throwing, slow, rejecting]);
      const result = track(group[method]());
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(slow[method]).toHaveBeenCalled(); // attempted after a member that threw
      expect(result.state).toBe("pending"); // not rejected before every member has settled
      finish("done");
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(memberErrors(result.error)).toEqual([new Error("sync"), new Error("async")]);
      expect((result.error as Error).message).toBe(
        `TimerGroup(3 timers, idle): ${method}() failed for Member, Member`,
      );
    },
  );

  it("wait() and trigger() resolve with [timer, value] pairs when no member fails", async () => {
    const a = member();
    const b = member();
    const group = new TimerGroup([a, b]);
    expect(await group.wait()).toEqual([
      [a, "waited"],
      [b, "waited"],
    ]);
    expect(await group.trigger()).toEqual([
      [a, "triggered"],
      [b, "triggered"],
    ]);
  });
});
