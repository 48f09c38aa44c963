/**
 * Latest-value fan-out: `join()`, `wait()`, `trigger()` and `for await (… of timer)`. Every
 * consumer waiting when a tick completes gets that tick's value; a consumer that is busy misses
 * it. Nothing is buffered. All waiters share one list, so a tick with nobody waiting costs one
 * length check here.
 */
import { TimerCancelledError } from "./errors.js";

/** One run's outcome, shared by the iterators opened during it. */
export interface RunRecord {
  ended: boolean;
  failure: { readonly error: unknown } | undefined;
}

interface Settle<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/** A `wait()` with a condition: resolves when `hitCount` reaches `until`. */
export interface CountWaiter<T> extends Settle<T | undefined> {
  readonly kind: "count";
  readonly until: number;
  cancelTimeout?: () => void;
}

/** A `wait()` with no condition: resolves when the run ends. */
export interface StopWaiter<T> extends Settle<T | undefined> {
  readonly kind: "stop";
  cancelTimeout?: () => void;
}

interface JoinWaiter<T> extends Settle<T> {
  readonly kind: "join";
}

interface TriggerWaiter<T> extends Settle<T> {
  readonly kind: "trigger";
  readonly tick: number;
  readonly promise: Promise<T>;
}

interface IteratorWaiter<T> extends Settle<IteratorResult<T, undefined>> {
  readonly kind: "iterator";
  readonly iterator: TimerIterator<unknown>;
}

type Waiter<T> =
  | JoinWaiter<T>
  | TriggerWaiter<T>
  | CountWaiter<T>
  | StopWaiter<T>
  | IteratorWaiter<T>;

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

function stopped(): TimerCancelledError {
  return new TimerCancelledError("the timer stopped before the awaited tick");
}

/** The waiters of one timer. */
export class Fanout<T> {
  #waiters: Waiter<T>[] = [];
  /** The waiters present when a tick failed, while its error policy decides (see `holdFailure`). */
  #present: ReadonlySet<Waiter<T>> | undefined;

