/**
 * Latest-value fan-out: `join()`, `wait()`, `trigger()` and `for await (… of timer)`. Every
 * consumer waiting when a tick completes gets that tick's value; a consumer that is busy misses
 * it. Nothing is buffered, and when nobody waits a tick costs nothing here.
 */
import { TimerCancelledError } from "./errors.js";

interface Settle<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

/** A `wait()` with a condition: resolves when `hitCount` reaches `until`. */
export interface CountWaiter<T> extends Settle<T | undefined> {
  readonly until: number;
  cancelTimeout?: () => void;
}

/** A `wait()` with no condition: resolves when the run ends. */
export interface StopWaiter<T> extends Settle<T | undefined> {
  cancelTimeout?: () => void;
}

interface TriggerWaiter<T> extends Settle<T> {
  readonly tick: number;
  readonly promise: Promise<T>;
}

/** One run's outcome, shared by the iterators opened during it. */
export interface RunRecord {
  ended: boolean;
  failure: { readonly error: unknown } | undefined;
}

interface IteratorWaiter<T> extends Settle<IteratorResult<T, undefined>> {
  readonly iterator: TimerIterator<unknown>;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

function stopped(): TimerCancelledError {
  return new TimerCancelledError("the timer stopped before the awaited tick");
}

function remove<E>(list: E[], entry: E): boolean {
  const index = list.indexOf(entry);
  if (index >= 0) list.splice(index, 1);
  return index >= 0;
}

/** The waiters of one timer. */
export class Fanout<T> {
  #joins: Settle<T>[] = [];
  #iterators: IteratorWaiter<T>[] = [];
  #triggers: TriggerWaiter<T>[] = [];
  #counts: CountWaiter<T>[] = [];
  #stops: StopWaiter<T>[] = [];

  /** The value of the next tick to complete. */
  join(): Promise<T> {
    return new Promise((resolve, reject) => this.#joins.push({ resolve, reject }));
  }

  /** The value of tick `tick` (or a later one); calls for the same tick share one promise. */
  trigger(tick: number): Promise<T> {
    for (const waiter of this.#triggers) if (waiter.tick === tick) return waiter.promise;
    let settle!: Settle<T>;
    const promise = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.#triggers.push({ tick, promise, resolve: settle.resolve, reject: settle.reject });
    return promise;
  }

  addCount(waiter: CountWaiter<T>): void {
    this.#counts.push(waiter);
  }

  removeCount(waiter: CountWaiter<T>): boolean {
    return remove(this.#counts, waiter);
  }

  addStop(waiter: StopWaiter<T>): void {
    this.#stops.push(waiter);
  }

  removeStop(waiter: StopWaiter<T>): boolean {
    return remove(this.#stops, waiter);
  }

  /** @internal Called by an iterator's `next()`. */
  awaitNext(iterator: TimerIterator<unknown>): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) => this.#iterators.push({ iterator, resolve, reject }));
  }

  /** @internal Called by an iterator's `return()`. */
  forget(iterator: TimerIterator<unknown>): void {
    for (const waiter of this.#iterators.filter((w) => w.iterator === iterator)) {
      remove(this.#iterators, waiter);
      waiter.resolve(DONE);
    }
  }

  /** Tick `tick` succeeded with `value`; `hitCount` counts it. */
  publish(tick: number, value: T, hitCount: number): void {
    if (this.#joins.length > 0) {
      const joins = this.#joins;
      this.#joins = [];
      for (const join of joins) join.resolve(value);
    }
    if (this.#iterators.length > 0) {
      const iterators = this.#iterators;
      this.#iterators = [];
      for (const waiter of iterators) waiter.resolve({ done: false, value });
    }
    if (this.#triggers.length > 0) {
      this.#triggers = this.#triggers.filter((waiter) => {
        if (waiter.tick > tick) return true;
        waiter.resolve(value);
        return false;
      });
    }
    if (this.#counts.length > 0) {
      this.#counts = this.#counts.filter((waiter) => {
        if (waiter.until > hitCount) return true;
        waiter.cancelTimeout?.();
        waiter.resolve(value);
        return false;
      });
    }
  }

  /**
   * Tick `tick` failed. Joins, triggers for it and conditional waits always get the error; when
   * it is `final` (the run stops), so do iterators and unconditional waits.
   */
  fail(tick: number, error: unknown, final: boolean, run: RunRecord | undefined): void {
    const joins = this.#joins;
    this.#joins = [];
    for (const join of joins) join.reject(error);
    this.#triggers = this.#triggers.filter((waiter) => {
      if (waiter.tick > tick && !final) return true;
      waiter.reject(error);
      return false;
    });
    const counts = this.#counts;
    this.#counts = [];
    for (const waiter of counts) {
      waiter.cancelTimeout?.();
      waiter.reject(error);
    }
    if (!final) return;
    if (run !== undefined) run.failure = { error };
    const iterators = this.#iterators;
    this.#iterators = [];
    for (const waiter of iterators) {
      waiter.iterator.failureDelivered = true;
      waiter.reject(error);
    }
    const stops = this.#stops;
    this.#stops = [];
    for (const waiter of stops) {
      waiter.cancelTimeout?.();
      waiter.reject(error);
    }
  }

  /** The run is over: nobody gets another tick. */
  end(lastResult: T | undefined): void {
    const joins = this.#joins;
    const triggers = this.#triggers;
    const counts = this.#counts;
    const iterators = this.#iterators;
    const stops = this.#stops;
    this.#joins = [];
    this.#triggers = [];
    this.#counts = [];
    this.#iterators = [];
    this.#stops = [];
    for (const join of joins) join.reject(stopped());
    for (const waiter of triggers) waiter.reject(stopped());
    for (const waiter of counts) {
      waiter.cancelTimeout?.();
      waiter.reject(stopped());
    }
    for (const waiter of iterators) waiter.resolve(DONE);
    for (const waiter of stops) {
      waiter.cancelTimeout?.();
      waiter.resolve(lastResult);
    }
  }
}

/**
 * `for await (const value of timer)`: the latest value of each tick that completes while the
 * loop waits. Ends when the run it was opened in ends; throws the error that stopped it (a
 * consumer busy at that moment gets the error on its next `next()`).
 */
export class TimerIterator<T> implements AsyncIterableIterator<T, undefined> {
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
