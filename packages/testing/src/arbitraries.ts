/**
 * fast-check arbitraries for timers: settings, what targets do, how consumers behave, and
 * timed sequences of calls. Durations are milliseconds on the harness's clock.
 *
 * @module
 */

import type { Mode } from "@async-timer/core";
import fc from "fast-check";
import type { TickBehaviour, TimerSpec } from "./scenario.js";

/** Bounds for the generated durations (milliseconds). */
export interface Limits {
  /** Longest delay. Default 5,000. */
  readonly maxDelay?: number;
  /** Longest tick. Default 3 × maxDelay. */
  readonly maxWork?: number;
}

/**
 * Timer settings: delay (≥ 1 ms), mode, initial delay and jitter (often 0).
 *
 * @example
 * ```ts
 * fc.assert(fc.asyncProperty(timerSpec(), async (spec) => { … }));
 * ```
 */
export function timerSpec(limits: Limits = {}): fc.Arbitrary<TimerSpec> {
  const maxDelay = limits.maxDelay ?? 5000;
  return fc.record({
    delay: fc.integer({ min: 1, max: maxDelay }),
    mode: mode(),
    initialDelay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: maxDelay })),
    jitter: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  });
}

/**
 * Either schedule.
 *
 * @example
 * ```ts
 * fc.sample(mode(), 2); // e.g. ["fixed_rate", "fixed_delay"]
 * ```
 */
export function mode(): fc.Arbitrary<Mode> {
  return fc.constantFrom<Mode>("fixed_delay", "fixed_rate");
}

/**
 * Which kinds of tick {@link tickBehaviour} and {@link tickScript} may generate, beyond returning
 * and taking time.
 */
export interface TickKinds {
  /** Throwing and rejecting ticks. Default true. */
  failures?: boolean;
  /** Ticks that never settle until their signal aborts. Default false. */
  hangs?: boolean;
  /**
   * Ticks that ignore their signal and settle on their own time, with a value or an error (the
   * case `cancel({ timeout })` exists for). Default false.
   */
  ignoresAbort?: boolean;
}

/**
 * What one tick does: return at once, take a while, throw, reject after a while, hang until
 * its signal aborts, or ignore its signal (the last two only when asked for, see
 * {@link TickKinds}).
 *
 * @example
 * ```ts
 * tickBehaviour({ maxWork: 2000 }, { failures: false }); // only returns and slow ticks
 * ```
 */
export function tickBehaviour(
  limits: Limits = {},
  allow: TickKinds = {},
): fc.Arbitrary<TickBehaviour> {
  const maxWork = limits.maxWork ?? 3 * (limits.maxDelay ?? 5000);
  const work = fc.integer({ min: 0, max: maxWork });
  const kinds: fc.Arbitrary<TickBehaviour>[] = [
    fc.constant<TickBehaviour>({ kind: "returns" }),
    work.map((ms): TickBehaviour => ({ kind: "slow", ms })),
  ];
  if (allow.failures !== false) {
    kinds.push(fc.constant<TickBehaviour>({ kind: "throws" }));
    kinds.push(work.map((ms): TickBehaviour => ({ kind: "rejects", ms })));
  }
  if (allow.hangs === true) kinds.push(fc.constant<TickBehaviour>({ kind: "hangs" }));
  if (allow.ignoresAbort === true) {
    kinds.push(
      fc
        .record({ ms: work, fails: allow.failures === false ? fc.constant(false) : fc.boolean() })
        .map(({ ms, fails }): TickBehaviour => ({ kind: "ignoresAbort", ms, fails })),
    );
  }
  return fc.oneof(...kinds);
}

/**
 * A target's script: what its successive ticks do (cycled).
 *
 * @example
 * ```ts
 * fc.asyncProperty(tickScript({ maxDelay: 100 }), async (script) => { … });
 * ```
 */
export function tickScript(
  limits: Limits = {},
  allow: TickKinds = {},
): fc.Arbitrary<TickBehaviour[]> {
  return fc.array(tickBehaviour(limits, allow), { minLength: 1, maxLength: 12 });
}

/**
 * How a consumer reads: as fast as values come, slowly (ms per value), through a bounded queue,
 * or shedding load (dropping all but the newest when more than `above` are buffered).
 *
 * @example
 * ```ts
 * fc.asyncProperty(consumerBehaviour(), async (consumer) => { … });
 * ```
 */
