/**
 * Invariants of `cancelOn` and `signal` inputs shared by many timers: what they hold, and whom
 * they stop.
 *
 * @module
 */
import { Timer } from "@async-timer/core";
import fc from "fast-check";
import { type Invariant, withoutUnhandled } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo } from "./scenario.js";

/** An `AbortSignal` look-alike that counts its listeners (core accepts any realm's signal). */
class SpySignal {
  aborted = false;
  reason: unknown = undefined;
  readonly listeners = new Set<() => void>();
  addEventListener(_type: string, listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: () => void): void {
    this.listeners.delete(listener);
  }
  abort(): void {
    this.aborted = true;
    this.reason = new Error("aborted");
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}

/** A thenable that counts how often it was subscribed to, and settles on demand. */
class SpyThenable {
  subscriptions = 0;
  readonly #callbacks: [(value: unknown) => void, (error: unknown) => void][] = [];
  // biome-ignore lint/suspicious/noThenProperty: a thenable is what this spies on
  then(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
    this.subscriptions++;
    this.#callbacks.push([resolve, reject]);
  }
  settle(rejects: boolean): void {
    for (const [resolve, reject] of this.#callbacks) {
      if (rejects) reject(new Error("shutdown"));
      else resolve(undefined);
    }
  }
}

/** What happens to one timer: cancelled at a time, or left running until the inputs fire. */
const member = fc.record({
  delay: fc.integer({ min: 1, max: 500 }),
  via: fc.constantFrom("signal", "cancelOn signal", "cancelOn promise", "both"),
  cancelAt: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
});

/** SPEC fine print: shared long-lived inputs cost nothing per timer after its run ends. */
export const sharedInputs: Invariant = {
  name: "shared-inputs",
  description:
    "One signal and one promise shared by many timers (as signal, as cancelOn entries, or both): the signal holds one listener while any of them runs and none once every run has ended — by cancel() or by the input — the promise is subscribed to once however many timers watch it; when an input fires, every timer still running on it stops and those already stopped are untouched; a rejecting promise is no unhandled rejection.",
  doesNotCheck:
    "Memory retained by native promises (a heap matter, in core's own tests); inputs that fire before start() (external-cancellation).",
  property: (make) =>
    harnessProperty(
      make,
      [
        fc.array(member, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.constantFrom("abort", "resolve", "reject"),
      ],
      async (harness, members, fireAt, how) => {
        await withoutUnhandled(async () => {
          const signal = new SpySignal();
          const promise = new SpyThenable();
          const never = new Promise<void>(() => {});
          const timers = members.map(
            (m) =>
              new Timer(`${m.delay}ms`, () => 1, {
                driver: harness.driver,
                logger: {},
                ...(m.via === "signal" || m.via === "both"
                  ? { signal: signal as unknown as AbortSignal }
                  : {}),
                ...(m.via === "cancelOn signal"
                  ? { cancelOn: [signal as unknown as AbortSignal, never] }
                  : {}),
                ...(m.via === "cancelOn promise" || m.via === "both"
                  ? { cancelOn: [promise as unknown as PromiseLike<unknown>] }
                  : {}),
              }),
          );
          for (const timer of timers) timer.start();
          const onSignal = members.filter((m) => m.via !== "cancelOn promise");
          const onPromise = members.filter((m) => m.via === "cancelOn promise" || m.via === "both");
          check(
            signal.listeners.size === (onSignal.length > 0 ? 1 : 0) &&
              promise.subscriptions === (onPromise.length > 0 ? 1 : 0),
            () =>
              `${onSignal.length} timers on the signal, ${onPromise.length} on the promise: ${signal.listeners.size} listeners, ${promise.subscriptions} subscriptions`,
            "one listener per input, however many timers watch it",
          );
          const events = [
            ...members.flatMap((m, i) => (m.cancelAt === undefined ? [] : [{ at: m.cancelAt, i }])),
            { at: fireAt, i: -1 },
          ].sort((a, b) => a.at - b.at);
          let fired = false;
          const runningAtFire: boolean[] = [];
          for (const { at, i } of events) {
            await advanceTo(harness, at);
            if (i >= 0) {
              void timers[i]?.cancel();
            } else {
              timers.forEach((timer, k) => {
                runningAtFire[k] = timer.isRunning();
              });
              fired = true;
              if (how === "abort") signal.abort();
              else promise.settle(how === "reject");
            }
            await harness.settle();
            const stillOnSignal = members.filter(
              (m, k) => m.via !== "cancelOn promise" && timers[k]?.isRunning(),
            );
            check(
              signal.listeners.size === (stillOnSignal.length > 0 && !signal.aborted ? 1 : 0),
              () =>
                `at ${at} ms, ${stillOnSignal.length} timers still run on the signal; it holds ${signal.listeners.size} listeners`,
              "the signal holds no listener once every run on it has ended",
            );
          }
          check(fired, () => "the inputs never fired", "setup");
          members.forEach((m, k) => {
            const watches =
              how === "abort"
                ? m.via !== "cancelOn promise"
                : m.via !== "signal" && m.via !== "cancelOn signal";
            const shouldRun = runningAtFire[k] === true && !watches && m.cancelAt === undefined;
            check(
              timers[k]?.isRunning() === shouldRun,
              () =>
                `timer #${k + 1} (${m.via}, ${runningAtFire[k] ? "running" : "stopped"} when the input fired by ${how}) is ${timers[k]?.isRunning() ? "running" : "stopped"}`,
              "an input that fires stops every timer running on it, and only those",
            );
          });
          await Promise.all(timers.map((timer) => timer.cancel()));
        });
      },
    ),
};
