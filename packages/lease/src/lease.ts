import type {
  ClaimRequest,
  Driver,
  Gate,
  GateAnswer,
  GateRun,
  LogLevel,
  WakeHandle,
} from "@async-timer/core";
import { Episode } from "./episode.js";
import { LeaseLostError } from "./errors.js";
import {
  type LeaseChange,
  type LeaseOptions,
  type LeaseState,
  type ResolvedLeaseOptions,
  resolveLeaseOptions,
} from "./options.js";
import type { ClaimInput, LeaseAnswer, LeaseKey, LeaseStore } from "./store.js";

/** The record `ready()` asks about: no timer's, so the probe never meets a real lease. */
const READY_PROBE = ".async-timer.ready";

/**
 * A lease with fencing on a {@link LeaseStore}: give it to a timer as its `lease` option, run
 * the same timer in every replica, and each slot is ticked by at most one of them.
 *
 * Before each tick the timer claims the slot in one round trip to the engine. The holder's claim
 * renews its lease and starts the slot; another replica's claim is refused until the lease
 * expires (the holder died or went silent), and then takes it over with a higher `epoch`. Slots
 * are numbered on the engine's clock, and the engine's `lastSlot` only moves forward, so no slot
 * starts twice, whatever pauses, crashes or clock skew happen. A holder that learns it lost the
 * lease mid-tick aborts the tick's `signal` with a {@link LeaseLostError}.
 *
 * `memoryLease`, `postgresLease` (`@async-timer/lease/postgres`) and `redisLease`
 * (`@async-timer/lease/redis`) build one on their engines; `new Lease(store)` on yours.
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 * import { Lease } from "@async-timer/lease";
 *
 * const lease = new Lease(myEtcdStore, { ttl: 30 });
 * new Timer(60, ({ fence }) => refreshRates(fence), { name: "rates", mode: "fixed_rate", lease }).start();
 * ```
 */
export class Lease implements Gate {
  /** This process's id in the engine. */
  readonly holder: string;
  readonly #store: LeaseStore;
  readonly #options: ResolvedLeaseOptions;
  #key: string | undefined;
  #run: GateRun | undefined;
  #active = false;

  #holding = false;
  #reachable = true;
  #epoch = 0;
  /** Local monotonic ms: when to renew, and when the lease runs out if not renewed. */
  #renewAt = Number.NaN;
  #expiresAt = Number.NaN;
  #renewing = false;
  /** A claim is out: it extends the lease itself, so no renewal is sent meanwhile. */
  #claiming = false;
  #wake: WakeHandle | undefined;
  #wakeAt = Number.NaN;
  #wakeDriver: Driver | undefined;
  /** Aborts the signal of the last granted tick (a no-op once it has settled). */
  #abortTick: ((reason: unknown) => void) | undefined;

  /** Store calls run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #claims = 0;
  #failures = 0;
  readonly #unreachable: Episode;
  readonly #missed: Episode;

  /**
   * @param store - The engine (see {@link LeaseStore}).
   * @param options - See {@link LeaseOptions}.
   */
  constructor(store: LeaseStore, options?: LeaseOptions, where = "new Lease(store, options)") {
    for (const op of ["claim", "renew", "release"] as const) {
      if (typeof (store as Partial<LeaseStore> | null)?.[op] !== "function") {
        throw new TypeError(
          `${where}: store must implement LeaseStore (claim, renew, release); ${op} is missing`,
        );
      }
    }
    this.#store = store;
    this.#options = resolveLeaseOptions(where, options);
    this.holder = this.#options.holder;
    const now = () => this.#run?.driver.now() ?? 0;
    this.#unreachable = new Episode((message, error) => this.#log("warn", message, error), now);
    this.#missed = new Episode((message) => this.#log("warn", message), now);
  }

