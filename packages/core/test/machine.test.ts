/**
 * The machine on its own: each transition of the table, its effects (as names, in the order of
 * their bits) and the fields it leaves, driven by hand with explicit times and samples.
 */
import { describe, expect, it } from "vitest";
import { TimerStateError } from "../src/errors.js";
import {
  CANCELLING,
  DECIDING,
  DO_ABORT,
  DO_CLEAR,
  DO_CONSULT,
  DO_END,
  DO_FAIL,
  DO_FINAL,
  DO_INVOKE,
  DO_PUBLISH,
  DO_QUIET,
  DO_SKIPPED,
  DO_SOON,
  DO_STARTED,
  DO_WAKE,
  IDLE,
  Machine,
  type MachineConfig,
  type Phase,
  type Policy,
  RESTARTING,
  SLEEPING,
  STOPPING,
  TICKING,
  UNSET,
} from "../src/machine.js";

/** Every effect, in the order of its bit: the order they are performed in. */
const EFFECTS: readonly [string, number][] = [
  ["clear", DO_CLEAR],
  ["publish", DO_PUBLISH],
  ["fail", DO_FAIL],
  ["final", DO_FINAL],
  ["consult", DO_CONSULT],
  ["skipped", DO_SKIPPED],
  ["end", DO_END],
  ["quiet", DO_QUIET],
  ["started", DO_STARTED],
  ["wake", DO_WAKE],
  ["soon", DO_SOON],
  ["invoke", DO_INVOKE],
  ["abort", DO_ABORT],
];

/** The effects of a mask, by name, in the order they are performed. */
function names(mask: number): string[] {
  return EFFECTS.filter(([, bit]) => (mask & bit) !== 0).map(([name]) => name);
}
const PHASES: readonly Phase[] = [
  IDLE,
  SLEEPING,
  TICKING,
  DECIDING,
  CANCELLING,
  STOPPING,
  RESTARTING,
];

/** A machine whose record and events the tests can reach. */
class Probe extends Machine {
  constructor(config: Partial<MachineConfig> = {}, delay = 1000) {
    super({ mode: "fixed_delay", initialDelay: 0, jitter: 0, single: undefined, ...config }, delay);
  }

  get state() {
    return {
      phase: this.phase,
      run: this.run,
      ticks: this.ticks,
      hits: this.hits,
      delay: this.delayMs,
      wakeAt: this.wakeAt,
      anchor: this.anchor,
      slot: this.slot,
      period: this.period,
      triggered: this.triggered,
      rebase: this.rebase,
      skipped: this.skipped,
      reason: this.reason,
    };
  }

  force(phase: Phase, run = 1, ticks = 1): this {
    this.phase = phase;
    this.run = run;
    this.ticks = ticks;
    return this;
  }

  isRunning = () => this.running();
  hasTickInFlight = () => this.inFlight();
  start = (now = 0) => names(this.onStart(now));
  cancel = () => names(this.onCancel());
  trigger = (now = 0) => names(this.onTrigger(now));
  setDelay = (delay: number) => names(this.onSetDelay(delay));
  wake = (run = this.run) => names(this.onWake(run));
  ok = (now: number, tick = this.ticks, sample = 0) => names(this.onSucceeded(now, tick, sample));
  declined = (now: number, tick = this.ticks, sample = 0, at = Number.NaN) =>
    names(this.onDeclined(now, tick, sample, at));
  claimed = (at: number, tick = this.ticks) => names(this.onClaimed(tick, at));
  failed = (now: number, tick = this.ticks) => names(this.onFailed(now, tick));
  exhausted = (now: number, tick = this.ticks) => names(this.onExhausted(now, tick));
  decided = (now: number, policy: Policy, tick = this.ticks, sample = 0) =>
    names(this.onDecided(now, tick, policy, sample));
  abandon = (now: number, tick = this.ticks) => names(this.onAbandon(now, tick));
}

/** Started at 0 and running its first tick. */
function ticking(config: Partial<MachineConfig> = {}, delay = 1000): Probe {
  const m = new Probe(config, delay);
  m.start(0);
  m.wake();
  return m;
}

