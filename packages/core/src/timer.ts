import {
  type CancelOptions,
  owned,
  readSubscribeOptions,
  readTimeout,
  readWait,
  type WaitOptions,
} from "./call-options.js";
import { invalid } from "./check.js";
import { COUNT, Consumers, JOIN, STOP, TimerIterator, TRIGGER, type Waiter } from "./consumers.js";
import { armDeadline, type Driver } from "./driver.js";
import { type Duration, readDuration, toMilliseconds, warnIfMilliseconds } from "./duration.js";
import { TimerCancelledError, TimerStateError, TimerTimeoutError } from "./errors.js";
import type { ClaimRequest, Gate, GateAnswer, GateRun } from "./gate.js";
import { type LogLevel, Repeated, START, writeLog } from "./logger.js";
import {
  CANCELLING,
  DO_ABORT,
  DO_CLEAR,
  DO_CONSULT,
  DO_END,
  DO_FAIL,
  DO_FINAL,
  DO_INVOKE,
  DO_PUBLISH,
  DO_QUIET,
  DO_SKIPPED,
  DO_SOON,
  DO_STARTED,
  DO_WAKE,
  type EndReason,
  Machine,
  type Policy,
  STOPPING,
  TICKING,
  UNSET,
} from "./machine.js";
import { LAST_READ, type ResolvedOptions, resolveOptions, type TimerOptions } from "./options.js";
import {
  armWake,
  type ColdEntry,
  clearWake,
  coldArm,
  coldClear,
  isNodeTimeout,
  LONG_SLEEP,
  realDriver,
  rearm,
  wallTime,
} from "./real-driver.js";
import type { Mode } from "./schedule.js";
import { type SubscribeOptions, Subscription, type SubscriptionOwner } from "./subscription.js";
import {
  adopt,
  isSource,
  isThenable,
  type Source,
  sourceOf,
  type Target,
  type TickContext,
} from "./target.js";
import { Tick } from "./tick.js";
import { tickScope } from "./tick-scope.js";
import { unwatch, watch } from "./watch.js";

/**
 * What {@link Timer.observe} reports, synchronously, as it happens — for integrations that
 * mirror a timer's state (metrics, `@async-timer/node-threads`). Every callback is optional; one
 * that throws is logged and never breaks the timer.
 *
 * @example
 * ```ts
 * const observer: TimerObserver<number> = {
 *   ticked: (value) => console.log("tick", value),
 *   ended: (reason) => console.log("run ended:", reason),
 * };
 * const stopObserving = timer.observe(observer);
 * ```
 */
export interface TimerObserver<T> {
  /** A run started: `start()` succeeded. */
  started?(): void;
  /** A tick succeeded with `value`; `hitCount` and `lastResult` already count it. */
  ticked?(value: T): void;
  /** The run ended: cancelled (or `cancelOn`), stopped by an error, or its source ran out. */
  ended?(reason: "cancel" | "error" | "exhausted"): void;
  /** `setDelay()` changed the delay to `seconds`. */
  delayed?(seconds: number): void;
}

/**
 * Where a timer is in its life, as {@link Timer.state} reports it.
 *
 * @example
 * ```ts
 * if (timer.state === "failed") console.error("refresh stopped:", timer.lastError);
 * ```
 */
export type TimerState = "idle" | "running" | "stopping" | "failed";

/** What `cancel()` returns when there is nothing to wait for; promises are immutable, so one will do. */
const SETTLED: Promise<void> = Promise.resolve();

/** A wake on the next microtask, which cannot be taken back: clearing it marks it dead. */
class Soon {
  dead = false;
}

/** Effects raised while others were being performed, waiting their turn (see `#dispatch`). */
interface Queued {
  readonly mask: number;
  readonly value: unknown;
  readonly now: number;
  readonly run: number;
  readonly tick: number;
  readonly hits: number;
  readonly at: number;
  readonly reason: EndReason;
  readonly skipped: number;
}

/**
 * What a timer has only once it is used for more than ticking: consumers, observers, a source,
 * a cancel waiting for its tick, a failure to report. Made on first need, so a timer that just
 * ticks holds none of it.
 */
class Extras {
  /** The current run's source: a generator object given directly, or one the function returned. */
  source: Source | undefined = undefined;
  /** A source whose run ended while its tick was in flight: closed when that tick settles. */
  closeAfterTick: Source | undefined = undefined;
  /**
   * A source whose tick `cancel({ timeout })` gave up on: closed when that tick settles, if it
   * ever does, and waited for by no `cancel()` — giving up is final.
   */
  abandoned: { readonly tick: number; readonly source: Source } | undefined = undefined;
  /** A source's `return()` in progress; `cancel()` waits for it too. */
  closing: Promise<void> | undefined = undefined;
  consumers: Consumers | undefined = undefined;
  owner: SubscriptionOwner | undefined = undefined;
  subscribed = 0;
  observers: readonly TimerObserver<unknown>[] = [];
  /** `cancel()` calls waiting for the ended run's tick to settle. */
  stopping: (() => void)[] | undefined = undefined;
  queue: Queued[] | undefined = undefined;
  /** Why the last run stopped, when a tick's error stopped it (`state` is `"failed"`). */
  failure: { readonly error: unknown } | undefined = undefined;
  /** The error of the latest tick, if it failed. */
  lastError: unknown = undefined;
  errors: Repeated | undefined = undefined;
  /** The wake callback handed to a driver other than the real one. */
  wakeFn: (() => void) | undefined = undefined;

  /** Nothing here needs a tick's value: no consumer, observer, source or queued effect. */
  plain(): boolean {
    return (
      (this.consumers === undefined || this.consumers.idle()) &&
      this.observers.length === 0 &&
      this.errors === undefined &&
      this.source === undefined &&
      this.closeAfterTick === undefined &&
      (this.queue === undefined || this.queue.length === 0)
    );
  }
}

/**
 * Runs `target` repeatedly, every `delay` seconds, never overlapping itself.
 *
 * - **Schedules.** `fixed_delay` (default) sleeps `delay` after each tick finishes;
 *   `fixed_rate` ticks on a grid anchored at the first tick and skips (and logs) slots a slow
 *   tick ran past. `initialDelay` and `jitter` shape both.
 * - **Delivery.** `join()`, `wait()` and `for await (… of timer)` share the latest value
 *   (a busy consumer misses ticks); `subscribe()` gives a consumer its own queue of every value.
 * - **Lifecycle.** `start()` → `cancel()`; restartable; `await using` cancels on scope exit.
 *
 * Durations are seconds (or strings such as `"250ms"`), as in Python's async-timer.
 *
 * @typeParam T - The value of a tick, inferred from the target: promises are unwrapped and a
 *   generator contributes what it yields.
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 *
 * const timer = new Timer(12, () => 42);
 * timer.start();
 * const value = await timer.join(); // 42, after the first tick
 * await timer.cancel();
 * ```
 *
 * @example Cache refresh for the lifetime of a scope
 * ```ts
 * await using timer = new Timer(5, refreshDb, { name: "db_refresh" }).start();
 * await timer.wait({ hitCount: 1 }); // the cache is warm
 * // … serve requests; the timer is cancelled when the scope exits
 * ```
 */
