import type { Driver, WakeHandle } from "./driver.js";

/** Node fires any delay above 2^31−1 ms after 1 ms; longer sleeps are taken in pieces. */
const MAX_TIMEOUT = 2_147_483_647;

interface RuntimeTimer {
  unref?(): unknown;
}

/** A sleep longer than one `setTimeout` can hold, re-armed piece by piece until `at`. */
class LongSleep {
  handle: unknown = undefined;
}

// Every global is looked up at call time, never captured at import: a test that installs
// @sinonjs/fake-timers or vi.useFakeTimers() after importing this module still drives it.
function arm(delay: number, callback: () => void, unref: boolean): unknown {
  const handle: unknown = globalThis.setTimeout(callback, delay);
  if (unref) unrefHandle(handle);
  return handle;
}

function unrefHandle(handle: unknown): void {
  if (typeof handle === "object" && handle !== null) {
    (handle as RuntimeTimer).unref?.();
    return;
  }
  // Deno returns numeric ids and unrefs them through its namespace.
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  if (typeof handle === "number") deno?.unrefTimer?.(handle);
}

function armLong(sleep: LongSleep, at: number, wake: () => void, unref: boolean): void {
  const remaining = at - realDriver.now();
  if (remaining <= MAX_TIMEOUT) {
    sleep.handle = arm(Math.max(0, remaining), wake, unref);
    return;
  }
  sleep.handle = arm(MAX_TIMEOUT, () => armLong(sleep, at, wake, unref), unref);
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
  setWake(at: number, wake: () => void, unref: boolean): WakeHandle {
    const delay = at - globalThis.performance.now();
    if (delay <= MAX_TIMEOUT) return arm(Math.max(0, delay), wake, unref);
    const sleep = new LongSleep();
    armLong(sleep, at, wake, unref);
    return sleep;
  },
  clearWake(handle: WakeHandle): void {
    const raw = handle instanceof LongSleep ? handle.handle : handle;
    globalThis.clearTimeout(raw as Parameters<typeof clearTimeout>[0]);
  },
};
