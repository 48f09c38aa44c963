/**
 * Watches `promise` without awaiting it, so a simulation can keep advancing time until it
 * settles: `done()` says whether it has, `result()` then returns its value or throws its error.
 * The promise gets both handlers at once, so its rejection is never unhandled.
 */
export function watch<T>(promise: PromiseLike<T>): { done(): boolean; result(): T } {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  Promise.resolve(promise).then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  return {
    done: () => outcome !== undefined,
    result() {
      if (outcome === undefined) throw new Error("watch(): the promise has not settled yet");
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    },
  };
}
