import { threadId } from "node:worker_threads";
import { consoleLogger, type Logger, type Timer } from "@async-timer/core";
import { Connection, type ControlTarget, log } from "./connection.js";
import { ThreadControlError } from "./errors.js";
import type { TimerHandle } from "./handles.js";
import { LatchWriter, storeFloat } from "./latch.js";
import {
  COPY_WORDS,
  F_DELAY,
  F_GENERATION,
  F_HIT,
  F_RUNNING,
  F_TICK_AT,
  PROTOCOL,
  TIMER_BYTES,
  W_COPY,
  W_GENERATION,
  W_HIT,
  W_RUNNING,
  W_SEQ,
} from "./layout.js";
import { checkLogger, checkOptions } from "./options.js";
import { ownerWords } from "./owner-thread.js";
import { type CallRequest, type DelayRequest, describe, labelOf, type Op } from "./protocol.js";
import { ResultWriter } from "./result-buffer.js";

/**
 * Options of {@link shareTimer}. They are read when a timer is first shared; later calls for the
 * same timer reuse its shared state and ignore them.
 *
 * @example
 * ```ts
 * const handle = shareTimer(timer, { maxResultBytes: 64 * 1024 * 1024, logger: console });
 * ```
 */
export interface ShareTimerOptions {
  /**
   * Publish each tick's value for `lastResult()` on other threads. Default `true`. Costs a
   * `v8.serialize` per tick that yields a new value; turn it off if no other thread reads it.
   */
  lastResult?: boolean;
  /** The largest serialised last value other threads can read. Default 16 MiB. */
  maxResultBytes?: number;
  /** Where malformed messages and internal failures are logged. Default: warn/error to `console`. */
  logger?: Logger;
}

const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;
const MAX_RESULT_BYTES = 1024 * 1024 * 1024;
const INT32_MAX = 0x7fff_ffff;
const TIMER_OPS: readonly Op[] = ["cancel", "trigger", "setDelay"];
const SHARE_TIMER_KEYS = ["lastResult", "maxResultBytes", "logger"];

const sharedTimers = new WeakMap<object, SharedTimer<any>>();

/**
 * Makes a handle through which other `worker_threads` read and control `timer`. Call it on the
 * thread that runs the timer (its *owner*), once per thread you hand it to, and post the handle
 * with its transfer list: `worker.postMessage({ handle }, handle.transfer)`. Open it there with
 * {@link openTimer}.
 *
 * Sharing does not start, stop or otherwise change the timer. From the first call on, the
 * timer's `start` and `setDelay` are wrapped on the instance so other threads see a restart or
 * a new delay at once, and, while some handle is open, the owner follows the timer's ticks and
 * publishes each one (hitCount, lastTickAt, the value) to shared memory: about a microsecond per
 * tick, plus the `v8.serialize` of each new value unless `lastResult: false`.
 *
 * Handles never keep a thread alive. When every handle of a timer has been disconnected or its
 * thread has exited, the owner stops publishing.
 *
 * @throws TypeError if `timer` is not a `Timer`; RangeError for a bad `maxResultBytes`.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * import { Timer } from "@async-timer/core";
 * import { shareTimer } from "@async-timer/node-threads";
 *
 * const cache = new Timer(30, refreshDb, { name: "db_refresh" }).start();
 * for (let i = 0; i < 4; i++) {
 *   const handle = shareTimer(cache); // one handle per worker
 *   new Worker(new URL("./handler.js", import.meta.url), {
 *     workerData: { cache: handle },
 *     transferList: [...handle.transfer],
 *   });
 * }
 * ```
 */
export function shareTimer<T>(timer: Timer<T>, options?: ShareTimerOptions): TimerHandle<T> {
  if (!isTimer(timer)) {
    throw new TypeError(`shareTimer(timer): timer must be a Timer; got ${describe(timer)}`);
  }
  const resolved = readOptions(options);
  let shared = sharedTimers.get(timer) as SharedTimer<T> | undefined;
  if (shared === undefined) {
    shared = new SharedTimer(timer, resolved);
    sharedTimers.set(timer, shared);
  }
  return shared.connect();
}

