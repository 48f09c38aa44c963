/**
 * One `abort` listener per signal, however many timers watch it. The guides' pattern — one
 * shutdown signal shared by every timer of a service — would otherwise add a listener per timer,
 * and Node warns (`MaxListenersExceededWarning`) past ten on one signal.
 *
 * @module
 */

interface Watch {
  readonly listener: () => void;
  readonly callbacks: Set<() => void>;
}

const watches = new WeakMap<AbortSignal, Watch>();

/** Calls `callback` once when `signal` aborts, until `unwatchAbort` with the same pair. */
export function watchAbort(signal: AbortSignal, callback: () => void): void {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      watches.delete(signal);
      for (const each of callbacks) each();
    };
    watch = { listener, callbacks };
    watches.set(signal, watch);
    signal.addEventListener("abort", listener, { once: true });
  }
  watch.callbacks.add(callback);
}

/** Stops calling `callback` for `signal`; the listener goes with the last callback. */
export function unwatchAbort(signal: AbortSignal, callback: () => void): void {
  const watch = watches.get(signal);
  if (watch === undefined || !watch.callbacks.delete(callback) || watch.callbacks.size > 0) return;
  watches.delete(signal);
  signal.removeEventListener("abort", watch.listener);
}