export class Timer<T = unknown> extends Machine implements AsyncIterable<T>, AsyncDisposable {
  /** @internal The machine's settings, with the shell's own (name, logger, policy, …). */
  declare protected readonly cfg: ResolvedOptions<unknown>;
  // Internals hold `unknown` (and callbacks take `Timer<any>`), so that T appears only where a
  // caller reads a value: that keeps Timer<number> assignable to Timer<unknown>.
  readonly #fn: ((context: TickContext) => unknown) | undefined;
  readonly #driver: Driver;
  /**
   * The pending wake other than a busy timer's own handle: a Soon, the timer itself (waiting in
   * the real driver's cold queue), a driver's.
   */
  #wake: unknown = undefined;
  /** What a busy timer reuses tick after tick; dropped when it goes idle. */
  #kit: Tick | undefined = undefined;
  #x: Extras | undefined = undefined;
  #lastResult: unknown = undefined;
  /**
   * When the last success completed, in epoch milliseconds less `wallBase` (so that it stays a
   * small integer, unboxed); UNSET before the first.
   */
  #lastTickAt = UNSET;
  /** Effects are being performed: an event raised now queues its effects behind them. */
  #busy = false;
  /** fixed_rate: the account of skipped slots while they are being logged (see `#skipped`). */
  #skips: Repeated | undefined = undefined;
  // An idle timer waits in the real driver's cold queue as its own entry (see `coldArm`), so a
  // long sleep allocates nothing: its links are these fields, and `#wake` is the timer itself.
  /** @internal */
  protected coldAt = 0;
  /** @internal */
  protected coldNext: ColdEntry | undefined;
  /** @internal */
  protected coldPrev: ColdEntry | undefined;
  /** @internal */
  protected coldList: ColdEntry["coldList"];

  /**
   * @param delay - Seconds between ticks (see the schedules above), or a string like `"5s"`.
   * @param target - A function called each tick with a {@link TickContext}, or a generator.
   * @param options - See {@link TimerOptions}.
   */
  constructor(delay: Duration, target: Target<T>, options?: TimerOptions<T>) {
    const delayMs = toMilliseconds(delay, "delay");
    const source = sourceOf(target);
    const cfg = resolveOptions(options, source !== undefined);
    // As resolveOptions read and checked them; taken before the logger below can run user code.
    const { start, driver } = LAST_READ;
    LAST_READ.driver = undefined; // held by the timer, not by the module
    warnIfMilliseconds(delay, delayMs, "delay", cfg.logger, cfg.name); // the seconds trap, once
    super(cfg, delayMs);
    this.#driver = driver ?? realDriver;
    if (source === undefined) this.#fn = target as (context: TickContext) => unknown;
    else this.#extras().source = source;
    if (start === true) this.start();
  }

  /** The name given in the options, shown in `toString()` and log lines. */
  get name(): string | undefined {
    return this.cfg.name;
  }

  /** `"fixed_delay"` or `"fixed_rate"`. */
  get mode(): Mode {
    return this.cfg.mode;
  }

  /** Seconds between ticks, as last set. */
  get delay(): number {
    return this.delayMs / 1000;
  }

  /** Successful ticks since construction; keeps counting across restarts. */
  get hitCount(): number {
    return this.hits;
  }

  /** The last successful tick's value; `undefined` before the first. Never blocks. */
  get lastResult(): T | undefined {
    return this.#lastResult as T | undefined;
  }

  /** When the last successful tick completed, in epoch milliseconds (`Date.now()`). */
  get lastTickAt(): number | undefined {
    const at = this.#lastTickAt;
    return at === UNSET ? undefined : at + (wallBase as number);
  }

  /**
   * `"running"` from `start()` until the run ends; `"stopping"` while a cancelled run's tick
   * settles; `"failed"` when a tick's error stopped the last run (see {@link Timer.lastError});
   * else `"idle"`.
   */
  get state(): TimerState {
    if (this.running()) return "running";
    if (this.phase === STOPPING || this.phase === CANCELLING) return "stopping";
    return this.#x?.failure === undefined ? "idle" : "failed";
  }

  /**
   * The error the latest tick failed with; `undefined` if it succeeded (or none ran since
   * `start()`). When that error stopped the timer, `state` is `"failed"`.
   */
  get lastError(): unknown {
    return this.#x?.lastError;
  }

  /** The driver this timer runs on. */
  get driver(): Driver {
    return this.#driver;
  }