/** The shared state of a timer on its owner thread, found by `shareSubscription`. */
export function sharedTimerOf<T>(timer: Timer<T>): SharedTimer<T> {
  let shared = sharedTimers.get(timer) as SharedTimer<T> | undefined;
  if (shared === undefined) {
    shared = new SharedTimer(timer, readOptions(undefined));
    sharedTimers.set(timer, shared);
  }
  return shared;
}

/** What is attached to a shared timer and refreshed with it. */
export interface Dependent {
  refresh(): void;
}

/**
 * A timer's shared state on its owner thread, kept current through `timer.observe()`.
 */
export class SharedTimer<T> implements ControlTarget {
  readonly label: string;
  readonly logger: Logger;
  readonly ops = TIMER_OPS;
  readonly timer: Timer<T>;
  readonly thread: Int32Array;
  readonly state: SharedArrayBuffer;
  readonly dependents = new Set<Dependent>();
  readonly #words: Int32Array;
  readonly #latch: LatchWriter;
  readonly #results: ResultWriter;
  readonly #shareResult: boolean;
  #generation: number;
  #users = 0;
  // What was last published; refresh() writes only when something changed.
  #hit = -1;
  #tickAt = Number.NaN;
  #delay = Number.NaN;
  #running = false;
  #published = false;
  #resultHit = -1;

