/**
 * The scheduling machine of a Timer: `step(state, event) → [state, effects]`.
 *
 * Rules of this file:
 * 1. Everything that decides *when* the target runs lives here: the phases of a run, the run and
 *    tick tokens, both schedules, jitter, triggers, skip counting, and what ends a run.
 * 2. It is pure. No clock, timer, promise, randomness or I/O: time arrives as `now` (monotonic
 *    milliseconds) on every event, and a random `sample` in `[0, 1)` on the events that may
 *    need one. The same events in give the same effects out, so a seeded simulation replays.
 * 3. `step` never mutates its input. An illegal command (`start` while running, `trigger` while
 *    stopped, restarting a single-run timer) throws `TimerStateError`; the caller still holds
 *    the old state, so nothing changed.
 * 4. Effects are plain data, performed by the runner in the order given, after it has committed
 *    the new state. Only one wake is ever armed; `wake` replaces it, `clearWake` drops it.
 * 5. A wake carries the run it was armed for and a settlement carries its tick, so events from
 *    an earlier run or an abandoned tick are ignored — never an error, the driver cannot help
 *    delivering them late.
 *
 * Theory of operation. A *run* lasts from `start` until cancel, a stopping error, or the source
 * running out. Within a run the machine alternates between `sleeping` (one wake armed) and
 * `ticking` (one invocation of the target in flight): there is never more than one tick in
 * flight. A cancel while ticking leaves the tick to settle on its own (`stopping`); a start in
 * that window opens the new run but holds its first tick until the old one settles
 * (`restarting`). A failed tick waits in `deciding` while the runner asks the error policy; a
 * cancel from inside that policy (`onError`) ends the run for every caller at once but keeps the
 * decision pending (`cancelling`), because the answer still says who receives the tick's error.
 *
 * ```text
 *            start                 wake                 succeeded / decided(continue)
 *   idle ───────────▶ sleeping ─────────▶ ticking ──────────────────────────────▶ sleeping
 *     ▲                  │ cancel            │ failed ─▶ deciding ─ decided(stop) ─▶ idle
 *     │◀─────────────────┘                   │             │ cancel
 *     │                                      │             ▼
 *     │◀──────────────── decided ────────────┼────────  cancelling
 *     │ settled                              ▼ cancel
 *     └──────────────────────────────── stopping ──start──▶ restarting ──settled──▶ sleeping/ticking
 * ```
 *
 * @module
 */
import { TimerStateError } from "./errors.js";
import { type Mode, nextDelay, nextSlot } from "./schedule.js";

export type { Mode } from "./schedule.js";

/**
 * Where a timer is in its life. `sleeping`, `ticking`, `deciding` and `restarting` count as
 * running; `ticking`, `stopping` and `restarting` have a tick in flight. `cancelling` is a run
 * cancelled while its error policy decides: over for every caller, nothing in flight, ending
 * when the decision arrives.
 *
 * @example
 * ```ts
 * const [state] = step(initialState(config, 1000), { type: "start", now: 0 });
 * const phase: Phase = state.phase; // "sleeping"
 * ```
 */
export type Phase =
  | "idle"
  | "sleeping"
  | "ticking"
  | "deciding"
  | "cancelling"
  | "stopping"
  | "restarting";

/**
 * Settings fixed for the life of a timer. Durations in milliseconds.
 *
 * @example
 * ```ts
 * const config: MachineConfig = { mode: "fixed_rate", initialDelay: 0, jitter: 0.1, singleRun: undefined };
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
  readonly singleRun: string | undefined;
}

/**
 * The whole scheduling state. Times are monotonic milliseconds. Immutable: `step` returns a
 * new one.
 *
 * @example
 * ```ts
 * let state: TimerState = initialState(config, 5000);
 * [state] = step(state, { type: "start", now: 0 });
 * console.log(state.phase, state.run, state.wakeAt); // "sleeping" 1 0
 * ```
 */
