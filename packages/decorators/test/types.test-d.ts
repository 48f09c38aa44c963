/**
 * Type tests (vitest typecheck, i.e. `tsc` in standard-decorator mode): inference of a timer's
 * value type from its method, and misuse that TypeScript can see as compile errors.
 */
import type { TickContext, Timer, TimerGroup } from "@async-timer/core";
import { describe, expectTypeOf, it } from "vitest";
import { type EveryDecorator, every, type MethodTimer, timerOf, timersOf } from "../src/index.js";

class PriceCache {
  prices = new Map<string, number>();

  @every(5, { mode: "fixed_rate", name: "price_refresh" })
  async refresh({ signal }: TickContext) {
    signal.throwIfAborted();
    return this.prices.size;
  }

  @every(1)
  *symbols() {
    yield "ACME";
  }

  @every(1)
  async *quotes() {
    yield 1.5;
  }

  @every(1)
  #audit() {
    return 1n;
  }

  @every(1)
  private sweep(): boolean {
    return true;
  }

  @every(60)
  static reloadAll(): string[] {
    return [];
  }

  lookup(symbol: string) {
    return this.prices.get(symbol);
  }

  inside() {
    return [
      timerOf(this, "refresh"),
      timerOf(this, this.#audit),
      timerOf(this, this.sweep),
    ] as const;
  }
}

describe("timerOf infers the value type from the method", () => {
  const cache = new PriceCache();

  it("unwraps a promise", () => {
    expectTypeOf(timerOf(cache, "refresh")).toEqualTypeOf<Timer<number>>();
  });

  it("takes what a generator yields", () => {
    expectTypeOf(timerOf(cache, "symbols")).toEqualTypeOf<Timer<string>>();
    expectTypeOf(timerOf(cache, "quotes")).toEqualTypeOf<Timer<number>>();
  });

  it("types static methods on the class", () => {
    expectTypeOf(timerOf(PriceCache, "reloadAll")).toEqualTypeOf<Timer<string[]>>();
  });

  it("inside the class: by name on `this`, or by the method itself for private ones", () => {
    expectTypeOf(cache.inside()).toEqualTypeOf<
      readonly [Timer<number>, Timer<bigint>, Timer<boolean>]
    >();
  });

  it("names a #private method from outside as a string, typed by the caller", () => {
    expectTypeOf(timerOf(cache, "#audit")).toEqualTypeOf<Timer<unknown>>();
    expectTypeOf(timerOf<bigint>(cache, "#audit")).toEqualTypeOf<Timer<bigint>>();
  });

  it("MethodTimer names the type", () => {
    expectTypeOf<MethodTimer<PriceCache["refresh"]>>().toEqualTypeOf<Timer<number>>();
  });
});

describe("timersOf", () => {
  it("returns a TimerGroup whose start() returns it, for await using", () => {
    expectTypeOf(timersOf(new PriceCache())).toEqualTypeOf<TimerGroup>();
    expectTypeOf(timersOf(new PriceCache()).start()).toEqualTypeOf<TimerGroup>();
    expectTypeOf(timersOf(PriceCache)).toEqualTypeOf<TimerGroup>();
  });

  it("refuses what is not an object", () => {
    // @ts-expect-error a primitive has no timers
    timersOf(42);
  });
});

describe("naming a member that cannot have a timer is a compile error", () => {
  const cache = new PriceCache();

  it("a member that does not exist", () => {
    // @ts-expect-error no such member
    timerOf(cache, "refesh");
  });

  it("a field", () => {
    // @ts-expect-error a Map is not a method
    timerOf(cache, "prices");
  });

  it("a method that does not take a TickContext", () => {
    // @ts-expect-error lookup(symbol: string) cannot be a timer's target
    timerOf(cache, "lookup");
  });

  it("a TypeScript-private method by name from outside (pass the method from inside instead)", () => {
    // @ts-expect-error sweep is private
    timerOf(cache, "sweep");
  });

  it("an instance method on the class, or a static one on an instance", () => {
    // @ts-expect-error refresh is an instance method
    timerOf(PriceCache, "refresh");
    // @ts-expect-error reloadAll is static
    timerOf(cache, "reloadAll");
  });

  it("something that is not a name or a method", () => {
    // @ts-expect-error a number is neither
    timerOf(cache, 42);
  });
});

describe("@every only fits methods that can be a target", () => {
  it("a field, a getter, a setter, an auto-accessor or a class is a compile error", () => {
    class Misused {
      // @ts-expect-error a field
      @every(1) count = 0;

      // @ts-expect-error a getter
      @every(1) get size() {
        return 0;
      }

      // @ts-expect-error a setter
      @every(1) set size(_value: number) {}

      // @ts-expect-error an auto-accessor
      @every(1) accessor level = 0;
    }
    // @ts-expect-error a class
    @every(1)
    class Whole {}
    void [Misused, Whole];
  });

  it("a method whose parameters a tick cannot supply is a compile error", () => {
    class Wrong {
      // @ts-expect-error ticks pass a TickContext, not a string
      @every(1) greet(name: string) {
        return name;
      }

      // @ts-expect-error a second required parameter cannot be supplied
      @every(1) pair(_context: TickContext, other: number) {
        return other;
      }

      @every(1) optional(_context?: TickContext, other = 2) {
        return other;
      }
    }
    void Wrong;
  });

  it("an explicit value type checks what the method returns", () => {
    class Checked {
      @every<number>(1) async ok() {
        return 1;
      }

      // @ts-expect-error returns a string, not a number
      @every<number>(1) wrong() {
        return "one";
      }
    }
    void Checked;
  });

  it("options are core's TimerOptions without start", () => {
    const decorator: EveryDecorator = every(5, {
      mode: "fixed_rate",
      initialDelay: "1s",
      jitter: 0.1,
      name: "n",
      onError: (_error, timer) => {
        expectTypeOf(timer).toEqualTypeOf<Timer<unknown>>();
        return "continue";
      },
      onCancel: () => {},
      logger: console,
      unref: true,
      signal: AbortSignal.timeout(10),
    });
    void decorator;
    // @ts-expect-error decorated timers are never started implicitly
    every(5, { start: true });
    // @ts-expect-error not a mode
    every(5, { mode: "sometimes" });
    // @ts-expect-error a duration string needs a unit
    every("5");
  });
});
