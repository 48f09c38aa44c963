/**
 * The imperative shell around the machine: it turns API calls, wakes and settlements into
 * events, commits each transition, then performs its effects through the driver.
 *
 * The mailbox: effects are performed strictly in the order the transitions produced them. An
 * event raised while effects are being performed (a target that calls `cancel()`, an `onCancel`
 * that restarts, a sync target settling at once) is stepped when it is raised — so an illegal
 * command still throws at its caller — but its effects wait behind the ones already queued,
 * and `step` is never entered from inside an effect. Since every transition starts from the
 * committed state, this is the same as queueing the event itself.
 */
import { armDeadline, type Driver, type WakeHandle } from "./driver.js";
import { TimerCancelledError } from "./errors.js";
import type { LogLevel } from "./logger.js";
import {
  type Effect,
  type EndReason,
  hasTickInFlight,
  initialState,
  type MachineConfig,
  type Policy,
  step,
  type TimerEvent,
  type TimerState,
} from "./machine.js";
import { isSource, isThenable, type Source, type TickContext } from "./target.js";
import { tickScope } from "./tick-scope.js";

/**
 * Where the runner delivers what the machine decided. `Timer` implements it once for all its
 * instances (each call names the timer as `owner`), so an idle timer carries no closures for it.
 */
export interface RunnerHost<O> {
  /** Tick `tick` succeeded; `hitCount` counts it. */
  publish(owner: O, tick: number, value: unknown, hitCount: number): void;
  fail(owner: O, tick: number, error: unknown, final: boolean): void;
  /** The run is over (its signal, if a tick asked for one, is already aborted). */
  end(owner: O, reason: EndReason): void;
  /** The error policy for a failed tick (`onError`, or the default). Must not throw. */
  consult(owner: O, error: unknown): Policy;
  log(owner: O, level: LogLevel, message: string, error?: unknown): void;
}

/**
 * The AbortSignal of one run, made when a tick first reads `signal`: an AbortSignal costs Node
 * about 0.7 kB and a microsecond to build, and most targets never look at it.
 */
class RunSignal {
  #controller: AbortController | undefined;
  #ended: EndReason | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#ended !== undefined) this.#controller.abort(endError(this.#ended));
    }
    return this.#controller.signal;
  }

  end(reason: EndReason): void {
    this.#ended = reason;
    this.#controller?.abort(endError(reason));
  }
}

function endError(reason: EndReason): TimerCancelledError {
  return new TimerCancelledError(`the timer's run ended (${reason})`);
}

/** What a function target receives; `signal` is its run's, made on first read. */
class Tick implements TickContext {
  readonly hitCount: number;
  readonly #run: RunSignal;

  constructor(run: RunSignal, hitCount: number) {
    this.#run = run;
    this.hitCount = hitCount;
  }

  get signal(): AbortSignal {
    return this.#run.signal;
  }
}

// The two events of every tick, shared by all runners: `step` reads an event and never keeps it,
// and it returns before any effect (which may dispatch again) is performed.
const wakeEvent = { type: "wake" as const, now: 0, run: 0 };
const valueEvent = {
  type: "succeeded" as const,
  now: 0,
  tick: 0,
  value: undefined as unknown,
  sample: 0,
};

/** What a `cancel()` waits for once the run has ended. */
interface Stopping {
  resolve(): void;
}

/** What `cancel()` returns when there is nothing to wait for; promises are immutable, so one will do. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * The scope wakes are armed in when the code arming them runs inside some tick — a timer started
 * or triggered from another timer's target, or its own. A timeout or microtask keeps the async
 * context it was armed in, and so would every callback of this timer after it (its `onError`,
 * its observers): a `cancel()` of that other timer made there would pass for one from inside its
 * tick and not wait for it.
 */
const OUTSIDE = Object.freeze({});

/** Calls `arm(arg)` outside every tick's scope: directly when the caller is in none already. */
function outsideTicks<A, R>(arm: (arg: A) => R, arg: A): R {
  const current = tickScope().current();
  return current === undefined || current === OUTSIDE
    ? arm(arg)
    : tickScope().run(OUTSIDE, arm, arg);
}

/** Arms a runner's wake (or its wakeSoon); one function each for every runner, as `enter` is. */
let armWake: (runner: Runner<unknown>) => void;
let armSoon: (runner: Runner<unknown>) => void;

/** Closes a source; one function for every runner, as `enter` is. */
function callReturn(source: Source): unknown {
  return source.return?.();
}

/** Enters a tick; one function for every runner, so none carries a closure for it. */
let enter: (runner: Runner<unknown>) => unknown;

