// The test kit's own plumbing must keep working when a test fakes the globals
// (vi.useFakeTimers, @sinonjs/fake-timers), so it holds on to the real ones from load time —
// the opposite of core's real driver, which looks them up at call time on purpose.

/** `setTimeout` as it was when this module loaded. */
export const realSetTimeout: typeof setTimeout = globalThis.setTimeout;
/** `clearTimeout` as it was when this module loaded. */
export const realClearTimeout: typeof clearTimeout = globalThis.clearTimeout;

const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;

/**
 * Runs `fn` on the next turn of the event loop: after every promise continuation queued before
 * it (and those they queue). `setImmediate` where the runtime has it, else a zero timeout.
 */
export function realSetImmediate(fn: () => void): void {
  if (immediate !== undefined) immediate(fn);
  else realSetTimeout(fn, 0);
}
