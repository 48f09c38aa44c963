/**
 * Knows whether the code calling `cancel()` runs inside a given tick, so that an `await
 * timer.cancel()` from the target does not wait for the tick that is waiting for it.
 *
 * Where the runtime tracks async context (AsyncLocalStorage in Node, Deno and Bun; the standard
 * `AsyncContext` where it exists) the answer holds across `await`s. Elsewhere (browsers today)
 * only the synchronous part of the target is recognised. The storage is looked up on first use,
 * without a static `node:` import, so this module loads unchanged in a browser.
 *
 * Cost note. On Node 20/22 AsyncLocalStorage is built on async_hooks, and the first `run()` turns
 * on a promise hook for the whole process; on Node 24 (AsyncContextFrame) the hook is gone, but
 * every `run()` with a new value builds a context frame (half a microsecond, and a couple of
 * hundred bytes for as long as a callback keeps it). So a timer enters its scope once, when it
 * makes the handle its wakes fire through, not once per tick: the handle keeps the scope, and
 * every tick, promise continuation and callback after it inherits it (see `Timer`).
 */
export interface ContextStore {
  /** Calls `fn(a, b)` with `token` as the current scope (at no cost if it is already). */
  run<A, B, R>(token: unknown, fn: (a: A, b: B) => R, a: A, b: B): R;
  /** The current scope's token. (The shape of `AsyncLocalStorage`, which is used as it is.) */
  getStore(): unknown;
}

interface AsyncLocalStorageLike {
  run<R>(store: unknown, fn: (...args: any[]) => R, ...args: any[]): R;
  getStore(): unknown;
}

interface AsyncContextVariableLike {
  run<R>(value: unknown, fn: (...args: any[]) => R, ...args: any[]): R;
  get(): unknown;
}

export type Runtime = {
  process?: { getBuiltinModule?(id: string): unknown };
  AsyncContext?: { Variable?: new () => AsyncContextVariableLike };
};

let store: ContextStore | undefined;

/** The scope used by every timer in this realm, found on first use. */
export function tickScope(): ContextStore {
  store ??= createStore(globalThis as Runtime);
  return store;
}

/** The best store `runtime` offers. Exported for tests; `tickScope()` is what the timer uses. */
export function createStore(runtime: Runtime): ContextStore {
  const Variable = runtime.AsyncContext?.Variable;
  if (typeof Variable === "function") {
    const variable = new Variable();
    return {
      run: (token, fn, a, b) => variable.run(token, fn, a, b),
      getStore: () => variable.get(),
    };
  }
  const hooks = runtime.process?.getBuiltinModule?.("node:async_hooks") as
    | { AsyncLocalStorage?: new () => AsyncLocalStorageLike }
    | undefined;
  const Storage = hooks?.AsyncLocalStorage;
  // The storage itself, not a wrapper: `getStore()` is on every tick's path.
  if (typeof Storage === "function") return new Storage() as ContextStore;
  return synchronousStore();
}

/** Recognises only the synchronous part of a tick: the best a runtime without async context allows. */
export function synchronousStore(): ContextStore {
  let current: unknown;
  return {
    run(token, fn, a, b) {
      const previous = current;
      current = token;
      try {
        return fn(a, b);
      } finally {
        current = previous;
      }
    },
    getStore: () => current,
  };
}

/**
 * Calls `fn(a, b)` outside every timer's scope: for handles that outlive the code arming them
 * (a queue shared by many timers), which must not keep one timer's scope, nor the timer, alive.
 */
export function outsideScopes<A, B, R>(fn: (a: A, b: B) => R, a: A, b: B): R {
  const scope = tickScope();
  return scope.getStore() === undefined ? fn(a, b) : scope.run(undefined, fn, a, b);
}
