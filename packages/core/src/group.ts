import { type CancelOptions, readTimeout, readWait, type WaitOptions } from "./call-options.js";
import { checkOptional, checkOptions, invalid } from "./check.js";
import { armDeadline } from "./driver.js";
import type { Duration } from "./duration.js";
import { TimerTimeoutError } from "./errors.js";
import { type Logger, readLogger, writeLog } from "./logger.js";
import type { Timer } from "./timer.js";

/**
 * Options of `new TimerGroup(timers, options)`.
 *
 * @example
 * ```ts
 * const options: GroupOptions = { name: "upkeep", logger: console };
 * const group = new TimerGroup([], options);
 * ```
 */
export interface GroupOptions {
  /** Shown in `toString()` and log lines. */
  name?: string | undefined;
  /** Where the group logs a member that failed to cancel; default: `console` warn/error. */
  logger?: Logger | undefined;
}

/**
 * A member of a group and the value it produced, as `wait()` and `trigger()` return them.
 *
 * @example
 * ```ts
 * const results: MemberValue[] = await group.trigger();
 * for (const [timer, value] of results) console.log(timer.name, value);
 * ```
 */
export type MemberValue = readonly [timer: Timer<unknown>, value: unknown];

/**
 * Timers with a shared lifecycle: started together, cancelled together.
 *
 * `add()` returns the timer and starts it if the group is active. `start()` is idempotent; if
 * one member fails to start, the members it started are cancelled and the error is rethrown.
 * `cancel()` cancels every member concurrently, logs (never throws) individual failures and
 * resolves when all have.
 *
 * @example
 * ```ts
 * import { Timer, TimerGroup } from "@async-timer/core";
 *
 * await using group = new TimerGroup([], { name: "upkeep" });
 * group.add(new Timer(5, refreshDb));
 * group.add(new Timer(60, pruneCache));
 * group.start(); // both running; both cancelled when the scope exits
 * ```
 */
export class TimerGroup implements Iterable<Timer<unknown>>, AsyncDisposable {
  /** The name given in the options. */
  readonly name: string | undefined;
  readonly #timers: Timer<unknown>[] = [];
  readonly #logger: Logger;
  #active = false;

