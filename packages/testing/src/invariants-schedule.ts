/**
 * Invariants of *when* ticks happen beyond one plain run: how jitter is distributed, that every
 * run has its own schedule, what `setDelay()` changes, and that a running timer always has
 * exactly one wake armed or one tick in flight.
 *
 * @module
 */
import { type Driver, realDriver, type Timer, type WakeHandle } from "@async-timer/core";
import fc from "fast-check";
import { mode, tickScript, timerSpec } from "./arbitraries.js";
import type { TimeHarness } from "./harness.js";
import { begin, type Invariant, limits, scripted } from "./invariant.js";
import { check, harnessProperty, Violation } from "./property-kit.js";
import {
  advanceTo,
  stop,
  type TickBehaviour,
  TickLog,
  type TickRecord,
  type TimerSpec,
} from "./scenario.js";

// ─── Shared: a driver that reports what the timer asks of it ────────────────────────────────

/** What a timer drew from and armed on its driver, seen through {@link observedDriver}. */
export interface DriverRecord {
  /** Every random sample handed to the timer, with the tick log's `seq` when it was drawn. */
  readonly samples: { readonly value: number; readonly seq: number }[];
  /** Wakes (and deadlines) armed through the driver and neither fired nor cleared. */
  live: number;
}

/**
 * `driver` (core's real driver when `undefined`) with every call passed through, recording the
 * random samples it hands out and the wakes it holds armed. `log` stamps each sample with the
 * order of tick events, so a sample can be matched with the sleep it decided.
 */
export function observedDriver(
  driver: Driver | undefined,
  log: TickLog,
): { driver: Driver; record: DriverRecord } {
  const inner = driver ?? realDriver;
  const record: DriverRecord = { samples: [], live: 0 };
  const armed = new Set<WakeHandle>();
  const arm = (handle: WakeHandle): WakeHandle => {
    armed.add(handle);
    record.live = armed.size;
    return handle;
  };
  const fired = (handle: () => WakeHandle | undefined): void => {
    const h = handle();
    if (h !== undefined && armed.delete(h)) record.live = armed.size;
  };
  const observed: Driver = {
    now: () => inner.now(),
    wallNow: () => inner.wallNow(),
    random: () => {
      const value = inner.random();
      record.samples.push({ value, seq: log.seq });
      return value;
    },
    setWake: (at, wake, unref, spent) => {
      let handle: WakeHandle | undefined;
      // A driver may hand back the spent handle it was given: it is armed again.
      handle = inner.setWake(
        at,
        () => {
          fired(() => handle);
          wake();
        },
        unref,
        spent,
      );
      return arm(handle);
    },
    clearWake: (handle) => {
      if (armed.delete(handle)) record.live = armed.size;
      inner.clearWake(handle);
    },
  };
  const setDeadline = inner.setDeadline;
  if (setDeadline !== undefined) {
    observed.setDeadline = (at, fire) => {
      let handle: WakeHandle | undefined;
      handle = setDeadline.call(inner, at, () => {
        fired(() => handle);
        fire();
      });
      return arm(handle);
    };
  }
  return { driver: observed, record };
}

// ─── jitter-distribution ──────────────────────────────────────────────────────────────────────

/** The largest Kolmogorov–Smirnov distance that `n` uniform samples exceed with probability 1e-8. */
function ksLimit(n: number): number {
  return Math.sqrt(-0.5 * Math.log(1e-8 / 2)) / Math.sqrt(n);
}

/** Kolmogorov–Smirnov distance of `points` (each in [0, 1]) from the uniform distribution. */
function ksDistance(points: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a - b);
  let distance = 0;
  sorted.forEach((u, i) => {
    distance = Math.max(distance, (i + 1) / sorted.length - u, u - i / sorted.length);
  });
  return distance;
}

/** How many sleeps the statistical check wants in one case. */
const SLEEPS = 300;

/**
 * Jitter is drawn afresh for every sleep, uniform over `[1 − jitter, 1 + jitter]`. With the
 * samples the timer drew from its driver recorded, every sleep is recomputed exactly; and
 * whatever the source, the sleeps taken together must look uniform over the whole range.
 */