describe("the transition table", () => {
  const events: ((m: Probe) => unknown)[] = [
    (m) => m.start(),
    (m) => m.cancel(),
    (m) => m.trigger(),
    (m) => m.setDelay(5),
    (m) => m.wake(99),
    (m) => m.ok(0, 99),
    (m) => m.declined(0, 99),
    (m) => m.failed(0, 99),
    (m) => m.exhausted(0, 99),
    (m) => m.decided(0, "stop", 99),
    (m) => m.abandon(0, 99),
  ];

  it.each(PHASES)("answers every event in phase %i; only commands may be illegal", (phase) => {
    for (const [index, event] of events.entries()) {
      const m = new Probe().force(phase);
      const before = m.state;
      try {
        event(m);
      } catch (error) {
        expect(error).toBeInstanceOf(TimerStateError);
        expect([0, 2]).toContain(index); // start or trigger
        expect(m.state).toEqual(before); // an illegal command changes nothing
      }
    }
  });

  it("ignores a settlement of another tick in every phase", () => {
    for (const phase of PHASES) {
      const m = new Probe().force(phase, 1, 3);
      const before = m.state;
      expect([m.ok(5, 2), m.failed(5, 2), m.exhausted(5, 2), m.decided(5, "stop", 2)]).toEqual([
        [],
        [],
        [],
        [],
      ]);
      expect(m.declined(5, 2)).toEqual([]);
      expect(m.abandon(5, 2)).toEqual([]);
      expect(m.state).toEqual(before);
    }
  });

  it("counts running and in-flight phases as the docs say", () => {
    const running = PHASES.filter((phase) => new Probe().force(phase).isRunning());
    const inFlight = PHASES.filter((phase) => new Probe().force(phase).hasTickInFlight());
    expect(running).toEqual([SLEEPING, TICKING, DECIDING, RESTARTING]);
    expect(inFlight).toEqual([TICKING, STOPPING, RESTARTING]);
  });
});

describe("start", () => {
  it("opens a run and wakes on the next microtask when there is no initial delay", () => {
    const m = new Probe();
    expect(m.start(100)).toEqual(["started", "soon"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, run: 1, wakeAt: 100, triggered: false });
    expect(m.isRunning()).toBe(true);
  });

  it("arms a wake at start + initialDelay", () => {
    const m = new Probe({ initialDelay: 2500 });
    expect(m.start(100)).toEqual(["started", "wake"]);
    expect(m.state.wakeAt).toBe(2600);
  });

  it.each<Phase>([SLEEPING, TICKING, DECIDING, RESTARTING])(
    "is illegal while running (phase %i), and leaves the state unchanged",
    (phase) => {
      const m = new Probe().force(phase, 3);
      const before = m.state;
      expect(() => m.start()).toThrow(TimerStateError);
      expect(() => m.start()).toThrow("start() was called on a timer that is already running");
      expect(m.state).toEqual(before);
    },
  );

  it("is illegal from inside a cancelled policy, saying where to restart", () => {
    const m = new Probe().force(CANCELLING);
    expect(() => m.start()).toThrow(/restart it from onCancel or later/);
  });

  it("is illegal a second time for a single-run timer, with the reason as message", () => {
    const reason = "a timer built with cancelOn or signal runs once";
    const m = new Probe({ single: reason });
    expect(m.start(0)).toEqual(["started", "soon"]);
    m.cancel();
    expect(() => m.start(2)).toThrow(reason);
    expect(m.state).toMatchObject({ phase: IDLE, run: 1 });
  });

  it("while the old run's tick is in flight opens the run but holds its first tick", () => {
    const m = ticking();
    m.cancel();
    expect(m.start(10)).toEqual(["started"]);
    expect(m.state).toMatchObject({ phase: RESTARTING, run: 2, wakeAt: 10 });
    expect(m.isRunning()).toBe(true);
    expect(m.hasTickInFlight()).toBe(true);
  });

  it("resets the grid, the trigger and a pending rebase", () => {
    const m = ticking({ mode: "fixed_rate" });
    m.trigger(0);
    m.setDelay(500);
    m.cancel();
    m.ok(0);
    m.start(7);
    expect(m.state).toMatchObject({ anchor: UNSET, slot: 0, triggered: false, rebase: false });
  });
});

describe("wake", () => {
  it("starts tick `ticks + 1`", () => {
    const m = new Probe();
    m.start(0);
    expect(m.wake()).toEqual(["invoke"]);
    expect(m.state).toMatchObject({ phase: TICKING, ticks: 1, wakeAt: UNSET });
  });

  it("from an earlier run is ignored: same state, no effects", () => {
    const m = new Probe();
    m.start(0);
    m.cancel();
    m.start(5);
    const before = m.state;
    expect(m.wake(1)).toEqual([]);
    expect(m.state).toEqual(before);
  });

  it("is ignored outside SLEEPING", () => {
    for (const phase of PHASES.filter((phase) => phase !== SLEEPING)) {
      const m = new Probe().force(phase);
      expect(m.wake(1)).toEqual([]);
    }
  });
});