export interface TimerState {
  /** The settings, shared by every state of one timer. */
  readonly config: MachineConfig;
  /** Where the timer is in its life. */
  readonly phase: Phase;
  /** Token of the current run (or the last one); 0 before the first start. */
  readonly run: number;
  /** Ticks started since construction; the tick in flight, if any, has token `ticks`. */
  readonly ticks: number;
  /** Successful ticks since construction; keeps counting across runs. */
  readonly hitCount: number;
  /** The delay the next sleep uses. */
  readonly delay: number;
  /** `sleeping`: when the armed wake fires. `restarting`: when the first tick is due. Else NaN. */
  readonly wakeAt: number;
  /** fixed_rate: time of slot 0 of the current grid; NaN until a run's first tick. */
  readonly anchor: number;
  /** fixed_rate: spacing of the current grid (the delay it was built with). */
  readonly period: number;
  /** fixed_rate: index of the slot of the tick in flight, or of the one being slept towards. */
  readonly slot: number;
  /** fixed_rate: the next tick starts a new grid (after a trigger or a `setDelay`). */
  readonly rebase: boolean;
  /** A `trigger()` is waiting: the next tick starts as soon as nothing is in flight. */
  readonly triggered: boolean;
}

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
 * Something that happened: a command from the API, or a report from the driver or the target.
 * Every event carries `now`; wakes carry their run and settlements their tick, so late ones are
 * recognised.
 *
 * @example
 * ```ts
 * const events: TimerEvent[] = [
 *   { type: "start", now: 0 },
 *   { type: "wake", now: 0, run: 1 },
 *   { type: "succeeded", now: 12, tick: 1, value: "v", sample: 0.5 },
 * ];
 * ```
 */
export type TimerEvent =
  | { readonly type: "start"; readonly now: number }
  | { readonly type: "cancel"; readonly now: number }
  | { readonly type: "trigger"; readonly now: number }
  | { readonly type: "setDelay"; readonly now: number; readonly delay: number }
  | { readonly type: "wake"; readonly now: number; readonly run: number }
  | {
      readonly type: "succeeded";
      readonly now: number;
      readonly tick: number;
      readonly value: unknown;
      readonly sample: number;
    }
  | {
      readonly type: "failed";
      readonly now: number;
      readonly tick: number;
      readonly error: unknown;
    }
  | { readonly type: "exhausted"; readonly now: number; readonly tick: number }
  | {
      readonly type: "decided";
      readonly now: number;
      readonly tick: number;
      readonly policy: Policy;
      readonly error: unknown;
      readonly sample: number;
    }
  | { readonly type: "abandon"; readonly now: number; readonly tick: number };

/**
 * Something the runner must do, in order, after committing the state.
 *
 * @example
 * ```ts
 * const [, effects] = step(sleepingState, { type: "wake", now: 1000, run: 1 });
 * // [{ type: "invoke", tick: 1, hitCount: 0 }]
 * for (const effect of effects) perform(effect);
 * ```
 */
export type Effect =
  /** Call the target (or pull the source) now, as tick `tick`. */
  | { readonly type: "invoke"; readonly tick: number; readonly hitCount: number }
  /** Arm the wake for absolute time `at`, tagged with `run`. */
  | { readonly type: "wake"; readonly at: number; readonly run: number }
  /** Arm the wake for the next microtask: a tick never starts inside the caller's own stack. */
  | { readonly type: "wakeSoon"; readonly run: number }
  /** Disarm the wake. */
  | { readonly type: "clearWake" }
  /** Tick `tick` succeeded at time `at`, the `hitCount`-th success: deliver `value`. */
  | {
      readonly type: "publish";
      readonly tick: number;
      readonly value: unknown;
      readonly hitCount: number;
      readonly at: number;
    }
  /** Tick `tick` failed: ask the error policy, then report back with `decided`. */
  | { readonly type: "consult"; readonly tick: number; readonly error: unknown }
  /** Deliver a tick's error; `final` when it also ends the run (policy stop). */
  | {
      readonly type: "fail";
      readonly tick: number;
      readonly error: unknown;
      readonly final: boolean;
    }
  /** The run is over: abort its signal, close its source, notify its consumers, run `onCancel`. */
  | { readonly type: "end"; readonly run: number; readonly reason: EndReason }
  /** The tick of an ended run has settled (or was abandoned): nothing is in flight any more. */
  | { readonly type: "quiet" }
  | { readonly type: "log"; readonly level: "warn"; readonly message: string };

