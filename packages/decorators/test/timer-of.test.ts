import { describe, expect, it } from "vitest";
import { every, timerOf, timersOf } from "../src/index.js";

const refreshKey = Symbol("refresh");

class PriceCache {
  prices = new Map<string, number>();

  @every(5)
  async refresh() {
    return this.prices.size;
  }

  @every(1)
  [refreshKey]() {}

  @every(1)
  #audit() {}

  lookup(symbol: string) {
    return this.prices.get(symbol);
  }

  auditTimer() {
    return timerOf(this, this.#audit);
  }

  @every(60)
  static reloadAll() {}
}

describe("timerOf(instance, name)", () => {
  const cache = new PriceCache();
  const [refresh, keyed, audit] = [...timersOf(cache)];

  it("finds a timer by the method's name or symbol", () => {
    expect(timerOf(cache, "refresh")).toBe(refresh);
    expect(timerOf(cache, refreshKey)).toBe(keyed);
  });

  it("finds a timer by the method itself, from inside or outside the class", () => {
    expect(cache.auditTimer()).toBe(audit);
    expect(timerOf(cache, cache.refresh)).toBe(refresh);
    expect(timerOf(cache, PriceCache.prototype.refresh)).toBe(refresh);
  });

  it('finds a #private method by the string "#name"', () => {
    expect(timerOf(cache, "#audit")).toBe(audit);
  });

  it("finds a static method's timer on the class", () => {
    expect(timerOf(PriceCache, "reloadAll").name).toBe("PriceCache.reloadAll");
  });

  it("finds the override's timer when passed the override of a decorated method", () => {
    class Special extends PriceCache {
      override async refresh() {
        return -1;
      }
    }
    const special = new Special();
    expect(timerOf(special, special.refresh)).toBe(timerOf(special, "refresh"));
  });
});

describe("timerOf refuses, with a TypeError that says why", () => {
  const cache = new PriceCache();

  it("a method that is not decorated, listing the ones that are", () => {
    expect(() => timerOf(cache, "lookup" as never)).toThrow(
      new TypeError(
        "timerOf(instance, name): PriceCache.lookup is not decorated with @every; its @every methods: refresh, [Symbol(refresh)], #audit",
      ),
    );
  });

  it("a member that is not a method, or does not exist", () => {
    expect(() => timerOf(cache, "prices" as never)).toThrow(
      "timerOf(instance, name): PriceCache.prices is not a method;",
    );
    expect(() => timerOf(cache, "refesh" as never)).toThrow(
      'timerOf(instance, name): PriceCache has no member "refesh";',
    );
    expect(() => timerOf(cache, "#missing")).toThrow(
      "timerOf(instance, name): PriceCache.#missing is not an @every method;",
    );
  });

  it("a method that is not decorated, passed as a function", () => {
    expect(() => timerOf(cache, cache.lookup as never)).toThrow(
      /timerOf\(instance, method\): function lookup is not an @every method of this PriceCache/,
    );
  });

  it("an instance method asked of the class, with a hint", () => {
    class OnlyInstance {
      @every(1)
      poll() {}
    }
    expect(() => timerOf(OnlyInstance, "poll" as never)).toThrow(
      'timerOf(instance, name): OnlyInstance has no member "poll"; class OnlyInstance has no @every methods (instance methods need an instance, not the class)',
    );
  });

  it("what is not an object, or not a name", () => {
    expect(() => timerOf(undefined as never, "refresh")).toThrow(
      "timerOf(instance, name): instance must be an object (or a class, for static methods); got undefined",
    );
    expect(() => timerOf(cache, 42 as never)).toThrow(
      "timerOf(instance, name): name must be a method's name or the method itself; got 42",
    );
  });
});
