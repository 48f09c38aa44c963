import type { Driver, WakeHandle } from "./driver.js";

/** Node fires any delay above 2^31−1 ms after 1 ms; longer sleeps are taken in pieces. */
const MAX_TIMEOUT = 2_147_483_647;

interface RuntimeTimeout {
  unref?(): unknown;
  refresh?(): unknown;
}

type SetTimeout = (callback: () => void, ms: number) => unknown;
type ClearTimeout = (handle: unknown) => void;

/**
 * One timer's wake. The same object is re-armed tick after tick: when the delay is unchanged
 * and `setTimeout` is still the function that made the handle, Node's `Timeout#refresh()`
 * re-arms it without allocating a new one. A sleep longer than `setTimeout` can hold is
 * re-armed piece by piece until `at`.
 */
class RealWake {
  handle: unknown = undefined;
  /** The whole-millisecond delay the handle was armed with; -1 while a long sleep is in pieces. */
  delay = -1;
  armedWith: SetTimeout | undefined = undefined;
  /**
   * The `clearTimeout` of the same timer API: fake timers installed or removed between arming
   * and clearing would otherwise be handed a handle they did not make, and ignore it — leaving a
   * real timeout armed that keeps the process alive after `cancel()`.
   */
  clearWith: ClearTimeout | undefined = undefined;
}

// Every global is looked up at call time, never captured at import: a test that installs
// @sinonjs/fake-timers or vi.useFakeTimers() after importing this module still drives it.
function arm(wake: RealWake, delay: number, callback: () => void, unref: boolean): void {
  const setTimeout = globalThis.setTimeout as unknown as SetTimeout;
  const previous = wake.handle as RuntimeTimeout | undefined;
  if (
    wake.delay === delay &&
    wake.armedWith === setTimeout &&
    typeof previous?.refresh === "function"
  ) {
    previous.refresh();
    return;
  }
  const handle = setTimeout(callback, delay);
  if (unref) unrefHandle(handle);
  wake.handle = handle;
  wake.delay = delay;
  wake.armedWith = setTimeout;
  wake.clearWith = globalThis.clearTimeout as ClearTimeout;
}

function unrefHandle(handle: unknown): void {
  if (typeof handle === "object" && handle !== null) {
    (handle as RuntimeTimeout).unref?.();
    return;
  }
  // Deno returns numeric ids and unrefs them through its namespace.
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  if (typeof handle === "number") deno?.unrefTimer?.(handle);
}

function armAt(wake: RealWake, at: number, callback: () => void, unref: boolean): void {
  // Whole milliseconds, rounded up: Node fires timers on a millisecond clock, so a fractional
  // 9.99 would wake early, and every distinct fraction costs Node a timer list of its own.
  const remaining = Math.max(0, Math.ceil(at - globalThis.performance.now()));
  if (remaining <= MAX_TIMEOUT) {
    arm(wake, remaining, callback, unref);
    return;
  }
  arm(wake, MAX_TIMEOUT, () => armAt(wake, at, callback, unref), unref);
  wake.delay = -1; // the piece's callback differs: never refresh it for another sleep
}

/**
 * The driver every timer uses unless told otherwise: `setTimeout`/`clearTimeout`,
 * `performance.now()`, `Date.now()` and `Math.random()`, each looked up when called.
 * Sleeps longer than `setTimeout` can hold (about 24.8 days) are split, so they last their full
 * length.
 *
 * @example
 * ```ts
 * import { realDriver, Timer } from "@async-timer/core";
 * const timer = new Timer(30 * 24 * 3600, monthlyReport, { driver: realDriver }); // 30 days, really
 * ```
 */
export const realDriver: Driver = {
  now: () => globalThis.performance.now(),
  wallNow: () => Date.now(),
  random: () => Math.random(),
  setWake(at: number, wake: () => void, unref: boolean, spent?: WakeHandle): WakeHandle {
    const handle = spent instanceof RealWake ? spent : new RealWake();
    armAt(handle, at, wake, unref);
    return handle;
  },
  clearWake(handle: WakeHandle): void {
    if (!(handle instanceof RealWake)) return;
    // Called bare, as a global: a browser's clearTimeout throws "Illegal invocation" on any other `this`.
    const clear = handle.clearWith;
    clear?.(handle.handle);
    handle.delay = -1; // a cleared Timeout is not refreshed: arm a new one next time
  },
};