/**
 * What `step` returns: the state to commit, and the effects to perform in order.
 *
 * @example
 * ```ts
 * const [next, effects]: Transition = step(state, { type: "cancel", now: 42 });
 * ```
 */
export type Transition = readonly [TimerState, readonly Effect[]];

/**
 * The state of a timer that has never started. `delay` in milliseconds.
 *
 * @example
 * ```ts
 * const state = initialState({ mode: "fixed_delay", initialDelay: 0, jitter: 0, singleRun: undefined }, 5000);
 * ```
 */
export function initialState(config: MachineConfig, delay: number): TimerState {
  return {
    config,
    phase: "idle",
    run: 0,
    ticks: 0,
    hitCount: 0,
    delay,
    wakeAt: Number.NaN,
    anchor: Number.NaN,
    period: delay,
    slot: 0,
    rebase: false,
    triggered: false,
  };
}

/**
 * True from `start` until the run ends (as `Timer.isRunning()`).
 *
 * @example
 * ```ts
 * isRunning(step(initialState(config, 1000), { type: "start", now: 0 })[0]); // true
 * ```
 */
export function isRunning(state: TimerState): boolean {
  return state.phase !== "idle" && state.phase !== "stopping" && state.phase !== "cancelling";
}

/**
 * True while an invocation of the target has not settled.
 *
 * @example
 * ```ts
 * if (hasTickInFlight(state)) console.log("cancel() will wait for tick", state.ticks);
 * ```
 */
export function hasTickInFlight(state: TimerState): boolean {
  return state.phase === "ticking" || state.phase === "stopping" || state.phase === "restarting";
}

/**
 * Applies one event. Pure: the same state and event always give the same result, and neither is
 * changed. Throws `TimerStateError` for an illegal command (the old state is still valid).
 *
 * @example
 * ```ts
 * let state = initialState(config, 1000);
 * let effects: readonly Effect[];
 * [state, effects] = step(state, { type: "start", now: 0 });   // [{ type: "wakeSoon", run: 1 }]
 * [state, effects] = step(state, { type: "wake", now: 0, run: 1 }); // [{ type: "invoke", … }]
 * ```
 */
export function step(state: TimerState, event: TimerEvent): Transition {
  // The same lookup as TABLE[state.phase][event.type], spelled as switches: they compile to
  // pointer compares where two computed-key lookups would go megamorphic (twice per tick).
  const row = rowOf(state.phase);
  switch (event.type) {
    case "start":
      return row.start(state, event);
    case "cancel":
      return row.cancel(state, event);
    case "trigger":
      return row.trigger(state, event);
    case "setDelay":
      return row.setDelay(state, event);
    case "wake":
      return row.wake(state, event);
    case "succeeded":
      return row.succeeded(state, event);
    case "failed":
      return row.failed(state, event);
    case "exhausted":
      return row.exhausted(state, event);
    case "decided":
      return row.decided(state, event);
    case "abandon":
      return row.abandon(state, event);
  }
}

function rowOf(phase: Phase): Row {
  switch (phase) {
    case "idle":
      return TABLE.idle;
    case "sleeping":
      return TABLE.sleeping;
    case "ticking":
      return TABLE.ticking;
    case "deciding":
      return TABLE.deciding;
    case "cancelling":
      return TABLE.cancelling;
    case "stopping":
      return TABLE.stopping;
    case "restarting":
      return TABLE.restarting;
  }
}

