/**
 * The scheduling machine of a Timer: one mutable record, events in, effects out.
 *
 * Rules of this file:
 * 1. Everything that decides *when* the target runs lives here: the phases of a run, the run and
 *    tick tags, both schedules, jitter, triggers, skip counting, and what ends a run.
 * 2. It is pure. No clock, timer, promise, randomness or I/O: time arrives as `now` (monotonic
 *    milliseconds) with the events that need it, and a random `sample` in `[0, 1)` with those
 *    that may jitter. The same events in give the same effects out, so a seeded simulation
 *    replays.
 * 3. An event validates first, then mutates this record in place (h11's `Connection`, str0m's
 *    `Rtc`): an illegal command (`start` while running, `trigger` while stopped, restarting a
 *    single-run timer) throws `TimerStateError` before anything changed.
 * 4. Each event returns its effects as a bit mask (the `DO_*` constants), to be performed in the
 *    order of the bits, after the record has been updated. Their arguments are fields of the
 *    record: the tick is `ticks`, the wake time `wakeAt`, the end's reason `reason`, the slots a
 *    late tick passed over `skipped`. Nothing is allocated per event.
 * 5. Wakes and settlements carry the run and the tick they belong to, so events from an earlier
 *    run or an abandoned tick are ignored — never an error, a driver cannot help delivering them
 *    late.
 *
 * Theory of operation. A *run* lasts from `start` until cancel, a stopping error, or the source
 * running out. Within a run the machine alternates between `SLEEPING` (one wake armed) and
 * `TICKING` (one invocation of the target in flight): there is never more than one tick in
 * flight. A cancel while ticking leaves the tick to settle on its own (`STOPPING`); a start in
 * that window opens the new run but holds its first tick until the old one settles
 * (`RESTARTING`). A failed tick waits in `DECIDING` while the shell asks the error policy; a
 * cancel from inside that policy ends the run for every caller at once but keeps the decision
 * pending (`CANCELLING`), because the answer still says who receives the tick's error.
 *
 * ```text
 *            start                 wake                 succeeded / decided(continue)
 *   IDLE ───────────▶ SLEEPING ─────────▶ TICKING ──────────────────────────────▶ SLEEPING
 *     ▲                  │ cancel            │ failed ─▶ DECIDING ─ decided(stop) ─▶ IDLE
 *     │◀─────────────────┘                   │             │ cancel
 *     │                                      │             ▼
 *     │◀──────────────── decided ────────────┼────────  CANCELLING
 *     │ settled                              ▼ cancel
 *     └──────────────────────────────── STOPPING ──start──▶ RESTARTING ──settled──▶ SLEEPING
 * ```
 *
 * The table (rows: phase; columns: event; `·` = ignored, `✗` = TimerStateError):
 *
 * ```text
 *             start       cancel      trigger        wake     settled¹        decided     abandon
 * IDLE        open→SLEEP  ·           ✗              ·        ·               ·           ·
 * SLEEPING    ✗           →IDLE end   wake now²      →TICK    ·               ·           ·
 * TICKING     ✗           →STOP end   after this³    ·        →SLEEP/DECIDE⁴  ·           ·
 * DECIDING    ✗           →CANCELLING after this³    ·        ·               →SLEEP/IDLE ·
 * CANCELLING  ✗           ·           ✗              ·        ·               →IDLE end   ·
 * STOPPING    open→RESTART ·          ✗              ·        →IDLE quiet     ·           →IDLE quiet
 * RESTARTING  ✗           →STOP end   after this³    ·        →SLEEP quiet⁵   ·           →SLEEP quiet⁵
 * ```
 * ¹ succeeded, failed, exhausted, declined (a lease gate refused the slot; `claimed`, its grant,
 * only notes when the gate wants to be asked next). ² cut the sleep: a
 * wake on the next microtask. ³ one more tick as soon as nothing is in flight, started from a
 * macrotask (a wake at `now`), never chained to the settling one. ⁴ a value publishes and sleeps
 * (or wakes at once for a trigger), a failure asks the policy, exhaustion ends the run.
 * ⁵ the new run's first tick is due at start + `initialDelay`, or now if that has passed.
 * `setDelay` applies in every phase: from the next sleep on (fixed_rate: a new grid).
 *
 * With a gate (the `lease` option) a tick begins with a claim, which is part of the tick: the
 * shell reports `claimed` (granted; the gate may say when to ask it next) or `declined` (the
 * tick did not run: no hit, no value). Where the gate names the next time, that is the sleep,
 * and a fixed_rate grid starts again there.
 *
 * Experimental: the shape of this record may change between minor versions; build on `Timer`.
 *
 * @experimental
 * @module
 */
