/**
 * Invariants of many timers on one clock: each keeps its own schedule whatever the others do.
 * On core's real driver this is where sleeps of a second or more share one runtime handle (its
 * queue of idle timers), so a timer's wake depends on every other timer's.
 *
 * @module
 */
import type { Mode, Timer } from "@async-timer/core";
import fc from "fast-check";
import { tickBehaviour } from "./arbitraries.js";
import { type Invariant, scripted } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo, stop, type TickLog } from "./scenario.js";

/** Short sleeps, and sleeps of a second or more (idle timers). */
const delay = fc.oneof(fc.integer({ min: 50, max: 999 }), fc.integer({ min: 1000, max: 20_000 }));

const member = fc.record({
  delay,
  mode: fc.constantFrom<Mode>("fixed_delay", "fixed_rate"),
  initialDelay: fc.oneof(fc.constant(0), delay),
  script: fc.array(tickBehaviour({ maxWork: 800 }, { failures: false }), {
    minLength: 1,
    maxLength: 4,
  }),
});

const HORIZON = 40_000;

type Action =
  | { readonly at: number; readonly timer: number; readonly kind: "cancel" | "start" }
  | { readonly at: number; readonly timer: number; readonly kind: "setDelay"; readonly ms: number };

const action = (timers: number): fc.Arbitrary<Action> =>
  fc.oneof(
    fc.record({
      at: fc.integer({ min: 0, max: HORIZON }),
      timer: fc.integer({ min: 0, max: timers - 1 }),
      kind: fc.constantFrom("cancel", "start"),
    }),
    fc.record({
      at: fc.integer({ min: 0, max: HORIZON }),
      timer: fc.integer({ min: 0, max: timers - 1 }),
      kind: fc.constant("setDelay"),
      ms: delay,
    }),
  ) as fc.Arbitrary<Action>;

const plan = fc.array(member, { minLength: 2, maxLength: 6 }).chain((members) =>
  fc.record({
    members: fc.constant(members),
    actions: fc
      .array(action(members.length), { maxLength: 10 })
      .map((list) => [...list].sort((a, b) => a.at - b.at)),
  }),
);

/** What happened to one timer, from outside: its ticks and the calls made on it. */
interface Member {
  readonly timer: Timer<number>;
  readonly log: TickLog;
  readonly mode: Mode;
  readonly initialDelay: number;
  /** When each run started, and the delay in effect from each time on. */
  readonly starts: number[];
  readonly delays: { at: number; ms: number }[];
  /** Times of every call made on it. */
  readonly calls: number[];
}

/** SPEC (*Scheduling*), for many timers at once: no timer's wake is another's. */
export const independentTimers: Invariant = {
  name: "independent-timers",
  description:
    "Several timers on one clock — sleeps under and over a second mixed, cancelled, restarted and re-timed at random moments — each keep their own schedule: a run's first tick at start() + initialDelay; between two ticks of a run with no call on that timer in between, fixed_delay sleeps exactly delay and fixed_rate takes the first slot at or after the tick's end; no running timer is overdue at any call or at the end; and once every timer is cancelled nothing is left armed.",
  doesNotCheck:
    "Jitter, failing ticks and triggers (each has its own invariant, on one timer); the timing of the first tick after a start() made while the old run's tick was still settling (restart-while-settling).",
  property: (make) =>
    harnessProperty(make, [plan], async (harness, { members: specs, actions }) => {
      const r = harness.resolution;
      const members: Member[] = specs.map((spec) => {
        const { log, timer } = scripted(harness, { ...spec, jitter: 0 }, spec.script);
        return {
          timer,
          log,
          mode: spec.mode,
          initialDelay: spec.initialDelay,
          starts: [],
          delays: [{ at: 0, ms: spec.delay }],
          calls: [0],
        };
      });
      const begin = (m: Member) => {
        m.timer.start();
        m.log.run++;
        m.starts.push(harness.now());
      };
      for (const m of members) begin(m);
      const overdue = () => {
        const now = harness.now();
        members.forEach((m, index) => {
          const due = dueAt(m);
          check(
            due === undefined || now <= due + r,
            () => `timer #${index + 1} was due at ${due} and had not ticked at ${now}`,
            "no running timer is overdue",
          );
        });
      };
      for (const { at, timer: index, kind, ...rest } of actions) {
        await advanceTo(harness, at);
        overdue();
        const m = members[index] as Member;
        m.calls.push(harness.now());
        if (kind === "cancel") void m.timer.cancel();
        else if (kind === "start") {
          if (!m.timer.isRunning()) begin(m);
        } else {
          const ms = (rest as { ms: number }).ms;
          m.timer.setDelay(`${ms}ms`);
          m.delays.push({ at: harness.now(), ms });
        }
      }
      await advanceTo(harness, HORIZON + 1000);
      overdue();
      for (const m of members) await stop(harness, m.timer);
      check(
        harness.pending() === 0,
        () => `${harness.pending()} wakes still armed after every timer was cancelled`,
        "nothing is left armed once every timer is cancelled",
      );
      members.forEach((m, index) => {
        spacing(m, index + 1, r);
      });
    }),
};

