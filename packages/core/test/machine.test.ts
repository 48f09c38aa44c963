import { describe, expect, it } from "vitest";
import { TimerStateError } from "../src/errors.js";
import {
  type Effect,
  hasTickInFlight,
  initialState,
  isRunning,
  type MachineConfig,
  type Phase,
  type Policy,
  step,
  type TimerEvent,
  type TimerState,
} from "../src/machine.js";

/** Every phase, in the order the docs list them. */
const PHASES: readonly Phase[] = [
  "idle",
  "sleeping",
  "ticking",
  "deciding",
  "cancelling",
  "stopping",
  "restarting",
];

const base: MachineConfig = {
  mode: "fixed_delay",
  initialDelay: 0,
  jitter: 0,
  singleRun: undefined,
};

function machine(config: Partial<MachineConfig> = {}, delay = 1000): TimerState {
  return initialState({ ...base, ...config }, delay);
}

/** Applies events in order; returns the last state and the effects of the last event. */
function apply(
  state: TimerState,
  ...events: TimerEvent[]
): { state: TimerState; effects: readonly Effect[] } {
  let effects: readonly Effect[] = [];
  for (const event of events) [state, effects] = step(state, event);
  return { state, effects };
}

const start = (now = 0): TimerEvent => ({ type: "start", now });
const cancel = (now = 0): TimerEvent => ({ type: "cancel", now });
const trigger = (now = 0): TimerEvent => ({ type: "trigger", now });
const wake = (run: number, now: number): TimerEvent => ({ type: "wake", run, now });
const ok = (tick: number, now: number, value: unknown = tick, sample = 0): TimerEvent => ({
  type: "succeeded",
  tick,
  now,
  value,
  sample,
});
const failed = (tick: number, now: number, error: unknown = new Error("boom")): TimerEvent => ({
  type: "failed",
  tick,
  now,
  error,
});

/** A machine that has started and is running its first tick (tick 1) at t=0. */
function ticking(config: Partial<MachineConfig> = {}, delay = 1000): TimerState {
  return apply(machine(config, delay), start(0), wake(1, 0)).state;
}

/** Deep-freezes a state so any mutation by `step` throws. */
function frozen(state: TimerState): TimerState {
  Object.freeze(state.config);
  return Object.freeze(state);
}

describe("the transition table", () => {
  const events: TimerEvent[] = [
    start(),
    cancel(),
    trigger(),
    { type: "setDelay", now: 0, delay: 5 },
    wake(99, 0),
    ok(99, 0),
    failed(99, 0),
    { type: "exhausted", now: 0, tick: 99 },
    { type: "decided", now: 0, tick: 99, policy: "stop", error: 1, sample: 0 },
    { type: "abandon", now: 0, tick: 99 },
  ];

  it.each(PHASES)("answers every event in phase %s without mutating the state", (phase) => {
    for (const event of events) {
      const state = frozen({ ...machine(), phase, run: 1, ticks: 1 });
      try {
        const [next, effects] = step(state, event);
        expect(next.config).toBe(state.config);
        expect(Array.isArray(effects)).toBe(true);
      } catch (error) {
        // Only commands may be illegal, and only with TimerStateError.
        expect(error).toBeInstanceOf(TimerStateError);
        expect(["start", "trigger"]).toContain(event.type);
      }
    }
  });
});

