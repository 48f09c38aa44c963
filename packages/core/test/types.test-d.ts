import { describe, expectTypeOf, it } from "vitest";
import {
  type Duration,
  every,
  type Subscription,
  type TickValue,
  Timer,
  TimerGroup,
} from "../src/index.js";

describe("the value type of a timer is inferred from its target", () => {
  it("unwraps promises", () => {
    expectTypeOf(new Timer(5, async () => 42)).toEqualTypeOf<Timer<number>>();
    expectTypeOf(new Timer(5, () => Promise.resolve("x"))).toEqualTypeOf<Timer<string>>();
  });

  it("takes a sync value as it is", () => {
    expectTypeOf(new Timer(5, () => ({ ok: true }))).toEqualTypeOf<Timer<{ ok: boolean }>>();
    expectTypeOf(new Timer(5, () => {})).toEqualTypeOf<Timer<void>>();
  });

  it("takes what a generator yields", () => {
    expectTypeOf(
      new Timer(5, function* () {
        yield "a";
      }),
    ).toEqualTypeOf<Timer<string>>();
    expectTypeOf(
      new Timer(5, async function* () {
        yield 1;
      }),
    ).toEqualTypeOf<Timer<number>>();
    async function* dates() {
      yield new Date();
    }
    expectTypeOf(new Timer(5, dates())).toEqualTypeOf<Timer<Date>>();
  });

  it("unwraps promises yielded by a sync generator", () => {
    function* later() {
      yield Promise.resolve(1n);
    }
    expectTypeOf(new Timer(5, later)).toEqualTypeOf<Timer<bigint>>();
  });

  it("flows into join, trigger, wait, lastResult, iteration and subscriptions", () => {
    const timer = new Timer(5, async () => 42);
    expectTypeOf(timer.join()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(timer.trigger()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(timer.wait()).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(timer.lastResult).toEqualTypeOf<number | undefined>();
    expectTypeOf(timer.subscribe()).toEqualTypeOf<Subscription<number>>();
    expectTypeOf(timer[Symbol.asyncIterator]().next()).resolves.toEqualTypeOf<
      IteratorResult<number, undefined>
    >();
  });

  it("is given to onError and onCancel", () => {
    new Timer(5, async () => "s", {
      onError: (_error, timer) => {
        expectTypeOf(timer).toEqualTypeOf<Timer<string>>();
        return "continue";
      },
      onCancel: (timer) => expectTypeOf(timer.lastResult).toEqualTypeOf<string | undefined>(),
    });
  });

  it("is kept by every(), with the original function on .func", () => {
    const fn = async (_ctx: { hitCount: number }) => [1, 2, 3];
    const timer = every(5)(fn);
    expectTypeOf(timer).toMatchTypeOf<Timer<number[]>>();
    expectTypeOf(timer.func).toEqualTypeOf(fn);
  });

  it("TickValue computes the same thing", () => {
    expectTypeOf<TickValue<Promise<string>>>().toEqualTypeOf<string>();
    expectTypeOf<TickValue<AsyncGenerator<number, void>>>().toEqualTypeOf<number>();
    expectTypeOf<TickValue<Generator<Promise<Date>, void>>>().toEqualTypeOf<Date>();
    expectTypeOf<TickValue<boolean>>().toEqualTypeOf<boolean>();
  });
});

describe("misuse is a compile error", () => {
  it("durations must be seconds or strings with a unit", () => {
    expectTypeOf<"250ms">().toMatchTypeOf<Duration>();
    expectTypeOf<"1.5 s">().toMatchTypeOf<Duration>();
    // @ts-expect-error: a unit is required
    const bad: Duration = "250";
    void bad;
    // @ts-expect-error: days are not a unit
    new Timer("2d", () => 1);
  });

  it("options are checked", () => {
    // @ts-expect-error: unknown mode
    new Timer(1, () => 1, { mode: "fixed-rate" });
    // @ts-expect-error: jitter is a number
    new Timer(1, () => 1, { jitter: "0.1" });
    // @ts-expect-error: a number is not a target
    new Timer(1, 42);
  });
});

describe("a timer of a narrower value type can be used where a wider one is expected", () => {
  it("Timer and Subscription are covariant in their value type", () => {
    expectTypeOf<Timer<number>>().toMatchTypeOf<Timer<unknown>>();
    expectTypeOf<Timer<"a">>().toMatchTypeOf<Timer<string>>();
    expectTypeOf<Subscription<number>>().toMatchTypeOf<Subscription<unknown>>();
    const stopAll = (timers: readonly Timer<unknown>[]) =>
      Promise.all(timers.map((t) => t.cancel()));
    void stopAll([new Timer(1, () => 1), new Timer(1, async () => "s")]);
  });

  it("but not the other way round", () => {
    expectTypeOf<Timer<unknown>>().not.toMatchTypeOf<Timer<number>>();
  });
});

describe("option bags accept an optional value passed on as is (exactOptionalPropertyTypes)", () => {
  it("for every call that takes options", () => {
    const forward = (timer: Timer<number>, timeout?: Duration, count?: number, name?: string) => {
      void timer.wait({ hitCount: count, hits: count, timeout });
      void timer.cancel({ timeout });
      timer.subscribe({ maxsize: count, name });
      const group = new TimerGroup([timer], { name, logger: undefined });
      void group.trigger({ timeout });
      void group.wait({ hits: count, timeout });
      void group.cancel({ timeout });
    };
    expectTypeOf(forward).toBeFunction();
  });
});

describe("no any leaks out of groups and every()", () => {
  it("a group's members and results are Timer<unknown>", async () => {
    const group = new TimerGroup([new Timer(5, () => 42)]);
    for (const member of group) expectTypeOf(member).toEqualTypeOf<Timer<unknown>>();
    const [first] = await group.wait({ hits: 1 });
    expectTypeOf(first?.[0]).toEqualTypeOf<Timer<unknown> | undefined>();
  });

  it("every()'s callbacks get a Timer<unknown>, not a Timer<any>", () => {
    every(5, {
      onError: (_error, timer) => {
        expectTypeOf(timer).toEqualTypeOf<Timer<unknown>>();
        return "continue";
      },
      onCancel: (timer) => expectTypeOf(timer).toEqualTypeOf<Timer<unknown>>(),
    })(async () => 42);
  });
});
