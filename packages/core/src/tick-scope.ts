/**
 * Knows whether the code calling `cancel()` runs inside a given tick, so that an `await
 * timer.cancel()` from the target does not wait for the tick that is waiting for it.
 *
 * Where the runtime tracks async context (AsyncLocalStorage in Node, Deno and Bun; the standard
 * `AsyncContext` where it exists) the answer holds across `await`s. Elsewhere (browsers today)
 * only the synchronous part of the target is recognised. The storage is looked up on first use,
 * without a static `node:` import, so this module loads unchanged in a browser.
 *
 * Cost note: this is most of a tick's CPU in Node (bench metric 1). On Node 20/22 AsyncLocalStorage
 * is built on async_hooks, and the first `run()` turns on a promise hook for the whole process; on
 * Node 24 (AsyncContextFrame) the hook is gone, but every `run()` builds a new context frame.
 */
export interface ContextStore {
  run<A, R>(token: object, fn: (arg: A) => R, arg: A): R;
  current(): unknown;
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
      run: (token, fn, arg) => variable.run(token, fn, arg),
      current: () => variable.get(),
    };
  }
  const hooks = runtime.process?.getBuiltinModule?.("node:async_hooks") as
    | { AsyncLocalStorage?: new () => AsyncLocalStorageLike }
    | undefined;
  const Storage = hooks?.AsyncLocalStorage;
  if (typeof Storage === "function") {
    const storage = new Storage();
    return {
      run: (token, fn, arg) => storage.run(token, fn, arg),
      current: () => storage.getStore(),
    };
  }
  return synchronousStore();
}

/** Recognises only the synchronous part of a tick: the best a runtime without async context allows. */
export function synchronousStore(): ContextStore {
  let current: unknown;
  return {
    run(token, fn, arg) {
      const previous = current;
      current = token;
      try {
        return fn(arg);
      } finally {
        current = previous;
      }
    },
    current: () => current,
  };
}