describe("a tick that succeeds", () => {
  it("counts, publishes, then sleeps `delay` from the finish (fixed_delay)", () => {
    const m = ticking();
    expect(m.ok(300)).toEqual(["publish", "wake"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, hits: 1, wakeAt: 1300 });
  });

  it("perturbs the sleep by the jitter factor drawn from the event's sample", () => {
    const m = ticking({ jitter: 0.5 });
    m.ok(0, 1, 0); // factor 0.5
    expect(m.state.wakeAt).toBe(500);
    m.wake();
    m.ok(500, 2, 0.75); // factor 1.25
    expect(m.state.wakeAt).toBe(1750);
  });

  it("with a trigger waiting wakes at once — from a macrotask, not chained to this tick", () => {
    const m = ticking();
    expect(m.trigger(10)).toEqual([]); // in flight: one more tick when it settles
    expect(m.state.triggered).toBe(true);
    expect(m.ok(20)).toEqual(["publish", "wake"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, wakeAt: 20, triggered: true });
    expect(m.wake()).toEqual(["invoke"]);
    expect(m.state.triggered).toBe(false);
  });
});

describe("fixed_rate", () => {
  it("anchors the grid at the first tick and sleeps to the next slot", () => {
    const m = ticking({ mode: "fixed_rate" });
    expect(m.state).toMatchObject({ anchor: 0, slot: 0, period: 1000 });
    expect(m.ok(300)).toEqual(["publish", "skipped", "wake"]);
    expect(m.state).toMatchObject({ wakeAt: 1000, slot: 1, skipped: 0 });
  });

  it("keeps the grid when the wake fires late", () => {
    const m = ticking({ mode: "fixed_rate" });
    m.ok(300);
    m.wake(); // the driver fired it at, say, 1040: the tick still belongs to slot 1
    m.ok(1100);
    expect(m.state).toMatchObject({ anchor: 0, slot: 2, wakeAt: 2000 });
  });

  it("skips the slots a slow tick ran past, and says how many", () => {
    const m = ticking({ mode: "fixed_rate" });
    expect(m.ok(3500)).toEqual(["publish", "skipped", "wake"]);
    expect(m.state).toMatchObject({ slot: 4, skipped: 3, wakeAt: 4000 });
  });

  it("fires a slot that falls exactly on the finish time instead of counting it missed", () => {
    const m = ticking({ mode: "fixed_rate" });
    m.ok(2000);
    expect(m.state).toMatchObject({ slot: 2, skipped: 1, wakeAt: 2000 });
  });

  it("treats a finish within a microsecond of a slot as on it (float rounding)", () => {
    const m = ticking({ mode: "fixed_rate" }, 1000 / 60);
    m.ok(1000 / 60 + 1e-9);
    expect(m.state).toMatchObject({ slot: 1, skipped: 0 });
  });

  it("caps the jittered sleep at the time left to the slot, so jitter alone never skips", () => {
    const m = ticking({ mode: "fixed_rate", jitter: 1 });
    m.ok(900, 1, 0.999); // 100 ms left, factor ~2: at most 100 ms late
    expect(m.state.wakeAt).toBeLessThan(1100);
    expect(m.state.wakeAt).toBeGreaterThan(1099);
    const early = ticking({ mode: "fixed_rate", jitter: 1 });
    early.ok(0, 1, 0); // factor 0: the slot minus the whole period left, never before now
    expect(early.state.wakeAt).toBe(0);
  });

  it("re-anchors at a triggered tick", () => {
    const m = ticking({ mode: "fixed_rate" });
    m.ok(100);
    expect(m.trigger(400)).toEqual(["clear", "soon"]);
    m.wake();
    expect(m.state).toMatchObject({ anchor: 400, slot: 0, triggered: false });
    m.ok(450);
    expect(m.state.wakeAt).toBe(1400);
  });

  it("re-anchors at the next tick after setDelay, keeping the current sleep", () => {
    const m = ticking({ mode: "fixed_rate" });
    m.ok(100);
    expect(m.setDelay(500)).toEqual([]);
    expect(m.state).toMatchObject({ wakeAt: 1000, rebase: true, delay: 500 });
    m.wake();
    expect(m.state).toMatchObject({ anchor: 1000, period: 500, slot: 0, rebase: false });
    m.ok(1100);
    expect(m.state.wakeAt).toBe(1500);
  });

  it("setDelay under fixed_delay applies at the next sleep and never rebases", () => {
    const m = ticking();
    m.setDelay(250);
    expect(m.state.rebase).toBe(false);
    m.ok(10);
    expect(m.state.wakeAt).toBe(260);
  });

  it("with a zero delay runs back to back without counting skips", () => {
    const m = ticking({ mode: "fixed_rate" }, 0);
    expect(m.ok(5)).toEqual(["publish", "wake"]);
    expect(m.state).toMatchObject({ wakeAt: 5, slot: 1 });
    m.wake();
    m.setDelay(100); // leaves the zero grid at the next tick
    m.ok(6);
    m.wake();
    expect(m.state).toMatchObject({ anchor: 6, period: 100 });
  });
});

