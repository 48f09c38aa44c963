/**
 * The property suite must be able to fail. Each invariant runs here against a timer, driver or
 * machine broken in the one way that invariant exists to catch, and must report it: a check
 * weakened by mistake would still pass every correct build, and only this shows it.
 *
 * The faults are switched on one at a time through `fault.current`; with it at "none" the
 * mocked modules behave exactly as core's own.
 */
import type {
  CancelOptions,
  Driver,
  Duration,
  SubscribeOptions,
  Subscription,
  Target,
  TimerOptions,
  WaitOptions,
} from "@async-timer/core";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { virtualClockHarness } from "../src/index.js";
import {
  checkInvariant,
  type HarnessFactory,
  type InvariantName,
  invariantNames,
  invariants,
  timerModel,
} from "../src/properties.js";
import { legacyFaults } from "./planted.js";

const fault = vi.hoisted(() => ({ current: "none" }));

vi.mock("@async-timer/core/machine", async (importOriginal) => {
  const machine = await importOriginal<typeof import("@async-timer/core/machine")>();
  let calls = 0;
  class Machine extends machine.Machine {
    protected override onSucceeded(now: number, tick: number, sample: number): number {
      const mask = super.onSucceeded(now, tick, sample);
      if (fault.current !== "impure-step") return mask;
      // Remembers how often it was called: the same events no longer give the same effects.
      return ++calls % 2 === 0 ? mask | machine.DO_CLEAR : mask;
    }
  }
  return { ...machine, Machine };
});

vi.mock("@async-timer/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@async-timer/core")>();

  class FaultyTimer<T> extends core.Timer<T> {
    constructor(delay: Duration, target: Target<T>, options: TimerOptions<T> = {}) {
      super(delay, brokenTarget(target), brokenOptions(options));
      if (fault.current === "leaked-rejection") void Promise.reject(new Error("leaked"));
    }

    override start(): this {
      if (fault.current === "no-restart" && this.hitCount > 0) return this;
      return super.start();
    }

    override cancel(options?: CancelOptions): Promise<void> {
      const cancelled = super.cancel(options);
      return fault.current === "hasty-cancel" ? Promise.resolve() : cancelled;
    }

    override join(): Promise<T> {
      if (fault.current === "stale-join" && this.hitCount > 0) {
        return Promise.resolve(this.lastResult as T);
      }
      return super.join();
    }

    override trigger(): Promise<T> {
      const fresh = super.trigger();
      if (fault.current !== "stale-trigger" || this.hitCount === 0) return fresh;
      fresh.catch(() => {});
      return Promise.resolve(this.lastResult as T);
    }

    override wait(options?: WaitOptions): Promise<T | undefined> {
      if (fault.current !== "early-wait" || options === undefined) return super.wait(options);
      const early = { ...options };
      if (early.hits !== undefined && early.hits > 1) early.hits--;
      if (early.hitCount !== undefined && early.hitCount > 1) early.hitCount--;
      return super.wait(early);
    }

    override subscribe(options?: SubscribeOptions): Subscription<T> {
      const unbounded = fault.current === "unbounded-subscription";
      const feed = super.subscribe(unbounded ? { ...options, maxsize: 0 } : options);
      const next = feed.next.bind(feed);
      const dropOldest = feed.dropOldest.bind(feed);
      if (fault.current === "skipping-subscription") feed.next = skipEverySecond(next);
      if (fault.current === "error-before-buffer") {
        feed.next = () => {
          if (!this.isRunning()) dropOldest(feed.qsize); // the error jumps the queue
          return next();
        };
      }
      if (fault.current === "drop-takes-sentinel") {
        feed.dropOldest = (n) => {
          const removed = dropOldest(n);
          if (!this.isRunning() && feed.qsize === 0) feed.close(); // the end marker goes too
          return removed;
        };
      }
      return feed;
    }

    override [Symbol.asyncIterator](): AsyncIterator<T, undefined> & AsyncIterable<T> {
      const iterator = super[Symbol.asyncIterator]();
      if (fault.current !== "skipping-iteration") return iterator;
      iterator.next = skipEverySecond(iterator.next.bind(iterator));
      return iterator;
    }
  }

  return { ...core, Timer: FaultyTimer };
});

