import { unwatchAbort, watchAbort } from "./abort-watch.js";
import { type CancelOptions, readTimeout, readWait, type WaitOptions } from "./call-options.js";
import { checkCount, checkOptional, checkOptions, invalid } from "./check.js";
import { armDeadline, type Driver } from "./driver.js";
import { type Duration, toMilliseconds } from "./duration.js";
import { TimerCancelledError, TimerStateError, TimerTimeoutError } from "./errors.js";
import {
  type CountWaiter,
  Fanout,
  type RunRecord,
  type StopWaiter,
  TimerIterator,
} from "./fanout.js";
import { type Logger, type LogLevel, writeLog } from "./logger.js";
import { type EndReason, isRunning, type Policy } from "./machine.js";
import { isAbortSignal, resolveOptions, type TimerOptions } from "./options.js";
import { realDriver } from "./real-driver.js";
import { Runner, type RunnerHost } from "./runner.js";
import type { Mode } from "./schedule.js";
import {
  type SubscribeOptions,
  Subscription,
  type SubscriptionOwner,
  type SubscriptionSink,
} from "./subscription.js";
import { classifyTarget, isThenable, type Target } from "./target.js";

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

const ENDED: RunRecord = Object.freeze({ ended: true, failure: undefined }) as RunRecord;
const NO_OBSERVERS: readonly TimerObserver<unknown>[] = Object.freeze([]);
const NO_SIGNALS: readonly AbortSignal[] = Object.freeze([]);

/** The consumers of a run that is over but whose end is still on its way (see `#retire`). */
interface Ending {
  readonly run: RunRecord;
  readonly fanout: Fanout<unknown> | undefined;
  readonly subscriptions: Set<SubscriptionSink> | undefined;
  /** `start()` opened the next run meanwhile: its `started` follows this run's `ended`. */
  restarted: boolean;
}

/** Delivers for every timer: set by Timer's static block, which can reach its private state. */
let host: RunnerHost<Timer<unknown>>;

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
export class Timer<T = unknown> implements AsyncIterable<T>, AsyncDisposable {
  /** The name given in the options, shown in `toString()` and log lines. */
  readonly name: string | undefined;
  /** `"fixed_delay"` or `"fixed_rate"`. */
  readonly mode: Mode;

  readonly #runner: Runner<Timer<unknown>>;
  // Internals hold `unknown` (and callbacks take `Timer<any>`), so that T appears only where a
  // caller reads a value: that keeps Timer<number> assignable to Timer<unknown>.
  // The fan-out, the subscriptions and their owner are made on first use: most timers never
  // have a consumer, and an idle timer should cost little more than its setTimeout.
  #fanout: Fanout<unknown> | undefined;
  #subscriptions: Set<SubscriptionSink> | undefined;
  #owner: SubscriptionOwner | undefined;
  readonly #logger: Logger;
  readonly #onError: ((error: unknown, timer: Timer<any>) => unknown) | undefined;
  readonly #onCancel: ((timer: Timer<any>) => void) | undefined;
  readonly #signals: readonly AbortSignal[];
  #run: RunRecord = ENDED;
  /** Runs over in the machine whose ends have not reached this timer yet, oldest first: see #retire(). */
  #ending: Ending[] | undefined;
  #lastResult: unknown;
  #lastTickAt: number | undefined;
  /** A `cancelOn` promise settled: every run of this timer ends at once. */
  #externallyCancelled = false;
  #subscribed = 0;
  #observers = NO_OBSERVERS;
  /** Cancels this timer when one of its `signals` aborts; a closure only if there are some. */
  readonly #onAbort: () => void;

