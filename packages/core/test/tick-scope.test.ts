import { describe, expect, it } from "vitest";
import { createStore, synchronousStore } from "../src/tick-scope.js";

describe("tick scope", () => {
  it("uses the standard AsyncContext where it exists", () => {
    const calls: string[] = [];
    class Variable {
      #value: unknown;
      run<R>(value: unknown, fn: (...args: unknown[]) => R, ...args: unknown[]): R {
        calls.push("run");
        const previous = this.#value;
        this.#value = value;
        try {
          return fn(...args);
        } finally {
          this.#value = previous;
        }
      }
      get() {
        return this.#value;
      }
    }
    const store = createStore({ AsyncContext: { Variable: Variable as never } });
    const token = {};
    expect(store.run(token, (arg: number) => [arg, store.getStore()], 5, undefined)).toEqual([
      5,
      token,
    ]);
    expect(calls).toEqual(["run"]);
    expect(store.getStore()).toBeUndefined();
  });

  it("uses AsyncLocalStorage through process.getBuiltinModule, across awaits", async () => {
    const store = createStore(globalThis as never);
    const token = {};
    const seen = await store.run(
      token,
      async () => {
        await Promise.resolve();
        return store.getStore();
      },
      undefined,
      undefined,
    );
    expect(seen).toBe(token);
    expect(store.getStore()).toBeUndefined();
  });

  it("falls back to the synchronous part only", async () => {
    const store = createStore({});
    const outer = {};
    const inner = {};
    const during = store.run(
      outer,
      () => [
        store.getStore(),
        store.run(inner, () => store.getStore(), 0, undefined),
        store.getStore(),
      ],
      0,
      undefined,
    );
    expect(during).toEqual([outer, inner, outer]);
    expect(store.getStore()).toBeUndefined();
    const afterAwait = await store.run(
      outer,
      async () => {
        await Promise.resolve();
        return store.getStore();
      },
      0,
      undefined,
    );
    expect(afterAwait).toBeUndefined();
    expect(() =>
      synchronousStore().run(
        {},
        () => {
          throw new Error("x");
        },
        0,
        undefined,
      ),
    ).toThrow("x");
  });
});

describe("outsideScopes", () => {
  it("calls outside every timer's scope, and at no cost when already outside", async () => {
    const { outsideScopes, tickScope } = await import("../src/tick-scope.js");
    const scope = tickScope();
    const token = {};
    const inside = scope.run(token, () => outsideScopes(() => scope.getStore(), 0, 0), 0, 0);
    expect(inside).toBeUndefined();
    expect(outsideScopes((a: number, b: number) => a + b, 2, 3)).toBe(5);
  });
});
