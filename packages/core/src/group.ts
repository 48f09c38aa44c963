import { type CancelOptions, readTimeout, readWait, type WaitOptions } from "./call-options.js";
import { checkName, checkOptions, invalid } from "./check.js";
import { armDeadline } from "./driver.js";
import type { Duration } from "./duration.js";
import { TimerTimeoutError } from "./errors.js";
import { type Logger, writeLog } from "./logger.js";
import { checkLogger } from "./options.js";
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
 * Every operation on the members is one attempt per member: a member that throws or rejects
 * never keeps the others from being attempted. `add()` returns the timer and starts it if the
 * group is active. `start()` is idempotent; if members fail to start, the members it started are
 * cancelled and it throws an `AggregateError` of the failures. `cancel()` cancels every member
 * concurrently, logs (never throws) individual failures and resolves when all have.
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
    checkOptions(options, "options", "name logger");
    checkName(options?.name, "name");
    this.name = options?.name;
    this.#logger = checkLogger(options?.logger);
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
   * Starts every member that is not running. Idempotent. Every member is attempted; if any
   * fails to start, the members started by this call are cancelled again and an `AggregateError`
   * of the failures is thrown.
   */
  start(): this {
    if (this.#active) return this;
    const timers = this.#timers;
    const started: Timer<unknown>[] = [];
    const failures: Failure[] = [];
    timers.forEach((timer, index) => {
      try {
        if (!timer.isRunning()) {
          timer.start();
          started.push(timer);
        }
      } catch (error) {
        failures.push([index, error]);
      }
    });
    const failure = this.#failure("start", timers, failures);
    if (failure !== undefined) {
      void this.#cancelAll(started, undefined);
      throw failure;
    }
    this.#active = true;
    return this;
  }

  /** True when the group is active and every member runs. */
  isRunning(): boolean {
    return this.#active && this.#timers.every((timer) => timer.isRunning());
  }

  /**
   * Cancels every member concurrently; resolves when all have. Never rejects because of a member:
   * a member whose `cancel()` throws or rejects is logged at error level.
   */
  cancel(options?: CancelOptions): Promise<void> {
    readTimeout(options, "cancel", this.#logger, this.name); // bad options throw here, before any member is touched
    this.#active = false;
    return this.#cancelAll(this.#timers, options);
  }

  async #cancelAll(timers: Timer<unknown>[], options: CancelOptions | undefined): Promise<void> {
    for (const [index, error] of await attempt(timers, (timer) => timer.cancel(options))) {
      writeLog(
        this.#logger,
        "error",
        this.name,
        `cancelling ${label(timers[index], index)} failed`,
        error,
      );
    }
  }

  /**
   * `wait()` on every member with the same options; resolves with `[timer, value]` pairs in
   * member order once every member's wait has. The timeout bounds the whole group (every member
   * waits against it at once). If members fail, rejects with an `AggregateError` of their errors
   * once every member's wait has settled.
   */
  wait(options?: WaitOptions): Promise<MemberValue[]> {
    readWait(options, this.#logger, this.name); // checked here too, so a group with no members refuses what they would
    return this.#all("wait", (timer) => timer.wait(options));
  }

  /**
   * `trigger()` on every member; resolves with `[timer, value]` pairs in member order. With
   * `timeout`, a member not done in time fails with `TimerTimeoutError` — each member timed on its
   * own driver, as `wait()` does, so members on different clocks are all bounded. If members
   * fail, rejects with an `AggregateError` of their errors once every member has settled.
   */
  trigger(options?: { timeout?: Duration | undefined }): Promise<MemberValue[]> {
    const timeout = readTimeout(options, "trigger", this.#logger, this.name);
    const message = `${String(this)}: trigger() timed out after ${(timeout ?? 0) / 1000}s`;
    return this.#all("trigger", (timer) => {
      if (timeout === undefined) return timer.trigger();
      let disarm = (): void => {};
      return new Promise((resolve, reject) => {
        const driver = timer.driver;
        disarm = armDeadline(driver, driver.now() + timeout, () =>
          reject(new TimerTimeoutError(message)),
        );
        timer.trigger().then(resolve, reject);
      }).finally(() => disarm()); // once the member has its answer, its deadline may not keep a process up
    });
  }

  /** `operation` on every member; `[timer, value]` pairs, or an `AggregateError` of the failures. */
  async #all(
    method: string,
    operation: (timer: Timer<unknown>) => unknown,
  ): Promise<MemberValue[]> {
    const timers = [...this.#timers];
    const values: MemberValue[] = [];
    const failure = this.#failure(
      method,
      timers,
      await attempt(timers, operation, (timer, value) => values.push([timer, value])),
    );
    if (failure !== undefined) throw failure;
    return values;
  }

  /** One `AggregateError` for the members that failed, if any did. */
  #failure(
    method: string,
    timers: Timer<unknown>[],
    failures: Failure[],
  ): AggregateError | undefined {
    return failures.length === 0
      ? undefined
      : new AggregateError(
          failures.map((failure) => failure[1]),
          `${String(this)}: ${method}() failed for ${failures.map(([index]) => label(timers[index], index)).join(", ")}`,
        );
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

/** A member that failed (its index) and its error. */
type Failure = [index: number, error: unknown];

/**
 * `operation` on each member, each attempt on its own: a member that throws or rejects only
 * fails itself. Resolves, once all have settled, with the failures; `ok` receives the values.
 */
async function attempt(
  timers: Timer<unknown>[],
  operation: (timer: Timer<unknown>) => unknown,
  ok?: (timer: Timer<unknown>, value: unknown) => void,
): Promise<Failure[]> {
  const failures: Failure[] = [];
  const results = await Promise.allSettled(
    timers.map((timer) => new Promise((resolve) => resolve(operation(timer)))),
  );
  results.forEach((result, index) => {
    if (result.status === "rejected") failures.push([index, result.reason]);
    else ok?.(timers[index] as Timer<unknown>, result.value);
  });
  return failures;
}

/** A member as messages name it; a duck-typed member's `toString()` may throw. */
function label(timer: unknown, index: number): string {
  try {
    return String(timer);
  } catch {
    return `member ${index}`;
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