  constructor(timer: Timer<T>, options: Required<ShareTimerOptions>) {
    this.timer = timer;
    this.label = labelOf("timer", timer.name);
    this.logger = options.logger;
    this.thread = ownerWords();
    this.state = new SharedArrayBuffer(TIMER_BYTES);
    this.#words = new Int32Array(this.state);
    this.#latch = new LatchWriter(this.#words, W_SEQ, W_COPY, COPY_WORDS);
    this.#results = new ResultWriter(this.#words, options.maxResultBytes, this.label);
    this.#shareResult = options.lastResult;
    if (!this.#shareResult) this.#results.disable();
    // Runs before sharing are not seen; a timer that runs or has ticked has been started.
    this.#generation = timer.isRunning() || timer.hitCount > 0 ? 1 : 0;
    this.#observeTimer();
    this.refresh();
  }

  /** A new connection and its handle. */
  connect(): TimerHandle<T> {
    const connection = new Connection(this, this.thread);
    this.retain();
    const port = connection.remotePort;
    return {
      kind: "timer",
      protocol: PROTOCOL,
      name: this.timer.name,
      ownerThreadId: threadId,
      thread: this.thread.buffer as SharedArrayBuffer,
      channel: connection.channel,
      state: this.state,
      results: this.#results.buffers,
      port,
      transfer: [port],
    };
  }

  /** One more user (a connection, or a shared subscription of this timer). */
  retain(): void {
    this.#users++;
    if (this.#users === 1) this.refresh();
  }

  release(): void {
    this.#users--;
  }

  detach(_connection: Connection): void {
    this.release();
  }

  perform(request: CallRequest): unknown {
    if (this.#generation === 0) {
      throw new ThreadControlError(
        "not-started",
        `${request.op}: ${this.label} has never been started; call start() on its owner thread first`,
      );
    }
    if (request.generation !== undefined && request.generation !== this.#generation) {
      throw new ThreadControlError(
        "stale-generation",
        `${request.op}: ${this.label} has been restarted since (it is in generation ${this.#generation}; the call was for generation ${request.generation}); nothing was done`,
      );
    }
    return request.op === "trigger" ? this.timer.trigger() : this.timer.cancel();
  }

  serialized(value: unknown): Uint8Array | undefined {
    return this.#shareResult ? this.#results.bytesOf(value) : undefined;
  }

  setDelay(request: DelayRequest): void {
    try {
      this.timer.setDelay(request.delay);
    } catch (error) {
      log(this.logger, "warn", this.label, "ignored a setDelay from another thread", error);
    }
  }

  /** Publishes the timer's current state (and last value, if new) to shared memory. */
  refresh(): void {
    const timer = this.timer;
    const hit = timer.hitCount;
    const tickAt = timer.lastTickAt ?? Number.NaN;
    const delay = timer.delay;
    const running = timer.isRunning();
    if (
      !this.#published ||
      hit !== this.#hit ||
      !Object.is(tickAt, this.#tickAt) ||
      delay !== this.#delay ||
      running !== this.#running ||
      Atomics.load(this.#words, W_GENERATION) !== this.#generation
    ) {
      this.#hit = hit;
      this.#tickAt = tickAt;
      this.#delay = delay;
      this.#running = running;
      this.#published = true;
      this.#latch.write(this.#fill);
      // After both copies: a reader that sees the new count here finds it in the latch too.
      Atomics.store(this.#words, W_HIT, hit <= INT32_MAX ? hit : -1);
      Atomics.store(this.#words, W_RUNNING, running ? 1 : 0);
      Atomics.store(this.#words, W_GENERATION, this.#generation);
    }
    if (this.#shareResult && hit !== this.#resultHit) {
      this.#resultHit = hit;
      this.#results.publish(timer.lastResult);
    }
    if (this.dependents.size > 0) for (const dependent of this.dependents) dependent.refresh();
  }

  readonly #fill = (base: number): void => {
    const words = this.#words;
    storeFloat(words, base + F_HIT, this.#hit);
    storeFloat(words, base + F_TICK_AT, this.#tickAt);
    storeFloat(words, base + F_DELAY, this.#delay);
    Atomics.store(words, base + F_RUNNING, this.#running ? 1 : 0);
    Atomics.store(words, base + F_GENERATION, this.#generation);
  };

  /** The generation (number of starts) the shared state counts. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Follows the timer through core's observer: a start bumps the generation, and every change
   * other threads can see is published — but only while some handle is open, so a shared timer
   * nobody reads costs one check per tick.
   */
  #observeTimer(): void {
    const publish = (): void => {
      if (this.#users > 0) this.refresh();
    };
    this.timer.observe({
      started: () => {
        this.#generation++;
        publish();
      },
      ticked: publish,
      ended: publish,
      delayed: publish,
    });
  }
}

function readOptions(options: ShareTimerOptions | undefined): Required<ShareTimerOptions> {
  if (options !== undefined) {
    checkOptions(options, "shareTimer(timer, options): options", SHARE_TIMER_KEYS);
  }
  const lastResult = options?.lastResult ?? true;
  if (typeof lastResult !== "boolean") {
    throw new TypeError(
      `shareTimer(timer, options): lastResult must be a boolean; got ${describe(lastResult)}`,
    );
  }
  const maxResultBytes = options?.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  if (typeof maxResultBytes !== "number") {
    throw new TypeError(
      `shareTimer(timer, options): maxResultBytes must be a number; got ${describe(maxResultBytes)}`,
    );
  }
  if (
    !Number.isInteger(maxResultBytes) ||
    maxResultBytes < 1 ||
    maxResultBytes > MAX_RESULT_BYTES
  ) {
    throw new RangeError(
      `shareTimer(timer, options): maxResultBytes must be an integer from 1 to ${MAX_RESULT_BYTES}; got ${String(maxResultBytes)}`,
    );
  }
  const logger = checkLogger(
    options?.logger ?? consoleLogger,
    "shareTimer(timer, options): logger",
  );
  return { lastResult, maxResultBytes, logger };
}

function isTimer(value: unknown): value is Timer<unknown> {
  const timer = value as Partial<Timer<unknown>> | null;
  return (
    typeof timer === "object" &&
    timer !== null &&
    typeof timer.start === "function" &&
    typeof timer.cancel === "function" &&
    typeof timer.trigger === "function" &&
    typeof timer.setDelay === "function" &&
    typeof timer.isRunning === "function" &&
    typeof timer.hitCount === "number" &&
    typeof timer.observe === "function"
  );
}