export const jitterDistribution: Invariant = {
  name: "jitter-distribution",
  description:
    "Each sleep is the schedule's sleep times a fresh factor 1 − jitter + 2·jitter·u, u being the sample the timer drew from its driver for it (either orientation, the same all run): recomputed exactly, sleep by sleep, under both modes. Whatever the random source, the factors of a run taken together are uniform over [1 − jitter, 1 + jitter] (a Kolmogorov–Smirnov test at p = 1e-8, on the sleeps long enough to measure), so a range too narrow, one-sided or biased fails even where the samples cannot be seen. initialDelay is never jittered.",
  doesNotCheck:
    "Triggers, restarts and setDelay under jitter; that a seeded driver replays the same samples (it only checks the samples it saw were used); jitter on sleeps shorter than 50 × the harness's resolution, which it cannot measure.",
  property: (make) =>
    harnessProperty(
      make,
      [
        mode(),
        fc.integer({ min: 20, max: 1000 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 6 }),
      ],
      async (harness, mode, delay, jitter, initialDelay, work) => {
        const script: TickBehaviour[] = work.map((percent) =>
          percent === 0 ? { kind: "returns" } : { kind: "slow", ms: (delay * percent) / 100 },
        );
        const spec: TimerSpec = { delay, mode, initialDelay, jitter };
        const log = new TickLog();
        const { driver, record } = observedDriver(harness.driver, log);
        const { timer } = scripted(harness, spec, script, { driver }, log);
        const origin = harness.now();
        begin(timer, log);
        for (let steps = 0; steps < 20 * SLEEPS && log.values.length <= SLEEPS; steps++) {
          if (!(await harness.next())) break;
        }
        await stop(harness, timer);
        checkJitter(harness, spec, origin, log.ticks, record);
      },
    ),
};

/** The checks of jitter-distribution on one run's ticks. */
function checkJitter(
  harness: TimeHarness,
  spec: TimerSpec,
  origin: number,
  ticks: readonly TickRecord[],
  record: DriverRecord,
): void {
  const r = harness.resolution;
  const { delay, jitter } = spec;
  const first = ticks[0];
  check(
    first !== undefined && Math.abs(first.start - (origin + spec.initialDelay)) <= r + 1e-6,
    () =>
      `the first tick started at ${first?.start}, not at start() + initialDelay = ${origin + spec.initialDelay}: initialDelay is never jittered`,
    "initialDelay not jittered",
  );
  const anchor = origin + spec.initialDelay;
  let slot = 0;
  let orientation: 1 | -1 | undefined;
  const spread: number[] = [];
  for (let k = 0; k + 1 < ticks.length; k++) {
    const tick = ticks[k] as TickRecord;
    const nextTick = ticks[k + 1] as TickRecord;
    if (tick.end === undefined || tick.outcome !== "value") break;
    // The sleep after tick k: its unjittered length and where it should have ended.
    let base: number;
    let nominal: number;
    if (spec.mode === "fixed_delay") {
      base = delay;
      nominal = tick.end;
    } else {
      let next = slot + 1;
      while (anchor + next * delay < tick.end - 1e-6) next++;
      const slotTime = anchor + next * delay;
      // A slot the tick ended on (within the 1e-6 ms tolerance, either side) is due now: no
      // sleep. Without the floor, an end 6e-7 ms past a slot made a negative sleep and a range
      // whose low end lay above its high end.
      base = Math.max(0, Math.min(slotTime - tick.end, delay));
      nominal = base === 0 ? tick.end : slotTime - base;
      slot = next;
    }
    const factor = base > 0 ? (nextTick.start - nominal) / base : undefined;
    const low = nominal + base * (1 - jitter);
    const high = nominal + base * (1 + jitter);
    check(
      nextTick.start >= low - r - 1e-6 && nextTick.start <= high + r + 1e-6,
      () =>
        `tick ${nextTick.n} started at ${nextTick.start}, outside [${low}, ${high}] (the sleep after tick ${tick.n}, which ended at ${tick.end})`,
      "within bounds",
    );
    if (factor === undefined) continue;
    // Exact: the sample drawn for this sleep, matched by order (the k-th sample) or by when it
    // was drawn (as tick k settled).
    if (record.samples.length > 0) {
      const candidates = [record.samples[k], ...record.samples.filter((s) => s.seq === tick.endSeq)]
        .filter((s) => s !== undefined)
        .map((s) => s.value);
      const tolerance = r + 1e-6 * Math.max(1, base);
      const explains = (u: number, sign: 1 | -1) =>
        Math.abs(nominal + base * (1 + sign * jitter * (2 * u - 1)) - nextTick.start) <= tolerance;
      const orientations = ([1, -1] as const).filter(
        (sign) =>
          (orientation === undefined || orientation === sign) &&
          candidates.some((u) => explains(u, sign)),
      );
      if (orientations.length === 0) {
        throw new Violation(
          "sleep = base × (1 − j + 2j·u)",
          `the sleep after tick ${tick.n} gave factor ${factor.toFixed(6)}; the sample${candidates.length === 1 ? "" : "s"} drawn for it (${candidates.map((u) => u.toFixed(6)).join(", ") || "none"}) give ${candidates.map((u) => (1 - jitter + 2 * jitter * u).toFixed(6)).join(" or ") || "nothing"} (jitter ${jitter}, base sleep ${base} ms)`,
        );
      }
      if (orientations.length === 1) orientation = orientations[0];
    }
    if (2 * jitter * base >= 50 * Math.max(r, 1e-9))
      spread.push((factor - (1 - jitter)) / (2 * jitter));
  }
  if (spread.length >= 100) {
    const distance = ksDistance(spread.map((u) => Math.min(1, Math.max(0, u))));
    const limit = ksLimit(spread.length);
    const mean = spread.reduce((a, b) => a + b, 0) / spread.length;
    check(
      distance <= limit,
      () =>
        `over ${spread.length} sleeps the jitter factors are not uniform over [1 − jitter, 1 + jitter]: Kolmogorov–Smirnov distance ${distance.toFixed(3)} > ${limit.toFixed(3)} (mean position ${mean.toFixed(3)} of the range, expected 0.5; lowest ${Math.min(...spread).toFixed(3)}, highest ${Math.max(...spread).toFixed(3)})`,
      "uniform over the range",
    );
  }
}

