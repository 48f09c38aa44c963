// The `lease` option (a Gate), through the public API only: Timer on a VirtualClock. These tests
// describe what a gate may rely on, whatever the machine and runner look like inside.
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../testing/src/virtual-clock.js";
import {
  type ClaimRequest,
  type Driver,
  type Gate,
  type GateAnswer,
  type TickContext,
  Timer,
  TimerCancelledError,
  TimerStateError,
} from "../src/index.js";
import { deferred } from "./helpers.js";

function clock(): VirtualClock {
  return new VirtualClock({ stallTimeout: 0 });
}

function quiet() {
  const lines: { level: string; message: string; error?: unknown }[] = [];
  return {
    lines,
    warn: (message: string, error?: unknown) => lines.push({ level: "warn", message, error }),
    error: (message: string, error?: unknown) => lines.push({ level: "error", message, error }),
  };
}

/** A gate that answers from a script, recording every request. */
function scripted(
  answer: (request: ClaimRequest, n: number) => GateAnswer | PromiseLike<GateAnswer>,
) {
  const requests: ClaimRequest[] = [];
  const gate: Gate & { requests: ClaimRequest[] } = {
    requests,
    claim(request) {
      requests.push(request);
      return answer(request, requests.length);
    },
  };
  return gate;
}

const grant = (slot: number, next?: number): GateAnswer =>
  next === undefined
    ? { granted: true, fence: { epoch: 7, slot } }
    : { granted: true, fence: { epoch: 7, slot }, next };

describe("lease option: validation", () => {
  it.each([
    [{}, "an object ([object Object])"],
    [5, "5"],
    [{ claim: "yes" }, "an object ([object Object])"],
  ])("rejects %j at construction, naming the option", (lease, shown) => {
    expect(() => new Timer(1, () => 1, { lease: lease as unknown as Gate })).toThrow(
      `lease must be a gate (an object with a claim() method); got ${shown}`,
    );
  });
});