import { TimerStateError } from "./errors.js";
import { jitterFactor, type Mode, nextSlot, slotWake } from "./schedule.js";

export type { Mode } from "./schedule.js";

// ─── Phases ──────────────────────────────────────────────────────────────────────────────────

/** No run: never started, cancelled, failed or exhausted, and nothing in flight. */
export const IDLE = 0;
/** Running, one wake armed. */
export const SLEEPING = 1;
/** Running, one tick in flight. */
export const TICKING = 2;
/** Running, a tick failed and the error policy is being asked. */
export const DECIDING = 3;
/** Cancelled while the error policy is being asked: over, ending when it answers. */
export const CANCELLING = 4;
/** Cancelled with a tick in flight: over, quiet when the tick settles. */
export const STOPPING = 5;
/** Started again while the old run's tick is in flight: running, first tick held. */
export const RESTARTING = 6;

/**
 * Where a timer is in its life, one of the phase constants above.
 *
 * @example
 * ```ts
 * if (machine.phase === SLEEPING) console.log("next wake at", machine.wakeAt);
 * ```
 */
export type Phase = 0 | 1 | 2 | 3 | 4 | 5 | 6;

// ─── Effects, in the order they are performed ───────────────────────────────────────────────

/** Disarm the wake. */
export const DO_CLEAR = 1;
/** Tick `ticks` succeeded: deliver its value; `hits` counts it. */
export const DO_PUBLISH = 2;
/** Deliver tick `ticks`' error to the callers waiting for it. */
export const DO_FAIL = 4;
/** With `DO_FAIL`: the error also ends the run (policy stop). */
export const DO_FINAL = 8;
/** Tick `ticks` failed: ask the error policy, then report back with `onDecided`. */
export const DO_CONSULT = 16;
/** fixed_rate: the tick ran past `skipped` slots (`skipped` is 0 when a tick lands in time). */
export const DO_SKIPPED = 32;
/** Run `run` is over, for `reason`: close its source, end its consumers. */
export const DO_END = 64;
/** The tick of an ended run has settled (or was abandoned): nothing is in flight any more. */
export const DO_QUIET = 128;
/** Run `run` started. */
export const DO_STARTED = 256;
/** Arm the wake of run `run` for `wakeAt` (which may be now: a macrotask, never a microtask). */
export const DO_WAKE = 512;
/** Arm the wake of run `run` for the next microtask: a tick never starts inside its caller. */
export const DO_SOON = 1024;
/** Call the target (or pull the source) now, as tick `ticks`, with `hits` successes before it. */
export const DO_INVOKE = 2048;
/** With `DO_END`: the run ended with tick `ticks` in flight, whose signal must abort. */
export const DO_ABORT = 4096;

/**
 * "No time": the value of `wakeAt` when no wake is armed and of `anchor` when there is no grid.
 * A small integer rather than NaN on purpose: times on the real driver are whole milliseconds,
 * and a field that only ever holds small integers stays unboxed in the engine — a NaN would box
 * every time field of every timer (tens of bytes each). No driver's clock reaches −2^30.
 *
 * @example
 * ```ts
 * if (machine.wakeAt === UNSET) console.log("no wake armed");
 * ```
 */
export const UNSET = -1073741824;

/**
 * Why a run ended: a cancel (or `cancelOn`), an error under policy stop, or a source that ran out.
 *
 * @example
 * ```ts
 * const reason: EndReason = "exhausted";
 * ```
 */
export type EndReason = "cancel" | "error" | "exhausted";