// ─── The schedule of a run, by the SPEC (no jitter, no trigger) ─────────────────────────────

/** A `setDelay()` call: when, in the order of tick events, and the new delay. */
interface DelayChange {
  readonly seq: number;
  readonly ms: number;
}

/**
 * Checks the ticks of one run against the schedule the SPEC gives them: the first at `due`;
 * under fixed_delay each sleep as long as the delay in force when the tick before it ended;
 * under fixed_rate the first slot at or after each tick's end, on a grid anchored at the run's
 * first tick and re-anchored, with the delay then in force, at the first tick to start after a
 * `setDelay()`. Returns how many ticks ran past slots (each is logged as a skip).
 */
function checkRunSchedule(
  ticks: readonly TickRecord[],
  options: {
    readonly mode: TimerSpec["mode"];
    readonly due: number;
    readonly delay: number;
    readonly changes: readonly DelayChange[];
    readonly resolution: number;
    readonly run: number;
  },
): number {
  const { mode, due, changes, resolution: r, run } = options;
  // A change noted at `seq` came after every event up to `seq`: it is in force for an event
  // stamped later.
  const delayAt = (seq: number): number => {
    let ms = options.delay;
    for (const change of changes) if (change.seq < seq) ms = change.ms;
    return ms;
  };
  const first = ticks[0];
  if (first === undefined) return 0;
  const on = (actual: number, expected: number) =>
    actual >= expected - 1e-6 && actual <= expected + r + 1e-6;
  check(
    on(first.start, due),
    () => `run ${run}'s first tick (#${first.n}) started at ${first.start}, not at ${due}`,
    "first tick of a run at start() + initialDelay",
  );
  let anchor = due;
  let period = delayAt(first.startSeq);
  let slot = 0;
  let skipping = 0;
  for (let k = 0; k < ticks.length; k++) {
    const tick = ticks[k] as TickRecord;
    const next = ticks[k + 1];
    const end = tick.end;
    if (end === undefined || tick.endSeq === undefined || tick.outcome === "aborted") break;
    if (mode === "fixed_delay") {
      if (next === undefined) break;
      const sleep = delayAt(tick.endSeq);
      check(
        on(next.start, end + sleep),
        () =>
          `tick #${next.n} started at ${next.start}; tick #${tick.n} ended at ${end} and the delay then was ${sleep} ms, so ${end + sleep}`,
        "fixed_delay: sleep = the delay in force when the tick ended",
      );
      continue;
    }
    let m = slot + 1;
    while (anchor + m * period < end - 1e-3) m++;
    if (m - slot - 1 > 0) skipping++;
    const slotTime = anchor + m * period;
    if (next === undefined) break;
    check(
      on(next.start, slotTime),
      () =>
        `tick #${next.n} started at ${next.start}; its slot was ${slotTime} (grid ${anchor} + k·${period} ms, tick #${tick.n} ended at ${end})`,
      "fixed_rate: the first slot at or after the tick's end",
    );
    const rebased = changes.some((c) => c.seq >= tick.startSeq && c.seq < next.startSeq);
    if (rebased) {
      anchor = slotTime;
      period = delayAt(next.startSeq);
      slot = 0;
    } else slot = m;
  }
  return skipping;
}