  /** `"holder"`, `"follower"` or `"unreachable"` (see {@link LeaseState}). */
  get state(): LeaseState {
    if (!this.#reachable) return "unreachable";
    return this.#holding ? "holder" : "follower";
  }

  /** The epoch this process holds (or last held); 0 before it ever held the lease. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Round trips to the engine so far (claims, renewals, releases), for metrics and benchmarks. */
  get roundTrips(): number {
    return this.#claims;
  }

  /** The lease's name, once a timer has started with it. */
  get name(): string | undefined {
    return this.#key ?? this.#options.name;
  }

  toString(): string {
    return `Lease(${this.name ?? "unnamed"}, ${this.state}, epoch=${this.#epoch})`;
  }

  /**
   * One round trip that proves the engine answers and the lease's storage is in place — for
   * PostgreSQL, that the table exists (or was just created). A timer only finds out at its first
   * claim, and then logs and retries; await this at boot to fail there instead, with the same
   * error. It changes nothing in the engine: a renewal no lease can match.
   *
   * @example
   * ```ts
   * const lease = postgresLease(pool, { table: "ops.timer_leases", createTable: false, ttl: 30 });
   * await lease.ready(); // rejects: the lease table "ops"."timer_leases" does not exist (createTable: false) …
   * ```
   */
  async ready(): Promise<void> {
    await this.#store.renew({ key: READY_PROBE, holder: this.holder, epoch: -1, ttl: 1 });
  }

  // ─── The gate ───────────────────────────────────────────────────────────────────────────────

  /** @internal A timer's run starts with this lease (see `Gate.started`). */
  started(run: GateRun): void {
    if (this.#active) {
      throw new TypeError(
        `this lease (${this.name ?? "unnamed"}) is already in use by a running timer: give each timer its own lease`,
      );
    }
    const key = this.#options.name ?? run.name;
    if (key === undefined) {
      throw new TypeError(
        "a leased timer needs a name: pass { name } to the Timer or to the lease; replicas of one timer share it",
      );
    }
    if (this.#key !== undefined && this.#key !== key) {
      throw new TypeError(
        `this lease was used for "${this.#key}"; it cannot serve "${key}" too: give each timer its own lease`,
      );
    }
    this.#key = key;
    this.#run = run;
    this.#active = true;
  }

  /** @internal Before each tick (see `Gate.claim`). */
  async claim(request: ClaimRequest): Promise<GateAnswer> {
    if (!this.#active) this.started(request);
    const driver = request.driver;
    const period = Math.round(request.delay);
    if (period < 1) {
      this.#log("error", `a leased timer needs a delay of at least 1 ms; got ${request.delay} ms`);
      return { granted: false, next: driver.now() + 1000 };
    }
    const input: ClaimInput = {
      ...this.#who(),
      mode: request.mode,
      period,
      anchor: this.#options.anchor,
      backlog: request.mode === "fixed_rate" ? this.#options.backlog : 0,
    };
    const sent = driver.now();
    let answer: LeaseAnswer;
    this.#claiming = true;
    try {
      answer = await this.#call(driver, (store) => store.claim(input), request.signal);
    } catch (error) {
      if (request.signal.aborted) return { granted: false };
      return { granted: false, next: this.#failed(error) };
    } finally {
      this.#claiming = false;
      this.#armWake(); // a claim that failed: renewals resume at their time
    }
    if (request.signal.aborted || !this.#active) return { granted: false };
    const received = driver.now();
    this.#learn(answer, sent);
    if (answer.holding && received >= this.#expiresAt) {
      // The answer came back after the lease it granted had run out (this process was paused, or
      // the answer held up): another process may hold the lease now. Not this slot's to run.
      this.#lose("expired");
      return { granted: false, next: received + 1 };
    }
    if (answer.granted) {
      this.#abortTick = request.abort;
      if (answer.missed > 0) this.#reportMissed(answer);
      else if (this.#missed.count > 0) {
        this.#missed.ended(
          (count, duration) =>
            `${this.#name()}: slots run on time again (after ${count} reports of missed slots in ${duration})`,
          true,
        );
      }
      const fence = { epoch: answer.epoch, slot: answer.slot };
      if (request.mode !== "fixed_rate") return { granted: true, fence };
      const current = Math.floor((answer.now - input.anchor) / period);
      // A backfilled slot: the next one is due at once.
      const next = answer.slot < current ? received : received + (answer.nextAt - answer.now);
      return { granted: true, fence, next };
    }
    // Refused. The holder waits for the next slot; a follower for the lease to expire.
    const wait = answer.holding ? answer.nextAt - answer.now : answer.expiresAt - answer.now + 1;
    return { granted: false, next: received + Math.max(1, wait) };
  }

  /** @internal The run ended (see `Gate.ended`): stop renewing, and release if holding. */
  ended(): Promise<void> | undefined {
    this.#active = false;
    this.#clearWake();
    this.#abortTick = undefined;
    const driver = this.#run?.driver;
    if (!this.#holding || driver === undefined) return undefined;
    this.#holding = false;
    const who = this.#who();
    return this.#call(driver, (store) => store.release(who)).then(
      () => undefined,
      (error: unknown) =>
        this.#log(
          "warn",
          `${this.#name()}: could not release the lease; it expires by itself`,
          error,
        ),
    );
  }

  // ─── What the engine said ─────────────────────────────────────────────────────────────────

  #who(): LeaseKey {
    return {
      key: this.#key as string,
      holder: this.holder,
      epoch: this.#epoch,
      ttl: this.#options.ttl,
    };
  }

  /** A round trip came back; `sent` is when it left (so the local expiry errs on the early side). */
  #learn(answer: LeaseAnswer, sent: number): void {
    this.#failures = 0;
    if (!this.#reachable) {
      this.#reachable = true;
      this.#unreachable.ended(
        (count, duration) =>
          `${this.#name()}: the engine answers again (after ${count} failed round trips in ${duration})`,
      );
    }
    if (!answer.holding) {
      if (this.#holding) this.#lose("taken");
      return;
    }
    const gained = !this.#holding || answer.epoch !== this.#epoch;
    this.#holding = true;
    this.#epoch = answer.epoch;
    this.#expiresAt = sent + (answer.expiresAt - answer.now);
    this.#renewAt = sent + this.#options.renew;
    if (gained) this.#notify("onGained", { lease: this.#bare(), epoch: answer.epoch });
    this.#armWake();
  }