/**
 * The error policy's answer for a failed tick.
 *
 * @example
 * ```ts
 * const policy: Policy = error instanceof TypeError ? "stop" : "continue";
 * ```
 */
export type Policy = "stop" | "continue";

/**
 * Settings fixed for the life of a timer. Durations in milliseconds.
 *
 * @example
 * ```ts
 * const config: MachineConfig = { mode: "fixed_rate", initialDelay: 0, jitter: 0.1, single: undefined };
 * ```
 */
export interface MachineConfig {
  /** Which schedule: `"fixed_delay"` or `"fixed_rate"`. */
  readonly mode: Mode;
  /** Milliseconds from `start` to the first tick; never jittered. */
  readonly initialDelay: number;
  /** Fraction in `[0, 1]` by which each sleep is perturbed. */
  readonly jitter: number;
  /** Why the timer may run only once (`cancelOn`/`signal`, a generator object); `undefined` if restartable. */
  readonly single: string | undefined;
}

/**
 * The scheduling state of one timer, and the transitions between its states. `Timer` extends
 * it, so a timer is one object; the record is also usable alone, driven by hand.
 *
 * @example
 * ```ts
 * class Probe extends Machine {
 *   send(now: number) {
 *     return this.onStart(now); // DO_STARTED | DO_SOON: the first tick on the next microtask
 *   }
 * }
 * ```
 */
export class Machine {
  /** The settings. */
  protected readonly cfg: MachineConfig;
  /** Where the timer is in its life. */
  protected phase: Phase = IDLE;
  /** A `trigger()` is waiting: the next tick starts as soon as nothing is in flight. */
  protected triggered = false;
  /** fixed_rate: the next tick starts a new grid (after a `setDelay`). */
  protected rebase = false;
  /** Tag of the current run (or the last one); 0 before the first start. */
  protected run = 0;
  /** Ticks started since construction; the one in flight, if any, is tick `ticks`. */
  protected ticks = 0;
  /** Successful ticks since construction; keeps counting across runs. */
  protected hits = 0;
  /** The delay the next sleep uses, in milliseconds. */
  protected delayMs: number;
  /** `SLEEPING`: when the armed wake fires. `RESTARTING`: when the first tick is due. Else UNSET. */
  protected wakeAt = UNSET;
  /** fixed_rate: time of slot 0 of the current grid; UNSET until a run's first tick. */
  protected anchor = UNSET;
  /** fixed_rate: index of the slot of the tick in flight, or of the one being slept towards. */
  protected slot = 0;
  /** fixed_rate: spacing of the current grid (the delay it was built with). */
  protected period: number;
  /** Set with `DO_SKIPPED`: slots the last tick ran past. */
  protected skipped = 0;
  /** Set with `DO_END`: why the run ended. */
  protected reason: EndReason = "cancel";

  constructor(config: MachineConfig, delay: number) {
    this.cfg = config;
    this.delayMs = delay;
    this.period = delay;
  }

  /** True from `start` until the run ends (as `Timer.isRunning()`). */
  protected running(): boolean {
    const p = this.phase;
    return p === SLEEPING || p === TICKING || p === DECIDING || p === RESTARTING;
  }

  /** True while an invocation of the target has not settled. */
  protected inFlight(): boolean {
    const p = this.phase;
    return p === TICKING || p === STOPPING || p === RESTARTING;
  }

  // ─── Commands ────────────────────────────────────────────────────────────────────────────

  /** Throws what `onStart` would, changing nothing: a command checked before it is given. */
  protected checkStart(): void {
    const p = this.phase;
    if (p === CANCELLING) {
      throw new TimerStateError(
        "start() was called from onError after cancel(); the run ends when onError returns, so restart it from onCancel or later",
      );
    }
    if (p !== IDLE && p !== STOPPING) {
      throw new TimerStateError("start() was called on a timer that is already running");
    }
    const single = this.cfg.single;
    if (this.run > 0 && single !== undefined) throw new TimerStateError(single);
  }