describe("lease option: the claim", () => {
  it("without a lease the context has no fence", async () => {
    const c = clock();
    const contexts: TickContext[] = [];
    const timer = new Timer(1, (ctx) => contexts.push(ctx), { driver: c }).start();
    await c.advance(0);
    expect(contexts[0]?.fence).toBeUndefined();
    await timer.cancel();
  });

  it("is asked before each tick with the timer's delay, mode, name, driver and monotonic now", async () => {
    const c = clock();
    const gate = scripted((_, n) => grant(n));
    const timer = new Timer(2, () => 1, {
      driver: c,
      lease: gate,
      name: "digest",
      mode: "fixed_rate",
    });
    await c.advance(10);
    timer.start();
    await c.advance(2);
    timer.setDelay("500ms");
    await c.advance(2);
    const seen = gate.requests.map(({ delay, mode, name, now, driver }) => ({
      delay,
      mode,
      name,
      now,
      driver,
    }));
    expect(seen.slice(0, 3)).toEqual([
      { delay: 2000, mode: "fixed_rate", name: "digest", now: 10_000, driver: c },
      { delay: 2000, mode: "fixed_rate", name: "digest", now: 12_000, driver: c },
      { delay: 500, mode: "fixed_rate", name: "digest", now: 14_000, driver: c },
    ]);
    await timer.cancel();
  });

  it("a granted claim runs the tick with its fence; hits and values count as usual", async () => {
    const c = clock();
    const gate = scripted((_, n) => grant(100 + n));
    const timer = new Timer(
      1,
      ({ fence, hitCount }) => `${fence?.epoch}/${fence?.slot}/${hitCount}`,
      {
        driver: c,
        lease: gate,
      },
    ).start();
    expect(await c.runUntil(timer.join())).toBe("7/101/0");
    expect(await c.runUntil(timer.join())).toBe("7/102/1");
    expect(timer.hitCount).toBe(2);
    await timer.cancel();
  });

  it("a refused claim is neither a hit nor a delivered value, and the schedule goes on", async () => {
    const c = clock();
    // Refuses the first two ticks, then grants.
    const gate = scripted((_, n) => (n <= 2 ? { granted: false } : grant(n)));
    const target = vi.fn(() => "ran");
    const timer = new Timer(1, target, { driver: c, lease: gate }).start();
    const values: string[] = [];
    const feed = timer.subscribe();
    const consumed = (async () => {
      for await (const value of feed) values.push(value);
    })();
    const joined = timer.join();
    await c.advance(1.5);
    expect(target).not.toHaveBeenCalled();
    expect(timer.hitCount).toBe(0);
    expect(timer.lastResult).toBeUndefined();
    expect(gate.requests.map((r) => r.now)).toEqual([0, 1000]); // fixed_delay: one second apart
    await c.advance(0.5);
    expect(await joined).toBe("ran");
    expect(timer.hitCount).toBe(1);
    await timer.cancel();
    await consumed;
    expect(values).toEqual(["ran"]);
  });

  it("a refused claim's `next` is when the timer asks again, replacing its own schedule", async () => {
    const c = clock();
    const gate = scripted((request, n) =>
      n === 1 ? { granted: false, next: request.now + 250 } : grant(n),
    );
    const timer = new Timer(10, () => 1, { driver: c, lease: gate, mode: "fixed_rate" }).start();
    await c.advance(0.3);
    expect(gate.requests.map((r) => r.now)).toEqual([0, 250]);
    // The grid restarts at the granted tick: the next claim is one delay after it.
    await c.advance(10);
    expect(gate.requests.map((r) => r.now)).toEqual([0, 250, 10_250]);
    await timer.cancel();
  });

  it("a granted claim's `next` sets the following sleep, under either schedule", async () => {
    for (const mode of ["fixed_rate", "fixed_delay"] as const) {
      const c = clock();
      const gate = scripted((request, n) => grant(n, request.now + 400));
      const timer = new Timer(10, () => 1, { driver: c, lease: gate, mode }).start();
      await c.advance(1);
      expect(gate.requests.map((r) => r.now)).toEqual([0, 400, 800]);
      await timer.cancel();
    }
  });

  it("a refused claim without `next` keeps a fixed_rate timer on its grid", async () => {
    const c = clock();
    const gate = scripted((_, n) => (n % 2 === 0 ? { granted: false } : grant(n)));
    const timer = new Timer(1, () => 1, { driver: c, lease: gate, mode: "fixed_rate" }).start();
    await c.advance(3.5);
    expect(gate.requests.map((r) => r.now)).toEqual([0, 1000, 2000, 3000]);
    expect(timer.hitCount).toBe(2);
    await timer.cancel();
  });

  it("the claim round trip is part of the tick: a trigger meanwhile runs after it, never beside it", async () => {
    const c = clock();
    const pending = deferred<GateAnswer>();
    let running = 0;
    let most = 0;
    const gate = scripted((_, n) => (n === 1 ? pending.promise : grant(n)));
    const timer = new Timer(
      60,
      async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => c.setWake(c.now() + 10, () => resolve(undefined), false));
        running--;
        return "ran";
      },
      { driver: c, lease: gate },
    ).start();
    await c.advance(0);
    expect(gate.requests).toHaveLength(1);
    const triggered = timer.trigger();
    await c.advance(0);
    expect(gate.requests).toHaveLength(1); // waits for the pending claim
    pending.resolve(grant(1));
    expect(await c.runUntil(triggered)).toBe("ran");
    expect(gate.requests).toHaveLength(2);
    expect(most).toBe(1);
    await timer.cancel();
  });

  it("cancel() aborts a pending claim's signal and waits for the claim to settle; the tick never runs", async () => {
    const c = clock();
    const pending = deferred<GateAnswer>();
    const target = vi.fn();
    const gate = scripted(() => pending.promise);
    const timer = new Timer(1, target, { driver: c, lease: gate }).start();
    await c.advance(0);
    const signal = gate.requests[0]?.signal as AbortSignal;
    expect(signal.aborted).toBe(false);
    let cancelled = false;
    const cancelling = timer.cancel().then(() => {
      cancelled = true;
    });
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TimerCancelledError);
    await c.advance(0);
    expect(cancelled).toBe(false);
    pending.resolve(grant(1)); // granted too late: the run is over
    await cancelling;
    expect(target).not.toHaveBeenCalled();
    expect(timer.hitCount).toBe(0);
  });

  it("cancel({ timeout }) does not hang on a claim that never settles", async () => {
    const c = clock();
    const logger = quiet();
    const timer = new Timer(1, () => 1, {
      driver: c,
      lease: { claim: () => new Promise<GateAnswer>(() => {}) },
      logger,
    }).start();
    await c.advance(0);
    const cancelling = timer.cancel({ timeout: 2 });
    await c.advance(2);
    await cancelling;
    expect(timer.isRunning()).toBe(false);
  });

  it("a claim that throws or rejects counts as refused, is logged, and the timer goes on", async () => {
    const c = clock();
    const logger = quiet();
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const gate = scripted((_, n) => {
        if (n === 1) throw new Error("engine down");
        if (n === 2) return Promise.reject(new Error("still down"));
        return grant(n);
      });
      const timer = new Timer(1, () => "ok", { driver: c, lease: gate, logger }).start();
      await c.advance(2);
      expect(timer.hitCount).toBe(1);
      expect(logger.lines.map((line) => [line.level, (line.error as Error).message])).toEqual([
        ["error", "engine down"],
        ["error", "still down"],
      ]);
      await timer.cancel();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  it("a granted answer without a fence does not run the tick, and says so", async () => {
    const c = clock();
    const logger = quiet();
    const target = vi.fn();
    const timer = new Timer(1, target, {
      driver: c,
      lease: { claim: () => ({ granted: true }) as unknown as GateAnswer },
      logger,
    }).start();
    await c.advance(0);
    expect(target).not.toHaveBeenCalled();
    expect(logger.lines[0]?.message).toMatch(/without a fence/);
    await timer.cancel();
  });
});

