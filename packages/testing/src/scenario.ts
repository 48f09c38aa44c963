import type { Mode, TickContext, Timer, TimerOptions } from "@async-timer/core";
import { runUntil, type TimeHarness } from "./harness.js";

/**
 * What one tick of a scripted target does. Durations are milliseconds on the harness's clock.
 *
 * @example
 * ```ts
 * const script: TickBehaviour[] = [{ kind: "returns" }, { kind: "slow", ms: 2500 }, { kind: "throws" }];
 * ```
 */
export type TickBehaviour =
  | { readonly kind: "returns" }
  | { readonly kind: "slow"; readonly ms: number }
  | { readonly kind: "throws" }
  | { readonly kind: "rejects"; readonly ms: number }
  /** Never settles until its signal aborts (then rejects with the abort reason). */
  | { readonly kind: "hangs" }
  /**
   * Ignores its signal: settles after `ms` whatever happens, with its value or (`fails`) a
   * {@link ScriptedError} — the tick a `cancel()` must not wait for past its timeout, and whose
   * late result must not be delivered.
   */
  | { readonly kind: "ignoresAbort"; readonly ms: number; readonly fails: boolean };

/**
 * Timer settings as plain numbers (milliseconds), the shape the arbitraries generate.
 *
 * @example
 * ```ts
 * const spec: TimerSpec = { delay: 1000, mode: "fixed_rate", initialDelay: 0, jitter: 0.1 };
 * new Timer(`${spec.delay}ms`, target, toOptions(spec, harness));
 * ```
 */
export interface TimerSpec {
  /** Milliseconds between ticks. */
  readonly delay: number;
  /** `"fixed_delay"` or `"fixed_rate"`. */
  readonly mode: Mode;
  /** Milliseconds from `start()` to the first tick. */
  readonly initialDelay: number;
  /** Fraction in `[0, 1]`. */
  readonly jitter: number;
}

/**
 * One invocation of a scripted target, as it happened.
 *
 * Times are harness milliseconds; several things can happen at one instant, so the order of
 * events is kept apart from their time: `startSeq`/`endSeq` count every start and end in the
 * log, and a caller that notes {@link TickLog.seq} when it calls the timer can tell exactly
 * which ticks ended before and after its call, even at the same millisecond.
 *
 * @example
 * ```ts
 * const [first] = log.ticks; // { n: 1, start: 0, end: 300, outcome: "value", value: 1, run: 1, … }
 * ```
 */
export interface TickRecord {
  /** 1-based invocation number; also the value the tick returns. */
  readonly n: number;
  /** When it started (harness ms). */
  readonly start: number;
  /** {@link TickLog.seq} right after this tick started. */
  readonly startSeq: number;
  /** The run (1-based count of `start()` calls that succeeded) it belongs to. */
  readonly run: number;
  /** `TickContext.hitCount` it was called with. */
  readonly hitCount: number;
  /** When it settled (harness ms). */
  end?: number;
  /** {@link TickLog.seq} right after this tick settled. */
  endSeq?: number;
  /** `"aborted"`: the tick ended because its signal aborted (the run was cancelled). */
  outcome?: "value" | "error" | "aborted";
  /** The value it returned (its `n`), when `outcome` is `"value"`. */
  value?: number;
}

/**
 * What a scripted target did: every invocation, and the most that were ever in flight at once.
 *
 * @example
 * ```ts
 * const log = new TickLog();
 * const timer = new Timer(1, scriptedTarget(harness, script, log), { driver: harness.driver });
 * // … run …
 * expect(log.maxInFlight).toBeLessThanOrEqual(1);
 * ```
 */
export class TickLog {
  /** Every invocation, in order. */
  readonly ticks: TickRecord[] = [];
  /** Invocations running now. */
  inFlight = 0;
  /** The most that were ever running at once (more than 1 is an overlap). */
  maxInFlight = 0;
  /** The run new invocations belong to; bump it on every successful `start()`. */
  run = 0;
  /** Counts every start and end recorded so far: note it at a call to order the call among them. */
  seq = 0;
  /** Ticks sleeping on the harness right now: each holds one of the harness's pending timers. */
  sleeping = 0;

  /** Ticks that produced a value, in order. */
  get values(): TickRecord[] {
    return this.ticks.filter((tick) => tick.outcome === "value");
  }

  /** Ticks that had settled when the log's `seq` was `mark`. */
  endedBy(mark: number): TickRecord[] {
    return this.ticks.filter((tick) => tick.endSeq !== undefined && tick.endSeq <= mark);
  }