describe("start", () => {
  it("arms a wake on the next microtask when there is no initial delay", () => {
    const { state, effects } = apply(machine(), start(100));
    expect(state).toMatchObject({ phase: "sleeping", run: 1, wakeAt: 100 });
    expect(effects).toEqual([{ type: "wakeSoon", run: 1 }]);
    expect(isRunning(state)).toBe(true);
  });

  it("arms a wake at start + initialDelay", () => {
    const { state, effects } = apply(machine({ initialDelay: 2500 }), start(100));
    expect(state.wakeAt).toBe(2600);
    expect(effects).toEqual([{ type: "wake", at: 2600, run: 1 }]);
  });

  it.each<Phase>(["sleeping", "ticking", "deciding", "restarting"])(
    "is illegal while %s, and leaves the state unchanged",
    (phase) => {
      const state = frozen({ ...machine(), phase, run: 3 });
      expect(() => step(state, start())).toThrow(TimerStateError);
      expect(() => step(state, start())).toThrow(/already running/);
    },
  );

  it("is illegal a second time for a single-run timer, with the reason as message", () => {
    const reason = "a timer built with cancelOn or signal runs once";
    const once = apply(machine({ singleRun: reason }), start(0), cancel(1)).state;
    expect(once.phase).toBe("idle");
    expect(() => step(once, start(2))).toThrow(reason);
    // The first start is fine.
    expect(() => step(machine({ singleRun: reason }), start(0))).not.toThrow();
  });

  it("while the old run's tick is in flight opens the run but holds its first tick", () => {
    const stopping = apply(ticking(), cancel(10)).state;
    const { state, effects } = apply(stopping, start(20));
    expect(state).toMatchObject({ phase: "restarting", run: 2, wakeAt: 20 });
    expect(effects).toEqual([]);
    expect(isRunning(state)).toBe(true);
    expect(hasTickInFlight(state)).toBe(true);
  });
});

describe("wake", () => {
  it("starts tick `ticks + 1` with the current hitCount", () => {
    const { state, effects } = apply(machine(), start(0), wake(1, 0));
    expect(state).toMatchObject({ phase: "ticking", ticks: 1 });
    expect(effects).toEqual([{ type: "invoke", tick: 1, hitCount: 0 }]);
  });

  it("from an earlier run is ignored: same state, no effects", () => {
    const sleeping = apply(machine(), start(0), cancel(1), start(2)).state;
    const [next, effects] = step(sleeping, wake(1, 3));
    expect(next).toBe(sleeping);
    expect(effects).toEqual([]);
  });

  it("is ignored outside `sleeping`", () => {
    const state = ticking();
    expect(step(state, wake(1, 5))[0]).toBe(state);
  });
});

describe("a tick that succeeds", () => {
  it("counts, publishes, then sleeps `delay` from the finish (fixed_delay)", () => {
    const { state, effects } = apply(ticking({}, 1000), ok(1, 300, "v"));
    expect(state).toMatchObject({ phase: "sleeping", hitCount: 1, wakeAt: 1300 });
    expect(effects).toEqual([
      { type: "publish", tick: 1, value: "v", hitCount: 1, at: 300 },
      { type: "wake", at: 1300, run: 1 },
    ]);
  });

  it("perturbs the sleep by the jitter factor drawn from the event's sample", () => {
    const jittered = ticking({ jitter: 0.5 }, 1000);
    expect(apply(jittered, ok(1, 0, 1, 0)).state.wakeAt).toBe(500); // factor 0.5
    expect(apply(jittered, ok(1, 0, 1, 0.5)).state.wakeAt).toBe(1000); // factor 1
    expect(apply(jittered, ok(1, 0, 1, 0.75)).state.wakeAt).toBe(1250); // factor 1.25
  });

  it("from another tick is ignored", () => {
    const state = ticking();
    expect(step(state, ok(2, 10))[0]).toBe(state);
  });

  it("with a trigger waiting starts the next tick at once instead of sleeping", () => {
    const { state, effects } = apply(ticking(), trigger(5), ok(1, 10));
    expect(state).toMatchObject({ phase: "ticking", ticks: 2, triggered: false });
    expect(effects).toEqual([
      { type: "publish", tick: 1, value: 1, hitCount: 1, at: 10 },
      { type: "invoke", tick: 2, hitCount: 1 },
    ]);
  });
});

