/**
 * `cancelOn` and `signal`: one listener per promise or signal, however many timers watch it.
 *
 * A service typically hands one long-lived shutdown promise or signal to all its timers. A
 * listener per timer would keep one callback per timer alive for as long as the shared input
 * lives (a promise cannot be unsubscribed from), and Node warns past ten listeners on a signal.
 * So each input gets one listener and a set of the timers running now: a timer joins at the
 * start of a run and leaves at its end, and a signal loses its listener with its last timer.
 *
 * @module
 */

/** Told, for each running timer, that an input it watches settled; `failure` if it rejected. */
export type OnSettled<T> = (timer: T, failure: { readonly error: unknown } | undefined) => void;

interface Watch<T> {
  /** Set once the input has settled (or aborted): later starts end at once. */
  outcome: { readonly failure: { readonly error: unknown } | undefined } | undefined;
  readonly timers: Set<T>;
  readonly onSettled: OnSettled<T>;
  /** A signal's listener, removed with the last timer. */
  listener: (() => void) | undefined;
}

const watches = new WeakMap<object, Watch<any>>();

/** True for an `AbortSignal` from any realm or polyfill. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

/**
 * Adds `timer` to the watchers of `input`. If it has settled (or aborted) already, `onSettled`
 * is called for the timer at once.
 */
export function watch<T>(
  input: PromiseLike<unknown> | AbortSignal,
  timer: T,
  onSettled: OnSettled<T>,
): void {
  let entry = watches.get(input) as Watch<T> | undefined;
  if (entry === undefined) {
    entry = { outcome: undefined, timers: new Set(), onSettled, listener: undefined };
    watches.set(input, entry);
    if (!isAbortSignal(input)) listen(input, entry);
  }
  // A signal with no timer has no listener: it may have aborted meanwhile.
  if (entry.outcome === undefined && isAbortSignal(input) && input.aborted) {
    entry.outcome = { failure: undefined };
  }
  if (entry.outcome !== undefined) {
    onSettled(timer, entry.outcome.failure);
    return;
  }
  entry.timers.add(timer);
  if (isAbortSignal(input) && entry.listener === undefined) {
    const settled = entry;
    entry.listener = () => settle(settled, undefined);
    input.addEventListener("abort", entry.listener, { once: true });
  }
}

/** Takes `timer` off the watchers of `input`; a signal's listener goes with its last timer. */
export function unwatch(input: PromiseLike<unknown> | AbortSignal, timer: unknown): void {
  const entry = watches.get(input);
  if (entry === undefined || !entry.timers.delete(timer) || entry.timers.size > 0) return;
  if (entry.listener !== undefined) {
    (input as AbortSignal).removeEventListener("abort", entry.listener);
    entry.listener = undefined;
  }
}

/**
 * Listens to a promise as `await` would adopt it — a native promise as it is, any other
 * thenable followed at once (its `then` is called now, so one that has settled already is known
 * to have before the timer's first tick), and a throwing `then` as a rejection.
 */
function listen(input: PromiseLike<unknown>, entry: Watch<any>): void {
  const adopted =
    input instanceof Promise
      ? input
      : new Promise<unknown>((resolve, reject) => input.then(resolve, reject));
  adopted.then(
    () => settle(entry, undefined),
    (error: unknown) => settle(entry, { error }),
  );
}

function settle(entry: Watch<any>, failure: { readonly error: unknown } | undefined): void {
  if (entry.outcome !== undefined) return;
  entry.outcome = { failure };
  const timers = [...entry.timers];
  entry.timers.clear();
  for (const timer of timers) entry.onSettled(timer, failure);
}