export class Runner<O> {
  state: TimerState;
  readonly driver: Driver;
  readonly #owner: O;
  readonly #host: RunnerHost<O>;
  readonly #unref: boolean;
  readonly #fn: ((context: TickContext) => unknown) | undefined;
  /** The source of the current run: a generator object given directly, or one the function returned. */
  #source: Source | undefined;
  /** The current run's signal, made at its first tick; `undefined` between runs. */
  #runSignal: RunSignal | undefined;

  // The tick physically in flight (the machine may already have forgotten it, after abandon).
  #ctx: TickContext | undefined;
  #ctxTick = 0;
  /** A source whose run ended while its tick was in flight: closed when that tick settles. */
  #closeAfterTick: Source | undefined;
  #closing: Promise<void> | undefined;
  /** The scope of the cleanup in progress, if it is asynchronous (see `#close`). */
  #closer: object | undefined;

  #wake: WakeHandle | undefined;
  /** The last wake's handle after it fired, offered back to the driver to re-arm. */
  #spent: WakeHandle | undefined;
  #wakeRun = 0;
  #wakeAt = 0;
  /** Moved on whenever the wake is cleared or re-armed, so a pending `wakeSoon` knows it is stale. */
  #soon = 0;

  /** Effects of events raised while performing; made on first need. */
  #queue: Effect[] | undefined;
  #flushing = false;
  #stopping: Stopping[] | undefined;

  constructor(
    config: MachineConfig,
    delay: number,
    target: { fn?: (context: TickContext) => unknown; source?: Source },
    driver: Driver,
    unref: boolean,
    owner: O,
    host: RunnerHost<O>,
  ) {
    this.state = initialState(config, delay);
    this.driver = driver;
    this.#unref = unref;
    this.#owner = owner;
    this.#host = host;
    this.#fn = target.fn;
    this.#source = target.source;
  }

  /** Steps the machine (throwing, with nothing changed, on an illegal command) and performs. */
  dispatch(event: TimerEvent): void {
    const transition = step(this.state, event);
    const effects = transition[1];
    this.state = transition[0];
    if (this.#flushing) {
      // Re-entrant: these effects go behind the ones already being performed.
      this.#queue ??= [];
      for (const effect of effects) this.#queue.push(effect);
      return;
    }
    this.#flushing = true;
    try {
      for (const effect of effects) this.#perform(effect);
      const queue = this.#queue;
      if (queue !== undefined) {
        for (let i = 0; i < queue.length; i++) this.#perform(queue[i] as Effect);
        this.#queue = undefined;
      }
    } finally {
      this.#flushing = false;
    }
  }

  start(): void {
    this.dispatch({ type: "start", now: this.driver.now() });
  }