/** A logger that files each warn line under the run the log is in when it is written. */
function linesByRun(log: TickLog): {
  lines: { run: number; line: string }[];
  warn: (line: string) => void;
} {
  const lines: { run: number; line: string }[] = [];
  return { lines, warn: (line) => lines.push({ run: log.run, line }) };
}

function checkSkipLines(
  lines: readonly { run: number; line: string }[],
  run: number,
  skipping: number,
): void {
  const logged = lines.filter((entry) => entry.run === run && /skip/i.test(entry.line));
  check(
    skipping === 0 ? logged.length === 0 : logged.length > 0,
    () =>
      skipping === 0
        ? `run ${run} skipped no slot, yet logged: ${logged[0]?.line}`
        : `run ${run} ran past slots ${skipping} time(s) and logged no skip`,
    "skips logged exactly when slots were skipped",
  );
}

const successes = tickScript(limits, { failures: false });

/** Every run has its own schedule: a restarted timer starts afresh, under either mode. */
export const freshGridPerRun: Invariant = {
  name: "fresh-grid-per-run",
  description:
    "Each run of a restarted timer has its own schedule: its first tick at its own start() + initialDelay, then fixed_delay sleeps from each tick's end, or fixed_rate slots on a grid anchored at that first tick — never the old run's grid — and skip warnings in a run exactly when it ran past slots.",
  doesNotCheck:
    "Jitter (timing is checked exactly with jitter 0); a restart before the old tick has settled (restart-while-settling); the wording and rate limiting of skip lines.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits).map((s) => ({ ...s, jitter: 0 })),
        successes,
        fc.array(
          fc.record({
            length: fc.integer({ min: 0, max: 5000 }),
            gap: fc.integer({ min: 0, max: 3000 }),
          }),
          { minLength: 2, maxLength: 4 },
        ),
      ],
      async (harness, spec, script, runs) => {
        const log = new TickLog();
        const { lines, warn } = linesByRun(log);
        const { timer } = scripted(harness, spec, script, { logger: { warn } }, log);
        const dues: number[] = [];
        for (const { length, gap } of runs) {
          dues.push(harness.now() + spec.initialDelay);
          begin(timer, log);
          await harness.advance(length);
          await stop(harness, timer);
          await harness.advance(gap);
        }
        runs.forEach((_, index) => {
          const run = index + 1;
          const skipping = checkRunSchedule(
            log.ticks.filter((tick) => tick.run === run),
            {
              mode: spec.mode,
              due: dues[index] as number,
              delay: spec.delay,
              changes: [],
              resolution: harness.resolution,
              run,
            },
          );
          checkSkipLines(lines, run, skipping);
        });
      },
    ),
};

/** What `setDelay()` changes, and when, under either mode. */
export const setDelayTiming: Invariant = {
  name: "set-delay-timing",
  description:
    "setDelay() keeps the sleep already armed. Under fixed_delay every sleep that starts after the call (after the tick in flight, if any) lasts the new delay; under fixed_rate the next tick keeps its slot on the old grid and anchors a new grid spaced by the new delay. timer.delay reads the new value at once.",
  doesNotCheck:
    "Jitter (timing is checked exactly with jitter 0); setDelay() combined with triggers or restarts; cross-thread setDelay (node-threads).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits).map((s) => ({ ...s, jitter: 0 })),
        successes,
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 6000 }),
            ms: fc.integer({ min: 1, max: 1000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      ],
      async (harness, spec, script, calls) => {
        const log = new TickLog();
        const { lines, warn } = linesByRun(log);
        const { timer } = scripted(harness, spec, script, { logger: { warn } }, log);
        const due = harness.now() + spec.initialDelay;
        begin(timer, log);
        const changes: DelayChange[] = [];
        for (const { at, ms } of [...calls].sort((a, b) => a.at - b.at)) {
          await advanceTo(harness, at);
          changes.push({ seq: log.seq, ms });
          timer.setDelay(`${ms}ms`);
          check(
            timer.delay === ms / 1000,
            () => `timer.delay is ${timer.delay} right after setDelay("${ms}ms")`,
            "delay reads the new value",
          );
        }
        await advanceTo(harness, 9000);
        await stop(harness, timer);
        const skipping = checkRunSchedule(log.ticks, {
          mode: spec.mode,
          due,
          delay: spec.delay,
          changes,
          resolution: harness.resolution,
          run: 1,
        });
        checkSkipLines(lines, 1, skipping);
      },
    ),
};