  /**
   * @param delay - Seconds between ticks (see the schedules above), or a string like `"5s"`.
   * @param target - A function called each tick with a {@link TickContext}, or a generator.
   * @param options - See {@link TimerOptions}.
   */
  constructor(delay: Duration, target: Target<T>, options?: TimerOptions<T>) {
    const delayMs = toMilliseconds(delay, "delay");
    const kind = classifyTarget(target);
    const resolved = resolveOptions(options);
    this.name = resolved.name;
    this.mode = resolved.mode;
    this.#logger = resolved.logger;
    this.#onError = resolved.onError;
    this.#onCancel = resolved.onCancel;
    const signals = resolved.cancelOn.filter(isAbortSignal);
    this.#signals = signals.length > 0 ? signals : NO_SIGNALS;
    const singleRun =
      resolved.cancelOn.length > 0
        ? "a timer built with cancelOn or signal runs once; it cannot be started again"
        : kind.source !== undefined
          ? "a generator object given directly as the target cannot be restarted; pass a function that returns one"
          : undefined;
    this.#runner = new Runner(
      {
        mode: resolved.mode,
        initialDelay: resolved.initialDelay,
        jitter: resolved.jitter,
        singleRun,
      },
      delayMs,
      kind,
      resolved.driver ?? realDriver,
      resolved.unref,
      this as Timer<unknown>,
      host,
    );
    this.#onAbort = this.#signals.length > 0 ? () => void this.cancel() : noop;
    for (const entry of resolved.cancelOn) {
      if (!isAbortSignal(entry)) this.#watch(entry);
    }
    if (resolved.start) this.start();
  }

  /** Seconds between ticks, as last set. */
  get delay(): number {
    return this.#runner.state.delay / 1000;
  }

  /** Successful ticks since construction; keeps counting across restarts. */
  get hitCount(): number {
    return this.#runner.state.hitCount;
  }

  /** The last successful tick's value; `undefined` before the first. Never blocks. */
  get lastResult(): T | undefined {
    return this.#lastResult as T | undefined;
  }

  /** When the last successful tick completed, in epoch milliseconds (`Date.now()`). */
  get lastTickAt(): number | undefined {
    return this.#lastTickAt;
  }

  /** The driver this timer runs on. */
  get driver(): Driver {
    return this.#runner.driver;
  }

  /**
   * Starts ticking: the first tick fires `initialDelay` after this call, never synchronously
   * inside it, so `timer.start(); await timer.join()` receives the first tick.
   *
   * @throws TimerStateError if already running, or if the timer may run only once
   *   (built with `cancelOn`/`signal`, or on a generator object) and has run.
   */
  start(): this {
    this.#retire();
    this.#runner.start();
    // Stryker disable next-line ObjectLiteral: { } reads the same (undefined fields), spelled out for shape
    this.#run = { ended: false, failure: undefined };
    // Observers hear of a run in order: a restart waits for the old run's `ended`.
    const ending = this.#ending;
    if (ending === undefined) this.#notify("started", undefined);
    else (ending[ending.length - 1] as Ending).restarted = true;
    for (const signal of this.#signals) watchAbort(signal, this.#onAbort);
    if (this.#externallyCancelled || this.#signals.some((signal) => signal.aborted)) {
      void this.cancel();
    }
    return this;
  }

  /**
   * Stops the timer; idempotent, safe at any time, including from inside the target and from
   * `onError`/`onCancel`. When the promise resolves: no new tick will start, the in-flight
   * tick's signal has been aborted and its result will not be delivered, generator sources are
   * closed, pending `join()`s have rejected with `TimerCancelledError`, subscriptions end after
   * their buffer, `onCancel` has run — and, unless called from inside that tick, the tick has
   * settled. `timeout` bounds the wait for a tick that ignores its signal.
   */
  cancel(options?: CancelOptions): Promise<void> {
    const timeout = readTimeout(options, "cancel");
    return this.#runner.cancel(timeout);
  }

  /** The same as {@link Timer.cancel}. */
  stop(options?: CancelOptions): Promise<void> {
    return this.cancel(options);
  }

  /** True from `start()` until the run ends; false as soon as `cancel()` is called. */
  isRunning(): boolean {
    return isRunning(this.#runner.state);
  }

  /**
   * Changes the delay; it takes effect at the next sleep. Under `fixed_rate` the current sleep
   * is kept and the next tick starts a new grid spaced by the new delay.
   */
  setDelay(delay: Duration): void {
    const ms = toMilliseconds(delay, "delay");
    this.#runner.dispatch({ type: "setDelay", now: this.#runner.driver.now(), delay: ms });
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
    this.#observers = [...this.#observers, entry];
    return () => {
      this.#observers = this.#observers.filter((other) => other !== entry);
    };
  }

  #notify<K extends keyof TimerObserver<unknown>>(event: K, argument: unknown): void {
    // A copy-on-write list: an observer that unsubscribes while notified does not disturb this loop.
    for (const observer of this.#observers) {
      try {
        (observer[event] as ((value: unknown) => void) | undefined)?.call(observer, argument);
      } catch (error) {
        this.#log("error", `a timer observer's ${event}() threw`, error);
      }
    }
  }

  /**
   * The value of the next tick to complete. Rejects with the target's error if that tick
   * fails, or with `TimerCancelledError` if the timer is not running or stops first.
   */
  join(): Promise<T> {
    if (!this.isRunning()) {
      return Promise.reject(
        new TimerCancelledError("join() was called on a timer that is not running"),
      );
    }
    return this.#waiters().join() as Promise<T>;
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
    const { hitCount, hits, timeout } = readWait(options);
    const until = hitCount ?? (hits === undefined ? undefined : this.hitCount + hits);
    if (until === undefined) return this.#waitForStop(timeout);
    if (until <= this.hitCount) return Promise.resolve(undefined);
    if (!this.isRunning()) {
      return Promise.reject(
        new TimerCancelledError("wait() was called on a timer that is not running"),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: CountWaiter<unknown> = {
        kind: "count",
        until,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (timeout !== undefined) {
        waiter.cancelTimeout = this.#after(timeout, () => {
          if (!this.#waiters().remove(waiter)) return;
          reject(
            new TimerTimeoutError(
              `wait() timed out after ${formatSeconds(timeout)} at hitCount ${this.hitCount} (waiting for ${until})`,
            ),
          );
        });
      }
      this.#waiters().add(waiter);
    });
  }

  #waitForStop(timeout: number | undefined): Promise<T | undefined> {
    if (!this.isRunning()) return Promise.resolve(this.#lastResult as T | undefined);
    return new Promise((resolve, reject) => {
      const waiter: StopWaiter<unknown> = {
        kind: "stop",
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      if (timeout !== undefined) {
        waiter.cancelTimeout = this.#after(timeout, () => {
          if (this.#waiters().remove(waiter)) resolve(this.#lastResult as T | undefined);
        });
      }
      this.#waiters().add(waiter);
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
    if (!this.isRunning()) {
      return Promise.reject(
        new TimerStateError("trigger() needs a running timer; call start() first"),
      );
    }
    const tick = this.#runner.state.ticks + 1;
    this.#runner.dispatch({ type: "trigger", now: this.#runner.driver.now() });
    return this.#waiters().trigger(tick) as Promise<T>;
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
    checkOptions(options, "subscribe(options): options");
    const maxsize =
      options?.maxsize === undefined
        ? 0
        : checkCount(options.maxsize, "subscribe(options): maxsize");
    const name = options?.name;
    checkOptional(name, "string", "subscribe(options): name");
    this.#retire();
    this.#subscribed++;
    this.#owner ??= {
      logger: this.#logger,
      timerName: this.name,
      attach: (sink) => {
        this.#subscriptions ??= new Set();
        this.#subscriptions.add(sink);
      },
      detach: (sink) => this.#subscriptions?.delete(sink),
    };
    return new Subscription<T>(
      this.#owner,
      name ?? `${this.name ?? "timer"}#${this.#subscribed}`,
      maxsize,
    );
  }

  /** Latest-value iteration: `for await (const value of timer)`; ends when the timer stops. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> & AsyncIterable<T> {
    // A stopped timer's iteration ends at once: not with the error that stopped an earlier run.
    return new TimerIterator<T>(this.#waiters(), this.isRunning() ? this.#run : ENDED);
  }

  /** `await using timer = new Timer(…).start()` cancels it when the scope exits. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.cancel();
  }

  /** E.g. `Timer(db_refresh, delay=5s, fixed_rate, running, hits=3)`. */
  toString(): string {
    const state = this.#runner.state;
    const status = isRunning(state)
      ? "running"
      : state.phase === "stopping" || state.phase === "cancelling"
        ? "stopping"
        : "idle";
    const name = this.name === undefined ? "" : `${this.name}, `;
    return `Timer(${name}delay=${formatSeconds(state.delay)}, ${this.mode}, ${status}, hits=${state.hitCount})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ─── Host: what the runner delivers ─────────────────────────────────────────────────────

  static {
    host = {
      publish: (timer, tick, value, hitCount) => timer.#published(tick, value, hitCount),
      fail: (timer, tick, error, final) => timer.#failed(tick, error, final),
      end: (timer, reason) => timer.#ended(reason),
      consult: (timer, error) => timer.#consult(error),
      log: (timer, level, message, error) => timer.#log(level, message, error),
    };
  }

  /** The waiters' fan-out, made for the first one. */
  #waiters(): Fanout<unknown> {
    this.#fanout ??= new Fanout<unknown>();
    return this.#fanout;
  }

  #published(tick: number, value: unknown, hitCount: number): void {
    this.#lastResult = value;
    // Read when the tick completes, not worked back from the monotonic clock at the first read:
    // a wall clock that jumps, or a machine that sleeps, in between would shift it.
    this.#lastTickAt = Math.round(this.#runner.driver.wallNow());
    this.#fanout?.publish(tick, value, hitCount);
    const subscriptions = this.#subscriptions;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: skips an empty loop (hot path)
    if (subscriptions !== undefined && subscriptions.size > 0) {
      for (const subscription of subscriptions) subscription.push(value);
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: skips an empty loop (hot path)
    if (this.#observers.length > 0) this.#notify("ticked", value);
  }

  /**
   * A run can be over in the machine before its end reaches this timer: a `cancel()` made from
   * inside a callback (a sync target, an observer, `onError`) queues its `end` behind the effects
   * being performed. Whatever is attached in that window — a restart, a subscription for the next
   * run — must not be ended by it, so the ending run's consumers are set aside for its `end`
   * (and `fail`) to reach, and the timer starts afresh.
   */
  #retire(): void {
    if (this.#run.ended || this.isRunning()) return;
    // A queue, not one slot: a callback may cancel and restart more than once before any of
    // those ends arrives, and each must reach its own run's consumers, in order.
    this.#ending ??= [];
    this.#ending.push(this.#current());
    this.#run = ENDED;
    this.#fanout = undefined;
    this.#subscriptions = undefined;
  }

  /** The current run's consumers, as `#retire` sets them aside. */
  #current(): Ending {
    return {
      run: this.#run,
      fanout: this.#fanout,
      subscriptions: this.#subscriptions,
      restarted: false,
    };
  }

  /** The run that a `fail` or `end` concerns: one set aside by `#retire`, else the current one. */
  #concerned(): Ending {
    return this.#ending?.[0] ?? this.#current();
  }

  #failed(tick: number, error: unknown, final: boolean): void {
    const { run, fanout, subscriptions } = this.#concerned();
    fanout?.fail(tick, error, final, run);
    if (!final || subscriptions === undefined) return;
    for (const subscription of subscriptions) subscription.end({ error });
  }

  #ended(reason: EndReason): void {
    const { run, fanout, subscriptions, restarted } = this.#concerned();
    const ending = this.#ending;
    if (ending === undefined) this.#subscriptions = undefined;
    else if (ending.length > 1) ending.shift();
    else this.#ending = undefined;
    run.ended = true;
    for (const signal of this.#signals) unwatchAbort(signal, this.#onAbort);
    fanout?.end(this.#lastResult);
    if (subscriptions !== undefined) {
      for (const subscription of subscriptions) subscription.end();
    }
    this.#notify("ended", reason);
    if (this.#onCancel !== undefined) {
      try {
        this.#onCancel(this);
      } catch (error) {
        this.#log("error", "onCancel threw", error);
      }
    }
    if (restarted) this.#notify("started", undefined);
  }

  #consult(error: unknown): Policy {
    if (this.#onError === undefined) {
      this.#log("error", "tick failed; the timer stops (pass onError to decide otherwise)", error);
      return "stop";
    }
    this.#waiters().holdFailure();
    try {
      const answer: unknown = this.#onError(error, this);
      if (isThenable(answer)) {
        answer.then(undefined, (rejection: unknown) =>
          this.#log("error", "onError rejected", rejection),
        );
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

  #log(level: LogLevel, message: string, error?: unknown): void {
    writeLog(this.#logger, level, this.name, message, error);
  }

  #watch(entry: PromiseLike<unknown>): void {
    // The handlers reach the timer through a WeakRef: a long-lived promise (a process's shutdown
    // signal) must not keep a dropped timer alive until it settles.
    const ref = new WeakRef<Timer<T>>(this);
    Promise.resolve(entry).then(
      () => {
        const timer = ref.deref();
        if (timer !== undefined) timer.#cancelledExternally();
      },
      (error: unknown) => {
        const timer = ref.deref();
        if (timer === undefined) return;
        timer.#log("warn", "a cancelOn promise rejected; cancelling", error);
        timer.#cancelledExternally();
      },
    );
  }

  /** A `cancelOn` promise settled: this run ends now, and any later run ends at its start. */
  #cancelledExternally(): void {
    this.#externallyCancelled = true;
    if (this.isRunning()) void this.cancel();
  }

  /** Calls `fn` after `ms` on this timer's driver; returns the disarm function. */
  #after(ms: number, fn: () => void): () => void {
    const driver = this.#runner.driver;
    return armDeadline(driver, driver.now() + ms, fn);
  }
}

function noop(): void {}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