  /**
   * Ends the run. Resolves once the run's tick has settled and its source is closed — unless
   * called from inside that tick, which would wait for itself. With `timeout` (ms), gives up
   * waiting after it, abandons the tick (or the source's close) and logs that.
   */
  cancel(timeout: number | undefined): Promise<void> {
    const inside = (this.#ctx !== undefined || this.#closer !== undefined) && this.#isInside();
    this.dispatch({ type: "cancel", now: this.driver.now() });
    if (inside) return SETTLED;
    // After a cancel, a tick still in flight can only be the ended run's. A run cancelled from
    // its error policy ends when the policy answers, within this same flush: wait for that too.
    const tickPending = hasTickInFlight(this.state);
    const deciding = this.state.phase === "cancelling";
    if (!tickPending && !deciding && this.#closing === undefined) return SETTLED;
    const awaited = tickPending ? this.state.ticks : 0; // ticks count from 1
    return new Promise<void>((resolve) => {
      let disarm: (() => void) | undefined;
      const done = (): void => {
        disarm?.();
        resolve();
      };
      if (timeout !== undefined) {
        // The deadline may start this timer's next tick (after abandoning one): like a wake, it
        // must not carry the scope of another timer's tick it was armed in.
        disarm = outsideTicks(
          (at) =>
            armDeadline(this.driver, at, () => {
              disarm = undefined;
              this.#giveUp(awaited); // an abandoned tick settles the machine: other cancels resolve too
              resolve();
            }),
          this.driver.now() + timeout,
        );
      }
      if (tickPending || deciding) {
        this.#stopping ??= [];
        this.#stopping.push({ resolve: done });
      } else void this.#closing?.then(done);
    });
  }

  /**
   * A cancel's deadline passed. If tick `awaited` is still in flight, it is abandoned; otherwise
   * the cancel was waiting for the source's `return()` — a tick in flight now is a later run's,
   * which this cancel never waited for.
   */
  #giveUp(awaited: number): void {
    if (this.state.ticks === awaited && hasTickInFlight(this.state)) {
      this.#host.log(
        this.#owner,
        "warn",
        `cancel() timed out; abandoned tick ${this.state.ticks}, which has not settled (its signal was aborted)`,
      );
      this.dispatch({ type: "abandon", now: this.driver.now(), tick: this.state.ticks });
      return;
    }
    this.#host.log(
      this.#owner,
      "warn",
      "cancel() timed out; the generator source has not finished closing (its return() has not settled)",
    );
    // Given up, as an abandoned tick is: later cancels, of this run or the next, no longer wait
    // for it — else one stuck `finally` would hang every cancel() of the timer from now on.
    this.#closing = undefined;
  }

  #perform(effect: Effect): void {
    try {
      switch (effect.type) {
        case "invoke":
          this.#invoke(effect.tick, effect.hitCount);
          break;
        case "wake":
          this.#clearWake();
          this.#wakeRun = effect.run;
          this.#wakeAt = effect.at;
          outsideTicks(armWake, this as Runner<unknown>);
          break;
        case "wakeSoon":
          this.#clearWake(); // nothing is armed; this moves #soon on past any older wakeSoon
          this.#wakeRun = effect.run;
          outsideTicks(armSoon, this as Runner<unknown>);
          break;
        case "clearWake":
          this.#clearWake();
          break;
        case "publish":
          this.#host.publish(this.#owner, effect.tick, effect.value, effect.hitCount);
          break;
        case "consult":
          this.dispatch({
            type: "decided",
            now: this.driver.now(),
            tick: effect.tick,
            policy: this.#host.consult(this.#owner, effect.error),
            error: effect.error,
            sample: this.#sample(),
          });
          break;
        case "fail":
          this.#host.fail(this.#owner, effect.tick, effect.error, effect.final);
          break;
        case "end":
          this.#endRun(effect.reason);
          break;
        case "quiet":
          this.#quiet();
          break;
        case "log":
          this.#host.log(this.#owner, effect.level, effect.message);
          break;
        default:
          throw new TypeError(`unknown effect ${JSON.stringify(effect satisfies never)}`);
      }
    } catch (error) {
      // Effects call into user code only through guarded paths; this is a last line of defence
      // so one failure cannot leave the remaining effects unperformed.
      this.#host.log(this.#owner, "error", `internal error while performing ${effect.type}`, error);
    }
  }

  #armWake(): void {
    this.#wake = this.driver.setWake(this.#wakeAt, this.#onWake, this.#unref, this.#spent);
    this.#spent = undefined;
  }

  /**
   * A microtask cannot be cancelled, so clearing the wake moves a counter on and a cleared one
   * sees that it is stale: start() then trigger() in one turn must not leave two wakes behind.
   */
  #armSoon(): void {
    const run = this.#wakeRun;
    const soon = this.#soon;
    void Promise.resolve().then(() => {
      if (soon === this.#soon) this.#fire(run);
    });
  }

  readonly #onWake = (): void => {
    this.#spent = this.#wake;
    this.#wake = undefined;
    this.#fire(this.#wakeRun);
  };

  #fire(run: number): void {
    const event = wakeEvent;
    event.now = this.driver.now();
    event.run = run;
    this.dispatch(event);
  }

  #clearWake(): void {
    this.#soon++;
    if (this.#wake === undefined) return;
    this.driver.clearWake(this.#wake);
    this.#wake = undefined;
  }

  #sample(): number {
    return this.state.config.jitter > 0 ? this.driver.random() : 0;
  }

  // ─── Ticks ───────────────────────────────────────────────────────────────────────────────

  #invoke(tick: number, hitCount: number): void {
    this.#runSignal ??= new RunSignal();
    const ctx = new Tick(this.#runSignal, hitCount);
    this.#ctx = ctx;
    this.#ctxTick = tick;
    let result: unknown;
    try {
      result = tickScope().run(ctx, enter, this as Runner<unknown>);
    } catch (error) {
      this.#failed(tick, error);
      return;
    }
    // The function's result was a value, unless there is a source now: then it was pulled.
    this.#settle(tick, result, this.#source !== undefined);
  }

  /**
   * Waits for `result` if it is a thenable; what it gives is the tick's value, or with `pulled`
   * the source's answer to `next()`. A `then` that throws — or a throwing `then` getter — fails
   * the tick, as `await` would reject: it must not leave the tick in flight for ever.
   */
  #settle(tick: number, result: unknown, pulled: boolean): void {
    try {
      if (!isThenable(result)) {
        if (pulled) this.#stepped(tick, result);
        else this.#succeeded(tick, result);
        return;
      }
      result.then(
        (settled) => (pulled ? this.#stepped(tick, settled) : this.#succeeded(tick, settled)),
        (error) => this.#failed(tick, error),
      );
    } catch (error) {
      this.#failed(tick, error);
    }
  }

  static {
    enter = (runner) => runner.#enter();
    armWake = (runner) => runner.#armWake();
    armSoon = (runner) => runner.#armSoon();
  }

  /** Runs inside the tick's scope: calls the function, or pulls the source. */
  #enter(): unknown {
    let source = this.#source;
    if (source === undefined) {
      // Called as a plain function: `this` inside the target is undefined, never the runner.
      const fn = this.#fn as (context: TickContext) => unknown;
      const produced = fn(this.#ctx as TickContext);
      // Most targets are async functions: a native promise is never a source, and recognising
      // it first spares the property probes of isSource() on every tick.
      if (produced instanceof Promise || !isSource(produced)) return produced;
      this.#source = source = produced;
    }
    return source.next();
  }

  /** A source answered `next()`. */
  #stepped(tick: number, result: unknown): void {
    if (typeof result !== "object" || result === null) {
      const error = new TypeError(
        `the source's next() must give an iterator result; got ${String(result)}`,
      );
      this.#failed(tick, error);
      return;
    }
    let done: unknown;
    let value: unknown;
    try {
      ({ done, value } = result as IteratorResult<unknown>);
    } catch (error) {
      this.#failed(tick, error); // a throwing getter: this may run in a `then` callback
      return;
    }
    if (done === true) {
      this.#released(tick);
      this.dispatch({ type: "exhausted", now: this.driver.now(), tick });
      return;
    }
    this.#settle(tick, value, false);
  }

  #succeeded(tick: number, value: unknown): void {
    this.#released(tick);
    const event = valueEvent;
    event.now = this.driver.now();
    event.tick = tick;
    event.value = value;
    event.sample = this.#sample();
    this.dispatch(event);
    event.value = undefined; // do not keep the value alive
  }

  #failed(tick: number, error: unknown): void {
    this.#released(tick);
    this.dispatch({ type: "failed", now: this.driver.now(), tick, error });
  }

  /** The target is done with tick `tick`: no code of ours runs for it any more. */
  #released(tick: number): void {
    if (tick !== this.#ctxTick) return;
    this.#ctx = undefined;
    const source = this.#closeAfterTick;
    if (source !== undefined) {
      this.#closeAfterTick = undefined;
      this.#close(source);
    }
  }

  // ─── End of a run ────────────────────────────────────────────────────────────────────────

  #endRun(reason: EndReason): void {
    this.#runSignal?.end(reason);
    this.#runSignal = undefined;
    // The next run calls a function target afresh (a generator object given directly cannot
    // run again). Closing an exhausted generator does nothing, so every source is closed — but
    // not while it runs (a sync generator calling cancel()): then when its tick settles.
    const source = this.#source;
    this.#source = undefined;
    if (source !== undefined) {
      if (this.#ctx !== undefined) this.#closeAfterTick = source;
      else this.#close(source);
    }
    this.#host.end(this.#owner, reason);
  }

  /** Whether the code calling `cancel()` runs in the tick in flight or in a source's cleanup. */
  #isInside(): boolean {
    const current = tickScope().current();
    return current !== undefined && (current === this.#ctx || current === this.#closer);
  }

  #close(source: Source): void {
    // The cleanup (a generator's `finally`) runs in a scope of its own, like a tick, so that a
    // cancel() it makes, even after an await, does not wait for the cleanup that is waiting for it.
    const closer = {};
    let closed: unknown;
    try {
      closed = tickScope().run(closer, callReturn, source);
    } catch (error) {
      this.#host.log(this.#owner, "error", "closing the generator source failed", error);
      return;
    }
    if (!isThenable(closed)) return;
    this.#closer = closer;
    // Kept after it settles: a later cancel() awaiting a settled promise costs one microtask.
    this.#closing = Promise.resolve(closed).then(
      () => this.#closed(closer),
      (error: unknown) => {
        this.#closed(closer);
        this.#host.log(this.#owner, "error", "closing the generator source failed", error);
      },
    );
  }

  #closed(closer: object): void {
    if (this.#closer === closer) this.#closer = undefined;
  }

  #quiet(): void {
    const stopping = this.#stopping;
    if (stopping === undefined) return;
    this.#stopping = undefined;
    for (const waiter of stopping) {
      const closing = this.#closing;
      if (closing === undefined) waiter.resolve();
      else void closing.then(waiter.resolve);
    }
  }
}