// ─── Handlers ────────────────────────────────────────────────────────────────────────────────

type Handler<E extends TimerEvent> = (state: TimerState, event: E) => Transition;
type On<T extends TimerEvent["type"]> = Handler<Extract<TimerEvent, { type: T }>>;
type Draft = { -readonly [K in keyof TimerState]: TimerState[K] };

const NONE: readonly Effect[] = Object.freeze([]);
// Effects without data are shared: effects are read-only to whoever performs them.
const CLEAR_WAKE: Effect = Object.freeze({ type: "clearWake" });
const QUIET: Effect = Object.freeze({ type: "quiet" });

/**
 * A fresh copy of `s` for a handler to change before returning it; `s` itself is never touched,
 * so `step` stays pure. Spelled out field by field on purpose: on V8, `{ ...s, phase }` costs
 * ~10× more, and this runs twice per tick.
 */
function draft(s: TimerState): Draft {
  return {
    config: s.config,
    phase: s.phase,
    run: s.run,
    ticks: s.ticks,
    hitCount: s.hitCount,
    delay: s.delay,
    wakeAt: s.wakeAt,
    anchor: s.anchor,
    period: s.period,
    slot: s.slot,
    rebase: s.rebase,
    triggered: s.triggered,
  };
}

/** `s` in another phase. */
function moved(s: TimerState, phase: Phase): Draft {
  const next = draft(s);
  next.phase = phase;
  return next;
}

/** An event that does not apply here: a late wake, a settlement of a forgotten tick, a no-op. */
const ignore: Handler<TimerEvent> = (s) => [s, NONE];

const alreadyRunning: Handler<TimerEvent> = () => {
  throw new TimerStateError("start() was called on a timer that is already running");
};

const notRunning: Handler<TimerEvent> = () => {
  throw new TimerStateError("trigger() needs a running timer; call start() first");
};

/** A fresh run: reset the grid; the first tick is due after `initialDelay` (never jittered). */
function openRun(s: TimerState, now: number, phase: "sleeping" | "restarting"): TimerState {
  if (s.run > 0 && s.config.singleRun !== undefined) throw new TimerStateError(s.config.singleRun);
  const next = moved(s, phase);
  next.run = s.run + 1;
  next.wakeAt = now + s.config.initialDelay;
  next.anchor = Number.NaN;
  next.slot = 0;
  next.rebase = false;
  next.triggered = false;
  return next;
}

const startFromIdle: On<"start"> = (s, e) => {
  const next = openRun(s, e.now, "sleeping");
  const effect: Effect =
    s.config.initialDelay === 0
      ? { type: "wakeSoon", run: next.run }
      : { type: "wake", at: next.wakeAt, run: next.run };
  return [next, [effect]];
};

/** The old run's tick is still in flight: open the run now, hold its first tick. */
const startWhileStopping: On<"start"> = (s, e) => [openRun(s, e.now, "restarting"), NONE];

/** Begin tick `ticks + 1`, whose nominal start time is `at`. */
function begin(s: TimerState, at: number, lead: Effect | undefined): Transition {
  const next = moved(s, "ticking");
  next.ticks = s.ticks + 1;
  next.wakeAt = Number.NaN;
  next.rebase = false;
  next.triggered = false;
  if (s.config.mode === "fixed_rate" && (s.rebase || s.triggered || Number.isNaN(s.anchor))) {
    next.anchor = at;
    next.period = s.delay;
    next.slot = 0;
  }
  const invoke: Effect = { type: "invoke", tick: next.ticks, hitCount: next.hitCount };
  return [next, lead === undefined ? [invoke] : [lead, invoke]];
}

const wake: On<"wake"> = (s, e) => {
  if (e.run !== s.run) return [s, NONE];
  // A scheduled fixed-rate tick belongs to its slot even when jitter woke it early or late.
  // (Only fixed_rate ever sets an anchor.) A zero period has no grid to belong to: every "slot"
  // is the anchor, so the tick's time is when it was due.
  const onGrid = !s.triggered && !Number.isNaN(s.anchor) && s.period > 0;
  return begin(s, onGrid ? s.anchor + s.slot * s.period : s.wakeAt, undefined);
};