  /** Ticks that settled after the log's `seq` was `mark`. */
  endedAfter(mark: number): TickRecord[] {
    return this.ticks.filter((tick) => tick.endSeq !== undefined && tick.endSeq > mark);
  }
}

/**
 * A target that follows `script` (cycling through it), returns its invocation number, records
 * each invocation in `log`, and sleeps on the harness's clock, honouring its signal.
 *
 * @example
 * ```ts
 * const target = scriptedTarget(harness, [{ kind: "slow", ms: 200 }], log);
 * ```
 */
export function scriptedTarget(
  harness: TimeHarness,
  script: readonly TickBehaviour[],
  log: TickLog,
): (context: TickContext) => number | Promise<number> {
  return ({ signal, hitCount }) => {
    const n = log.ticks.length + 1;
    const record: TickRecord = {
      n,
      start: harness.now(),
      startSeq: ++log.seq,
      run: log.run,
      hitCount,
    };
    log.ticks.push(record);
    log.maxInFlight = Math.max(log.maxInFlight, ++log.inFlight);
    const behaviour =
      script.length === 0
        ? { kind: "returns" as const }
        : (script[(n - 1) % script.length] as TickBehaviour);
    const sleep = (ms: number, abortable: boolean): Promise<void> => {
      log.sleeping++;
      const done = () => {
        log.sleeping--;
      };
      const slept = harness.sleep(ms, abortable ? signal : undefined);
      slept.then(done, done);
      return slept;
    };
    const settle = (outcome: NonNullable<TickRecord["outcome"]>) => {
      log.inFlight--;
      record.end = harness.now();
      record.endSeq = ++log.seq;
      record.outcome = outcome;
      if (outcome === "value") record.value = n;
    };
    switch (behaviour.kind) {
      case "returns":
        settle("value");
        return n;
      case "throws":
        settle("error");
        throw new ScriptedError(n);
      case "slow":
        return sleep(behaviour.ms, true).then(
          () => {
            settle("value");
            return n;
          },
          (error: unknown) => {
            settle("aborted");
            throw error;
          },
        );
      case "rejects":
        return sleep(behaviour.ms, true).then(
          () => {
            settle("error");
            throw new ScriptedError(n);
          },
          (error: unknown) => {
            settle("aborted");
            throw error;
          },
        );
      case "hangs":
        return new Promise<number>((_, reject) => {
          const stop = () => {
            settle("aborted");
            reject(signal.reason);
          };
          if (signal.aborted) stop();
          else signal.addEventListener("abort", stop, { once: true });
        });
      case "ignoresAbort":
        return sleep(behaviour.ms, false).then(() => {
          if (behaviour.fails) {
            settle("error");
            throw new ScriptedError(n);
          }
          settle("value");
          return n;
        });
    }
  };
}

/**
 * The error a scripted tick fails with; `tick` is its invocation number.
 *
 * @example
 * ```ts
 * await expect(timer.join()).rejects.toBeInstanceOf(ScriptedError);
 * ```
 */
export class ScriptedError extends Error {
  /** Always `"ScriptedError"`. */
  override readonly name = "ScriptedError";
  constructor(
    /** The invocation number of the tick that failed. */
    readonly tick: number,
  ) {
    super(`scripted failure of tick ${tick}`);
  }
}

/**
 * Timer options for `spec` on `harness` (durations as exact `"…ms"` strings).
 *
 * @example
 * ```ts
 * new Timer(`${spec.delay}ms`, target, toOptions(spec, harness, { onError: () => "continue" }));
 * ```
 */
export function toOptions<T>(
  spec: TimerSpec,
  harness: TimeHarness,
  extra: TimerOptions<T> = {},
): TimerOptions<T> {
  return {
    mode: spec.mode,
    initialDelay: `${spec.initialDelay}ms`,
    jitter: spec.jitter,
    driver: harness.driver,
    logger: {},
    ...extra,
  };
}

/**
 * Moves `harness` to time `t` (never backwards).
 *
 * @example
 * ```ts
 * await advanceTo(harness, 2500);
 * timer.trigger();
 * ```
 */
export async function advanceTo(harness: TimeHarness, t: number): Promise<void> {
  const now = harness.now();
  if (t > now) await harness.advance(t - now);
  else await harness.settle();
}

/**
 * Cancels `timer` (abandoning a stuck tick after a second) and runs the harness until done.
 *
 * @example
 * ```ts
 * await stop(harness, timer);
 * expect(harness.pending()).toBe(0);
 * ```
 */
export async function stop(harness: TimeHarness, timer: Timer<unknown>): Promise<void> {
  await runUntil(harness, timer.cancel({ timeout: "1s" }));
}
