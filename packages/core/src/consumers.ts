/**
 * Who is waiting for a timer, and what each gets when a tick succeeds or fails or a run ends.
 *
 * Two kinds, as SPEC *Delivery* has them. *Waiters* — `join()`, `wait()`, `trigger()` — each
 * settle once. *Feeds* — the iteration over the timer and `subscribe()` — take values until their
 * run ends. Every consumer carries the run it belongs to, and every delivery names its run, so
 * an end that reaches the timer after a restart (a `cancel(); start()` made from inside one of
 * its callbacks) ends only the old run's consumers. All of this is made on first use: a timer
 * nobody waits for has none of it.
 *
 * @module
 */
import { TimerCancelledError } from "./errors.js";

/** `join()`: the next tick's value. */
export const JOIN = 0;
/** `trigger()`: the value of tick `n` or a later one. */
export const TRIGGER = 1;
/** `wait({ hitCount })`: resolves when `hitCount` reaches `n`. */
export const COUNT = 2;
/** `wait()` with no condition: resolves with the last value when the run ends. */
export const STOP = 3;

/** One pending `join()`, `trigger()` or `wait()`. */
export interface Waiter {
  readonly kind: typeof JOIN | typeof TRIGGER | typeof COUNT | typeof STOP;
  readonly run: number;
  /** Order of arrival: an error decided by `onError` concerns only those that came before. */
  readonly seq: number;
  /** TRIGGER: the first tick that answers it. COUNT: the hit count that answers it. */
  readonly n: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** What the caller awaits; concurrent triggers for the same tick share it. */
  readonly promise: Promise<unknown>;
  /** Disarms the deadline of a `wait({ timeout })`. */
  disarm?: (() => void) | undefined;
}

/** A consumer that takes values until its run ends: a subscription, or the timer's iteration. */
export interface Feed {
  /** The run it belongs to. */
  readonly run: number;
  /** A tick's value. */
  push(value: unknown): void;
  /** The run is over: what is buffered is still delivered, then the end (or `failure.error`). */
  end(failure?: { readonly error: unknown }): void;
}

function stopped(): TimerCancelledError {
  return new TimerCancelledError("the timer stopped before the awaited tick");
}

/** The consumers of one timer. */
export class Consumers {
  #waiters: Waiter[] = [];
  readonly feeds = new Set<Feed>();
  #seq = 0;
  /** While an error policy decides: only waiters with a lower `seq` receive the error. */
  #failSeq = Number.POSITIVE_INFINITY;

  /** Nobody waits and nothing is fed: a tick's value goes nowhere here. */
  idle(): boolean {
    return this.#waiters.length === 0 && this.feeds.size === 0;
  }