describe("fixed_rate", () => {
  const rate = { mode: "fixed_rate" as const };

  it("anchors the grid at the first tick and sleeps to the next slot", () => {
    const first = apply(
      machine({ ...rate, initialDelay: 500 }, 1000),
      start(0),
      wake(1, 500),
    ).state;
    expect(first).toMatchObject({ anchor: 500, period: 1000, slot: 0 });
    const { state, effects } = apply(first, ok(1, 800));
    expect(state).toMatchObject({ phase: "sleeping", slot: 1, wakeAt: 1500 });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 1500, run: 1 });
  });

  it("keeps the grid when the wake fires late", () => {
    const late = apply(ticking(rate, 1000), ok(1, 100), wake(1, 1040)).state;
    expect(late).toMatchObject({ anchor: 0, slot: 1 });
    expect(apply(late, ok(2, 1100)).state.wakeAt).toBe(2000);
  });

  it("skips the slots a slow tick ran past, and says how many", () => {
    const { state, effects } = apply(ticking(rate, 1000), ok(1, 3500));
    expect(state).toMatchObject({ slot: 4, wakeAt: 4000 });
    expect(effects).toEqual([
      { type: "publish", tick: 1, value: 1, hitCount: 1, at: 3500 },
      {
        type: "log",
        level: "warn",
        message: "fixed_rate: skipped 3 slots; the tick ran past them",
      },
      { type: "wake", at: 4000, run: 1 },
    ]);
  });

  it("fires a slot that falls exactly on the finish time instead of counting it missed", () => {
    const onTime = apply(ticking(rate, 1000), ok(1, 1000));
    expect(onTime.state).toMatchObject({ slot: 1, wakeAt: 1000 });
    expect(onTime.effects.some((effect) => effect.type === "log")).toBe(false);
    const onSlotTwo = apply(ticking(rate, 1000), ok(1, 2000));
    expect(onSlotTwo.state).toMatchObject({ slot: 2, wakeAt: 2000 });
    expect(onSlotTwo.effects[1]).toEqual({
      type: "log",
      level: "warn",
      message: "fixed_rate: skipped 1 slot; the tick ran past it",
    });
    expect(apply(ticking(rate, 1000), ok(1, 2000.5)).state).toMatchObject({
      slot: 3,
      wakeAt: 3000,
    });
  });

  it("caps the jittered sleep at the time left to the slot, so jitter alone never skips", () => {
    // Finished at 100: 900 ms to slot 1; the largest factor (~1.5) lands before slot 2.
    const { state } = apply(ticking({ ...rate, jitter: 0.5 }, 1000), ok(1, 100, 1, 0.999999));
    expect(state.wakeAt).toBeGreaterThan(1000);
    expect(state.wakeAt).toBeLessThan(2000);
    // The jittered tick still belongs to slot 1: the next one aims at slot 2.
    const next = apply(state, wake(1, state.wakeAt), ok(2, state.wakeAt + 10, 2, 0.5)).state;
    expect(next.slot).toBe(2);
    expect(next.wakeAt).toBe(2000);
  });

  it("re-anchors at a triggered tick", () => {
    const sleeping = apply(ticking(rate, 1000), ok(1, 100)).state;
    const triggered = apply(sleeping, trigger(350), wake(1, 350)).state;
    expect(triggered).toMatchObject({ anchor: 350, slot: 0, ticks: 2 });
    expect(apply(triggered, ok(2, 400)).state.wakeAt).toBe(1350);
  });

  it("re-anchors at the next tick after setDelay, keeping the current sleep", () => {
    const sleeping = apply(ticking(rate, 1000), ok(1, 100)).state;
    const changed = apply(sleeping, { type: "setDelay", now: 200, delay: 300 }).state;
    expect(changed).toMatchObject({ wakeAt: 1000, delay: 300, period: 1000, rebase: true });
    const next = apply(changed, wake(1, 1000)).state;
    expect(next).toMatchObject({ anchor: 1000, period: 300, slot: 0, rebase: false });
    expect(apply(next, ok(2, 1050)).state.wakeAt).toBe(1300);
  });

  it("with a zero delay runs back to back without counting skips", () => {
    const { state, effects } = apply(ticking(rate, 0), ok(1, 40));
    expect(state.wakeAt).toBe(40);
    expect(effects.some((effect) => effect.type === "log")).toBe(false);
  });
});