  /** `start()` at `now`: a new run, its first tick due after `initialDelay`. Throws as `checkStart`. */
  protected onStart(now: number): number {
    this.checkStart();
    const p = this.phase;
    // A fresh run: a fresh grid; the first tick is due after `initialDelay` (never jittered).
    this.run++;
    this.wakeAt = now + this.cfg.initialDelay;
    this.anchor = UNSET;
    this.slot = 0;
    this.rebase = false;
    this.triggered = false;
    if (p === STOPPING) {
      this.phase = RESTARTING; // the old run's tick is in flight: hold the first tick
      return DO_STARTED;
    }
    this.phase = SLEEPING;
    return DO_STARTED | (this.cfg.initialDelay === 0 ? DO_SOON : DO_WAKE);
  }

  /** `cancel()`: the run ends now; a tick in flight settles on its own (its signal aborts). */
  protected onCancel(): number {
    switch (this.phase) {
      case SLEEPING:
        this.#end(IDLE, "cancel");
        return DO_CLEAR | DO_END;
      case TICKING:
      case RESTARTING:
        // The run ends now; its tick (or the old run's, restarting) settles on its own.
        this.#end(STOPPING, "cancel");
        return DO_END | DO_ABORT;
      case DECIDING:
        // Over for every caller, but it ends when the policy answers: that answer says who
        // receives the tick's error, which a TimerCancelledError must not replace.
        this.#end(CANCELLING, "cancel");
        return 0;
      default:
        return 0;
    }
  }

  /** `trigger()` at `now`: one more tick as soon as nothing is in flight. Throws when not running. */
  protected onTrigger(now: number): number {
    const p = this.phase;
    if (!this.running()) {
      throw new TimerStateError("trigger() needs a running timer; call start() first");
    }
    if (this.triggered) return 0; // a tick is already on its way: share it
    this.triggered = true;
    if (p !== SLEEPING) return 0; // something is in flight: one more tick when it settles
    this.wakeAt = now;
    return DO_CLEAR | DO_SOON;
  }

  /** A new delay applies from the next sleep; under fixed_rate the next tick starts a new grid. */
  protected onSetDelay(delay: number): number {
    this.delayMs = delay;
    this.rebase = this.cfg.mode === "fixed_rate";
    return 0;
  }

  // ─── Reports from the driver and the target ─────────────────────────────────────────────

  /** The wake armed for run `run` fired: the next tick starts (stale wakes are ignored). */
  protected onWake(run: number): number {
    if (this.phase !== SLEEPING || run !== this.run) return 0;
    // A scheduled fixed-rate tick belongs to its slot even when jitter woke it early or late.
    // (Only fixed_rate sets an anchor.) A zero period has no grid to belong to.
    const anchored = this.anchor !== UNSET;
    const onGrid = anchored && !this.triggered && this.period > 0;
    const at = onGrid ? this.anchor + this.slot * this.period : this.wakeAt;
    if (this.cfg.mode === "fixed_rate" && (this.rebase || this.triggered || !anchored)) {
      this.anchor = at;
      this.period = this.delayMs;
      this.slot = 0;
    }
    this.phase = TICKING;
    this.ticks++;
    this.wakeAt = UNSET;
    this.rebase = false;
    this.triggered = false;
    return DO_INVOKE;
  }

  /** Tick `tick` returned a value at `now`; `sample` in `[0, 1)` jitters the next sleep. */
  protected onSucceeded(now: number, tick: number, sample: number): number {
    if (tick !== this.ticks) return 0;
    if (this.phase !== TICKING) return this.#settledAfterEnd(now);
    this.hits++;
    return DO_PUBLISH | this.#proceed(now, sample);
  }

  /**
   * A lease gate granted tick `tick` and asks to be consulted next at `at` (monotonic ms): that
   * will be the sleep after the tick (NaN: none). Kept in `wakeAt`, UNSET while ticking otherwise.
   */
  protected onClaimed(tick: number, at: number): number {
    if (tick === this.ticks && this.phase === TICKING) this.wakeAt = Number.isNaN(at) ? UNSET : at;
    return 0;
  }

