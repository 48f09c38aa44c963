/**
 * The one extension point through which a timer can be told "not this tick": a {@link Gate},
 * given as the `lease` option. Core knows nothing of engines; `@async-timer/lease` implements
 * gates on PostgreSQL, Redis and memory, so that many processes running the same timer tick it
 * at most once per slot, cluster-wide.
 *
 * ```text
 *   wake ─▶ claim(request) ─┬─ granted ─▶ target({ signal, hitCount, fence }) ─▶ sleep (until `next`)
 *           (in flight:     └─ refused ─▶ sleep until `next` (no hit, no value)
 *            no overlap, cancel() waits for it and aborts its signal)
 * ```
 *
 * @module
 */
import type { Driver } from "./driver.js";
import type { LogLevel } from "./logger.js";
import type { Mode } from "./schedule.js";

/**
 * What a granted claim hands to the tick: the lease's epoch (the fencing token, which grows
 * every time another process takes the lease over) and the slot the tick runs for. Pass them on
 * to side effects that must not happen twice: an idempotency key, a conditional write.
 *
 * @example
 * ```ts
 * new Timer(60, async ({ signal, fence }) => {
 *   if (fence === undefined) return; // the timer has no lease
 *   await sendDigest({ signal, idempotencyKey: `digest:${fence.slot}`, epoch: fence.epoch });
 * }, { name: "digest", mode: "fixed_rate", lease });
 * ```
 */
export interface Fence {
  /** The lease's epoch: increases each time the lease changes hands. */
  readonly epoch: number;
  /** The slot this tick was granted; no other process is granted it. */
  readonly slot: number;
}

/**
 * What a timer tells its gate when it starts a run ({@link Gate.started}) and before each tick
 * ({@link Gate.claim}).
 *
 * @example
 * ```ts
 * const gate: Gate = {
 *   started: ({ name, driver }) => console.log(name, "starts at", driver.now()),
 *   claim: ({ delay, now }) => ({ granted: true, fence: { epoch: 1, slot: Math.floor(now / delay) } }),
 * };
 * ```
 */
export interface GateRun {
  /** The timer's `name` option. */
  readonly name: string | undefined;
  /** The timer's schedule. */
  readonly mode: Mode;
  /** The timer's driver: read time with `driver.now()` and arm wakes on it, never the globals. */
  readonly driver: Driver;
  /** Writes a line through the timer's logger, with the timer's name (never throws). */
  log(level: LogLevel, message: string, error?: unknown): void;
}

/**
 * What a gate is asked before each tick: a {@link GateRun} plus the tick's own facts.
 *
 * @example
 * ```ts
 * claim(request: ClaimRequest) {
 *   request.log("warn", `claiming at ${request.now} ms, delay ${request.delay} ms`);
 *   return { granted: false, next: request.now + request.delay };
 * }
 * ```
 */
export interface ClaimRequest extends GateRun {
  /** The timer's current delay in milliseconds (it changes with `setDelay()`). */
  readonly delay: number;
  /** The driver's monotonic clock (`driver.now()`) when the claim was asked for. */
  readonly now: number;
  /**
   * Aborts when the run ends (`cancel()`) while the claim is pending: settle the claim promptly
   * then; `cancel()` waits for it.
   */
  readonly signal: AbortSignal;
  /**
   * Aborts the signal of the tick this claim granted, with `reason` (a `LeaseLostError`, say),
   * while that tick is running; afterwards it does nothing. For a gate that learns mid-tick that
   * the tick is no longer its to run.
   */
  abort(reason: unknown): void;
}

/**
 * A gate's answer. Granted: the tick runs, with `fence` on its context. Refused: the tick does
 * not run; it is neither a hit nor a delivered value, and the schedule goes on. `next`, in the
 * driver's monotonic milliseconds, is when the timer should consult the gate again — it replaces
 * the timer's own schedule for that sleep, so a gate that knows better (the engine's slot grid,
 * the lease's expiry) says so; without it the timer's own schedule applies.
 *
 * @example
 * ```ts
 * const granted: GateAnswer = { granted: true, fence: { epoch: 3, slot: 28_391_048 }, next: 120_000 };
 * const refused: GateAnswer = { granted: false, next: 95_000 };
 * ```
 */
export type GateAnswer =
  | { readonly granted: true; readonly fence: Fence; readonly next?: number | undefined }
  | { readonly granted: false; readonly next?: number | undefined };

/**
 * The `lease` option of a timer: consulted before each tick. The claim is part of the tick: no
 * other tick starts while it is pending, `cancel()` aborts its `signal` and waits for it, and a
 * trigger arriving meanwhile runs after it. A claim that throws or rejects counts as refused
 * (and is logged); so a gate cannot break its timer.
 *
 * - {@link Gate.claim} is the only required member. It may answer synchronously.
 * - {@link Gate.started} runs when a run starts (inside `start()`: throwing from it makes
 *   `start()` throw, which is how a gate refuses a timer it cannot serve).
 * - {@link Gate.ended} runs when the run ends, for any reason; `cancel()` waits for the promise
 *   it returns (bounded by `cancel({ timeout })`), so a lease can release before the caller
 *   closes its connection pool.
 *
 * @example A gate that lets every other tick through
 * ```ts
 * let n = 0;
 * const everyOther: Gate = {
 *   claim: () => (n++ % 2 === 0 ? { granted: true, fence: { epoch: 1, slot: n } } : { granted: false }),
 * };
 * const timer = new Timer(1, ({ fence }) => fence?.slot, { lease: everyOther }).start();
 * ```
 */
export interface Gate {
  /** Before each tick: may it run? See {@link GateAnswer}. */
  claim(request: ClaimRequest): GateAnswer | PromiseLike<GateAnswer>;
  /** A run starts (from `start()`). Throw to refuse the timer. */
  started?(run: GateRun): void;
  /** The run ended (cancel, a stopping error, a source that ran out). `cancel()` waits for it. */
  ended?(): void | PromiseLike<void>;
}