describe("a tick that fails", () => {
  it("waits in `deciding` while the policy is consulted", () => {
    const error = new Error("x");
    const { state, effects } = apply(ticking(), failed(1, 50, error));
    expect(state.phase).toBe("deciding");
    expect(effects).toEqual([{ type: "consult", tick: 1, error }]);
    expect(isRunning(state)).toBe(true);
  });

  it("under policy stop delivers the error as final and ends the run", () => {
    const error = new Error("x");
    const { state, effects } = apply(ticking(), failed(1, 50, error), {
      type: "decided",
      now: 50,
      tick: 1,
      policy: "stop",
      error,
      sample: 0,
    });
    expect(state.phase).toBe("idle");
    expect(state.hitCount).toBe(0);
    expect(effects).toEqual([
      { type: "fail", tick: 1, error, final: true },
      { type: "end", run: 1, reason: "error" },
    ]);
  });

  it("under policy continue delivers the error and keeps the schedule", () => {
    const error = new Error("x");
    const { state, effects } = apply(ticking(), failed(1, 50, error), {
      type: "decided",
      now: 50,
      tick: 1,
      policy: "continue",
      error,
      sample: 0,
    });
    expect(state).toMatchObject({ phase: "sleeping", wakeAt: 1050, hitCount: 0 });
    expect(effects).toEqual([
      { type: "fail", tick: 1, error, final: false },
      { type: "wake", at: 1050, run: 1 },
    ]);
  });

  describe("a cancel while the policy decides (from inside onError)", () => {
    const decided = (policy: Policy, tick = 1) =>
      ({ type: "decided", now: 70, tick, policy, error: "boom", sample: 0 }) as const;
    const cancelledWhileDeciding = () => apply(ticking(), failed(1, 50), cancel(60));

    it("ends the run for every caller at once, but waits for the decision to end it", () => {
      const { state, effects } = cancelledWhileDeciding();
      expect(state.phase).toBe("cancelling");
      expect(isRunning(state)).toBe(false);
      expect(hasTickInFlight(state)).toBe(false);
      expect(effects).toEqual([]);
    });

    it("under policy stop, delivers the error as final, then ends the run with reason error", () => {
      const { state, effects } = apply(cancelledWhileDeciding().state, decided("stop"));
      expect(state.phase).toBe("idle");
      expect(effects).toEqual([
        { type: "fail", tick: 1, error: "boom", final: true },
        { type: "end", run: 1, reason: "error" },
        { type: "quiet" },
      ]);
    });

    it("under policy continue, delivers the error to waiters only, then ends with reason cancel", () => {
      const { state, effects } = apply(cancelledWhileDeciding().state, decided("continue"));
      expect(state).toMatchObject({ phase: "idle", wakeAt: Number.NaN });
      expect(effects).toEqual([
        { type: "fail", tick: 1, error: "boom", final: false },
        { type: "end", run: 1, reason: "cancel" },
        { type: "quiet" },
      ]);
    });

    it("ignores a decision about another tick, a second cancel and a trigger's absence", () => {
      const { state } = cancelledWhileDeciding();
      expect(step(state, decided("stop", 9))[0]).toBe(state);
      expect(step(state, cancel(61))[0]).toBe(state);
      expect(() => step(state, trigger(62))).toThrow(TimerStateError);
    });

    it("refuses a restart until the decision has ended the run, saying where to restart", () => {
      const { state } = cancelledWhileDeciding();
      expect(() => step(state, start(65))).toThrow(
        new TimerStateError(
          "start() was called from onError after cancel(); the run ends when onError returns, so restart it from onCancel or later",
        ),
      );
    });
  });
});

describe("a source that runs out", () => {
  it("ends the run, without counting a hit", () => {
    const { state, effects } = apply(ticking(), { type: "exhausted", now: 5, tick: 1 });
    expect(state).toMatchObject({ phase: "idle", hitCount: 0 });
    expect(effects).toEqual([{ type: "end", run: 1, reason: "exhausted" }]);
  });
});

