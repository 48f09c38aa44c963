/**
 * The shape of a named invariant, and the plumbing the invariants share: a scripted timer with
 * its tick log and captured log lines, consumers, and the unhandled-rejection listener.
 *
 * @module
 */
import { type TickContext, Timer, type TimerOptions } from "@async-timer/core";
import type fc from "fast-check";
import type { ConsumerBehaviour } from "./arbitraries.js";
import type { TimeHarness } from "./harness.js";
import type { HarnessFactory } from "./property-kit.js";
import { check, describeValue, traceTicks } from "./property-kit.js";
import { realSetImmediate } from "./real-timers.js";
import {
  scriptedTarget,
  type TickBehaviour,
  TickLog,
  type TimerSpec,
  toOptions,
} from "./scenario.js";
import { watch } from "./watch.js";

/**
 * The names of the invariants, as `checkInvariant` and the test titles use them.
 *
 * @example
 * ```ts
 * const name: InvariantName = "no-overlap";
 * ```
 */
export type InvariantName =
  | "no-overlap"
  | "fixed-delay-spacing"
  | "fixed-rate-slots"
  | "jitter-bounds"
  | "jitter-distribution"
  | "fresh-grid-per-run"
  | "set-delay-timing"
  | "one-wake-or-tick"
  | "independent-timers"
  | "trigger-freshness"
  | "subscription-completeness"
  | "bounded-drop-oldest"
  | "bursty-consumer"
  | "drop-oldest-keeps-sentinel"
  | "latest-value-fanout"
  | "iteration-exit"
  | "iteration-errors"
  | "wait-semantics"
  | "join-semantics"
  | "last-tick-at"
  | "observer-events"
  | "cancel-quiescence"
  | "cancel-clauses"
  | "cancel-from-hooks"
  | "external-cancellation"
  | "shared-inputs"
  | "group-lifecycle"
  | "group-fine-print"
  | "lease-gate"
  | "cancelled-tick-inert"
  | "generator-close-on-cancel"
  | "failing-cleanup"
  | "restartability"
  | "restart-while-settling"
  | "error-delivery-order"
  | "error-policies"
  | "no-unhandled-rejection"
  | "machine-purity"
  | "per-tick-signal"
  | "event-loop-turn"
  | "failed-state"
  | "state-and-tostring"
  | "huge-durations"
  | "generator-sources"
  | "source-results"
  | "closing-timeout"
  | "every-decorator"
  | "bad-arguments"
  | "duration-strings"
  | "settings-per-timer"
  | "cancel-inside-tick";

/**
 * A named clause of the contract, checkable on any harness.
 *
 * @example
 * ```ts
 * for (const invariant of invariants) {
 *   await fc.assert(invariant.property((seed) => virtualClockHarness({ seed })), { numRuns: 50 });
 * }
 * ```
 */
export interface Invariant {
  /** The name tests and failure messages use. */
  readonly name: InvariantName;
  /** What it checks, in one or two sentences. */
  readonly description: string;
  /** What it leaves to other invariants, or does not check at all. */
  readonly doesNotCheck: string;
  /** The fast-check property, for timers made by `harness`. */
  readonly property: (harness: HarnessFactory) => fc.IAsyncProperty<never> | fc.IProperty<never>;
}

/** Bounds of the generated durations (ms): short enough to run many ticks per case. */
export const limits = { maxDelay: 1000, maxWork: 1500 };

/**
 * A timer running `script` on `harness`, its tick log traced for the failure timeline, every
 * log line captured (none reaches the console), and errors under policy continue unless
 * `extra` says otherwise.
 */
export function scripted(
  harness: TimeHarness,
  spec: TimerSpec,
  script: readonly TickBehaviour[],
  extra: TimerOptions<number> = {},
  log: TickLog = new TickLog(),
): { log: TickLog; warnings: string[]; errors: string[]; timer: Timer<number> } {
  traceTicks(harness, log);
  const warnings: string[] = [];
  const errors: string[] = [];
  const timer = new Timer(
    `${spec.delay}ms`,
    scriptedTarget(harness, script, log),
    toOptions<number>(spec, harness, {
      onError: () => "continue",
      logger: {
        warn: (line: string) => warnings.push(line),
        error: (line: string) => errors.push(line),
      },
      ...extra,
    }),
  );
  return { log, warnings, errors, timer };
}

