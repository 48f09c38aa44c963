import { type TickContext, Timer, TimerGroup } from "@async-timer/core";
import { describe, expect, it, vi } from "vitest";
import { every, timerOf, timersOf } from "../src/index.js";
import { clock, recordingLogger, track } from "./helpers.js";

describe("@every on a method", () => {
  it("gives each instance its own Timer, bound to it", async () => {
    const c = clock();
    class Counter {
      count = 0;
      @every(5, { driver: c })
      tick() {
        return ++this.count;
      }
    }
    const a = new Counter();
    const b = new Counter();
    const timer = timerOf(a, "tick");
    expect(timer).toBeInstanceOf(Timer);
    expect(timerOf(a, "tick")).toBe(timer);
    expect(timerOf(b, "tick")).not.toBe(timer);

    timer.start();
    await c.advance(10); // ticks at 0, 5 and 10 s
    expect(a.count).toBe(3);
    expect(b.count).toBe(0);
    expect(timer.lastResult).toBe(3);
    expect(timerOf(b, "tick").hitCount).toBe(0);
    await timer.cancel();
  });

  it("makes an instance's timers lazily, on the first timerOf/timersOf, and only once", () => {
    // A Timer checks its driver when it is made: counting those reads counts timers made.
    const c = clock();
    let made = 0;
    const driver = {
      now: () => c.now(),
      wallNow: () => c.wallNow(),
      random: () => c.random(),
      get setWake() {
        made++;
        return c.setWake.bind(c);
      },
      clearWake: (handle: unknown) => c.clearWake(handle),
    };
    class Lazy {
      @every(1, { driver })
      a() {}
      @every(2, { driver })
      b() {}
    }
    const afterDefinition = made; // every() checked its options once per call
    const first = new Lazy();
    const second = new Lazy();
    expect(made).toBe(afterDefinition);
    timerOf(first, "a");
    expect(made).toBe(afterDefinition + 2); // both of first's timers, together
    timersOf(first);
    timerOf(first, "b");
    expect(made).toBe(afterDefinition + 2);
    timersOf(second);
    expect(made).toBe(afterDefinition + 4);
  });

  it("never starts a timer implicitly", async () => {
    const c = clock();
    const calls = vi.fn();
    class Poller {
      @every(1, { driver: c })
      poll() {
        calls();
      }
    }
    const poller = new Poller();
    const group = timersOf(poller);
    expect(timerOf(poller, "poll").isRunning()).toBe(false);
    expect(group.isRunning()).toBe(false);
    await c.advance(10);
    expect(calls).not.toHaveBeenCalled();
    expect(c.pending).toBe(0);
  });

  it("sees the fields the constructor set up, because the user starts it afterwards", async () => {
    const c = clock();
    class Cache {
      readonly prices = new Map([["ACME", 42]]);
      readonly source: string;
      constructor(source: string) {
        this.source = source;
      }
      @every(5, { driver: c })
      refresh() {
        return `${this.source}: ${this.prices.size}`;
      }
    }
    const cache = new Cache("feed");
    const timer = timerOf(cache, "refresh").start();
    expect(await c.runUntil(timer.join())).toBe("feed: 1");
    await timer.cancel();
  });

  it("calling the method runs the original directly, without the timer", async () => {
    const c = clock();
    class Cache {
      prices = new Map<string, number>();
      @every(5, { driver: c })
      async refresh({ hitCount }: TickContext) {
        this.prices.set("ACME", hitCount);
        return this.prices.size;
      }
    }
    const cache = new Cache();
    const controller = new AbortController();
    expect(await cache.refresh({ signal: controller.signal, hitCount: 7 })).toBe(1);
    expect(cache.prices.get("ACME")).toBe(7);
    const timer = timerOf(cache, "refresh");
    expect(timer.hitCount).toBe(0);
    expect(timer.isRunning()).toBe(false);
    expect(typeof cache.refresh).toBe("function");
    expect(cache.refresh).toBe(Cache.prototype.refresh);
  });

  it("passes each tick's TickContext; the signal aborts when the timer is cancelled", async () => {
    const c = clock();
    const contexts: TickContext[] = [];
    const logger = recordingLogger();
    class Worker {
      @every(1, { driver: c, logger })
      work(context: TickContext) {
        contexts.push(context);
        return new Promise<void>(() => {}); // never settles: only the signal ends it
      }
    }
    const timer = timerOf(new Worker(), "work").start();
    await c.settle();
    expect(contexts.map((context) => context.hitCount)).toEqual([0]);
    expect(contexts[0]?.signal.aborted).toBe(false);
    await c.runUntil(timer.cancel({ timeout: 1 }));
    expect(contexts[0]?.signal.aborted).toBe(true);
    expect(logger.lines).toEqual([
      "warn: [async-timer] Worker.work: cancel() timed out; abandoned tick 1, which has not settled (its signal was aborted)",
    ]);
  });

  it("calls the method the instance has at tick time, so a test's spy sees the ticks", async () => {
    const c = clock();
    class Cache {
      @every(5, { driver: c })
      refresh() {
        return "real";
      }
    }
    const cache = new Cache();
    const timer = timerOf(cache, "refresh");
    const spy = vi.spyOn(cache, "refresh").mockReturnValue("spied");
    timer.start();
    expect(await c.runUntil(timer.join())).toBe("spied");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.contexts[0]).toBe(cache);
    await timer.cancel();
  });

  it("pulls a generator method once per tick, and closes it on cancel", async () => {
    const c = clock();
    const closed = vi.fn();
    class Feed {
      constructor(readonly symbols: string[]) {}
      @every(1, { driver: c })
      *next() {
        try {
          yield* this.symbols;
        } finally {
          closed();
        }
      }
    }
    const timer = timerOf(new Feed(["A", "B", "C"]), "next").start();
    await c.advance(1); // ticks at 0 and 1 s pull "A", then "B"
    expect([timer.hitCount, timer.lastResult]).toEqual([2, "B"]);
    await timer.cancel();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it("names a timer ClassName.method unless given a name", () => {
    const tick = Symbol("tick");
    class Metrics {
      @every(1)
      flush() {}
      @every(1, { name: "metrics_export" })
      exportAll() {}
      @every(1)
      [tick]() {}
      @every(1)
      // biome-ignore lint/correctness/noUnusedPrivateClassMembers: @every calls it
      #sample() {}
      @every(1)
      static reset() {}
    }
    const metrics = new Metrics();
    expect([...timersOf(metrics)].map((timer) => timer.name)).toEqual([
      "Metrics.flush",
      "metrics_export",
      "Metrics[Symbol(tick)]",
      "Metrics.#sample",
    ]);
    expect(timerOf(Metrics, "reset").name).toBe("Metrics.reset");
    expect(String(timerOf(metrics, "flush"))).toBe(
      "Timer(Metrics.flush, delay=1s, fixed_delay, idle, hits=0)",
    );
  });

  it("hands every option to the timer", async () => {
    const c = clock();
    const logger = recordingLogger();
    const armed: boolean[] = [];
    const driver = {
      now: () => c.now(),
      wallNow: () => c.wallNow(),
      random: () => c.random(),
      setWake: (at: number, wake: () => void, unref: boolean) => {
        armed.push(unref);
        return c.setWake(at, wake, unref);
      },
      clearWake: (handle: unknown) => c.clearWake(handle),
    };
    const onCancel = vi.fn();
    const ticks: number[] = [];
    class Job {
      @every("2s", {
        mode: "fixed_rate",
        initialDelay: 1,
        name: "job",
        logger,
        onCancel,
        unref: true,
        driver,
      })
      async run() {
        ticks.push(c.now());
        if (ticks.length === 2) {
          await new Promise<void>((resolve) => c.setWake(c.now() + 4500, () => resolve(), false));
        }
      }
    }
    const timer = timerOf(new Job(), "run");
    expect([timer.delay, timer.mode, timer.name, timer.driver]).toEqual([
      2,
      "fixed_rate",
      "job",
      driver,
    ]);
    timer.start();
    await c.advance(12);
    // first tick after initialDelay; slots every 2 s; the slow second tick skips two slots
    expect(ticks).toEqual([1000, 3000, 9000, 11000]);
    expect(logger.lines).toEqual([
      "warn: [async-timer] job: fixed_rate: skipped 2 slots; the tick ran past them",
    ]);
    expect(armed.length).toBeGreaterThan(0);
    expect(armed.every((unref) => unref)).toBe(true);
    await timer.cancel();
    expect(onCancel).toHaveBeenCalledWith(timer);
  });

  it("applies the error policy: onError gets the error and the timer", async () => {
    const c = clock();
    const onError = vi.fn((_error: unknown, _timer: Timer<unknown>) => "continue" as const);
    let calls = 0;
    class Flaky {
      @every(1, { driver: c, onError })
      attempt() {
        calls++;
        if (calls === 1) throw new Error("first one fails");
        return calls;
      }
    }
    const timer = timerOf(new Flaky(), "attempt").start();
    await c.advance(2);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toEqual(new Error("first one fails"));
    expect(onError.mock.calls[0]?.[1]).toBe(timer);
    expect([timer.isRunning(), timer.hitCount, timer.lastResult]).toEqual([true, 2, 3]);
    await timer.cancel();
  });

  it("a signal option stops the timers of every instance, and makes them single-run", async () => {
    const c = clock();
    const shutdown = new AbortController();
    class Poller {
      @every(1, { driver: c, signal: shutdown.signal })
      poll() {}
    }
    const a = timerOf(new Poller(), "poll").start();
    const b = timerOf(new Poller(), "poll").start();
    await c.advance(1);
    shutdown.abort();
    await c.settle();
    expect([a.isRunning(), b.isRunning()]).toEqual([false, false]);
    expect(() => a.start()).toThrow(/runs once/);
  });

  it("reads cancelOn once, so a one-shot iterable serves every instance", async () => {
    const c = clock();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    function* once() {
      yield released;
    }
    class Poller {
      @every(1, { driver: c, cancelOn: once() })
      poll() {}
    }
    const a = timerOf(new Poller(), "poll").start();
    const b = timerOf(new Poller(), "poll").start();
    await c.advance(1);
    expect([a.hitCount, b.hitCount]).toEqual([2, 2]);
    release();
    await c.settle();
    expect([a.isRunning(), b.isRunning()]).toEqual([false, false]);
    await c.advance(5);
    expect([a.hitCount, b.hitCount]).toEqual([2, 2]);
  });

  it("logs a rejected cancelOn promise once, at warn, and cancels", async () => {
    const c = clock();
    const logger = recordingLogger();
    let fail!: (error: Error) => void;
    const failing = new Promise<never>((_resolve, reject) => {
      fail = reject;
    });
    class Poller {
      @every(1, { driver: c, cancelOn: [failing], logger, name: "poller" })
      poll() {}
    }
    const a = timerOf(new Poller(), "poll").start();
    const b = timerOf(new Poller(), "poll").start();
    fail(new Error("lost the lease"));
    await c.settle();
    expect([a.isRunning(), b.isRunning()]).toEqual([false, false]);
    expect(logger.lines).toEqual([
      "warn: [async-timer] poller: a cancelOn promise rejected; cancelling its timers",
    ]);
  });
});

describe("timersOf", () => {
  function service(c: ReturnType<typeof clock>) {
    class Upkeep {
      log: string[] = [];
      @every(5, { driver: c })
      refresh() {
        this.log.push(`refresh@${c.seconds}`);
        return this.log.length;
      }
      @every(60, { driver: c })
      prune() {
        this.log.push(`prune@${c.seconds}`);
        return "pruned";
      }
      helper() {
        return "not a timer";
      }
    }
    return Upkeep;
  }

  it("is a TimerGroup of the instance's timers, in declaration order, the same on every call", () => {
    const Upkeep = service(clock());
    const upkeep = new Upkeep();
    const group = timersOf(upkeep);
    expect(group).toBeInstanceOf(TimerGroup);
    expect(timersOf(upkeep)).toBe(group);
    expect([...group]).toEqual([timerOf(upkeep, "refresh"), timerOf(upkeep, "prune")]);
    expect(String(group)).toBe("TimerGroup(Upkeep, 2 timers, idle)");
    expect(timersOf(new Upkeep())).not.toBe(group);
  });

  it("starts and cancels them together", async () => {
    const c = clock();
    const Upkeep = service(c);
    const upkeep = new Upkeep();
    const group = timersOf(upkeep);
    expect(group.start()).toBe(group);
    expect(group.isRunning()).toBe(true);
    await c.advance(10);
    expect(upkeep.log).toEqual(["refresh@0", "prune@0", "refresh@5", "refresh@10"]);
    await group.cancel();
    expect(group.isRunning()).toBe(false);
    expect([...group].some((timer) => timer.isRunning())).toBe(false);
    expect(c.pending).toBe(0);
  });

  it("waits on and triggers every member", async () => {
    const c = clock();
    const Upkeep = service(c);
    const upkeep = new Upkeep();
    const group = timersOf(upkeep).start();
    const values = await c.runUntil(group.wait({ hitCount: 1 }));
    expect(values).toEqual([
      [timerOf(upkeep, "refresh"), 1],
      [timerOf(upkeep, "prune"), "pruned"],
    ]);
    const triggered = await c.runUntil(group.trigger());
    expect(triggered.map(([, value]) => value)).toEqual([3, "pruned"]);
    await group.cancel();
  });

  it("cancels every timer when an `await using` scope exits", async () => {
    const c = clock();
    const Upkeep = service(c);
    const upkeep = new Upkeep();
    {
      await using group = timersOf(upkeep).start();
      await c.advance(5);
      expect(group.isRunning()).toBe(true);
    }
    expect(timersOf(upkeep).isRunning()).toBe(false);
    expect(timerOf(upkeep, "refresh").isRunning()).toBe(false);
    expect(c.pending).toBe(0);
  });

  it("starts the members that are not already running", async () => {
    const c = clock();
    const Upkeep = service(c);
    const upkeep = new Upkeep();
    timerOf(upkeep, "refresh").start();
    timersOf(upkeep).start();
    expect(timerOf(upkeep, "prune").isRunning()).toBe(true);
    await timersOf(upkeep).cancel();
  });

  it("is an empty group for an object without @every methods", () => {
    const group = timersOf(new (class Plain {})());
    expect(group.size).toBe(0);
    expect(String(group)).toBe("TimerGroup(Plain, 0 timers, idle)");
  });

  it("refuses what is not an object", () => {
    expect(() => timersOf(42 as never)).toThrow(TypeError);
    expect(() => timersOf(null as never)).toThrow(
      "timersOf(instance): instance must be an object (or a class, for static methods); got null",
    );
  });
});

describe("bad input throws at the call that received it", () => {
  it("checks the delay at the decorator factory call", () => {
    expect(() => every(-1)).toThrow(RangeError);
    expect(() => every(-1)).toThrow(
      "@every: delay must be a non-negative, finite duration in seconds; got -1",
    );
    expect(() => every(Number.NaN)).toThrow(/got NaN/);
    expect(() => every(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => every("5 weeks" as never)).toThrow(/delay must be a number of seconds.*"5 weeks"/);
    expect(() => every(null as never)).toThrow(TypeError);
  });

  it("checks the options at the decorator factory call", () => {
    expect(() => every(1, { jitter: 2 })).toThrow(
      new RangeError("@every: jitter must be a fraction in [0, 1]; got 2"),
    );
    expect(() => every(1, { mode: "sometimes" as never })).toThrow(RangeError);
    expect(() => every(1, { initialDelay: -5 })).toThrow(/initialDelay must be/);
    expect(() => every(1, { name: 5 as never })).toThrow(TypeError);
    expect(() => every(1, { onError: "stop" as never })).toThrow(/onError must be a function/);
    expect(() => every(1, { signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    expect(() => every(1, "fast" as never)).toThrow(
      new TypeError('@every: options must be an object; got "fast"'),
    );
    expect(() => every(1, { cancelOn: 5 as never })).toThrow(/cancelOn must be an iterable/);
    expect(() => every(1, 5n as never)).toThrow("@every: options must be an object; got 5n");
    expect(() => every(1, { cancelOn: [Promise.resolve(), 7] as never })).toThrow(
      "@every: cancelOn[1] must be a promise or an AbortSignal; got 7",
    );
  });

  it("refuses unknown option keys, naming the one meant (#17, point 3)", () => {
    expect(() => every(1, { intialDelay: 5 } as never)).toThrow(
      new TypeError(
        '@every: options has an unknown key "intialDelay"; did you mean "initialDelay"?',
      ),
    );
    expect(() => every(1, { onerror: () => "continue" } as never)).toThrow(
      new TypeError('@every: options has an unknown key "onerror"; did you mean "onError"?'),
    );
    expect(() => every(1, { retries: 3 } as never)).toThrow(
      new TypeError('@every: options has an unknown key "retries"'),
    );
  });

  it("checks every option by type, and refuses an empty name (#16, points 8 and 12)", () => {
    expect(() => every(1, { unref: "yes" as never })).toThrow(
      new TypeError('@every: unref must be a boolean; got "yes"'),
    );
    expect(() => every(1, { start: "yes" } as never)).toThrow(TypeError);
    expect(() => every(1, { onCancel: 5 as never })).toThrow(
      new TypeError("@every: onCancel must be a function; got 5"),
    );
    expect(() => every(1, { logger: { warn: "loud" } as never })).toThrow(
      new TypeError('@every: logger.warn must be a function; got "loud"'),
    );
    expect(() => every(1, { name: "" })).toThrow(
      new RangeError('@every: name must be a non-empty string; got ""'),
    );
  });

  it("refuses start: a decorated method's timer is never started implicitly", () => {
    expect(() => every(1, { start: true } as never)).toThrow(/the start option is not supported/);
    expect(() => every(1, { start: false } as never)).not.toThrow();
  });

  it("refuses anything but a method, naming what it was applied to", () => {
    expect(() => {
      class Fields {
        // @ts-expect-error a field
        @every(1) count = 0;
      }
      return Fields;
    }).toThrow(
      new TypeError('@every can only decorate a method; it was applied to the field "count"'),
    );
    expect(() => {
      class Getters {
        // @ts-expect-error a getter
        @every(1) get size() {
          return 0;
        }
      }
      return Getters;
    }).toThrow('it was applied to the getter "size"');
    expect(() => {
      class Setters {
        // @ts-expect-error a setter
        @every(1) set size(_value: number) {}
      }
      return Setters;
    }).toThrow('it was applied to the setter "size"');
    expect(() => {
      // biome-ignore lint/complexity/noStaticOnlyClass: the misuse under test
      class Accessors {
        // @ts-expect-error an auto-accessor
        @every(1) static accessor level = 0;
      }
      return Accessors;
    }).toThrow('it was applied to the static auto-accessor "level"');
    expect(() => {
      // @ts-expect-error a class
      @every(1)
      class Whole {}
      return Whole;
    }).toThrow("it was applied to the class Whole");
  });

  it("refuses a second @every on one method", () => {
    expect(() => {
      class Twice {
        @every(1)
        @every(2)
        poll() {}
      }
      return Twice;
    }).toThrow(new TypeError('@every was applied twice to the method "poll"'));
  });

  it("explains legacy (experimentalDecorators) arguments and plain-function use", () => {
    const decorator = every(1) as unknown as (...args: unknown[]) => unknown;
    const prototype = { poll() {} };
    const descriptor = Object.getOwnPropertyDescriptor(prototype, "poll");
    expect(() => decorator(prototype, "poll", descriptor)).toThrow(
      /standard \(TC39, TypeScript 5\) decorator.*legacy decorator arguments: turn experimentalDecorators off/,
    );
    expect(() => decorator(() => 1)).toThrow(
      /decorates class methods.*For a plain function use every\(delay\)\(fn\) from @async-timer\/core/,
    );
  });

  it("reports a tick whose method was replaced by something else through the error policy", async () => {
    const c = clock();
    const logger = recordingLogger();
    class Cache {
      @every(1, { driver: c, logger })
      refresh() {}
    }
    const cache = new Cache();
    const timer = timerOf(cache, "refresh");
    Object.defineProperty(cache, "refresh", { value: 42 });
    const joined = track(timer.start().join());
    await c.settle();
    expect(joined.error).toEqual(
      new TypeError("Cache.refresh: refresh is no longer a method of Cache; got number"),
    );
    expect(timer.isRunning()).toBe(false);
  });
});