  /** A round trip failed: returns when to try again (local ms), backing off. */
  #failed(error: unknown): number {
    this.#failures++;
    this.#reachable = false;
    this.#unreachable.happened(
      () => `${this.#name()}: the engine cannot be reached; retrying with backoff`,
      error,
    );
    const driver = this.#run?.driver;
    const now = driver?.now() ?? 0;
    const base = Math.min(100, this.#options.renew);
    const most = Math.max(base, Math.min(this.#options.ttl, 5000));
    const backoff = Math.min(most, base * 2 ** Math.min(this.#failures - 1, 20));
    return now + backoff * (0.5 + 0.5 * (driver?.random() ?? 1));
  }

  #lose(reason: "taken" | "expired"): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.#clearWake();
    const error = new LeaseLostError(this.#bare(), this.#epoch, reason);
    const abort = this.#abortTick;
    this.#abortTick = undefined;
    abort?.(error);
    this.#log("warn", error.message);
    this.#notify("onLost", { lease: this.#bare(), epoch: this.#epoch, reason });
  }

  #reportMissed(answer: LeaseAnswer): void {
    const from = answer.slot - answer.missed;
    const to = answer.slot - 1;
    this.#missed.happened(
      () =>
        `${this.#name()}: ${answer.missed} slot${answer.missed === 1 ? " was" : "s were"} missed (${from}–${to}): nobody could run ${answer.missed === 1 ? "it" : "them"}`,
    );
    const onMissed = this.#options.onMissed;
    if (onMissed === undefined) return;
    try {
      onMissed({ lease: this.#bare(), count: answer.missed, from, to });
    } catch (error) {
      this.#log("error", "onMissed threw", error);
    }
  }

  // ─── Renewal between ticks ────────────────────────────────────────────────────────────────

  /** One wake per lease: at the renewal time, or at the expiry while a renewal is out. */
  #armWake(): void {
    const driver = this.#run?.driver;
    if (driver === undefined || !this.#holding || !this.#active) return;
    const out = this.#renewing || this.#claiming; // what is out extends the lease, or fails
    const at = out ? this.#expiresAt : Math.min(this.#renewAt, this.#expiresAt);
    // An earlier wake is left armed: when it fires, it re-arms for the time then due.
    if (this.#wake !== undefined && this.#wakeAt <= at) return;
    this.#clearWake();
    this.#wakeAt = at;
    this.#wakeDriver = driver;
    this.#wake = driver.setWake(at, this.#onWake, true);
  }

  #clearWake(): void {
    if (this.#wake === undefined) return;
    this.#wakeDriver?.clearWake(this.#wake);
    this.#wake = undefined;
  }

  readonly #onWake = (): void => {
    this.#wake = undefined;
    const driver = this.#run?.driver;
    if (driver === undefined || !this.#holding || !this.#active) return;
    const now = driver.now();
    if (now >= this.#expiresAt) {
      this.#lose("expired");
      return;
    }
    // A renewal behind a claim still out would only queue after it (calls run in order) and
    // extend what the claim extends: a wasted round trip — one in five at 1,000 timers a pool.
    if (now >= this.#renewAt && !this.#renewing && !this.#claiming) void this.#renew(driver);
    this.#armWake();
  };

  async #renew(driver: Driver): Promise<void> {
    this.#renewing = true;
    const who = this.#who();
    const sent = driver.now();
    try {
      const answer = await this.#call(driver, (store) => store.renew(who));
      if (this.#active && this.#epoch === who.epoch) this.#learn(answer, sent);
    } catch (error) {
      const retry = this.#failed(error);
      this.#renewAt = Math.min(retry, this.#expiresAt);
    } finally {
      this.#renewing = false;
      this.#armWake();
    }
  }

  // ─── Round trips ──────────────────────────────────────────────────────────────────────────

  /**
   * Runs one store operation after the ones before it, bounded by `timeout` and `signal`. What a
   * late answer would have said is dropped: the engine's `lastSlot` keeps it harmless.
   */
  #call<T>(
    driver: Driver,
    operation: (store: LeaseStore) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const run = (): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const timeout = this.#options.timeout;
        const handle = driver.setWake(
          driver.now() + timeout,
          () => {
            finish();
            reject(new Error(`no answer from the engine within ${timeout} ms`));
          },
          true,
        );
        const onAbort = (): void => {
          finish();
          reject(signal?.reason);
        };
        const finish = (): void => {
          driver.clearWake(handle);
          signal?.removeEventListener("abort", onAbort);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        let pending: Promise<T>;
        try {
          pending = operation(this.#store);
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        Promise.resolve(pending).then(
          (value) => {
            finish();
            resolve(value);
          },
          (error: unknown) => {
            finish();
            reject(error);
          },
        );
      });
    this.#claims++;
    const result = this.#queue.then(run, run);
    this.#queue = result.then(noop, noop);
    return result;
  }

  // ─── Reporting ────────────────────────────────────────────────────────────────────────────

  #bare(): string {
    return this.#key ?? this.#options.name ?? "unnamed";
  }

  #name(): string {
    return `lease "${this.#bare()}"`;
  }

  #log(level: LogLevel, message: string, error?: unknown): void {
    const run = this.#run;
    if (run !== undefined) run.log(level, message, error);
  }

  #notify(callback: "onGained" | "onLost", change: LeaseChange): void {
    const fn = this.#options[callback];
    if (fn === undefined) return;
    try {
      fn(change);
    } catch (error) {
      this.#log("error", `${callback} threw`, error);
    }
  }
}

function noop(): void {}
