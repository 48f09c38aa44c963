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
    expect(store.run(token, (arg: number) => [arg, store.current()], 5)).toEqual([5, token]);
    expect(calls).toEqual(["run"]);
    expect(store.current()).toBeUndefined();
  });

  it("uses AsyncLocalStorage through process.getBuiltinModule, across awaits", async () => {
    const store = createStore(globalThis as never);
    const token = {};
    const seen = await store.run(
      token,
      async () => {
        await Promise.resolve();
        return store.current();
      },
      undefined,
    );
    expect(seen).toBe(token);
    expect(store.current()).toBeUndefined();
  });

  it("falls back to the synchronous part only", async () => {
    const store = createStore({});
    const outer = {};
    const inner = {};
    const during = store.run(
      outer,
      () => [store.current(), store.run(inner, () => store.current(), 0), store.current()],
      0,
    );
    expect(during).toEqual([outer, inner, outer]);
    expect(store.current()).toBeUndefined();
    const afterAwait = await store.run(
      outer,
      async () => {
        await Promise.resolve();
        return store.current();
      },
      0,
    );
    expect(afterAwait).toBeUndefined();
    expect(() =>
      synchronousStore().run(
        {},
        () => {
          throw new Error("x");
        },
        0,
      ),
    ).toThrow("x");
  });
});