/** Starts `timer` and opens the log's next run. */
export function begin(timer: Timer<number>, log: TickLog): void {
  timer.start();
  log.run++;
}

/** How long to run a schedule so that it shows about `ticks` ticks at the generated sizes. */
export function span(spec: TimerSpec, ticks: number): number {
  return spec.initialDelay + ticks * (spec.delay * 2 + limits.maxWork);
}

export function noop(): void {}

export function near(actual: number | undefined, expected: number, tolerance: number): boolean {
  return actual !== undefined && Math.abs(actual - expected) <= tolerance + 1e-6;
}

/**
 * Reads `feed` the way `behaviour` says; resolves with how many values it shed itself. `queued`,
 * when given, records the most values the feed held after a read.
 */
export async function consume(
  harness: TimeHarness,
  feed: AsyncIterable<number> & { qsize?: number; dropOldest?(n: number): number },
  behaviour: ConsumerBehaviour,
  received: number[],
  queued?: { most: number },
): Promise<number> {
  let shed = 0;
  for await (const value of feed) {
    received.push(value);
    if (queued !== undefined) queued.most = Math.max(queued.most, feed.qsize ?? 0);
    if (behaviour.kind === "shedding" && feed.qsize !== undefined && feed.qsize > behaviour.above) {
      shed += feed.dropOldest?.(feed.qsize - 1) ?? 0;
    }
    if (behaviour.kind !== "fast") await harness.sleep(behaviour.ms);
  }
  return shed;
}

/** Calls `record` with the reason of every unhandled rejection until the returned function is called. */
export function listenForUnhandled(record: (reason: unknown) => void): () => void {
  type Emitter = {
    on(event: string, fn: (reason: unknown) => void): void;
    off(event: string, fn: (reason: unknown) => void): void;
  };
  const node = (globalThis as { process?: Partial<Emitter> }).process as Emitter | undefined;
  if (typeof node?.on === "function") {
    node.on("unhandledRejection", record);
    return () => node.off("unhandledRejection", record);
  }
  const onEvent = (event: PromiseRejectionEvent) => record(event.reason);
  globalThis.addEventListener?.("unhandledrejection", onEvent);
  return () => globalThis.removeEventListener?.("unhandledrejection", onEvent);
}

/**
 * Runs `body`, then checks that nothing it did caused an unhandled rejection (SPEC: nothing the
 * library does may) — after a macrotask, when the runtime reports one.
 */
export async function withoutUnhandled(body: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const stopListening = listenForUnhandled((reason) => unhandled.push(reason));
  try {
    await body();
    await nextMacrotask();
    check(
      unhandled.length === 0,
      () => `unhandled rejection: ${describeValue(unhandled[0])}`,
      "nothing is unhandled",
    );
  } finally {
    stopListening();
  }
}

/** Runs `harness` until `promise` settles or nothing is left to run; says whether it settled. */
export async function drive(
  harness: TimeHarness,
  promise: Promise<unknown>,
  limit = 20_000,
): Promise<boolean> {
  const watched = watch(promise);
  for (let i = 0; i < limit; i++) {
    await harness.settle();
    if (watched.done()) return true;
    if (!(await harness.next())) break;
  }
  await harness.settle();
  return watched.done();
}

/** A real macrotask, so the runtime reports rejections that are still unhandled. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Runs `target` with a signal that aborts `lag` ms after the tick's own does. */
export function slowToAbort<R>(
  harness: TimeHarness,
  context: TickContext,
  lag: number,
  target: (context: TickContext) => R | Promise<R>,
): R | Promise<R> {
  const late = new AbortController();
  const lagging = new AbortController();
  const onAbort = () => {
    harness.sleep(lag, lagging.signal).then(
      () => late.abort(context.signal.reason),
      () => {},
    );
  };
  context.signal.addEventListener("abort", onAbort, { once: true });
  const settled = () => {
    context.signal.removeEventListener("abort", onAbort);
    lagging.abort(); // nothing left armed once the tick is over
  };
  let result: R | Promise<R>;
  try {
    result = target({ hitCount: context.hitCount, signal: late.signal });
  } catch (error) {
    settled();
    throw error;
  }
  if (result instanceof Promise) result.then(settled, settled);
  else settled();
  return result;
}

/** What `call` throws, or `undefined` if it returns: for checks on a call that must (not) throw. */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}