describe("cancel", () => {
  it("while sleeping disarms the wake and ends the run", () => {
    const { state, effects } = apply(machine(), start(0), cancel(5));
    expect(state.phase).toBe("idle");
    expect(effects).toEqual([{ type: "clearWake" }, { type: "end", run: 1, reason: "cancel" }]);
  });

  it("while ticking ends the run and leaves the tick to settle", () => {
    const { state, effects } = apply(ticking(), cancel(5));
    expect(state.phase).toBe("stopping");
    expect(isRunning(state)).toBe(false);
    expect(hasTickInFlight(state)).toBe(true);
    expect(effects).toEqual([{ type: "end", run: 1, reason: "cancel" }]);
  });

  it("then the tick settling drops its result and reports quiet", () => {
    const { state, effects } = apply(ticking(), cancel(5), ok(1, 9));
    expect(state).toMatchObject({ phase: "idle", hitCount: 0 });
    expect(effects).toEqual([{ type: "quiet" }]);
  });

  it("is idempotent", () => {
    const idle = apply(machine(), start(0), cancel(5)).state;
    expect(step(idle, cancel(6))).toEqual([idle, []]);
    const stopping = apply(ticking(), cancel(5)).state;
    expect(step(stopping, cancel(6))).toEqual([stopping, []]);
    expect(step(machine(), cancel(0))[1]).toEqual([]);
  });

  it("drops a pending trigger", () => {
    expect(apply(ticking(), trigger(1), cancel(2)).state.triggered).toBe(false);
  });

  it("while restarting ends the new run; the old tick is still awaited", () => {
    const { state, effects } = apply(ticking(), cancel(5), start(6), cancel(7));
    expect(state).toMatchObject({ phase: "stopping", run: 2 });
    expect(effects).toEqual([{ type: "end", run: 2, reason: "cancel" }]);
  });
});

describe("restarting", () => {
  it("starts the new run's first tick when the old tick settles past its due time", () => {
    const { state, effects } = apply(ticking(), cancel(5), start(6), ok(1, 20));
    expect(state).toMatchObject({ phase: "ticking", run: 2, ticks: 2, hitCount: 0 });
    expect(effects).toEqual([{ type: "quiet" }, { type: "invoke", tick: 2, hitCount: 0 }]);
  });

  it("sleeps until the initial delay when the old tick settles early", () => {
    const { state, effects } = apply(
      ticking({ initialDelay: 1000 }),
      cancel(5),
      start(6),
      ok(1, 20),
    );
    expect(state).toMatchObject({ phase: "sleeping", wakeAt: 1006 });
    expect(effects).toEqual([{ type: "quiet" }, { type: "wake", at: 1006, run: 2 }]);
  });

  it("abandoning the old tick releases the new run too", () => {
    const restarting = apply(ticking(), cancel(5), start(6)).state;
    const { state, effects } = apply(restarting, { type: "abandon", now: 30, tick: 1 });
    expect(state.phase).toBe("ticking");
    expect(effects).toEqual([{ type: "quiet" }, { type: "invoke", tick: 2, hitCount: 0 }]);
    // The abandoned tick settling later is just stale.
    expect(step(state, ok(1, 40))[0]).toBe(state);
  });
});

describe("abandon", () => {
  it("forgets the ended run's tick", () => {
    const { state, effects } = apply(ticking(), cancel(5), { type: "abandon", now: 9, tick: 1 });
    expect(state.phase).toBe("idle");
    expect(effects).toEqual([{ type: "quiet" }]);
  });

  it("of another tick, or outside stopping, is ignored", () => {
    const stopping = apply(ticking(), cancel(5)).state;
    expect(step(stopping, { type: "abandon", now: 9, tick: 7 })[0]).toBe(stopping);
    const running = ticking();
    expect(step(running, { type: "abandon", now: 9, tick: 1 })[0]).toBe(running);
  });
});