export type ConsumerBehaviour =
  | { readonly kind: "fast" }
  | { readonly kind: "slow"; readonly ms: number }
  | { readonly kind: "bounded"; readonly maxsize: number; readonly ms: number }
  | { readonly kind: "shedding"; readonly above: number; readonly ms: number };

/**
 * An arbitrary {@link ConsumerBehaviour}.
 *
 * @example
 * ```ts
 * fc.sample(consumerBehaviour({ maxDelay: 1000 }), 3);
 * ```
 */
export function consumerBehaviour(limits: Limits = {}): fc.Arbitrary<ConsumerBehaviour> {
  const pace = fc.integer({ min: 1, max: 3 * (limits.maxDelay ?? 5000) });
  return fc.oneof(
    fc.constant<ConsumerBehaviour>({ kind: "fast" }),
    pace.map((ms): ConsumerBehaviour => ({ kind: "slow", ms })),
    fc
      .record({ maxsize: fc.integer({ min: 1, max: 5 }), ms: pace })
      .map(({ maxsize, ms }): ConsumerBehaviour => ({ kind: "bounded", maxsize, ms })),
    fc
      .record({ above: fc.integer({ min: 1, max: 5 }), ms: pace })
      .map(({ above, ms }): ConsumerBehaviour => ({ kind: "shedding", above, ms })),
  );
}

/**
 * A call a test makes on a timer at some moment.
 *
 * @example
 * ```ts
 * const call: TimerCall = { kind: "setDelay", ms: 250 };
 * ```
 */
export type TimerCall =
  | { readonly kind: "start" }
  | { readonly kind: "cancel" }
  | { readonly kind: "trigger" }
  | { readonly kind: "setDelay"; readonly ms: number }
  | { readonly kind: "subscribe"; readonly maxsize: number }
  | { readonly kind: "dropOldest"; readonly n: number }
  | { readonly kind: "close" }
  | { readonly kind: "join" }
  | { readonly kind: "wait"; readonly hits: number; readonly timeout: number | undefined };

/**
 * A call with the time it is made at (ms from the start of the scenario).
 *
 * @example
 * ```ts
 * const plan: TimedCall[] = [{ at: 1500, call: { kind: "trigger" } }];
 * ```
 */
export interface TimedCall {
  /** When the call is made (ms from the start of the scenario). */
  readonly at: number;
  /** What is called. */
  readonly call: TimerCall;
}

/**
 * A single {@link TimerCall}.
 *
 * @example
 * ```ts
 * fc.sample(timerCall(), 5);
 * ```
 */
export function timerCall(limits: Limits = {}): fc.Arbitrary<TimerCall> {
  const maxDelay = limits.maxDelay ?? 5000;
  return fc.oneof(
    fc.constant<TimerCall>({ kind: "start" }),
    fc.constant<TimerCall>({ kind: "cancel" }),
    fc.constant<TimerCall>({ kind: "trigger" }),
    fc.integer({ min: 1, max: maxDelay }).map((ms): TimerCall => ({ kind: "setDelay", ms })),
    fc.integer({ min: 0, max: 4 }).map((maxsize): TimerCall => ({ kind: "subscribe", maxsize })),
    fc.integer({ min: 0, max: 5 }).map((n): TimerCall => ({ kind: "dropOldest", n })),
    fc.constant<TimerCall>({ kind: "close" }),
    fc.constant<TimerCall>({ kind: "join" }),
    fc
      .record({
        hits: fc.integer({ min: 0, max: 4 }),
        timeout: fc.option(fc.integer({ min: 0, max: 3 * maxDelay }), { nil: undefined }),
      })
      .map(({ hits, timeout }): TimerCall => ({ kind: "wait", hits, timeout })),
  );
}

/**
 * Calls spread over `[0, horizon]` ms, in time order.
 *
 * @example
 * ```ts
 * fc.asyncProperty(timedCalls({ horizon: 20_000 }), async (plan) => { … });
 * ```
 */
export function timedCalls(
  options: Limits & { horizon?: number; calls?: fc.Arbitrary<TimerCall>; maxLength?: number } = {},
): fc.Arbitrary<TimedCall[]> {
  const horizon = options.horizon ?? 20_000;
  return fc
    .array(
      fc.record({
        at: fc.integer({ min: 0, max: horizon }),
        call: options.calls ?? timerCall(options),
      }),
      {
        maxLength: options.maxLength ?? 12,
      },
    )
    .map((calls) => [...calls].sort((a, b) => a.at - b.at));
}