  constructor(timers?: Iterable<Timer<unknown>>, options?: GroupOptions) {
    checkOptions(options);
    checkOptional(options?.name, "string", "name");
    this.name = options?.name;
    this.#logger = readLogger(options?.logger);
    if (timers !== undefined) {
      if (typeof (timers as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
        throw invalid("timers", "an iterable of Timer", timers);
      }
      // A bad member is named as the caller wrote it: the constructor was called, not add().
      let index = 0;
      for (const timer of timers) this.#admit(timer, `timers[${index++}]`);
    }
  }

  /** Number of member timers. */
  get size(): number {
    return this.#timers.length;
  }

  /** Whether `timer` is a member. */
  has(timer: Timer<unknown>): boolean {
    return this.#timers.includes(timer);
  }

  /** Adds `timer` (once) and returns it; starts it if the group is active and it is not running. */
  add<T>(timer: Timer<T>): Timer<T> {
    this.#admit(timer, "add(timer): timer");
    if (this.#active && !timer.isRunning()) timer.start();
    return timer;
  }

  /** Makes `timer` a member, once; if it is not a timer, the error names it `argument`. */
  #admit(timer: unknown, argument: string): void {
    // Duck-typed, not `instanceof`: two installed copies of core must still mix.
    if (!isTimerLike(timer)) throw invalid(argument, "a Timer", timer);
    if (!this.#timers.includes(timer)) this.#timers.push(timer);
  }

  /**
   * Starts every member that is not running. Idempotent. If one fails to start, the members
   * started by this call are cancelled and the error is rethrown.
   */
  start(): this {
    if (this.#active) return this;
    const started: Timer<unknown>[] = [];
    try {
      for (const timer of this.#timers) {
        if (timer.isRunning()) continue;
        timer.start();
        started.push(timer);
      }
    } catch (error) {
      // cancel() never rejects; the promises are left to finish on their own.
      for (const timer of started) void timer.cancel();
      throw error;
    }
    this.#active = true;
    return this;
  }

  /** True when the group is active and every member runs. */
  isRunning(): boolean {
    return this.#active && this.#timers.every((timer) => timer.isRunning());
  }

  /** Cancels every member concurrently; resolves when all have, logging (not throwing) failures. */
  cancel(options?: CancelOptions): Promise<void> {
    readTimeout(options, "cancel"); // bad options throw here, before any member is touched
    this.#active = false;
    return this.#cancelAll(options);
  }

  async #cancelAll(options: CancelOptions | undefined): Promise<void> {
    const results = await Promise.allSettled(this.#timers.map((timer) => timer.cancel(options)));
    results.forEach((result, index) => {
      if (result.status === "rejected") {
        writeLog(
          this.#logger,
          "error",
          this.name,
          `cancelling ${String(this.#timers[index])} failed`,
          result.reason,
        );
      }
    });
  }

  /**
   * `wait()` on every member with the same options; resolves with `[timer, value]` pairs in
   * member order. The timeout bounds the whole group (every member waits against it at once).
   */
  wait(options?: WaitOptions): Promise<MemberValue[]> {
    readWait(options); // checked here too, so a group with no members refuses what they would
    return Promise.all(
      this.#timers.map((timer) => timer.wait(options).then((value): MemberValue => [timer, value])),
    );
  }

  /**
   * `trigger()` on every member; resolves with `[timer, value]` pairs in member order. With
   * `timeout`, rejects with `TimerTimeoutError` if they are not all done in time — each member
   * timed on its own driver, as `wait()` does, so members on different clocks are all bounded.
   */
  trigger(options?: { timeout?: Duration | undefined }): Promise<MemberValue[]> {
    const timeout = readTimeout(options, "trigger");
    if (timeout === undefined) {
      return Promise.all(
        this.#timers.map((timer) => timer.trigger().then((value): MemberValue => [timer, value])),
      );
    }
    const message = `${String(this)}: trigger() timed out after ${timeout / 1000}s`;
    const disarms: (() => void)[] = [];
    const all = Promise.all(
      this.#timers.map(
        (timer) =>
          new Promise<MemberValue>((resolve, reject) => {
            const driver = timer.driver;
            disarms.push(
              armDeadline(driver, driver.now() + timeout, () =>
                reject(new TimerTimeoutError(message)),
              ),
            );
            timer.trigger().then((value) => resolve([timer, value]), reject);
          }),
      ),
    );
    // Once the group has its answer, no member's deadline is needed (nor may keep a process up).
    const disarm = (): void => {
      for (const disarmOne of disarms) disarmOne();
    };
    all.then(disarm, disarm);
    return all;
  }

  /** The member timers, in the order they were added. */
  [Symbol.iterator](): IterableIterator<Timer<unknown>> {
    return this.#timers[Symbol.iterator]();
  }

  /** `await using group = new TimerGroup()` cancels every member when the scope exits. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.cancel();
  }

  /** E.g. `TimerGroup(upkeep, 2 timers, running)`. */
  toString(): string {
    const name = this.name === undefined ? "" : `${this.name}, `;
    const count = `${this.#timers.length} timer${this.#timers.length === 1 ? "" : "s"}`;
    return `TimerGroup(${name}${count}, ${this.#active ? "running" : "idle"})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function isTimerLike(value: unknown): value is Timer<unknown> {
  const timer = value as Partial<Timer<unknown>> | null;
  return (
    typeof timer === "object" &&
    timer !== null &&
    typeof timer.start === "function" &&
    typeof timer.cancel === "function" &&
    typeof timer.isRunning === "function"
  );
}