// ─── one-wake-or-tick ─────────────────────────────────────────────────────────────────────────

/** A call made after `steps` timers have run on the harness. */
type SteppedCall = {
  readonly steps: number;
  readonly call: "start" | "cancel" | "restart" | "trigger" | "setDelay";
  readonly ms: number;
};

const steppedCalls = fc.array(
  fc.record({
    steps: fc.integer({ min: 0, max: 12 }),
    call: fc.constantFrom<SteppedCall["call"]>("start", "cancel", "restart", "trigger", "setDelay"),
    ms: fc.integer({ min: 1, max: 1000 }),
  }),
  { maxLength: 10 },
);

/** Checks the wake-or-tick rule now; `where` says when, for the message. */
function checkWakeOrTick(
  harness: TimeHarness,
  timer: Timer<number>,
  log: TickLog,
  record: DriverRecord,
  where: string,
): void {
  const running = timer.isRunning();
  const wakes = record.live;
  const ticks = log.inFlight;
  // What the harness holds armed is what the timer asked for plus the sleeps of its ticks: a
  // driver that arms a wake twice, or drops one, shows here.
  const held = harness.pending();
  check(
    held === wakes + log.sleeping,
    () =>
      `${where}: the harness holds ${held} timer(s), but the timer armed ${wakes} wake(s) and its ticks sleep on ${log.sleeping}`,
    "the driver holds exactly the wakes the timer armed",
  );
  if (running) {
    check(
      (wakes === 1 && ticks === 0) || (wakes === 0 && ticks === 1),
      () => `${where}: running with ${wakes} wake(s) armed and ${ticks} tick(s) in flight`,
      "a running timer has exactly one wake armed or one tick in flight",
    );
  } else {
    check(
      wakes === 0,
      () => `${where}: stopped with ${wakes} wake(s) armed`,
      "a stopped timer has no wake armed",
    );
  }
}

/** SPEC fine print: a running timer always has exactly one pending wake or one in-flight tick. */
export const oneWakeOrTick: Invariant = {
  name: "one-wake-or-tick",
  description:
    "Whenever the event loop is idle, a running timer has exactly one wake armed on its driver and no tick in flight, or one tick in flight and no wake (a timer stalled with nothing armed, or with two wakes, fails); a stopped timer has none; and the harness holds exactly those wakes besides the sleeps of the ticks (a driver that arms one twice or drops one fails) — through starts, cancels (also a cancel and a start in one turn), triggers and setDelay at any point, with ticks that return, take time, fail, hang until aborted or ignore their signal.",
  doesNotCheck:
    "Deadlines (timeouts of wait() and cancel(), left out here because they are armed on the driver too); durations too long for the driver (huge-durations); the moments inside one turn of the event loop.",
  property: (make) =>
    harnessProperty(
      make,
      [timerSpec(limits), tickScript(limits, { hangs: true, ignoresAbort: true }), steppedCalls],
      async (harness, spec, script, calls) => {
        const log = new TickLog();
        const { driver, record } = observedDriver(harness.driver, log);
        const { timer } = scripted(harness, spec, script, { driver }, log);
        begin(timer, log);
        await harness.settle();
        checkWakeOrTick(harness, timer, log, record, "after start()");
        for (const { steps, call, ms } of calls) {
          for (let i = 0; i < steps; i++) {
            if (!(await harness.next())) break;
            checkWakeOrTick(harness, timer, log, record, `at ${harness.now()} ms`);
          }
          if (call === "start") {
            try {
              begin(timer, log);
            } catch {
              // running already: no-overlap and restart-while-settling judge start() itself
            }
          } else if (call === "cancel") void timer.cancel();
          else if (call === "restart") {
            // Cancel and start in one turn: the new run holds its first tick until the old
            // one settles, with nothing armed meanwhile.
            void timer.cancel();
            begin(timer, log);
          } else if (call === "trigger") timer.trigger().catch(() => {});
          else timer.setDelay(`${ms}ms`);
          await harness.settle();
          checkWakeOrTick(harness, timer, log, record, `after ${call}() at ${harness.now()} ms`);
        }
        for (let i = 0; i < 12; i++) {
          if (!(await harness.next())) break;
          checkWakeOrTick(harness, timer, log, record, `at ${harness.now()} ms`);
        }
        await stop(harness, timer);
      },
    ),
};