  /**
   * Starts ticking: the first tick fires `initialDelay` after this call, never synchronously
   * inside it, so `timer.start(); await timer.join()` receives the first tick.
   *
   * @throws TimerStateError if already running, or if the timer may run only once
   *   (built with `cancelOn`/`signal`, or on a generator object) and has run.
   */
  start(): this {
    const started = this.cfg.lease?.started;
    if (started !== undefined) {
      this.checkStart(); // an illegal start throws here, before the gate hears of it
      started.call(this.cfg.lease, this.#gateRun()); // a gate refuses a timer by throwing
    }
    const now = this.#driver.now();
    const mask = this.onStart(now);
    const x = this.#x;
    if (x !== undefined) x.failure = x.lastError = undefined;
    this.#command(mask, now);
    return this;
  }

  /**
   * Stops the timer; idempotent, safe at any time, including from inside the target and from
   * `onError`/`onCancel`. When the promise resolves: no new tick will start, the in-flight
   * tick's signal has been aborted and its result will not be delivered, generator sources are
   * closed, pending `join()`s have rejected with `TimerCancelledError`, subscriptions end after
   * their buffer, `onCancel` has run — and, unless called from inside the timer's own tick, the
   * tick has settled. `timeout` bounds the wait for a tick that ignores its signal.
   */
  cancel(options?: CancelOptions): Promise<void> {
    const timeout = readTimeout(options, "cancel", this.cfg.logger, this.name);
    this.#command(this.onCancel(), Number.NaN);
    const closing = this.#x?.closing;
    const pending = this.inFlight() || this.phase === CANCELLING;
    if (!pending && closing === undefined) return SETTLED;
    // From inside this timer (its tick, before or after an await; a source's cleanup; its
    // callbacks): waiting for the tick would be waiting for itself. Asked only now, when there
    // is something to wait for (a sleeping timer's cancel is hot); the effects performed above
    // ran inside scopes of their own, and left the caller's as it was.
    if (tickScope().getStore() === this) return SETTLED;
    const awaited = pending ? this.ticks : 0; // ticks count from 1
    return new Promise<void>((resolve) => {
      let disarm: (() => void) | undefined;
      const done = (): void => {
        disarm?.();
        resolve();
      };
      if (timeout !== undefined) {
        disarm = this.#after(timeout, () => {
          disarm = undefined;
          this.#giveUp(awaited); // an abandoned tick settles the machine: other cancels resolve too
          resolve();
        });
      }
      if (pending) {
        const x = this.#extras();
        x.stopping ??= [];
        x.stopping.push(done);
      } else void closing?.then(done);
    });
  }

  /** The same as {@link Timer.cancel}. */
  stop(options?: CancelOptions): Promise<void> {
    return this.cancel(options);
  }

  /** True from `start()` until the run ends; false as soon as `cancel()` is called. */
  isRunning(): boolean {
    return this.running();
  }

  /**
   * Changes the delay; it takes effect at the next sleep. Under `fixed_rate` the current sleep
   * is kept and the next tick starts a new grid spaced by the new delay.
   */
  setDelay(delay: Duration): void {
    const ms = readDuration(delay, "delay", this.cfg.logger, this.name);
    this.onSetDelay(ms);
    this.#notify("delayed", ms / 1000);
  }

  /**
   * Calls `observer` synchronously when a run starts, a tick succeeds, the run ends or the delay
   * changes. Returns the function that stops observing. Observers cost nothing when there are
   * none; an observer that throws is logged at error level.
   *
   * @example
   * ```ts
   * const stop = timer.observe({ ticked: (value) => console.log("tick", value) });
   * // …
   * stop();
   * ```
   */
  observe(observer: TimerObserver<T>): () => void {
    if (typeof observer !== "object" || observer === null) {
      throw invalid("observe(observer): observer", "an object", observer);
    }
    const entry = observer as TimerObserver<unknown>;
    const x = this.#extras();
    x.observers = [...x.observers, entry];
    return () => {
      x.observers = x.observers.filter((other) => other !== entry);
    };
  }

  /**
   * The value of the next tick to complete. Rejects with the target's error if that tick
   * fails, or with `TimerCancelledError` if the timer is not running or stops first.
   */
  join(): Promise<T> {
    if (!this.running()) {
      return this.#notRunning(
        "join()",
        () => new TimerCancelledError("join() was called on a timer that is not running"),
      );
    }
    return this.#consumers().wait(JOIN, this.run, 0).promise as Promise<T>;
  }

  /**
   * Waits for ticks. With `hitCount`, until that many successful ticks since construction; with
   * `hits`, for that many more. Resolves with the value of the tick that met the condition, or
   * `undefined` at once if it is met already; rejects with `TimerCancelledError` if the timer
   * is not running or stops first, and with `TimerTimeoutError` after `timeout`.
   *
   * With no condition, resolves with the last value when the timer stops (never rejecting on a
   * cancel); `timeout` then just bounds the wait.
   *
   * @example
   * ```ts
   * timer.start();
   * await timer.wait({ hitCount: 1, timeout: "10s" }); // the first tick happened
   * ```
   */
  wait(options?: WaitOptions): Promise<T | undefined> {
    const { hitCount, hits, timeout } = readWait(options, this.cfg.logger, this.name);
    const until = hitCount ?? (hits === undefined ? undefined : this.hits + hits);
    if (until !== undefined && until <= this.hits) return Promise.resolve(undefined);
    if (!this.running()) {
      if (until !== undefined || this.#x?.failure !== undefined) {
        return this.#notRunning(
          "wait()",
          () => new TimerCancelledError("wait() was called on a timer that is not running"),
        );
      }
      return Promise.resolve(this.#lastResult as T | undefined);
    }
    const waiter = this.#consumers().wait(until === undefined ? STOP : COUNT, this.run, until ?? 0);
    if (timeout !== undefined) this.#deadline(waiter, timeout, until);
    return waiter.promise as Promise<T | undefined>;
  }

  /** Arms the `timeout` of a `wait()`: a condition not met rejects, no condition resolves. */
  #deadline(waiter: Waiter, timeout: number, until: number | undefined): void {
    waiter.disarm = this.#after(timeout, () => {
      if (!this.#consumers().remove(waiter)) return;
      if (until === undefined) {
        waiter.resolve(this.#lastResult);
        return;
      }
      waiter.reject(
        new TimerTimeoutError(
          `wait() timed out after ${formatSeconds(timeout)} at hitCount ${this.hits} (waiting for ${until})`,
        ),
      );
    });
  }

  /**
   * Fires a tick now and resumes the schedule; resolves with the value of a tick that
   * **started after this call**. If the timer sleeps, the sleep is cut short; if a tick is in
   * flight, exactly one more runs as soon as it finishes. Concurrent calls share that tick.
   * Under `fixed_rate` the grid is re-anchored at the triggered tick.
   *
   * Rejects with `TimerStateError` if the timer is not running, with `TimerCancelledError` if
   * it stops before the tick completes, and with the target's error if the tick fails.
   */
  trigger(): Promise<T> {
    if (!this.running()) {
      return this.#notRunning(
        "trigger()",
        () => new TimerStateError("trigger() needs a running timer; call start() first"),
      );
    }
    const tick = this.ticks + 1;
    this.#dispatch(this.onTrigger(this.#driver.now()), undefined, Number.NaN);
    return this.#consumers().wait(TRIGGER, this.run, tick).promise as Promise<T>;
  }

  /**
   * A per-consumer queue of **every** successful tick from now on, in order. A subscription
   * made before `start()` receives the next run's ticks; it ends with the run.
   *
   * @example
   * ```ts
   * await using feed = timer.subscribe({ maxsize: 10, name: "metrics-sink" });
   * for await (const value of feed) await slowExport(value);
   * ```
   */
  subscribe(options?: SubscribeOptions): Subscription<T> {
    const { maxsize, name } = readSubscribeOptions(options);
    const x = this.#extras();
    const feeds = this.#consumers().feeds;
    x.owner ??= {
      feeds,
      log: (level, message) => this.#log(level, message),
      now: () => this.#driver.now(),
    };
    // Made before start() (or while a cancelled run's tick settles), it belongs to the next run.
    const run = this.running() ? this.run : this.run + 1;
    // Marked with its timer, so that code given a subscription can check whose it is.
    return owned(
      new Subscription<T>(
        x.owner,
        name ?? `${this.name ?? "timer"}#${++x.subscribed}`,
        maxsize,
        run,
      ),
      this,
    );
  }

  /** Latest-value iteration: `for await (const value of timer)`; ends when the timer stops. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> & AsyncIterable<T> {
    if (this.running()) return new TimerIterator<T>(this.run, this.#consumers().feeds);
    const failure = this.#x?.failure;
    this.#log("debug", "iterating a timer that is not running: the iteration ends at once");
    return new TimerIterator<T>(
      this.run,
      undefined,
      failure === undefined ? undefined : { error: this.#failedError("iterating", failure.error) },
    );
  }

  /** `await using timer = new Timer(…).start()` cancels it when the scope exits. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.cancel();
  }

  /** E.g. `Timer(db_refresh, delay=5s, fixed_rate, running, hits=3)`. */
  override toString(): string {
    let state: string = this.state;
    if (state === "failed") state = `failed: ${errorMessage(this.#x?.failure?.error)}`;
    const name = this.name === undefined ? "" : `${this.name}, `;
    return `Timer(${name}delay=${formatSeconds(this.delayMs)}, ${this.mode}, ${state}, hits=${this.hits})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ─── The mailbox: effects in order, events raised meanwhile queued ─────────────────────

  /**
   * Performs the effects `mask` of the event just applied, in the order of their bits. An event
   * raised while effects are being performed (a target that calls `cancel()`, an `onCancel`
   * that restarts, a synchronous target settling) has been applied when it was raised — so an
   * illegal command still throws at its caller — but its effects wait behind the ones being
   * performed, and no effect is ever performed from inside another. The arguments of the
   * effects are read from the record when the event is applied (`value` and `now` come with
   * it), so a later event cannot change them.
   */
  #dispatch(mask: number, value: unknown, now: number): void {
    if (mask === 0) return;
    if (this.#busy) {
      const x = this.#extras();
      x.queue ??= [];
      x.queue.push(this.#snapshot(mask, value, now));
      return;
    }
    const { run, ticks, hits, wakeAt, reason, skipped } = this;
    this.#flush(mask, value, now, run, ticks, hits, wakeAt, reason, skipped);
  }

  /**
   * `#dispatch` for a command. The two a service gives by the thousand — a start that sleeps
   * first, the cancel of a sleeping timer — perform their effects here, written out: the same
   * effects in the same order, with the same arguments read from the record as the event left
   * it, and whatever they raise queued and performed after them, as `#flush` does. The general
   * path cost ~300 of the ~1,200 instructions a start+cancel spends past construction (counted
   * with `bench/instructions/count.mjs`).
   */
  #command(mask: number, now: number): void {
    if (this.#busy || (mask !== (DO_STARTED | DO_WAKE) && mask !== (DO_CLEAR | DO_END))) {
      this.#dispatch(mask, undefined, now);
      return;
    }
    const { run, wakeAt, reason } = this;
    this.#busy = true;
    try {
      if (mask & DO_CLEAR) {
        this.#clear();
        this.#end(run, reason, 0);
      } else {
        this.#started();
        this.#arm(wakeAt, now);
      }
    } catch (error) {
      this.#log("error", INTERNAL, error);
    } finally {
      this.#busy = false;
    }
    this.#drain();
  }

  /** Performs what is queued, if anything. */
  #drain(): void {
    const next = this.#x?.queue?.shift();
    if (next === undefined) return;
    const { mask, value, now, run, tick, hits, at, reason, skipped } = next;
    this.#flush(mask, value, now, run, tick, hits, at, reason, skipped);
  }

  #flush(
    mask: number,
    value: unknown,
    now: number,
    run: number,
    tick: number,
    hits: number,
    at: number,
    reason: EndReason,
    skipped: number,
  ): void {
    this.#busy = true;
    try {
      for (;;) {
        try {
          if (mask & ~DO_INVOKE) {
            this.#perform(mask, value, now, run, tick, hits, at, reason, skipped);
          }
          if (mask & DO_INVOKE) {
            // A target that settles synchronously goes on here rather than through the queue,
            // unless something it did is queued already and must come first.
            mask = this.#invoke(tick, hits);
            if (mask !== 0) {
              const kit = this.#tickKit();
              value = kit.held;
              now = kit.heldAt;
              kit.held = undefined;
              const queue = this.#x?.queue;
              if (queue !== undefined && queue.length > 0)
                queue.push(this.#snapshot(mask, value, now));
              else {
                ({ run, ticks: tick, hits, wakeAt: at, reason, skipped } = this);
                continue;
              }
            }
          }
        } catch (error) {
          // Effects call user code only through guarded paths; this is a last line of defence
          // so that one failure cannot leave the effects after it unperformed.
          this.#log("error", INTERNAL, error);
        }
        const next = this.#x?.queue?.shift();
        if (next === undefined) return;
        ({ mask, value, now, run, tick, hits, at, reason, skipped } = next);
      }
    } finally {
      this.#busy = false;
    }
  }

  #snapshot(mask: number, value: unknown, now: number): Queued {
    return {
      mask,
      value,
      now,
      run: this.run,
      tick: this.ticks,
      hits: this.hits,
      at: this.wakeAt,
      reason: this.reason,
      skipped: this.skipped,
    };
  }

  #perform(
    mask: number,
    value: unknown,
    now: number,
    run: number,
    tick: number,
    hits: number,
    at: number,
    reason: EndReason,
    skipped: number,
  ): void {
    if (mask & DO_CLEAR) this.#clear();
    if (mask & DO_PUBLISH) this.#publish(value, now, run, tick, hits);
    if (mask & DO_FAIL) this.#fail(value, run, tick, (mask & DO_FINAL) !== 0);
    if (mask & DO_CONSULT) this.#consult(value, tick);
    if (mask & DO_SKIPPED) this.#skipped(skipped, now);
    if (mask & DO_END) this.#end(run, reason, mask & DO_ABORT ? tick : 0);
    if (mask & DO_QUIET) this.#quiet();
    if (mask & DO_STARTED) this.#started();
    if (mask & DO_WAKE) this.#arm(at, now);
    if (mask & DO_SOON) this.#armSoon(run);
  }

  // ─── Wakes ──────────────────────────────────────────────────────────────────────────────

  /**
   * Arms the wake for monotonic time `at` (`now` being the time the event was applied). On the
   * real driver, a short sleep re-arms the timer's own handle (refreshed, never re-allocated,
   * made once inside the timer's async scope, which every tick then inherits); a long sleep
   * waits in the shared cold queue and the timer lets its handle and tick kit go.
   */
  #arm(at: number, now: number): void {
    this.#clearPending();
    const driver = this.#driver;
    if (driver !== realDriver) {
      const x = this.#extras();
      this.#wake = driver.setWake(at, x.wakeFn ?? this.#newWakeFn(x), this.cfg.unref);
      return;
    }
    const ms = Math.max(0, Math.ceil(at - now));
    if (ms < LONG_SLEEP) {
      const scope = tickScope();
      if (scope.getStore() === this) this.#armHot(ms);
      else scope.run(this, Timer.#armHotOf, this, ms);
      return;
    }
    this.#idle();
    coldArm(this as unknown as ColdEntry, at, ms, Timer.#fireOf, this.cfg.unref);
    this.#wake = this;
  }

  /** Arms the busy timer's own handle (made, if it must be, in the current scope). */
  #armHot(ms: number): void {
    const kit = this.#tickKit();
    if (armWake(kit.wake, ms, kit.fire, this.cfg.unref))
      kit.scoped = isNodeTimeout(kit.wake.handle);
  }

  /** The next tick on the next microtask (a `start()` with no initial delay, a `trigger()`). */
  #armSoon(run: number): void {
    this.#clearPending();
    const soon = new Soon();
    this.#wake = soon;
    // A native promise job, not queueMicrotask: fake timers replace queueMicrotask too, and a
    // start() must tick on the next microtask whatever clock a test installs.
    void SETTLED.then(() => {
      if (soon.dead || run !== this.run) return;
      this.#wake = undefined;
      this.#fire();
    });
  }

  /**
   * A wake fired: tick, inside the timer's scope — `scoped` when the wake's handle keeps it
   * already, else it is checked and entered.
   */
  #fire(scoped = false): void {
    if (!scoped) {
      const scope = tickScope();
      if (scope.getStore() !== this) {
        scope.run(this, Timer.#fireOf, this, undefined);
        return;
      }
    }
    const mask = this.onWake(this.run);
    if (mask !== DO_INVOKE || this.#busy) {
      this.#dispatch(mask, undefined, Number.NaN);
      return;
    }
    // The common case, without the mailbox's bookkeeping: nothing else to perform, nothing
    // queued. Busy while the target runs, so that what it calls waits its turn.
    this.#busy = true;
    let settled: number;
    try {
      settled = this.#invoke(this.ticks, this.hits);
    } finally {
      this.#busy = false;
    }
    // An async target (settled 0) goes straight to the queue: on Node 26 the call of #invoked
    // alone cost 45 B a tick, measured, even with an early return in it — V8's doing.
    if (settled !== 0) this.#invoked(settled);
    else this.#drain();
  }

  /** After the target ran outside a flush: `settled`, the effects of a synchronous result. */
  #invoked(settled: number): void {
    // What the target did meanwhile (a cancel(), say) comes first; then its synchronous result.
    const queue = this.#x?.queue;
    if (settled !== 0) {
      const kit = this.#tickKit();
      const value = kit.held;
      kit.held = undefined;
      if (queue === undefined || queue.length === 0) {
        this.#dispatch(settled, value, kit.heldAt);
        return;
      }
      queue.push(this.#snapshot(settled, value, kit.heldAt));
    }
    this.#drain();
  }

  /** A tick's promise resolved with `value`. */
  #ok(tick: number, value: unknown): void {
    const driver = this.#driver;
    const now = driver.now();
    const mask = this.#succeededMask(now, tick);
    // The common case, straight: a value to keep, and the next sleep on the timer's own handle.
    const x = this.#x;
    if (
      (mask === (DO_PUBLISH | DO_WAKE) ||
        (mask === (DO_PUBLISH | DO_SKIPPED | DO_WAKE) && this.skipped === 0)) &&
      !this.#busy &&
      driver === realDriver &&
      (x === undefined || x.plain())
    ) {
      this.#lastResult = value;
      this.#lastTickAt = sinceWallBase(wallTime(now));
      if (x !== undefined) x.lastError = undefined;
      if (this.#skips !== undefined) this.#skipped(0, now);
      const kit = this.#kit as Tick;
      const wake = kit.wake;
      const ms = Math.max(0, Math.ceil(this.wakeAt - now));
      if (ms < LONG_SLEEP && rearm(wake, ms)) return;
      // A new handle, made in the timer's scope, which this callback of its own tick runs in
      // already (else the general path enters it).
      if (ms < LONG_SLEEP && tickScope().getStore() === this) {
        if (armWake(wake, ms, kit.fire, this.cfg.unref)) kit.scoped = isNodeTimeout(wake.handle);
        return;
      }
      this.#dispatch(DO_WAKE, undefined, now);
      return;
    }
    this.#released(tick);
    this.#dispatch(mask, value, now);
  }

  /** Disarms every wake. */
  #clear(): void {
    this.#clearPending();
    const kit = this.#kit;
    if (kit !== undefined) clearWake(kit.wake);
  }

  /** Disarms the pending wake that is not the busy timer's own handle. */
  #clearPending(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    if (wake instanceof Soon) wake.dead = true;
    else if (this.#driver === realDriver) coldClear(wake as ColdEntry);
    else this.#driver.clearWake(wake);
  }

  /** Going idle: the handle and tick kit of a busy timer go (a source keeps its kit, its context). */
  #idle(): void {
    const kit = this.#kit;
    if (kit === undefined) return;
    clearWake(kit.wake);
    if (this.#x?.source === undefined) this.#kit = undefined;
  }

  #tickKit(): Tick {
    return this.#kit ?? this.#newKit();
  }

  // Functions that make closures are kept apart from the per-tick ones that would call them only
  // now and then: V8 allocates a function's closure context on every call, whether or not the
  // branch that makes the closures runs — 40 B a tick, measured, when this sat in `#tickKit`.

  #newKit(): Tick {
    // The callbacks read the tick from their own kit: one given up on keeps its last tick.
    const made: Tick = new Tick(
      (value) => this.#ok(made.tick, value),
      (error) => this.#settled(made.tick, false, error),
      () => this.#fire(made.scoped),
    );
    this.#kit = made;
    return made;
  }

  #newWakeFn(x: Extras): () => void {
    const fn = () => this.#fire();
    x.wakeFn = fn;
    return fn;
  }

  /** Settles tick `tick` when `result` (a thenable) does; `pulled`: a source's `next()` gave it. */
  #later(result: unknown, tick: number, pulled: boolean): void {
    // Adopted as `await` would: a thenable resolving to a rejected promise fails the tick.
    adopt(result as PromiseLike<unknown>).then(
      (settled) => (pulled ? this.#stepped(tick, settled) : this.#settled(tick, true, settled)),
      (error) => this.#settled(tick, false, error),
    );
  }

  // ─── Ticks ──────────────────────────────────────────────────────────────────────────────

  /**
   * Calls the target (or pulls the source) as tick `tick`. Returns the effects of its
   * settlement when it settled synchronously (its value in the kit's `held`), else 0.
   */
  #invoke(tick: number, hits: number): number {
    const kit = this.#tickKit();
    kit.begin(tick, hits);
    const lease = this.cfg.lease;
    return lease === undefined ? this.#call(kit, tick) : this.#claim(lease, kit, tick);
  }

  /** Calls the target (or pulls the source) as tick `tick`; as `#invoke`. */
  #call(kit: Tick, tick: number): number {
    let result: unknown;
    let pulled = false;
    try {
      let source = this.#x?.source;
      if (source === undefined) {
        // Called as a plain function: `this` inside the target is undefined, never the timer.
        const fn = this.#fn as (context: TickContext) => unknown;
        result = fn(kit);
        // Most targets are async functions: a native promise needs none of the probes below.
        if (result instanceof Promise) {
          result.then(kit.ok, kit.err);
          return 0;
        }
        if (isSource(result)) {
          source = this.#extras().source = result;
          result = source.next();
          pulled = true;
        }
      } else {
        result = source.next();
        pulled = true;
      }
      if (!isThenable(result))
        return pulled ? this.#pulled(tick, result) : this.#now(tick, true, result);
    } catch (error) {
      return this.#now(tick, false, error);
    }
    this.#later(result, tick, pulled);
    return 0;
  }

  // ─── The gate (the `lease` option) ──────────────────────────────────────────────────────

  /** What the gate is told of the timer: its name, mode and driver, and a way to log. */
  #gateRun(): GateRun {
    return {
      name: this.name,
      mode: this.mode,
      driver: this.#driver,
      log: (level, message, error) => this.#log(level, message, error),
    };
  }

  /**
   * Asks the gate whether tick `tick` may run. The claim is part of the tick: it is in flight
   * meanwhile, so nothing overlaps it, `cancel()` waits for it and aborts its signal (the
   * tick's own). Returns the effects of an answer given synchronously, as `#invoke`.
   */
  #claim(lease: Gate, kit: Tick, tick: number): number {
    const request: ClaimRequest = {
      ...this.#gateRun(),
      delay: this.delayMs,
      now: this.#driver.now(),
      signal: kit.signal,
      abort: (reason) => {
        // Only while the granted tick runs; afterwards it is nobody's business.
        if (this.ticks === tick && kit.tick === tick && this.inFlight()) kit.abortWith(reason);
      },
    };
    // An answer given synchronously settles the tick now, as a synchronous target does (`#now`):
    // its effects are performed with this time, else a sleep it asks for would be timed from
    // the previous tick's settlement.
    kit.heldAt = request.now;
    let answer: unknown;
    try {
      answer = lease.claim(request);
      if (!isThenable(answer)) {
        const mask = this.#answer(kit, tick, answer as GateAnswer);
        return mask === DO_INVOKE ? this.#call(kit, tick) : mask;
      }
    } catch (error) {
      return this.#refused(tick, error);
    }
    adopt(answer).then(
      (granted) => {
        const mask = this.#answer(kit, tick, granted as GateAnswer);
        if (mask !== DO_INVOKE) {
          this.#dispatch(mask, undefined, this.#driver.now());
          return;
        }
        this.#busy = true; // as `#fire`: the target runs outside any flush
        let settled: number;
        try {
          settled = this.#call(kit, tick);
        } finally {
          this.#busy = false;
        }
        this.#invoked(settled);
      },
      (error: unknown) => this.#dispatch(this.#refused(tick, error), undefined, this.#driver.now()),
    );
    return 0;
  }

  /**
   * The gate answered for tick `tick`. Granted (and the tick still current): `DO_INVOKE`, for
   * the caller to call the target with the fence on its context. Refused: the tick settles
   * without running; its effects are returned.
   */
  #answer(kit: Tick, tick: number, answer: GateAnswer): number {
    const next = answer?.next;
    const at = typeof next === "number" && Number.isFinite(next) ? next : Number.NaN;
    if (answer?.granted === true && this.ticks === tick && this.phase === TICKING) {
      const fence = answer.fence;
      if (typeof fence === "object" && fence !== null) {
        kit.fence = fence;
        this.onClaimed(tick, at);
        return DO_INVOKE;
      }
      this.#log("error", "the lease granted a tick without a fence; it does not run");
    }
    // Refused, or the run ended while the claim was pending: the tick settles without running.
    const now = this.#driver.now();
    return this.onDeclined(now, tick, this.#sample(), at);
  }

  #refused(tick: number, error: unknown): number {
    this.#log("error", "the lease's claim failed; the tick does not run", error);
    return this.onDeclined(this.#driver.now(), tick, this.#sample(), Number.NaN);
  }

  /** Tells the gate the run ended; `cancel()` waits for what it returns, as for a source's close. */
  #releaseLease(lease: Gate): void {
    let released: unknown;
    try {
      released = lease.ended?.();
      if (!isThenable(released)) return;
    } catch (error) {
      this.#log("error", "the lease's ended() failed", error);
      return;
    }
    this.#awaitClosing(
      adopt(released).then(undefined, (error: unknown) =>
        this.#log("error", "the lease's ended() failed", error),
      ),
    );
  }

  #sample(): number {
    return this.cfg.jitter > 0 ? this.#driver.random() : 0;
  }

  /** A synchronous settlement: the machine's answer, for `#invoke` to return. */
  #now(tick: number, ok: boolean, result: unknown): number {
    const now = this.#driver.now();
    const kit = this.#tickKit();
    kit.held = result;
    kit.heldAt = now;
    this.#released(tick);
    if (ok) return this.#succeededMask(now, tick);
    return this.onFailed(now, tick);
  }

  #succeededMask(now: number, tick: number): number {
    return this.onSucceeded(now, tick, this.#sample());
  }

  /** A tick settled later: with a value (`ok`) or an error. */
  #settled(tick: number, ok: boolean, result: unknown): void {
    const now = this.#driver.now();
    this.#released(tick);
    this.#dispatch(ok ? this.#succeededMask(now, tick) : this.onFailed(now, tick), result, now);
  }

  /** A source answered `next()` synchronously; returns the effects, as `#now`. */
  #pulled(tick: number, result: unknown): number {
    let done: unknown;
    let value: unknown;
    try {
      if (typeof result !== "object" || result === null) {
        throw new TypeError(
          `the source's next() must give an iterator result; got ${String(result)}`,
        );
      }
      ({ done, value } = result as IteratorResult<unknown>);
      if (done === true) {
        this.#released(tick);
        return this.onExhausted(this.#driver.now(), tick);
      }
      if (!isThenable(value)) return this.#now(tick, true, value);
    } catch (error) {
      return this.#now(tick, false, error);
    }
    this.#later(value, tick, false);
    return 0;
  }

  /** A source answered `next()` asynchronously. */
  #stepped(tick: number, result: unknown): void {
    const mask = this.#pulled(tick, result);
    if (mask !== 0) {
      const kit = this.#tickKit();
      const value = kit.held;
      kit.held = undefined;
      this.#dispatch(mask, value, kit.heldAt);
    }
  }

  /** The target is done with tick `tick`: a source whose run ended meanwhile can be closed. */
  #released(tick: number): void {
    const x = this.#x;
    if (x === undefined) return;
    const abandoned = x.abandoned;
    if (abandoned?.tick === tick) {
      x.abandoned = undefined;
      this.#close(abandoned.source, false);
    }
    const source = x.closeAfterTick;
    if (source === undefined || tick !== this.ticks) return;
    x.closeAfterTick = undefined;
    this.#close(source);
  }

  /** `cancel({ timeout })` ran out: abandon tick `awaited` if it is still in flight. */
  #giveUp(awaited: number): void {
    if (this.ticks === awaited && this.inFlight()) {
      this.#log(
        "warn",
        `cancel() timed out; abandoned tick ${awaited}, which has not settled (its signal was aborted)`,
      );
      // Its late settlement must not be taken for a later tick's: the next tick gets a new kit.
      this.#kit?.abort("the tick was abandoned: cancel() timed out");
      this.#kit = undefined;
      // Its source is still closed when it settles, but no cancel() waits for that cleanup.
      const x = this.#x;
      if (x?.closeAfterTick !== undefined) {
        x.abandoned = { tick: awaited, source: x.closeAfterTick };
        x.closeAfterTick = undefined;
      }
      this.#dispatch(this.onAbandon(this.#driver.now(), awaited), undefined, this.#driver.now());
      return;
    }
    this.#log(
      "warn",
      "cancel() timed out; the generator source has not finished closing (its return() has not settled)",
    );
    // Given up, as an abandoned tick is: later cancels, of this run or the next, no longer wait
    // for it — else one stuck `finally` would hang every cancel() of the timer from now on.
    const x = this.#x;
    if (x !== undefined) x.closing = undefined;
  }

  // ─── Delivery ───────────────────────────────────────────────────────────────────────────

  #publish(value: unknown, now: number, run: number, tick: number, hits: number): void {
    this.#lastResult = value;
    // Read when the tick completes (at most a second stale across a wall-clock jump), never
    // worked back from the monotonic clock later.
    this.#lastTickAt = sinceWallBase(
      this.#driver === realDriver ? wallTime(now) : Math.round(this.#driver.wallNow()),
    );
    const x = this.#x;
    if (x === undefined) return;
    x.lastError = undefined;
    const errors = x.errors;
    if (errors !== undefined) this.#logLine("error", errors.clear(now, false));
    x.consumers?.publish(run, tick, value, hits);
    if (x.observers.length > 0) this.#notify("ticked", value);
  }

  #fail(error: unknown, run: number, tick: number, final: boolean): void {
    const x = this.#extras();
    x.lastError = error;
    if (final) x.failure = { error };
    x.consumers?.fail(run, tick, error, final);
  }

  /** Asks the error policy about tick `tick`'s error; its answer comes back as an event. */
  #consult(error: unknown, tick: number): void {
    const policy = this.#policy(error);
    const now = this.#driver.now();
    this.#dispatch(this.onDecided(now, tick, policy, this.#sample()), error, now);
  }

  #policy(error: unknown): Policy {
    const onError = this.cfg.onError;
    if (onError === undefined) {
      this.#log("error", "tick failed; the timer stops (pass onError to decide otherwise)", error);
      return "stop";
    }
    if (onError === "continue") {
      const x = this.#extras();
      x.errors ??= new Repeated('tick errors (onError: "continue")');
      const line = x.errors.hit(this.#driver.now(), 1);
      if (line === START)
        this.#log("error", 'tick failed; the timer goes on (onError: "continue")', error);
      else this.#logLine("error", line);
      return "continue";
    }
    // A join or wait made inside onError asks for a later tick than the one that failed.
    this.#consumers().hold();
    try {
      const answer: unknown = onError(error, this);
      if (isThenable(answer)) {
        this.#settleLater(answer, "onError");
        this.#log(
          "warn",
          "onError returned a promise; it must decide synchronously, so the timer stops",
        );
        return "stop";
      }
      return answer === "continue" ? "continue" : "stop";
    } catch (thrown) {
      this.#log("error", "onError threw; the timer stops", thrown);
      return "stop";
    }
  }

  /**
   * fixed_rate: a tick ran past `skipped` slots (0: one landed in time). Logged as a repeated
   * condition, whose account is dropped once closed: a timer that no longer skips keeps none.
   */
  #skipped(skipped: number, now: number, final = false): void {
    let skips = this.#skips;
    if (skipped === 0) {
      if (skips === undefined) return;
      this.#logLine("warn", skips.clear(now, final));
      if (!skips.active) this.#skips = undefined;
      return;
    }
    if (skips === undefined) {
      skips = new Repeated("fixed_rate: skipped slots");
      this.#skips = skips;
    }
    const line = skips.hit(now, skipped);
    if (line !== START) {
      this.#logLine("warn", line);
      return;
    }
    const [noun, pronoun] = skipped === 1 ? ["slot", "it"] : ["slots", "them"];
    this.#log("warn", `fixed_rate: skipped ${skipped} ${noun}; the tick ran past ${pronoun}`);
  }

  /**
   * Run `run` is over: tick `inFlight` (0: none) was in flight at its end, and its signal
   * aborts — even if it settled meanwhile (a synchronous target that cancelled its own timer);
   * then its inputs, source, consumers and callbacks hear of it.
   */
  #end(run: number, reason: EndReason, inFlight: number): void {
    const kit = this.#kit;
    if (inFlight > 0 && kit?.tick === inFlight) kit.abort(`the timer's run ended (${reason})`);
    const cancelOn = this.cfg.cancelOn;
    if (cancelOn.length > 0) for (const input of cancelOn) unwatch(input, this);
    const lease = this.cfg.lease;
    if (lease?.ended !== undefined) this.#releaseLease(lease);
    if (this.#skips !== undefined) this.#skipped(0, this.#driver.now(), true);
    const x = this.#x;
    if (x === undefined) {
      this.#onCancel();
      return;
    }
    // The next run calls a function target afresh (a generator object given directly cannot
    // run again). Closing an exhausted generator does nothing, so every source is closed — but
    // not while it runs (a sync generator calling cancel()): then when its tick settles.
    const source = x.source;
    x.source = undefined;
    if (source !== undefined) {
      if (this.inFlight()) x.closeAfterTick = source;
      else this.#close(source);
    }
    x.consumers?.end(run, this.#lastResult);
    if (x.errors !== undefined) this.#logLine("error", x.errors.clear(this.#driver.now(), true));
    this.#notify("ended", reason);
    this.#onCancel();
  }

  #onCancel(): void {
    const onCancel = this.cfg.onCancel;
    if (onCancel === undefined) return;
    try {
      this.#settleLater(onCancel(this), "onCancel");
    } catch (error) {
      this.#log("error", "onCancel threw", error);
    }
  }

  /**
   * A callback's result: a promise it returned (an async callback) is followed, so that its
   * rejection is logged, never unhandled. Adopted as `await` would, so a thenable whose `then`
   * throws, or that resolves to a rejected promise, is a rejection too.
   */
  #settleLater(result: unknown, what: string): void {
    try {
      if (!isThenable(result)) return;
    } catch (error) {
      this.#log("error", `${what} returned a value that throws when inspected`, error);
      return;
    }
    adopt(result).then(undefined, (error: unknown) =>
      this.#log("error", `${what} rejected`, error),
    );
  }

  /** A run started: it watches its `cancelOn` and `signal`, and observers hear of it. */
  #started(): void {
    const run = this.run;
    const cancelOn = this.cfg.cancelOn;
    // Most timers have none: skip making an iterator for an empty list (start+cancel is hot).
    if (cancelOn.length > 0)
      for (const input of cancelOn) {
        if (this.run !== run || !this.running()) break; // one settled already and ended the run
        watch(input, this, Timer.#cancelledBy);
      }
    this.#notify("started", undefined);
  }

  /**
   * Closes a source. Its cleanup (a generator's `finally`) runs in the timer's scope, so a
   * `cancel()` it makes, even after an await, does not wait for the cleanup that is waiting for
   * it. Whatever `return()` does — throw, give a thenable whose `then` throws, never settle —
   * fails only into the logger: the run has ended already.
   */
  #close(source: Source, awaited = true): void {
    const fail = (error: unknown): void =>
      this.#log("error", "closing the generator source failed", error);
    let closed: unknown;
    try {
      closed = tickScope().run(this, callReturn, source, undefined);
      if (!isThenable(closed)) return;
    } catch (error) {
      fail(error);
      return;
    }
    const settled = adopt(closed).then(undefined, fail);
    if (awaited) this.#awaitClosing(settled);
  }

  /**
   * What the `cancel()`s of an ended run wait for once its tick has settled: `closing` (a
   * source's `return()`, a lease's release) besides whatever they waited for already.
   */
  #awaitClosing(closing: Promise<unknown>): void {
    const x = this.#extras();
    const previous = x.closing;
    const all: Promise<void> = (
      previous === undefined ? closing : Promise.all([previous, closing])
    ).then(() => {
      if (x.closing === all) x.closing = undefined;
    });
    x.closing = all;
  }

  /** The ended run's tick has settled: the `cancel()`s waiting for it resolve (after a close). */
  #quiet(): void {
    const x = this.#x;
    const stopping = x?.stopping;
    if (x === undefined || stopping === undefined) return;
    x.stopping = undefined;
    for (const resolve of stopping) {
      const closing = x.closing;
      if (closing === undefined) resolve();
      else void closing.then(resolve);
    }
  }

  #notify<K extends keyof TimerObserver<unknown>>(event: K, argument: unknown): void {
    // A copy-on-write list: an observer that unsubscribes while notified does not disturb this loop.
    const observers = this.#x?.observers;
    if (observers === undefined) return;
    for (const observer of observers) {
      try {
        const callback = observer[event] as ((value: unknown) => unknown) | undefined;
        if (callback !== undefined) {
          this.#settleLater(callback.call(observer, argument), `a timer observer's ${event}()`);
        }
      } catch (error) {
        this.#log("error", `a timer observer's ${event}() threw`, error);
      }
    }
  }

  // ─── Small parts ────────────────────────────────────────────────────────────────────────

  #extras(): Extras {
    this.#x ??= new Extras();
    return this.#x;
  }

  #consumers(): Consumers {
    const x = this.#extras();
    x.consumers ??= new Consumers();
    return x.consumers;
  }

  /** What `method` gives on a timer that is not running: a failed one names its error. */
  #notRunning<R>(method: string, stopped: () => Error): Promise<R> {
    const failure = this.#x?.failure;
    return Promise.reject(
      failure === undefined
        ? stopped()
        : this.#failedError(`${method} was called on`, failure.error),
    );
  }

  /** `what` (e.g. "join() was called on") a timer a tick's `error` stopped: the error as cause. */
  #failedError(what: string, error: unknown): TimerStateError {
    return new TimerStateError(
      `${what} a timer that stopped because a tick failed: ${errorMessage(error)}`,
      { cause: error },
    );
  }

  #log(level: LogLevel, message: string, error?: unknown): void {
    writeLog(this.cfg.logger, level, this.name, message, error);
  }

  #logLine(level: LogLevel, line: string | undefined): void {
    if (line !== undefined) this.#log(level, line);
  }

  /** Calls `fn` after `ms` on this timer's driver; returns the disarm function. */
  #after(ms: number, fn: () => void): () => void {
    const driver = this.#driver;
    return armDeadline(driver, driver.now() + ms, fn);
  }

  /** A `cancelOn` entry settled, or a `signal` aborted: this run ends. */
  static #cancelledBy(
    timer: Timer<unknown>,
    failure: { readonly error: unknown } | undefined,
  ): void {
    if (failure !== undefined)
      timer.#log("warn", "a cancelOn promise rejected; cancelling", failure.error);
    void timer.cancel();
  }

  // One function each for every timer (so no timer carries a closure for them), reaching its
  // private state: the timer comes as the argument.
  static #fireOf(timer: Timer<unknown>): void {
    timer.#fire();
  }

  static #armHotOf(timer: Timer<unknown>, ms: number): void {
    timer.#armHot(ms);
  }
}

const INTERNAL = "internal error while performing a timer's effects";

/** Closes a source; one function for every timer. */
function callReturn(source: Source): unknown {
  return source.return?.();
}

/** The epoch time `lastTickAt`s are kept relative to: the first one's, so that they stay small. */
let wallBase: number | undefined;

function sinceWallBase(epoch: number): number {
  wallBase ??= epoch;
  return epoch - wallBase;
}

function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "(an error that cannot be printed)";
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