describe("a tick that fails", () => {
  it("waits in DECIDING while the policy is consulted", () => {
    const m = ticking();
    expect(m.failed(10)).toEqual(["consult"]);
    expect(m.state.phase).toBe(DECIDING);
    expect(m.isRunning()).toBe(true);
    expect(m.hasTickInFlight()).toBe(false);
  });

  it("under policy stop delivers the error as final and ends the run", () => {
    const m = ticking();
    m.failed(10);
    expect(m.decided(10, "stop")).toEqual(["fail", "final", "end"]);
    expect(m.state).toMatchObject({ phase: IDLE, reason: "error", hits: 0 });
  });

  it("under policy continue delivers the error and keeps the schedule", () => {
    const m = ticking();
    m.failed(10);
    expect(m.decided(10, "continue")).toEqual(["fail", "wake"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, wakeAt: 1010, hits: 0 });
  });

  it("a trigger made while deciding runs the next tick as soon as the policy continues", () => {
    const m = ticking();
    m.failed(10);
    expect(m.trigger(11)).toEqual([]);
    expect(m.decided(12, "continue")).toEqual(["fail", "wake"]);
    expect(m.state).toMatchObject({ wakeAt: 12, triggered: true });
  });

  describe("and a cancel from inside the policy", () => {
    it("ends the run for every caller at once, but waits for the decision to end it", () => {
      const m = ticking();
      m.failed(10);
      expect(m.cancel()).toEqual([]);
      expect(m.state.phase).toBe(CANCELLING);
      expect(m.isRunning()).toBe(false);
    });

    it("under policy stop, delivers the error as final, then ends the run with reason error", () => {
      const m = ticking();
      m.failed(10);
      m.cancel();
      expect(m.decided(10, "stop")).toEqual(["fail", "final", "end", "quiet"]);
      expect(m.state).toMatchObject({ phase: IDLE, reason: "error" });
    });

    it("under policy continue, delivers the error to waiters only, then ends with reason cancel", () => {
      const m = ticking();
      m.failed(10);
      m.cancel();
      expect(m.decided(10, "continue")).toEqual(["fail", "end", "quiet"]);
      expect(m.state).toMatchObject({ phase: IDLE, reason: "cancel" });
    });

    it("ignores a second cancel and refuses a trigger", () => {
      const m = ticking();
      m.failed(10);
      m.cancel();
      expect(m.cancel()).toEqual([]);
      expect(() => m.trigger()).toThrow("trigger() needs a running timer; call start() first");
    });
  });
});

describe("a source that runs out", () => {
  it("ends the run, without counting a hit", () => {
    const m = ticking();
    expect(m.exhausted(10)).toEqual(["end"]);
    expect(m.state).toMatchObject({ phase: IDLE, reason: "exhausted", hits: 0 });
  });
});

describe("a slot a lease gate declined", () => {
  it("is neither a hit nor a value; the schedule goes on", () => {
    const m = ticking();
    expect(m.declined(10)).toEqual(["wake"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, hits: 0, wakeAt: 1010 });
  });

  it("with a time from the gate sleeps until then; a fixed_rate grid starts again there", () => {
    const m = ticking({ mode: "fixed_rate" });
    expect(m.declined(10, 1, 0, 777)).toEqual(["wake"]);
    expect(m.state).toMatchObject({ wakeAt: 777, anchor: UNSET });
    m.wake();
    expect(m.state).toMatchObject({ anchor: 777, slot: 0 });
  });

  it("a granted claim's time is the sleep after the tick", () => {
    const m = ticking({ mode: "fixed_rate" });
    expect(m.claimed(2500)).toEqual([]);
    expect(m.ok(10)).toEqual(["publish", "wake"]);
    expect(m.state).toMatchObject({ wakeAt: 2500, anchor: UNSET, hits: 1 });
    const other = ticking();
    other.cancel();
    expect(other.claimed(2500)).toEqual([]); // not while the tick is an ended run's
    expect(other.state.wakeAt).toBe(UNSET);
  });

  it("of an ended run settles it like any outcome", () => {
    const m = ticking();
    m.cancel();
    expect(m.declined(10)).toEqual(["quiet"]);
    expect(m.state.phase).toBe(IDLE);
  });
});