describe("trigger", () => {
  it.each<Phase>(["idle", "stopping"])(
    "is illegal while %s, and leaves the state unchanged",
    (phase) => {
      const state = frozen({ ...machine(), phase });
      expect(() => step(state, trigger())).toThrow(TimerStateError);
    },
  );

  it("while sleeping cuts the sleep short with a wake on the next microtask", () => {
    const sleeping = apply(ticking(), ok(1, 100)).state;
    const { state, effects } = apply(sleeping, trigger(400));
    expect(state).toMatchObject({ phase: "sleeping", triggered: true, wakeAt: 400 });
    expect(effects).toEqual([{ type: "clearWake" }, { type: "wakeSoon", run: 1 }]);
  });

  it("a second time before the tick starts shares it: no new effect", () => {
    const once = apply(machine(), start(0), trigger(0)).state;
    expect(step(once, trigger(0))).toEqual([once, []]);
  });

  it("while ticking runs exactly one more tick after this one", () => {
    const twice = apply(ticking(), trigger(1), trigger(2)).state;
    expect(twice.triggered).toBe(true);
    const { state } = apply(twice, ok(1, 3), ok(2, 4));
    expect(state).toMatchObject({ phase: "sleeping", ticks: 2, hitCount: 2, wakeAt: 1004 });
  });
});

describe("setDelay", () => {
  it("changes the next sleep, not the current one (fixed_delay)", () => {
    const sleeping = apply(ticking({}, 1000), ok(1, 0)).state;
    const changed = apply(sleeping, { type: "setDelay", now: 10, delay: 200 });
    expect(changed.effects).toEqual([]);
    expect(changed.state.wakeAt).toBe(1000);
    expect(apply(changed.state, wake(1, 1000), ok(2, 1000)).state.wakeAt).toBe(1200);
  });
});

describe("purity", () => {
  it("gives the same effects for the same events", () => {
    const events: TimerEvent[] = [
      start(0),
      wake(1, 0),
      ok(1, 120, "a", 0.3),
      trigger(300),
      wake(1, 300),
      failed(2, 310),
      { type: "decided", now: 310, tick: 2, policy: "continue", error: "e", sample: 0.9 },
      wake(1, 2000),
      cancel(2100),
      ok(3, 2200),
    ];
    const replay = () => {
      let state = machine({ mode: "fixed_rate", jitter: 0.4 }, 700);
      const out: unknown[] = [];
      for (const event of events) {
        const [next, effects] = step(state, event);
        state = next;
        out.push(next, effects);
      }
      return out;
    };
    expect(replay()).toEqual(replay());
  });
});

describe("exact states", () => {
  it("a new timer is idle, with nothing scheduled", () => {
    expect(machine({}, 1500)).toEqual({
      config: base,
      phase: "idle",
      run: 0,
      ticks: 0,
      hitCount: 0,
      delay: 1500,
      wakeAt: Number.NaN,
      anchor: Number.NaN,
      period: 1500,
      slot: 0,
      rebase: false,
      triggered: false,
    });
  });

  it("start resets the grid and the trigger", () => {
    const dirty = {
      ...machine({ mode: "fixed_rate" }),
      anchor: 5,
      slot: 3,
      rebase: true,
      triggered: true,
    };
    expect(step(dirty, start(10))[0]).toEqual({
      ...dirty,
      phase: "sleeping",
      run: 1,
      wakeAt: 10,
      anchor: Number.NaN,
      slot: 0,
      rebase: false,
      triggered: false,
    });
  });

  it("fixed_delay never touches the fixed-rate grid", () => {
    const { state } = apply(machine({}, 1000), start(0), wake(1, 0), ok(1, 10), {
      type: "setDelay",
      now: 20,
      delay: 50,
    });
    expect(state).toMatchObject({
      anchor: Number.NaN,
      slot: 0,
      period: 1000,
      rebase: false,
      delay: 50,
    });
  });

  it("says which phases run and which have a tick in flight", () => {
    const of = (phase: Phase) => ({ ...machine(), phase });
    expect(PHASES.filter((phase) => isRunning(of(phase)))).toEqual([
      "sleeping",
      "ticking",
      "deciding",
      "restarting",
    ]);
    expect(PHASES.filter((phase) => hasTickInFlight(of(phase)))).toEqual([
      "ticking",
      "stopping",
      "restarting",
    ]);
  });

  it("refuses trigger() on a stopped timer with a message that says what to do", () => {
    expect(() => step(machine(), trigger())).toThrow(
      "trigger() needs a running timer; call start() first",
    );
  });

  it("returns the very same state for a no-op", () => {
    const triggered = apply(ticking(), trigger(1)).state;
    expect(step(triggered, trigger(2))[0]).toBe(triggered);
  });
});