  /** Waiters not settled yet. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** The value of the next tick to complete. */
  join(): Promise<T> {
    return new Promise((resolve, reject) => this.#waiters.push({ kind: "join", resolve, reject }));
  }

  /** The value of tick `tick` (or a later one); calls for the same tick share one promise. */
  trigger(tick: number): Promise<T> {
    for (const waiter of this.#waiters) {
      if (waiter.kind === "trigger" && waiter.tick === tick) return waiter.promise;
    }
    let settle!: Settle<T>;
    const promise = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.#waiters.push({ kind: "trigger", tick, promise, ...settle });
    return promise;
  }

  add(waiter: CountWaiter<T> | StopWaiter<T>): void {
    this.#waiters.push(waiter);
  }

  /** Forgets `waiter`; false if it was not waiting any more. */
  remove(waiter: CountWaiter<T> | StopWaiter<T>): boolean {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return false;
    this.#waiters.splice(index, 1);
    return true;
  }

  /** @internal Called by an iterator's `next()`. */
  awaitNext(iterator: TimerIterator<unknown>): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) =>
      this.#waiters.push({ kind: "iterator", iterator, resolve, reject }),
    );
  }

  /** @internal Called by an iterator's `return()`: its waiting `next()` ends. */
  forget(iterator: TimerIterator<unknown>): void {
    this.#settle((waiter) => {
      if (waiter.kind !== "iterator" || waiter.iterator !== iterator) return false;
      waiter.resolve(DONE);
      return true;
    });
  }

  /** Tick `tick` succeeded with `value`; `hitCount` counts it. */
  publish(tick: number, value: T, hitCount: number): void {
    this.#settle((waiter) => {
      switch (waiter.kind) {
        case "join":
          waiter.resolve(value);
          return true;
        case "iterator":
          waiter.resolve({ done: false, value });
          return true;
        case "trigger":
          if (waiter.tick > tick) return false;
          waiter.resolve(value);
          return true;
        case "count":
          if (waiter.until > hitCount) return false;
          waiter.cancelTimeout?.();
          waiter.resolve(value);
          return true;
        case "stop":
          return false;
      }
    });
  }

  /**
   * Tick `tick` failed. Joins, triggers waiting for it and conditional waits get the error; when
   * it is `final` (the run stops), so does every other waiter, and the run's iterators that are
   * not waiting get it on their next `next()`.
   */
  fail(tick: number, error: unknown, final: boolean, run: RunRecord): void {
    if (final) run.failure = { error };
    const present = this.#present;
    this.#present = undefined;
    this.#settle((waiter) => {
      // A join or wait made inside `onError` asked for a later tick than the one that failed;
      // an iterator belongs to the run, which this error may stop.
      if (present !== undefined && waiter.kind !== "iterator" && !present.has(waiter)) return false;
      const concerned =
        final ||
        waiter.kind === "join" ||
        waiter.kind === "count" ||
        (waiter.kind === "trigger" && waiter.tick <= tick);
      if (!concerned) return false;
      if (waiter.kind === "iterator") waiter.iterator.failureDelivered = true;
      if (waiter.kind === "count" || waiter.kind === "stop") waiter.cancelTimeout?.();
      waiter.reject(error);
      return true;
    });
  }

  /**
   * A tick failed and `onError` is about to decide: the error will concern only the waiters
   * present now, not those `onError` itself adds (a `join()` there means the next tick).
   */
  holdFailure(): void {
    this.#present = new Set(this.#waiters);
  }

  /** The run is over: nobody gets another tick. */
  end(lastResult: T | undefined): void {
    this.#settle((waiter) => {
      switch (waiter.kind) {
        case "iterator":
          waiter.resolve(DONE);
          return true;
        case "stop":
          waiter.cancelTimeout?.();
          waiter.resolve(lastResult);
          return true;
        case "count":
          waiter.cancelTimeout?.();
          waiter.reject(stopped());
          return true;
        case "join":
        case "trigger":
          waiter.reject(stopped());
          return true;
      }
    });
  }

  /**
   * Offers every waiter to `settled`, which settles it and returns true, or returns false to
   * keep it waiting. The list is replaced before anyone is settled, so a waiter added while
   * settling (a consumer that waits again at once) waits for the next event.
   */
  #settle(settled: (waiter: Waiter<T>) => boolean): void {
    const waiters = this.#waiters;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: skips work when nobody waits (hot path)
    if (waiters.length === 0) return;
    this.#waiters = [];
    const kept = waiters.filter((waiter) => !settled(waiter));
    // Stryker disable next-line ConditionalExpression,EqualityOperator: concatenating nothing is the same
    if (kept.length > 0) this.#waiters = kept.concat(this.#waiters);
  }
}

/**
 * `for await (const value of timer)`: the latest value of each tick that completes while the
 * loop waits. Ends when the run it was opened in ends; throws the error that stopped it (a
 * consumer busy at that moment gets the error on its next `next()`).
 */
export class TimerIterator<T> implements AsyncIterator<T, undefined>, AsyncIterable<T> {
  /** @internal The stopping error reached this iterator already. */
  failureDelivered = false;
  readonly #fanout: Fanout<unknown>;
  readonly #run: RunRecord;
  #returned = false;

  constructor(fanout: Fanout<unknown>, run: RunRecord) {
    this.#fanout = fanout;
    this.#run = run;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#returned) return Promise.resolve(DONE);
    if (!this.#run.ended) {
      return this.#fanout.awaitNext(this as TimerIterator<unknown>) as Promise<
        IteratorResult<T, undefined>
      >;
    }
    this.#returned = true;
    const failure = this.#run.failure;
    if (failure !== undefined && !this.failureDelivered) {
      this.failureDelivered = true;
      return Promise.reject(failure.error);
    }
    return Promise.resolve(DONE);
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#returned = true;
    this.#fanout.forget(this as TimerIterator<unknown>);
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