  /** A waiter of `kind` for run `run`; a TRIGGER for the same tick shares the one waiting. */
  wait(kind: Waiter["kind"], run: number, n: number): Waiter {
    if (kind === TRIGGER) {
      for (const waiter of this.#waiters) {
        if (waiter.kind === TRIGGER && waiter.n === n && waiter.run === run) return waiter;
      }
    }
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const waiter: Waiter = { kind, run, seq: this.#seq++, n, resolve, reject, promise };
    this.#waiters.push(waiter);
    return waiter;
  }

  /** Forgets `waiter` (its deadline passed); false if it was not waiting any more. */
  remove(waiter: Waiter): boolean {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return false;
    this.#waiters.splice(index, 1);
    return true;
  }

  /** Tick `tick` of run `run` succeeded with `value`; `hits` counts it. */
  publish(run: number, tick: number, value: unknown, hits: number): void {
    if (this.#waiters.length > 0) {
      this.#settle((waiter) => {
        if (waiter.run !== run) return false;
        switch (waiter.kind) {
          case JOIN:
            break;
          case TRIGGER:
            if (waiter.n > tick) return false;
            break;
          case COUNT:
            if (waiter.n > hits) return false;
            break;
          default:
            return false;
        }
        waiter.disarm?.();
        waiter.resolve(value);
        return true;
      });
    }
    // A feed may end itself while fed (a subscription closed from a consumer): iterate a copy.
    if (this.feeds.size > 0) {
      for (const feed of [...this.feeds]) if (feed.run === run) feed.push(value);
    }
  }

  /** An error policy is about to decide on a failed tick: later waiters ask for later ticks. */
  hold(): void {
    this.#failSeq = this.#seq;
  }

  /**
   * Tick `tick` of run `run` failed. Joins, triggers waiting for it and conditional waits get
   * the error; when it is `final` (the run stops), so does every waiter and feed of the run.
   */
  fail(run: number, tick: number, error: unknown, final: boolean): void {
    const before = this.#failSeq;
    this.#failSeq = Number.POSITIVE_INFINITY;
    this.#settle((waiter) => {
      if (waiter.run !== run || waiter.seq >= before) return false;
      const concerned =
        final ||
        waiter.kind === JOIN ||
        waiter.kind === COUNT ||
        (waiter.kind === TRIGGER && waiter.n <= tick);
      if (!concerned) return false;
      waiter.disarm?.();
      waiter.reject(error);
      return true;
    });
    if (final) this.#endFeeds(run, { error });
  }

  /** Run `run` is over: nobody of it gets another tick; `wait()`s with no condition get `last`. */
  end(run: number, last: unknown): void {
    this.#settle((waiter) => {
      if (waiter.run > run) return false;
      waiter.disarm?.();
      if (waiter.kind === STOP) waiter.resolve(last);
      else waiter.reject(stopped());
      return true;
    });
    this.#endFeeds(run, undefined);
  }

  #endFeeds(run: number, failure: { readonly error: unknown } | undefined): void {
    for (const feed of [...this.feeds]) if (feed.run <= run) feed.end(failure);
  }

  /**
   * Offers every waiter to `settled`, which settles it and returns true, or returns false to
   * keep it waiting. The list is replaced first, so a waiter added while settling (a consumer
   * that waits again at once) waits for the next event.
   */
  #settle(settled: (waiter: Waiter) => boolean): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    const kept = waiters.filter((waiter) => !settled(waiter));
    if (kept.length > 0) this.#waiters = kept.concat(this.#waiters);
  }
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

interface Pending<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

/**
 * `for await (const value of timer)`: the latest value of each tick that completes while the
 * loop waits (a busy loop misses ticks). Ends when the run it was opened in ends; throws the
 * error that stopped it — at once if the loop is waiting, else on its next `next()`.
 */
export class TimerIterator<T> implements AsyncIterator<T, undefined>, AsyncIterable<T>, Feed {
  readonly run: number;
  readonly #feeds: Set<Feed> | undefined;
  #pending: Pending<T>[] = [];
  #done = false;
  #failure: { readonly error: unknown } | undefined;

  /** @internal Use `timer[Symbol.asyncIterator]()`. Without `feeds`, it has ended already. */
  constructor(run: number, feeds: Set<Feed> | undefined, failure?: { readonly error: unknown }) {
    this.run = run;
    this.#feeds = feeds;
    this.#failure = failure;
    if (feeds === undefined) this.#done = true;
    else feeds.add(this);
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.#done) {
      return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
    }
    const failure = this.#failure;
    this.#failure = undefined;
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error);
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#failure = undefined;
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** @internal */
  push(value: unknown): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    for (const waiter of pending) waiter.resolve({ done: false, value: value as T });
  }

  /** @internal */
  end(failure?: { readonly error: unknown }): void {
    if (this.#done) return;
    this.#done = true;
    this.#feeds?.delete(this);
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0) {
      this.#failure = failure;
      return;
    }
    for (const waiter of pending) {
      if (failure === undefined) waiter.resolve(DONE);
      else waiter.reject(failure.error);
    }
  }
}