/**
 * After a tick of a running run settled (a value, or an error under policy continue): the next
 * tick now if a trigger waits, else a sleep. `hitCount` is the count after this tick.
 */
function proceed(
  s: TimerState,
  now: number,
  sample: number,
  lead: Effect,
  hitCount: number,
): Transition {
  if (s.triggered) {
    const counted = draft(s);
    counted.hitCount = hitCount;
    return begin(counted, now, lead);
  }
  const next = moved(s, "sleeping");
  next.hitCount = hitCount;
  if (s.config.mode === "fixed_delay") {
    next.wakeAt = nextDelay(s.delay, now, s.config.jitter, sample);
  } else {
    const slot = nextSlot(s.anchor, s.period, s.slot, now, s.config.jitter, sample);
    next.wakeAt = slot.wakeAt;
    next.slot = slot.slot;
    if (slot.skipped > 0) {
      const [noun, pronoun] = slot.skipped === 1 ? ["slot", "it"] : ["slots", "them"];
      const message = `fixed_rate: skipped ${slot.skipped} ${noun}; the tick ran past ${pronoun}`;
      const log: Effect = { type: "log", level: "warn", message };
      return [next, [lead, log, { type: "wake", at: next.wakeAt, run: s.run }]];
    }
  }
  return [next, [lead, { type: "wake", at: next.wakeAt, run: s.run }]];
}

const succeeded: On<"succeeded"> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  const hitCount = s.hitCount + 1;
  const publish: Effect = { type: "publish", tick: e.tick, value: e.value, hitCount, at: e.now };
  return proceed(s, e.now, e.sample, publish, hitCount);
};

const failed: On<"failed"> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  return [moved(s, "deciding"), [{ type: "consult", tick: e.tick, error: e.error }]];
};

const exhausted: On<"exhausted"> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  return [moved(s, "idle"), [{ type: "end", run: s.run, reason: "exhausted" }]];
};

const decided: On<"decided"> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  if (e.policy === "continue") {
    const fail: Effect = { type: "fail", tick: e.tick, error: e.error, final: false };
    return proceed(s, e.now, e.sample, fail, s.hitCount);
  }
  return [
    moved(s, "idle"),
    [
      { type: "fail", tick: e.tick, error: e.error, final: true },
      { type: "end", run: s.run, reason: "error" },
    ],
  ];
};

/** The tick of an ended run settled, whatever its outcome: drop its result. */
const settledAfterEnd: Handler<Extract<TimerEvent, { tick: number }>> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  return [moved(s, "idle"), [QUIET]];
};

/** The old run's tick settled (or was abandoned): the new run may tick now. */
const settledWhileRestarting: Handler<Extract<TimerEvent, { tick: number }>> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  if (s.triggered || s.wakeAt <= e.now) return begin(s, e.now, QUIET);
  return [moved(s, "sleeping"), [QUIET, { type: "wake", at: s.wakeAt, run: s.run }]];
};

/** The run ends: no tick will start; `phase` says whether anything is still pending. */
function endRun(s: TimerState, phase: "idle" | "stopping" | "cancelling"): Draft {
  const next = moved(s, phase);
  next.wakeAt = Number.NaN;
  next.triggered = false;
  return next;
}

const cancelSleeping: On<"cancel"> = (s) => [
  endRun(s, "idle"),
  [CLEAR_WAKE, { type: "end", run: s.run, reason: "cancel" }],
];

/** Cancel with a tick in flight: the run ends now, the tick settles on its own. */
const cancelTicking: On<"cancel"> = (s) => [
  endRun(s, "stopping"),
  [{ type: "end", run: s.run, reason: "cancel" }],
];