describe("cancel", () => {
  it("while sleeping disarms the wake and ends the run", () => {
    const m = new Probe();
    m.start(0);
    expect(m.cancel()).toEqual(["clear", "end"]);
    expect(m.state).toMatchObject({ phase: IDLE, reason: "cancel", wakeAt: UNSET });
  });

  it("while ticking ends the run and leaves the tick to settle", () => {
    const m = ticking();
    expect(m.cancel()).toEqual(["end", "abort"]);
    expect(m.state.phase).toBe(STOPPING);
    expect(m.isRunning()).toBe(false);
    expect(m.hasTickInFlight()).toBe(true);
  });

  it("then the tick settling, whatever its outcome, drops its result and reports quiet", () => {
    for (const settle of [
      (m: Probe) => m.ok(10),
      (m: Probe) => m.failed(10),
      (m: Probe) => m.exhausted(10),
      (m: Probe) => m.abandon(10),
    ]) {
      const m = ticking();
      m.cancel();
      expect(settle(m)).toEqual(["quiet"]);
      expect(m.state).toMatchObject({ phase: IDLE, hits: 0 });
    }
  });

  it("is idempotent", () => {
    const m = new Probe();
    expect(m.cancel()).toEqual([]);
    m.start(0);
    m.cancel();
    expect(m.cancel()).toEqual([]);
    const t = ticking();
    t.cancel();
    expect(t.cancel()).toEqual([]);
  });

  it("drops a pending trigger", () => {
    const m = ticking();
    m.trigger(1);
    m.cancel();
    expect(m.state.triggered).toBe(false);
    m.ok(5);
    m.start(6);
    expect(m.state.triggered).toBe(false);
  });

  it("while restarting ends the new run; the old tick is still awaited", () => {
    const m = ticking();
    m.cancel();
    m.start(10);
    expect(m.cancel()).toEqual(["end", "abort"]);
    expect(m.state).toMatchObject({ phase: STOPPING, run: 2 });
    expect(m.ok(20)).toEqual(["quiet"]);
    expect(m.state.phase).toBe(IDLE);
  });
});

describe("restart while the old tick is in flight", () => {
  it("wakes the new run at once, from a macrotask, when the old tick settles past its due time", () => {
    const m = ticking();
    m.cancel();
    m.start(10);
    expect(m.ok(20)).toEqual(["quiet", "wake"]);
    expect(m.state).toMatchObject({ phase: SLEEPING, wakeAt: 20, hits: 0 });
  });

  it("keeps the new run's own due time when the old tick settles before it", () => {
    const m = ticking();
    m.cancel();
    const r = new Probe({ initialDelay: 500 });
    r.start(0);
    r.wake();
    r.cancel();
    r.start(10); // due at 510
    expect(r.failed(100)).toEqual(["quiet", "wake"]);
    expect(r.state.wakeAt).toBe(510);
  });

  it("a trigger made meanwhile wakes the new run as soon as the old tick settles", () => {
    const r = new Probe({ initialDelay: 500 });
    r.start(0);
    r.wake();
    r.cancel();
    r.start(10);
    expect(r.trigger(20)).toEqual([]);
    expect(r.abandon(30)).toEqual(["quiet", "wake"]);
    expect(r.state).toMatchObject({ wakeAt: 30, triggered: true });
  });
});

describe("trigger", () => {
  it("while sleeping cuts the sleep short: clears the wake and wakes on the next microtask", () => {
    const m = new Probe();
    m.start(0);
    m.wake();
    m.ok(5);
    expect(m.trigger(7)).toEqual(["clear", "soon"]);
    expect(m.state).toMatchObject({ triggered: true, wakeAt: 7 });
  });

  it("shares a tick already on its way", () => {
    const m = new Probe();
    m.start(0);
    m.wake();
    m.ok(5);
    m.trigger(7);
    expect(m.trigger(8)).toEqual([]);
    expect(m.state.wakeAt).toBe(7);
  });

  it("is illegal while not running, and changes nothing", () => {
    for (const phase of [IDLE, STOPPING, CANCELLING] as Phase[]) {
      const m = new Probe().force(phase);
      const before = m.state;
      expect(() => m.trigger()).toThrow(TimerStateError);
      expect(m.state).toEqual(before);
    }
  });
});

describe("abandon", () => {
  it("applies only to the in-flight tick of an ended run", () => {
    const m = ticking();
    expect(m.abandon(10)).toEqual([]); // running: cancel({ timeout }) never abandons a live run's tick
    expect(m.state.phase).toBe(TICKING);
  });
});
