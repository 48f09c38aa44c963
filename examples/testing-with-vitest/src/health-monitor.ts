/**
 * Application code that owns a timer: checks a dependency every `every` seconds and reports it
 * `degraded` after `threshold` failed checks in a row, `healthy` again on the first success.
 *
 * The one concession to testing is the optional `driver`: production code leaves it out (the
 * real clock); tests pass a `VirtualClock`.
 */
import { type Driver, type Duration, Timer } from "@async-timer/core";

export type Health = "starting" | "healthy" | "degraded";

export interface CheckResult {
  readonly ok: boolean;
  readonly error?: unknown;
  /** Failed checks in a row, this one included. */
  readonly failuresInARow: number;
}

export interface HealthMonitorOptions {
  /** Seconds between checks. Default 10. */
  every?: Duration;
  /** Failed checks in a row before the status turns `degraded`. Default 3. */
  threshold?: number;
  /** Called whenever the status changes. */
  onChange?: (status: Health, previous: Health) => void;
  driver?: Driver;
}

export class HealthMonitor implements AsyncDisposable {
  #status: Health = "starting";
  #failuresInARow = 0;
  readonly #timer: Timer<CheckResult>;
  readonly #threshold: number;
  readonly #onChange: HealthMonitorOptions["onChange"];

  constructor(
    check: (signal: AbortSignal) => Promise<unknown>,
    options: HealthMonitorOptions = {},
  ) {
    this.#threshold = options.threshold ?? 3;
    this.#onChange = options.onChange;
    // A failed check is a result, not an error of the timer: the schedule goes on either way.
    this.#timer = new Timer(
      options.every ?? 10,
      async ({ signal }): Promise<CheckResult> => {
        try {
          await check(signal);
          this.#failuresInARow = 0;
          this.#set("healthy");
          return { ok: true, failuresInARow: 0 };
        } catch (error) {
          this.#failuresInARow += 1;
          if (this.#failuresInARow >= this.#threshold) this.#set("degraded");
          return { ok: false, error, failuresInARow: this.#failuresInARow };
        }
      },
      { name: "health", ...(options.driver && { driver: options.driver }) },
    );
  }

  get status(): Health {
    return this.#status;
  }

  /** Checks run so far. */
  get checks(): number {
    return this.#timer.hitCount;
  }

  /** Starts checking; resolves with the first check's result. */
  async start(): Promise<CheckResult> {
    this.#timer.start();
    return this.#timer.join();
  }

  /** Checks now (an operator's "re-check" button) and resolves with a fresh result. */
  checkNow(): Promise<CheckResult> {
    return this.#timer.trigger();
  }

  /** Stops checking; resolves once a check in flight has finished. */
  stop(): Promise<void> {
    return this.#timer.cancel();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #set(status: Health): void {
    const previous = this.#status;
    if (status === previous) return;
    this.#status = status;
    this.#onChange?.(status, previous);
  }
}