/** The delay in effect at `t`: the last setDelay() at or before it. */
function delayAt(m: Member, t: number): number {
  let ms = (m.delays[0] as { ms: number }).ms;
  for (const change of m.delays) if (change.at <= t) ms = change.ms;
  return ms;
}

/** When `m`'s next tick is due, if it is running with nothing in flight and its due time is known. */
function dueAt(m: Member): number | undefined {
  if (!m.timer.isRunning() || m.log.inFlight > 0) return undefined;
  const run = m.log.run;
  const ticks = m.log.ticks.filter((tick) => tick.run === run);
  const started = m.starts[run - 1] as number;
  const last = ticks.at(-1);
  if (last === undefined) {
    // A run started while the old run's tick was settling starts after it (not checked here).
    const before = m.log.ticks.at(-1)?.end;
    return before !== undefined && before > started ? undefined : started + m.initialDelay;
  }
  const end = last.end as number;
  // A setDelay() at the very millisecond the tick started or ended may have come before or after.
  if (m.delays.some((change) => change.at === end || change.at === last.start)) return undefined;
  // fixed_delay: the sleep after a tick is armed with the delay in effect when it ended (a later
  // setDelay() leaves it as it is). fixed_rate: the next slot of the grid the tick was on, at most
  // that grid's spacing after the tick's end (a setDelay() re-anchors only at the next tick).
  return end + delayAt(m, m.mode === "fixed_delay" ? end : last.start);
}

/** Between two ticks of a run with no call on the timer in between, the schedule's gap. */
function spacing(m: Member, index: number, r: number): void {
  const ticks = m.log.ticks;
  for (let k = 0; k + 1 < ticks.length; k++) {
    const a = ticks[k];
    const b = ticks[k + 1];
    if (a === undefined || b === undefined || a.run !== b.run || a.end === undefined) continue;
    if (m.calls.some((t) => t >= a.start && t <= b.start)) continue;
    const d = delayAt(m, a.start);
    const gap = b.start - a.start;
    // A tick may start up to r after its slot, so slots are known to within r of a tick's start.
    const offGrid = Math.min(gap % d, d - (gap % d));
    const ok =
      m.mode === "fixed_delay"
        ? Math.abs(b.start - (a.end + d)) <= r + 1e-6
        : gap >= d - r - 1e-6 &&
          offGrid <= r + 1e-6 &&
          b.start >= a.end - r - 1e-6 &&
          b.start - d < a.end + r + 1e-6;
    check(
      ok,
      () =>
        `timer #${index} (${m.mode}, every ${d} ms): tick ${a.n} ran ${a.start}–${a.end}, the next started at ${b.start}`,
      m.mode === "fixed_delay" ? "fixed_delay sleeps delay" : "fixed_rate takes the next slot",
    );
  }
}