describe("lease option: aborting a granted tick", () => {
  it("abort(reason) aborts the running tick's signal; the run's next tick gets a fresh signal", async () => {
    const c = clock();
    const gate = scripted((_, n) => grant(n));
    const signals: AbortSignal[] = [];
    const lost = new Error("lease lost");
    const timer = new Timer(
      1,
      async ({ signal }) => {
        signals.push(signal);
        await new Promise((resolve) => c.setWake(c.now() + 100, () => resolve(undefined), false));
        return signal.aborted;
      },
      { driver: c, lease: gate },
    ).start();
    await c.advance(0.05);
    gate.requests[0]?.abort(lost);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(lost);
    expect(await c.runUntil(timer.join())).toBe(true); // the first tick saw its signal aborted
    expect(await c.runUntil(timer.join())).toBe(false); // the second tick's signal is intact
    expect(signals[1]?.aborted).toBe(false);
    // Too late for the first tick, which has settled: nothing happens.
    gate.requests[0]?.abort(new Error("late"));
    expect(signals[1]?.aborted).toBe(false);
    await timer.cancel();
  });
});

describe("lease option: run start and end", () => {
  it("started() hears of each run with its facts; ended() of its end; cancel() waits for ended()", async () => {
    const c = clock();
    const released = deferred<void>();
    const events: string[] = [];
    const gate: Gate = {
      claim: () => grant(1),
      started: (run) => {
        events.push(`started ${run.name} ${run.mode} ${run.driver === c}`);
        run.log("warn", "hello from the gate");
      },
      ended: () => {
        events.push("ended");
        return released.promise;
      },
    };
    const logger = quiet();
    const timer = new Timer(1, () => 1, { driver: c, lease: gate, name: "t", logger }).start();
    expect(events).toEqual(["started t fixed_delay true"]);
    expect(logger.lines).toEqual(
      [{ level: "warn", message: "[t] hello from the gate", error: undefined }].map((line) =>
        expect.objectContaining({
          level: line.level,
          message: expect.stringContaining("hello from the gate"),
        }),
      ),
    );
    await c.advance(0);
    let done = false;
    const cancelling = timer.cancel().then(() => {
      done = true;
    });
    expect(events).toEqual(["started t fixed_delay true", "ended"]);
    await c.advance(0);
    expect(done).toBe(false);
    released.resolve();
    await cancelling;
    timer.start();
    expect(events).toHaveLength(3);
    await timer.cancel();
  });

  it("an illegal start() never reaches started(); a started() that throws makes start() throw", async () => {
    const c = clock();
    const started = vi.fn();
    const timer = new Timer(1, () => 1, {
      driver: c,
      lease: { claim: () => grant(1), started },
    }).start();
    expect(() => timer.start()).toThrow(TimerStateError);
    expect(started).toHaveBeenCalledTimes(1);
    await timer.cancel();

    const refusing = new Timer(1, () => 1, {
      driver: c,
      lease: {
        claim: () => grant(1),
        started: () => {
          throw new TypeError("this lease needs a named timer");
        },
      },
    });
    expect(() => refusing.start()).toThrow("this lease needs a named timer");
    expect(refusing.isRunning()).toBe(false);
  });
});

describe("lease option: the driver's clock", () => {
  it("claims carry the driver's readings: a skewed driver is what the gate sees", async () => {
    const c = clock();
    const skewed: Driver = {
      now: () => c.now() + 5000,
      wallNow: () => c.wallNow() - 5000,
      random: () => c.random(),
      setWake: (at, wake, unref) => c.setWake(at - 5000, wake, unref),
      clearWake: (handle) => c.clearWake(handle),
    };
    const gate = scripted((request, n) =>
      n === 1 ? { granted: false, next: request.now + 100 } : grant(n),
    );
    const timer = new Timer(1, () => 1, { driver: skewed, lease: gate }).start();
    await c.advance(0.1);
    expect(gate.requests.map((r) => r.now)).toEqual([5000, 5100]);
    await timer.cancel();
  });
});

describe("lease option: on the real driver (under fake timers)", () => {
  // Found by the kit's lease-gate invariant: an answer given synchronously was performed with
  // the time of the previous tick's settlement, so the sleep it asked for lasted that much longer.
  it.each([
    ["refused with next", (now: number) => ({ granted: false, next: now + 100 }) as const],
    ["refused", () => ({ granted: false }) as const],
    [
      "thrown",
      (): GateAnswer => {
        throw new Error("engine down");
      },
    ],
  ])("a claim %s synchronously sleeps from the moment it was answered", async (_, answer) => {
    const fake = FakeTimers.install();
    try {
      const asked: number[] = [];
      const gate: Gate = {
        claim(request) {
          asked.push(request.now);
          return asked.length % 2 === 0 ? grant(asked.length) : answer(request.now);
        },
      };
      const timer = new Timer("100ms", () => 1, { lease: gate, logger: quiet() }).start();
      await fake.tickAsync(1000);
      await timer.cancel();
      // Claims alternate: answered (then 100 ms of sleep), granted (the tick, then 100 ms).
      expect(asked.slice(0, 8)).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
    } finally {
      fake.uninstall();
    }
  });
});