function brokenOptions<T>(options: TimerOptions<T>): TimerOptions<T> {
  if (fault.current === "wide-jitter" && options.jitter !== undefined) {
    return { ...options, jitter: Math.min(1, options.jitter * 3) };
  }
  if (fault.current === "late-wakes" && options.driver !== undefined) {
    return { ...options, driver: late(options.driver, 5) };
  }
  return options;
}

/** A driver whose wakes all fire `ms` late. */
function late(driver: Driver, ms: number): Driver {
  return {
    now: () => driver.now(),
    wallNow: () => driver.wallNow(),
    random: () => driver.random(),
    setWake: (at, wake, unref, spent) => driver.setWake(at + ms, wake, unref, spent),
    clearWake: (handle) => driver.clearWake(handle),
  };
}

function brokenTarget<T>(target: Target<T>): Target<T> {
  if (typeof target !== "function") return target;
  if (fault.current === "overlap") {
    // Every tick also starts a second invocation that nobody waits for.
    return ((context: Parameters<typeof target>[0]) => {
      const result = target(context);
      try {
        Promise.resolve(target(context)).catch(() => {});
      } catch {}
      return result;
    }) as Target<T>;
  }
  if (fault.current === "generator-left-open") {
    // The generator's return() is never passed on, so its finally block never runs.
    return ((context: Parameters<typeof target>[0]) => {
      const source = target(context) as AsyncIterator<T> & Iterator<T>;
      return {
        next: () => source.next(),
        return: () => ({ done: true, value: undefined }),
        [Symbol.iterator]() {
          return this;
        },
      };
    }) as Target<T>;
  }
  return target;
}

function skipEverySecond<R extends { done?: boolean }>(next: () => Promise<R>): () => Promise<R> {
  let delivered = 0;
  return async () => {
    const result = await next();
    if (result.done !== true && ++delivered % 2 === 0) return next();
    return result;
  };
}

/** The fault each of these invariants exists to catch. */
const faults: Readonly<Record<string, string>> = legacyFaults;
const names = Object.keys(legacyFaults) as (keyof typeof legacyFaults)[];

const onVirtualClock: HarnessFactory = (seed) => virtualClockHarness({ seed });

/** Runs one invariant without shrinking (a counterexample is all this needs): did it fail? */
async function fails(name: InvariantName): Promise<boolean> {
  const invariant = invariants.find((candidate) => candidate.name === name);
  if (invariant === undefined) throw new RangeError(`no invariant ${name}`);
  const details = await fc.check(invariant.property(onVirtualClock), {
    numRuns: 200,
    seed: 42,
    endOnFailure: true,
  });
  return details.failed;
}

afterEach(() => {
  fault.current = "none";
});

describe("the property suite catches a broken build", () => {
  it("names a fault for every invariant it covers", () => {
    expect(names.every((name) => invariantNames.includes(name))).toBe(true);
  });

  it.each(names)("%s fails on its fault, and holds without it", async (name) => {
    fault.current = faults[name] as string;
    expect(await fails(name)).toBe(true);
    fault.current = "none";
    expect(await fails(name)).toBe(false);
  });

  it("checkInvariant() reports the failure with the line that replays it", async () => {
    fault.current = "stale-join";
    const failure = await checkInvariant("join-semantics", onVirtualClock, {
      numRuns: 200,
      seed: 42,
      shrinkTimeLimit: 2000,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "InvariantError", invariant: "join-semantics" });
    expect((failure as Error).message).toMatch(/Replay exactly: FC_SEED=42 FC_PATH="[\d:]+"/);
  });
});

describe("the model-based test catches a broken API", () => {
  // The model checks what each call returns and the state it leaves, not timings or delivery
  // (the invariants above cover those), so these are the faults in its reach.
  it.each(["overlap", "stale-trigger", "stale-join", "early-wait", "no-restart"])(
    "%s",
    async (name) => {
      fault.current = name;
      const details = await fc.check(timerModel(onVirtualClock), {
        numRuns: 300,
        seed: 42,
        endOnFailure: true,
      });
      expect(details.failed).toBe(true);
    },
  );
});