  /**
   * A lease gate refused tick `tick`: it did not run — neither a hit nor a value — and the
   * schedule goes on, from `at` if the gate named a time (NaN: the timer's own schedule).
   */
  protected onDeclined(now: number, tick: number, sample: number, at: number): number {
    if (tick !== this.ticks) return 0;
    if (this.phase !== TICKING) return this.#settledAfterEnd(now);
    this.wakeAt = Number.isNaN(at) ? UNSET : at;
    return this.#proceed(now, sample);
  }

  /** Tick `tick` threw or rejected at `now`: the shell consults the error policy (`DO_CONSULT`). */
  protected onFailed(now: number, tick: number): number {
    if (tick !== this.ticks) return 0;
    if (this.phase !== TICKING) return this.#settledAfterEnd(now);
    this.phase = DECIDING;
    return DO_CONSULT;
  }

  /** Tick `tick` found its source done (a generator returned): the run ends. */
  protected onExhausted(now: number, tick: number): number {
    if (tick !== this.ticks) return 0;
    if (this.phase !== TICKING) return this.#settledAfterEnd(now);
    this.#end(IDLE, "exhausted");
    return DO_END;
  }

  /** The error policy answered `policy` for tick `tick`'s failure: continue (sleep) or stop. */
  protected onDecided(now: number, tick: number, policy: Policy, sample: number): number {
    if (tick !== this.ticks) return 0;
    const stop = policy === "stop";
    if (this.phase === CANCELLING) {
      // Cancelled while deciding: deliver the error as the policy says, then end the run.
      this.#end(IDLE, stop ? "error" : "cancel");
      return DO_FAIL | (stop ? DO_FINAL : 0) | DO_END | DO_QUIET;
    }
    if (this.phase !== DECIDING) return 0;
    if (!stop) return DO_FAIL | this.#proceed(now, sample);
    this.#end(IDLE, "error");
    return DO_FAIL | DO_FINAL | DO_END;
  }

  /** `cancel({ timeout })` gave up on tick `tick`: treat it as settled, whatever it does later. */
  protected onAbandon(now: number, tick: number): number {
    if (tick !== this.ticks || (this.phase !== STOPPING && this.phase !== RESTARTING)) return 0;
    return this.#settledAfterEnd(now);
  }

  // ─── Transitions shared by several events ────────────────────────────────────────────────

  /**
   * After a tick of a running run settled (a value, an error under policy continue, a declined
   * slot): a sleep, or a wake at once when a trigger waits — from a macrotask, so the event loop
   * gets a turn between two ticks of this timer.
   */
  #proceed(now: number, sample: number): number {
    this.phase = SLEEPING;
    if (this.triggered) {
      this.wakeAt = now;
      return DO_WAKE;
    }
    if (this.wakeAt !== UNSET) {
      // A lease gate named the time to ask it next: that is the sleep; a grid starts again there.
      this.anchor = UNSET;
      return DO_WAKE;
    }
    const factor = jitterFactor(this.cfg.jitter, sample);
    if (this.cfg.mode === "fixed_delay") {
      this.wakeAt = now + this.delayMs * factor;
      return DO_WAKE;
    }
    const period = this.period;
    const slot = this.slot;
    if (!(period > 0)) {
      this.slot = slot + 1;
      this.wakeAt = now;
      return DO_WAKE;
    }
    const next = nextSlot(this.anchor, period, slot, now);
    this.wakeAt = slotWake(this.anchor + next * period, now, period, factor);
    this.slot = next;
    this.skipped = next - slot - 1;
    return DO_SKIPPED | DO_WAKE;
  }

  /** The tick of an ended run settled. Restarting: the new run may tick now (or at its time). */
  #settledAfterEnd(now: number): number {
    if (this.phase === STOPPING) {
      this.phase = IDLE;
      return DO_QUIET;
    }
    if (this.phase !== RESTARTING) return 0;
    this.phase = SLEEPING;
    if (this.triggered || this.wakeAt < now) this.wakeAt = now;
    return DO_QUIET | DO_WAKE;
  }

  /** The run ends: no tick will start; `phase` says whether anything is still pending. */
  #end(phase: Phase, reason: EndReason): void {
    this.phase = phase;
    this.reason = reason;
    this.wakeAt = UNSET;
    this.triggered = false;
  }
}
