import { checkCount } from "./check.js";
import type { Feed } from "./consumers.js";
import type { LogLevel } from "./logger.js";
import { Repeated, START } from "./logger.js";
import { Ring } from "./ring.js";

/**
 * Options of `timer.subscribe()`.
 *
 * @example
 * ```ts
 * const options: SubscribeOptions = { maxsize: 10, name: "metrics-sink" };
 * const feed = timer.subscribe(options);
 * ```
 */
export interface SubscribeOptions {
  /** Bound of the queue; on overflow the oldest value is dropped. `0` or omitted: unbounded. */
  maxsize?: number | undefined;
  /** Shown in log lines and `toString()`. */
  name?: string | undefined;
}

interface Pending<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: unknown): void;
}

/** What a subscription needs from its timer. */
export interface SubscriptionOwner {
  /** Where the timer's feeds are; a subscription leaves it when it closes. */
  readonly feeds: Set<Feed>;
  /** Writes a line to the timer's logger. */
  log(level: LogLevel, message: string): void;
  /** The timer's driver's monotonic clock, for the drop summaries. */
  now(): number;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A per-consumer feed of a timer's values: its own FIFO queue that receives **every** successful
 * tick from the moment it subscribed, in order, however slow its consumer is. Created by
 * `timer.subscribe()`.
 *
 * When the timer stops, the consumer first receives everything buffered, then the iteration
 * ends; when the target fails (and the error policy stops the timer), it receives what was
 * buffered, then the iteration throws the error. A subscription belongs to one run: subscribe
 * again after a restart. Leaving a `for await` over it (`break`, `return`) closes it.
 *
 * @example
 * ```ts
 * await using feed = timer.subscribe({ maxsize: 100, name: "metrics-sink" });
 * for await (const value of feed) {
 *   if (feed.qsize > 10) feed.dropOldest(feed.qsize - 1); // shed load: keep only the newest
 *   await slowExport(value);
 * }
 * ```
 */
export class Subscription<T>
  implements AsyncIterator<T, undefined>, AsyncIterable<T>, AsyncDisposable
{
  /** The name given to `subscribe()`, or one made up from the timer's name and a number. */
  readonly name: string;
  /** The queue bound; `0` means unbounded. */
  readonly maxsize: number;
  /** @internal The run it belongs to. */
  readonly run: number;
  // Internals hold `unknown`, so that T appears only where a consumer reads: that keeps
  // Subscription<number> assignable to Subscription<unknown>.
  readonly #buffer = new Ring<unknown>();
  readonly #pending: Pending<unknown>[] = [];
  readonly #owner: SubscriptionOwner;
  #dropped = 0;
  /** The drops, logged as a repeated condition; made at the first. */
  #drops: Repeated | undefined;
  /** `open`, then `ending` once the run is over (the buffer still drains), then `closed`. */
  #state: "open" | "ending" | "closed" = "open";
  #error: { readonly error: unknown } | undefined;

  /** @internal Use `timer.subscribe()`. */
  constructor(owner: SubscriptionOwner, name: string, maxsize: number, run: number) {
    this.#owner = owner;
    this.name = name;
    this.maxsize = maxsize;
    this.run = run;
    owner.feeds.add(this);
  }

  /** Values buffered and not yet consumed (the end-of-stream marker does not count). */
  get qsize(): number {
    return this.#buffer.size;
  }

  /** Values this subscription lost: dropped on overflow, plus those removed by `dropOldest`. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /**
   * Removes up to `n` of the oldest buffered values and returns how many it removed; they count
   * in `droppedCount`. Never removes the end-of-stream or error marker.
   */
  dropOldest(n: number): number {
    const removed = this.#buffer.drop(checkCount(n, "dropOldest(n): n"));
    this.#dropped += removed;
    return removed;
  }

  /** The next value; `{ done: true }` after the end; rejects with the target's error. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.size > 0) {
      return Promise.resolve({ done: false, value: this.#buffer.shift() as T });
    }
    if (this.#state === "open") {
      return new Promise((resolve, reject) =>
        this.#pending.push({ resolve: resolve as Pending<unknown>["resolve"], reject }),
      );
    }
    return this.#finish();
  }

  /** Closes the subscription (what `break` in a `for await` calls). */
  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  /** A subscription is its own iterator: `for await (const value of feed)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Unsubscribes at once: the buffer is discarded and a waiting `next()` ends. */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#buffer.clear();
    this.#error = undefined;
    this.#left();
    for (const pending of this.#pending.splice(0)) pending.resolve(DONE);
  }

  /** `await using feed = timer.subscribe()` closes it when the block exits. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  toString(): string {
    const bound = this.maxsize === 0 ? "unbounded" : `maxsize=${this.maxsize}`;
    return `Subscription(${this.name}, ${bound}, qsize=${this.qsize}, dropped=${this.#dropped}, ${this.#state})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal A tick's value arrives. */
  push(value: unknown): void {
    if (this.#state !== "open") return;
    const waiter = this.#pending.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value });
      return;
    }
    const drops = this.#drops;
    if (this.maxsize > 0 && this.#buffer.size >= this.maxsize) {
      this.#buffer.shift();
      this.#dropped++;
      this.#drops ??= new Repeated(`subscription "${this.name}" dropped values`);
      const line = (this.#drops as Repeated).hit(this.#owner.now(), 1);
      if (line === START) {
        this.#owner.log(
          "warn",
          `subscription "${this.name}" is full (maxsize ${this.maxsize}); dropped its oldest value`,
        );
      } else if (line !== undefined) this.#owner.log("warn", line);
    } else if (drops !== undefined) this.#quiet(false);
    this.#buffer.push(value);
  }

  /** No drop now: the drops' closing or summary line, if one is due. */
  #quiet(final: boolean): void {
    const line = this.#drops?.clear(this.#owner.now(), final);
    if (line !== undefined) this.#owner.log("warn", line);
  }

  /** Leaves the timer's feeds, closing the drops' account. */
  #left(): void {
    this.#owner.feeds.delete(this);
    this.#quiet(true);
  }

  /** @internal The run is over: deliver the buffer, then end (or throw `failure.error`). */
  end(error?: { readonly error: unknown }): void {
    if (this.#state !== "open") return;
    this.#state = "ending";
    this.#error = error;
    // Only a consumer already waiting can be answered now; its buffer is empty by definition.
    for (const pending of this.#pending.splice(0)) {
      this.#finish().then(pending.resolve, pending.reject);
    }
  }

  #finish(): Promise<IteratorResult<T, undefined>> {
    const failure = this.#error;
    this.#error = undefined;
    if (this.#state === "ending") {
      this.#state = "closed";
      this.#left();
    }
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error);
  }
}