describe("settlements of another tick", () => {
  // After cancel({ timeout }) abandons a hung tick, that tick may settle during a later tick.
  const inFlight = () =>
    apply(ticking(), { type: "succeeded", now: 5, tick: 1, value: 1, sample: 0 }, wake(1, 1005))
      .state;

  it.each<TimerEvent>([
    failed(1, 1010),
    { type: "exhausted", now: 1010, tick: 1 },
    { type: "succeeded", now: 1010, tick: 1, value: "late", sample: 0 },
  ])("are ignored while a later tick runs: $type", (event) => {
    const state = inFlight();
    expect(state.ticks).toBe(2);
    const [next, effects] = step(state, event);
    expect(next).toBe(state);
    expect(effects).toEqual([]);
  });

  it("a decision about another tick is ignored", () => {
    const deciding = apply(ticking(), failed(1, 5)).state;
    const [next] = step(deciding, {
      type: "decided",
      now: 6,
      tick: 9,
      policy: "stop",
      error: 1,
      sample: 0,
    });
    expect(next).toBe(deciding);
  });

  it("while restarting, only the old run's tick counts", () => {
    const restarting = apply(ticking(), cancel(5), start(6)).state;
    expect(step(restarting, ok(7, 10))[0]).toBe(restarting);
  });
});

describe("restarting, at the boundary", () => {
  it("starts the first tick at once when the old tick settles exactly when it is due", () => {
    const restarting = apply(ticking({ initialDelay: 1000 }), cancel(5), start(6)).state;
    const { state, effects } = apply(restarting, ok(1, 1006));
    expect(state.phase).toBe("ticking");
    expect(effects).toEqual([{ type: "quiet" }, { type: "invoke", tick: 2, hitCount: 0 }]);
  });
});

describe("fixed_rate with jitter", () => {
  const rate = { mode: "fixed_rate" as const, jitter: 0.5 };

  it("perturbs only the time left to the slot: slot + (factor − 1) × min(left, delay)", () => {
    // Ended at 100: 900 ms left to slot 1; sample 0.9 → factor 1.4 → 1000 + 0.4 × 900.
    expect(apply(ticking(rate, 1000), ok(1, 100, 1, 0.9)).state.wakeAt).toBeCloseTo(1360, 9);
    // Ended at 0 (on time): the whole period is left → 1000 + 0.4 × 1000.
    expect(apply(ticking(rate, 1000), ok(1, 0, 1, 0.9)).state.wakeAt).toBeCloseTo(1400, 9);
  });

  it("re-anchors after setDelay at the slot's nominal time, not at the jittered wake", () => {
    const sleeping = apply(ticking(rate, 1000), ok(1, 0, 1, 0.75)).state; // wake at 1250, slot 1 = 1000
    expect(sleeping.wakeAt).toBe(1250);
    const { state } = apply(sleeping, { type: "setDelay", now: 10, delay: 300 }, wake(1, 1250));
    expect(state).toMatchObject({ anchor: 1000, period: 300, slot: 0 });
  });

  it("counts slots with a zero delay, without skipping", () => {
    const { state } = apply(ticking({ mode: "fixed_rate" }, 0), ok(1, 40));
    expect(state).toMatchObject({ slot: 1, wakeAt: 40 });
  });
});