/**
 * Cancel from inside the error policy: the run is over now (`isRunning()` is false), but it ends
 * only when the decision arrives, which says who receives the tick's error — ending it here
 * would hand every waiter a `TimerCancelledError` in place of the error that stopped the tick.
 */
const cancelDeciding: On<"cancel"> = (s) => [endRun(s, "cancelling"), NONE];

/** The decision of a cancelled run: deliver the error as the policy says, then end the run. */
const decidedAfterCancel: On<"decided"> = (s, e) => {
  if (e.tick !== s.ticks) return [s, NONE];
  const final = e.policy === "stop";
  return [
    moved(s, "idle"),
    [
      { type: "fail", tick: e.tick, error: e.error, final },
      { type: "end", run: s.run, reason: final ? "error" : "cancel" },
      QUIET,
    ],
  ];
};

const startWhileCancelling: Handler<TimerEvent> = () => {
  throw new TimerStateError(
    "start() was called from onError after cancel(); the run ends when onError returns, so restart it from onCancel or later",
  );
};

const triggerSleeping: On<"trigger"> = (s, e) => {
  if (s.triggered) return [s, NONE]; // a tick is already on its way: share it
  const next = draft(s);
  next.triggered = true;
  next.wakeAt = e.now;
  return [next, [CLEAR_WAKE, { type: "wakeSoon", run: s.run }]];
};

/** Something is in flight: run exactly one more tick as soon as it settles. */
const triggerLater: On<"trigger"> = (s) => {
  if (s.triggered) return [s, NONE];
  const next = draft(s);
  next.triggered = true;
  return [next, NONE];
};

/** A new delay applies from the next sleep; under fixed_rate the next tick starts a new grid. */
const setDelay: On<"setDelay"> = (s, e) => {
  const next = draft(s);
  next.delay = e.delay;
  next.rebase = s.config.mode === "fixed_rate";
  return [next, NONE];
};

// ─── The table ───────────────────────────────────────────────────────────────────────────────

type Row = { readonly [E in TimerEvent["type"]]: On<E> };

// biome-ignore format: the table reads as a table.
const TABLE: { readonly [P in Phase]: Row } = {
  //            start               cancel          trigger          setDelay  wake    succeeded               failed                  exhausted               decided  abandon
  idle:       { start: startFromIdle,      cancel: ignore,         trigger: notRunning,      setDelay, wake: ignore, succeeded: ignore,                 failed: ignore,                 exhausted: ignore,                 decided: ignore,  abandon: ignore },
  sleeping:   { start: alreadyRunning,     cancel: cancelSleeping, trigger: triggerSleeping, setDelay, wake,         succeeded: ignore,                 failed: ignore,                 exhausted: ignore,                 decided: ignore,  abandon: ignore },
  ticking:    { start: alreadyRunning,     cancel: cancelTicking,  trigger: triggerLater,    setDelay, wake: ignore, succeeded,                         failed,                         exhausted,                         decided: ignore,  abandon: ignore },
  deciding:   { start: alreadyRunning,     cancel: cancelDeciding, trigger: triggerLater,    setDelay, wake: ignore, succeeded: ignore,                 failed: ignore,                 exhausted: ignore,                 decided,          abandon: ignore },
  cancelling: { start: startWhileCancelling, cancel: ignore,       trigger: notRunning,      setDelay, wake: ignore, succeeded: ignore,                 failed: ignore,                 exhausted: ignore,                 decided: decidedAfterCancel, abandon: ignore },
  stopping:   { start: startWhileStopping, cancel: ignore,         trigger: notRunning,      setDelay, wake: ignore, succeeded: settledAfterEnd,        failed: settledAfterEnd,        exhausted: settledAfterEnd,        decided: ignore,  abandon: settledAfterEnd },
  restarting: { start: alreadyRunning,     cancel: cancelTicking,  trigger: triggerLater,    setDelay, wake: ignore, succeeded: settledWhileRestarting, failed: settledWhileRestarting, exhausted: settledWhileRestarting, decided: ignore,  abandon: settledWhileRestarting },
};
