/**
 * The classes of contract violation of issue #19, each planted in a timer broken through core's
 * public API only (a wrapped Timer, target, options or driver — never core's internals, so these
 * faults hold across a rewrite of core), and each caught by its invariant, which must name the
 * clause that broke. (With no fault planted every invariant holds: properties.test.ts.)
 */
import type {
  CancelOptions,
  Driver,
  Duration,
  GateAnswer,
  Target,
  TickContext,
  TimerObserver,
  TimerOptions,
  WaitOptions,
  WakeHandle,
} from "@async-timer/core";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { seededRandom, virtualClockHarness } from "../src/index.js";
import {
  type HarnessFactory,
  type InvariantName,
  invariantNames,
  invariants,
  Violation,
} from "../src/properties.js";
import { classFaults, legacyFaults } from "./planted.js";

const fault = vi.hoisted(() => ({ current: "none" }));

vi.mock("@async-timer/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@async-timer/core")>();

  /** What the fault wrappers of one timer know about it. */
  interface Track {
    inFlight: number;
    /** True while onError or onCancel runs. */
    inHook: boolean;
    runs: number;
    cancelled: boolean;
    firstTickAt: number | undefined;
    lastSuccessStartedAt: number | undefined;
    late: unknown[];
    lateErrors: unknown[];
    observers: TimerObserver<unknown>[];
    pendingDelay: Duration | undefined;
    driver: Driver;
    delayMs: number;
    timer: { trigger(): Promise<unknown> } | undefined;
    onError: TimerOptions<unknown>["onError"];
    logger: TimerOptions<unknown>["logger"];
    /** The target as given, to call once more after cancel(). */
    target: Target<unknown>;
    /** Resolved when no tick is in flight. */
    idle: (() => void)[];
    /** The last source's return(), as the source gave it. */
    closing: unknown;
    /** The errors the target failed with, in order. */
    failed: unknown[];
  }

  class FaultyTimer<T> extends core.Timer<T> {
    readonly #track: Track;

    constructor(delay: Duration, target: Target<T>, given: TimerOptions<T> = {}) {
      // A bad options bag goes to core as given, for core to refuse (bad-arguments).
      let options = typeof given === "object" && given !== null ? given : {};
      if (fault.current === "stale-settings") {
        // A settings cache keyed on too little: a bag with the last one's mode gets its settings.
        const last = lastBag.options as TimerOptions<T> | undefined;
        if (last !== undefined && last.mode === options.mode) {
          options = { ...options, jitter: last.jitter, initialDelay: last.initialDelay };
        }
        lastBag.options = options as TimerOptions<unknown>;
      }
      const track: Track = {
        inFlight: 0,
        inHook: false,
        runs: 0,
        cancelled: false,
        firstTickAt: undefined,
        lastSuccessStartedAt: undefined,
        late: [],
        lateErrors: [],
        observers: [],
        pendingDelay: undefined,
        driver: options.driver ?? core.realDriver,
        delayMs: core.toMilliseconds(delay, "delay"),
        timer: undefined,
        onError: options.onError as TimerOptions<unknown>["onError"],
        logger: options.logger,
        target: target as Target<unknown>,
        idle: [],
        closing: undefined,
        failed: [],
      };
      try {
        super(
          delay,
          brokenTarget(target, track),
          options === given ? brokenOptions(options, track) : given,
        );
      } catch (error) {
        if (fault.current !== "no-suggestion" || !(error instanceof TypeError)) throw error;
        throw new TypeError(error.message.replace(/; did you mean .*$/, ""));
      }
      this.#track = track;
      track.timer = this;
      if (fault.current === "no-stopping") {
        // A cancelled run whose tick still settles reads as idle.
        Object.defineProperty(this, "state", {
          get: () => {
            const state = Reflect.get(core.Timer.prototype, "state", this);
            return state === "stopping" ? "idle" : state;
          },
        });
      }
      if (fault.current === "forgets-failure") {
        // Reads core's state (a getter, once core has one) and hides a failure.
        Object.defineProperty(this, "state", {
          get: () => {
            const state = Reflect.get(core.Timer.prototype, "state", this);
            return state === "failed" ? "idle" : state;
          },
        });
      }
    }

    override start(): this {
      const track = this.#track;
      const settling = track.inFlight > 0;
      if (fault.current === "refused-restart" && settling) {
        throw new core.TimerStateError("start() was called on a timer that is already running");
      }
      super.start();
      track.runs++;
      track.cancelled = false;
      if (fault.current === "restart-skips-initial-delay" && settling) {
        super.trigger().catch(() => {});
      }
      if (fault.current === "bogus-skip-warning" && track.runs > 1) {
        track.logger?.warn?.("[async-timer] fixed_rate: skipped 3 slots; the tick ran past them");
      }
      return this;
    }

    override cancel(options?: CancelOptions): Promise<void> {
      const track = this.#track;
      track.cancelled = true;
      if (fault.current === "cancel-ignores-timeout") return super.cancel();
      const cancelled = super.cancel(options);
      if (fault.current === "hasty-cancel") return Promise.resolve();
      if (fault.current === "hook-deadlock" && track.inHook) {
        // Waits for the hook that is waiting for it.
        return cancelled.then(() => new Promise<void>(() => {}));
      }
      if (fault.current === "inside-deadlock" && track.inFlight > 0) {
        // Always waits for the tick in flight: from inside that tick, for ever.
        return cancelled.then(() => new Promise<void>((resolve) => track.idle.push(resolve)));
      }
      if (fault.current === "given-up-closing-awaited" && options?.timeout === undefined) {
        // Every cancel() waits for the last source's cleanup, even one given up on.
        return cancelled.then(() => track.closing as Promise<void>);
      }
      if (fault.current === "tick-after-cancel" && typeof track.target === "function") {
        const target = track.target;
        // The target runs once more after cancel() resolved.
        return cancelled.then(() => {
          try {
            const result = target({ hitCount: 0, signal: AbortSignal.abort() });
            Promise.resolve(result).catch(() => {});
          } catch {}
        });
      }
      return cancelled;
    }

    override wait(options?: WaitOptions): Promise<T | undefined> {
      if (
        fault.current === "unconditional-wait-rejects" &&
        options?.hits === undefined &&
        options?.hitCount === undefined
      ) {
        // A wait() with no condition treats the end of the run as a failure.
        return super.wait(options).then((value) => {
          if (this.isRunning()) return value;
          throw new core.TimerCancelledError("the timer stopped");
        });
      }
      if (fault.current !== "wait-rejects") return super.wait(options);
      try {
        return super.wait(options);
      } catch (error) {
        return Promise.reject(error); // a bad argument surfaces only where the promise is awaited
      }
    }

    override join(): Promise<T> {
      const joined = super.join();
      if (fault.current !== "join-survives-cancel") return joined;
      return new Promise<T>((resolve, reject) => {
        joined.then(resolve, (error: unknown) => {
          if (!(error instanceof core.TimerCancelledError)) reject(error);
        });
      });
    }

    override setDelay(delay: Duration): void {
      const track = this.#track;
      if (fault.current === "lenient-set-delay" || fault.current === "vague-messages") {
        try {
          super.setDelay(delay);
        } catch (error) {
          if (fault.current === "vague-messages") {
            throw new (error instanceof RangeError ? RangeError : TypeError)("bad delay");
          }
        }
        return;
      }
      if (fault.current === "lenient-durations" && typeof delay === "string") {
        delay = delay.trim().toLowerCase() as Duration; // "5S", " 5s" taken for "5s"
      }
      if (fault.current === "seconds-as-ms" && typeof delay === "number") {
        delay = `${delay}ms`; // the JavaScript habit
      }
      if (fault.current === "range-as-type") {
        try {
          super.setDelay(delay);
        } catch (error) {
          throw new TypeError((error as Error).message); // an out-of-range delay of the wrong class
        }
        return;
      }
      if (fault.current === "set-delay-next-tick" && track.inFlight > 0) {
        track.pendingDelay = delay; // applied when the next tick starts: one sleep late
        return;
      }
      super.setDelay(delay);
      if (fault.current === "set-delay-cuts-sleep" && this.isRunning() && track.inFlight === 0) {
        super.trigger().catch(() => {});
      }
    }

    override get hitCount(): number {
      return super.hitCount + (fault.current === "late-result" ? this.#track.late.length : 0);
    }

    override get lastResult(): T | undefined {
      const late = this.#track.late;
      if (fault.current === "late-result" && late.length > 0) return late.at(-1) as T;
      return super.lastResult;
    }

    override get lastTickAt(): number | undefined {
      const correct = super.lastTickAt;
      if (fault.current !== "last-tick-at-start" || correct === undefined) return correct;
      return this.#track.lastSuccessStartedAt;
    }

    override toString(): string {
      const shown = super.toString();
      // The name left out, as a hand-written toString() might.
      return fault.current === "nameless-to-string" && this.name !== undefined
        ? shown.replace(`${this.name}, `, "")
        : shown;
    }

    override [Symbol.asyncIterator](): AsyncIterator<T, undefined> & AsyncIterable<T> {
      const iterator = super[Symbol.asyncIterator]();
      const failed = this.#track.failed;
      const next = iterator.next.bind(iterator);
      if (fault.current === "iterator-sees-continue-error") {
        // A loop busy when a tick failed gets the error on its next next(), whatever the policy.
        let seen = failed.length;
        iterator.next = () => {
          if (failed.length === seen) return next();
          const error = failed[seen];
          seen = failed.length;
          return Promise.reject(error);
        };
      }
      if (fault.current === "busy-iterator-misses-error") {
        // A loop busy when the stopping error came just ends.
        iterator.next = () => {
          const before = failed.length;
          return next().catch((error: unknown) => {
            if (failed.length > before) throw error;
            return { done: true, value: undefined };
          });
        };
      }
      if (fault.current !== "iterator-ignores-return") return iterator;
      // return() answers done but leaves the iterator open.
      iterator.return = () => Promise.resolve({ done: true, value: undefined });
      return iterator;
    }

    override subscribe(options?: Parameters<typeof core.Timer.prototype.subscribe>[0]) {
      const feed = super.subscribe(options);
      // return() answers done but leaves the subscription open, buffering.
      if (fault.current === "subscription-ignores-return") {
        feed.return = () => Promise.resolve({ done: true, value: undefined });
      }
      if (fault.current === "close-keeps-buffer") {
        // close() unsubscribes but what was buffered can still be read.
        const close = feed.close.bind(feed);
        const next = feed.next.bind(feed);
        const kept: ReturnType<typeof next>[] = [];
        feed.close = () => {
          while (feed.qsize > 0) kept.push(next());
          close();
        };
        feed.next = () => kept.shift() ?? next();
      }
      if (fault.current === "ring-grows-unwrapped") {
        // Past its first size the queue gives two values swapped.
        const next = feed.next.bind(feed);
        const stash: ReturnType<typeof next>[] = [];
        feed.next = () => {
          const held = stash.pop();
          if (held !== undefined) return held;
          if (feed.qsize <= 8) return next();
          stash.push(next());
          return next();
        };
      }
      return feed;
    }

    override observe(observer: TimerObserver<T>): () => void {
      this.#track.observers.push(observer as TimerObserver<unknown>);
      if (fault.current === "sticky-observer") {
        super.observe(observer);
        return () => {}; // removing it does nothing
      }
      if (fault.current === "late-ticked") {
        // Each value is heard when the next event comes: a run's last one after its end.
        let held: (() => void) | undefined;
        const flush = () => {
          const deliver = held;
          held = undefined;
          deliver?.();
        };
        return super.observe({
          started: () => {
            flush();
            observer.started?.();
          },
          delayed: (seconds) => observer.delayed?.(seconds),
          ticked: (value) => {
            flush();
            held = () => observer.ticked?.(value);
          },
          ended: (reason) => {
            observer.ended?.(reason);
            flush();
          },
        });
      }
      if (fault.current === "unguarded-observer") {
        // One observer of core's calls the others in turn: one that fails stops the rest.
        const track = this.#track;
        if (track.observers.length === 1) {
          const all = (event: keyof TimerObserver<unknown>) => (argument: unknown) => {
            for (const each of track.observers) {
              (each[event] as ((a: unknown) => void) | undefined)?.(argument);
            }
          };
          super.observe({
            started: all("started") as () => void,
            ticked: all("ticked"),
            ended: all("ended"),
            delayed: all("delayed"),
          });
        }
        return () => {
          track.observers.splice(track.observers.indexOf(observer as TimerObserver<unknown>), 1);
        };
      }
      return super.observe(observer);
    }
  }

  function brokenOptions<T>(options: TimerOptions<T>, track: Track): TimerOptions<T> {
    const broken: TimerOptions<T> = { ...options };
    if (fault.current === "narrow-jitter" && options.jitter !== undefined) {
      broken.jitter = options.jitter / 2;
    }
    const onError = options.onError;
    if (fault.current === "continue-logs-every-error" && onError === "continue") {
      broken.onError = () => {
        options.logger?.error?.(
          '[async-timer] tick failed; the timer goes on (onError: "continue")',
        );
        return "continue";
      };
    }
    if (typeof onError === "function") {
      if (fault.current === "on-error-twice") {
        broken.onError = (error, timer) => {
          onError(error, timer);
          return onError(error, timer);
        };
      }
      if (fault.current === "promise-answer-continues") {
        broken.onError = (error, timer) => {
          const answer: unknown = onError(error, timer);
          if (typeof (answer as PromiseLike<unknown> | undefined)?.then !== "function") {
            return answer as "stop" | "continue" | undefined;
          }
          (answer as Promise<unknown>).catch(() => {});
          return "continue";
        };
      }
    }
    if (fault.current === "listener-per-timer" && options.signal !== undefined) {
      // Each timer listens for itself, and never stops listening.
      options.signal.addEventListener("abort", () => {});
    }
    const lease = options.lease;
    if (lease !== undefined && fault.current.startsWith("gate-")) {
      // The timer's side of the gate, broken: what it does with the answers it gets.
      const answered = (answer: GateAnswer): GateAnswer => {
        if (fault.current === "gate-runs-refused" && !answer.granted) {
          return { granted: true, fence: { epoch: 0, slot: -1 }, next: answer.next };
        }
        if (fault.current === "gate-ignores-next") return { ...answer, next: undefined };
        return answer;
      };
      broken.lease = {
        ...(lease.started === undefined ? {} : { started: (run) => lease.started?.(run) }),
        ended: () => {
          if (fault.current === "gate-end-unlogged") {
            // A release that fails is swallowed, never logged.
            try {
              return Promise.resolve(lease.ended?.()).catch(() => {});
            } catch {
              return;
            }
          }
          const ended = lease.ended?.();
          if (fault.current !== "gate-end-not-awaited") return ended;
          Promise.resolve(ended).catch(() => {}); // dropped, not unhandled
        },
        claim: (request) => {
          const answer = lease.claim(request);
          return typeof (answer as PromiseLike<GateAnswer>).then === "function"
            ? Promise.resolve(answer).then(answered)
            : answered(answer as GateAnswer);
        },
      };
    }
    if (fault.current === "hook-deadlock") {
      const hooked =
        <A extends unknown[], R>(hook: (...args: A) => R) =>
        (...args: A): R => {
          track.inHook = true;
          try {
            return hook(...args);
          } finally {
            track.inHook = false;
          }
        };
      if (typeof onError === "function") broken.onError = hooked(onError);
      if (options.onCancel !== undefined) broken.onCancel = hooked(options.onCancel);
    }
    if (fault.current === "on-cancel-twice" && options.onCancel !== undefined) {
      const onCancel = options.onCancel;
      broken.onCancel = (timer) => {
        onCancel(timer);
        onCancel(timer);
      };
    }
    if (fault.current === "error-line-without-error" && options.logger !== undefined) {
      // Error lines written without the error that caused them.
      const logger = options.logger;
      broken.logger = { ...logger, error: (line: string) => logger.error?.(line) };
    }
    if (fault.current === "summary-twice" && options.logger !== undefined) {
      // Each summary line of a repeated condition written twice.
      const logger = options.logger;
      broken.logger = {
        ...logger,
        warn: (line: string, ...rest: unknown[]) => {
          logger.warn?.(line, ...rest);
          if (/more in the last/.test(line)) logger.warn?.(line, ...rest);
        },
      };
    }
    if (fault.current === "silent-abandon" && options.logger !== undefined) {
      const logger = options.logger;
      broken.logger = {
        ...logger,
        warn: (line: string, ...rest: unknown[]) => {
          if (!/abandon/.test(line)) logger.warn?.(line, ...rest);
        },
      };
    }
    if (fault.current === "silent-cancel-on-rejection" && options.cancelOn !== undefined) {
      // A rejecting cancelOn promise cancels as if it had resolved: nothing is logged.
      broken.cancelOn = [...options.cancelOn].map((input) =>
        input instanceof AbortSignal ? input : Promise.resolve(input).catch(() => {}),
      );
    }
    if (fault.current === "ignores-late-cancel-on") {
      // Inputs that have not fired by construction are swapped for ones that never will.
      const hold = (input: PromiseLike<unknown> | AbortSignal) =>
        input instanceof AbortSignal
          ? input.aborted
            ? input
            : new AbortController().signal
          : new Promise<never>(() => {});
      if (options.signal !== undefined) broken.signal = hold(options.signal) as AbortSignal;
      if (options.cancelOn !== undefined) broken.cancelOn = [...options.cancelOn].map(hold);
    }
    if (fault.current === "unknown-keys-ignored") {
      // Drops what core would refuse as a typo, so the timer is built as if it had not been given.
      const known =
        "mode initialDelay jitter name cancelOn signal onError onCancel logger start unref driver lease";
      for (const key of Object.keys(broken)) {
        if (!known.split(" ").includes(key)) delete broken[key as never];
      }
    }
    // A driver of the wrong shape goes to core as given, for core to refuse (bad-arguments).
    if (typeof options.driver?.setWake === "function") {
      broken.driver = brokenDriver(options.driver, track);
    }
    return broken;
  }

  /** The options of the last timer built (for "stale-settings"). */
  const lastBag: { options: TimerOptions<unknown> | undefined } = { options: undefined };

  /** The last long sleep any timer armed (for "one-queue-slot"). */
  const shared: { armed: { driver: Driver; handle: WakeHandle } | undefined } = {
    armed: undefined,
  };

  function brokenDriver(driver: Driver, track: Track): Driver {
    const random = (() => {
      switch (fault.current) {
        case "one-sided-jitter":
          return () => 0.5 + driver.random() / 2;
        case "biased-jitter":
          return () => driver.random() ** 2;
        case "opaque-narrow-jitter": {
          const own = seededRandom(7);
          return () => 0.25 + own() / 2;
        }
        case "opaque-one-sided-jitter": {
          const own = seededRandom(7);
          return () => 0.5 + own() / 2;
        }
        case "opaque-biased-jitter": {
          const own = seededRandom(7);
          return () => own() ** 2;
        }
        default:
          return () => driver.random();
      }
    })();
    let wakes = 0;
    return {
      now: () => driver.now(),
      wallNow: () => driver.wallNow(),
      random,
      setWake(at, wake, unref, spent) {
        wakes++;
        if (fault.current === "stale-grid" && track.runs > 1 && track.firstTickAt !== undefined) {
          // Keeps the first run's grid: every wake moves to its next slot.
          const period = track.delayMs;
          const origin = track.firstTickAt;
          at = origin + Math.ceil((at - origin) / period - 1e-9) * period;
        }
        if (fault.current === "lost-wake" && wakes % 4 === 0) return { lost: true };
        if (fault.current === "dropped-far-wake" && at - driver.now() > 1e15) return { lost: true };
        if (fault.current === "late-long-sleeps" && at - driver.now() >= 1000) at += 5;
        if (fault.current === "one-queue-slot" && shared.armed !== undefined) {
          // One slot for every timer's long sleep: a new one takes the place of the last.
          if (at - driver.now() >= 1000) shared.armed.driver.clearWake(shared.armed.handle);
        }
        const handle = driver.setWake(at, wake, unref, spent);
        if (at - driver.now() >= 1000) shared.armed = { driver, handle };
        if (fault.current === "double-wake" && wakes % 3 === 0) driver.setWake(at, () => {}, unref);
        return handle;
      },
      clearWake(handle: WakeHandle) {
        if ((handle as { lost?: boolean } | undefined)?.lost === true) return;
        driver.clearWake(handle);
      },
      ...(driver.setDeadline === undefined
        ? {}
        : { setDeadline: (at: number, fire: () => void) => driver.setDeadline?.(at, fire) }),
    };
  }

  function brokenTarget<T>(target: Target<T>, track: Track): Target<T> {
    if (typeof target !== "function") return target;
    const shared = new AbortController();
    return ((context: TickContext) => {
      if (track.pendingDelay !== undefined) {
        const delay = track.pendingDelay;
        track.pendingDelay = undefined;
        (track.timer as unknown as { setDelay(d: Duration): void }).setDelay(delay);
      }
      const driver = track.driver;
      track.firstTickAt ??= driver.now();
      const startedAt = driver.wallNow();
      const cancelledBefore = track.cancelled;
      let signal = context.signal;
      const forwarding = new AbortController(); // removes the forwarding listener below
      if (fault.current === "late-abort") {
        const late = new AbortController();
        const forward = () => {
          driver.setWake(driver.now() + 100, () => late.abort(context.signal.reason), false);
        };
        context.signal.addEventListener("abort", forward, { signal: forwarding.signal });
        signal = late.signal;
      }
      if (fault.current === "shared-signal") {
        const forward = () => shared.abort(context.signal.reason);
        context.signal.addEventListener("abort", forward, { signal: forwarding.signal });
        signal = shared.signal;
      }
      track.inFlight++;
      let result: unknown;
      try {
        result = target({
          hitCount: context.hitCount,
          ...(context.fence === undefined ? {} : { fence: context.fence }),
          get signal() {
            // A signal first read after the tick was cancelled is a fresh one, never aborted.
            if (fault.current === "late-read-fresh-signal" && signal.aborted) {
              return new AbortController().signal;
            }
            return signal;
          },
        });
      } catch (error) {
        track.inFlight--;
        track.failed.push(error);
        throw error;
      }
      if (isIterator(result)) {
        track.inFlight--;
        if (fault.current === "restart-exhausted-source") {
          return endless(result, () => target(context) as never) as never;
        }
        return wrapSource(result, track) as never;
      }
      const settled = (ok: boolean, value: unknown) => {
        track.inFlight--;
        if (!ok) track.failed.push(value);
        if (track.inFlight === 0) for (const resolve of track.idle.splice(0)) resolve();
        if (fault.current !== "late-abort") forwarding.abort();
        if (ok) track.lastSuccessStartedAt = startedAt;
        if (!track.cancelled || cancelledBefore) return;
        // The tick settled after cancel(): what the faults below leak.
        if (ok) {
          track.late.push(value);
          if (fault.current === "late-observer") {
            for (const observer of track.observers) observer.ticked?.(value);
          }
        } else if (fault.current === "late-on-error" && typeof track.onError === "function") {
          track.onError(value, track.timer as never);
        }
      };
      if (fault.current === "chained-tick") {
        void Promise.resolve(result).then(
          () => queueMicrotask(() => void track.timer?.trigger().catch(() => {})),
          () => {},
        );
      }
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            settled(true, value);
            return value;
          },
          (error: unknown) => {
            settled(false, error);
            throw error;
          },
        );
      }
      settled(true, result);
      return result;
    }) as Target<T>;
  }

  function isIterator(value: unknown): value is Iterator<unknown> | AsyncIterator<unknown> {
    return (
      typeof value === "object" &&
      value !== null &&
      typeof (value as { next?: unknown }).next === "function"
    );
  }

  /** A source that, run out, calls the target for a fresh one instead of ending the run. */
  function endless(
    first: Iterator<unknown> | AsyncIterator<unknown>,
    fresh: () => Iterator<unknown> | AsyncIterator<unknown>,
  ): unknown {
    let source = first;
    const next = (): unknown => {
      const result = source.next();
      if (result instanceof Promise) {
        return result.then((step: IteratorResult<unknown>) => {
          if (!step.done) return step;
          source = fresh();
          return source.next();
        });
      }
      if (!(result as IteratorResult<unknown>).done) return result;
      source = fresh();
      return source.next();
    };
    return {
      next,
      return: () => source.return?.(),
      [Symbol.iterator]() {
        return this;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * A generator source broken as the fault says: a failing cleanup that leaks or hangs, a cleanup
   * not waited for or waited for after giving up, a `done` result's value taken for a tick's, a
   * `next()` that throws taken for the end.
   */
  function wrapSource(source: Iterator<unknown> | AsyncIterator<unknown>, track: Track): unknown {
    if (fault.current === "closing-not-awaited" || fault.current === "given-up-closing-awaited") {
      return {
        next: (...args: [] | [undefined]) => source.next(...args),
        return: () => {
          const closed = source.return?.();
          if (fault.current === "given-up-closing-awaited") {
            track.closing = closed;
            return closed;
          }
          Promise.resolve(closed).catch(() => {}); // not waited for
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }
    if (fault.current === "done-value-delivered" || fault.current === "pull-error-ends-run") {
      let finished = false;
      const step = (result: IteratorResult<unknown>): IteratorResult<unknown> => {
        if (fault.current !== "done-value-delivered" || !result.done || result.value === undefined)
          return result;
        finished = true; // the value as one more tick, then the end
        return { done: false, value: result.value };
      };
      const next = (): unknown => {
        if (finished) return { done: true, value: undefined };
        let result: unknown;
        try {
          result = source.next();
        } catch (error) {
          if (fault.current === "pull-error-ends-run") return { done: true, value: undefined };
          throw error;
        }
        return result instanceof Promise
          ? result.then(step)
          : step(result as IteratorResult<unknown>);
      };
      return {
        next,
        return: () => source.return?.(),
        [Symbol.iterator]() {
          return this;
        },
      };
    }
    if (fault.current !== "cleanup-leak" && fault.current !== "cleanup-hang") return source;
    const close = (): unknown => {
      let closed: unknown;
      try {
        closed = source.return?.();
      } catch (error) {
        if (fault.current === "cleanup-hang") return new Promise(() => {});
        void Promise.reject(error);
        return { done: true, value: undefined };
      }
      if (!(closed instanceof Promise)) return closed;
      return closed.catch((error: unknown) => {
        if (fault.current === "cleanup-hang") return new Promise(() => {});
        void Promise.reject(error);
        return { done: true, value: undefined };
      });
    };
    return {
      next: (...args: [] | [undefined]) => source.next(...args),
      return: close,
      [Symbol.iterator]() {
        return this;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  class FaultyGroup extends core.TimerGroup {
    override add<T>(timer: Parameters<typeof core.TimerGroup.prototype.add<T>>[0]) {
      if (fault.current !== "group-add-left-idle") return super.add(timer);
      // Made a member, but not started, even while the group is active.
      const started = timer.start.bind(timer);
      timer.start = () => timer;
      try {
        return super.add(timer);
      } finally {
        timer.start = started;
      }
    }

    override trigger(options?: { timeout?: Duration }) {
      // The timeout read as seconds of a millisecond string: it expires at once.
      const pairs = super.trigger(
        fault.current === "group-timeout-early" && options?.timeout !== undefined
          ? { timeout: 0 }
          : options,
      );
      return fault.current === "group-pairs-reversed" ? pairs.then((p) => [...p].reverse()) : pairs;
    }

    override cancel(options?: { timeout?: Duration }) {
      if (fault.current !== "group-cancel-in-turn") return super.cancel(options);
      // Members cancelled one after another, the first failure ending it all.
      return (async () => {
        for (const timer of this) await timer.cancel(options);
      })();
    }
  }

  /** `every()` as a naive port would write it: options passed on as given, to each timer. */
  function faultyEvery(delay: Duration, options?: TimerOptions<unknown>) {
    if (fault.current !== "every-started" && fault.current !== "every-reads-cancel-on-once") {
      return core.every(delay, options);
    }
    return (fn: () => unknown) => {
      const timer = new core.Timer(delay, fn, options);
      if (fault.current === "every-started") timer.start();
      return Object.defineProperty(timer, "func", { value: fn });
    };
  }

  return { ...core, Timer: FaultyTimer, TimerGroup: FaultyGroup, every: faultyEvery };
});

const onVirtualClock: HarnessFactory = (seed) => virtualClockHarness({ seed });

/** Runs one invariant: whether it failed, the clause it named, and what it threw (null if it held). */
async function run(
  name: InvariantName,
  numRuns = 150,
): Promise<{ failed: boolean; clause: string | undefined; error: unknown }> {
  const invariant = invariants.find((candidate) => candidate.name === name);
  if (invariant === undefined) throw new RangeError(`no invariant ${name}`);
  // No shrinking: the first failing case is all this needs, and its clause is the one reported.
  const details = await fc.check(invariant.property(onVirtualClock), {
    numRuns,
    seed: 42,
    endOnFailure: true,
  });
  const error = details.errorInstance;
  return {
    failed: details.failed,
    clause: error instanceof Violation ? error.clause : undefined,
    error,
  };
}

afterEach(() => {
  fault.current = "none";
});

const cases = Object.entries(classFaults).flatMap(([invariant, planted]) =>
  planted.map(({ fault, clause }) => ({ invariant: invariant as InvariantName, fault, clause })),
);

describe("every invariant can fail", () => {
  it("has a planted fault, here or in invariants-catch-faults.test.ts", () => {
    const covered = new Set([...Object.keys(legacyFaults), ...Object.keys(classFaults)]);
    expect(invariantNames.filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe("the issue #19 classes are caught, naming the clause that broke", () => {
  it.each(cases)("$invariant catches $fault", async ({ invariant, fault: planted, clause }) => {
    fault.current = planted;
    const outcome = await run(invariant);
    expect(outcome.failed).toBe(true);
    if (clause !== undefined) expect(outcome.clause).toBe(clause);
  });
});
