/**
 * The timer's contract as named, driver-independent properties. Each runs real timers on a
 * {@link TimeHarness} made from a generated seed, records what the target did, and checks one
 * clause of the contract against that record.
 *
 * @module
 */
import { Timer, TimerCancelledError, TimerStateError, TimerTimeoutError } from "@async-timer/core";
import { Machine, type MachineConfig, type Policy } from "@async-timer/core/machine";
import fc from "fast-check";
import {
  type ConsumerBehaviour,
  consumerBehaviour,
  type TimedCall,
  tickScript,
  timedCalls,
  timerSpec,
} from "./arbitraries.js";
import { runUntil } from "./harness.js";
import {
  begin,
  consume,
  type Invariant,
  limits,
  listenForUnhandled,
  near,
  nextMacrotask,
  noop,
  scripted,
  slowToAbort,
  span,
  thrownBy,
} from "./invariant.js";
import {
  cancelClauses,
  cancelInsideTick,
  cancelledTickInert,
  failingCleanup,
  restartWhileSettling,
} from "./invariants-cancel.js";
import { burstyConsumer, iterationErrors, repeated } from "./invariants-consumers.js";
import { durationStrings } from "./invariants-durations.js";
import { errorPolicies } from "./invariants-errors.js";
import { everyDecorator } from "./invariants-every.js";
import { externalCancellation } from "./invariants-external.js";
import {
  eventLoopTurn,
  failedState,
  hugeDurations,
  perTickSignal,
} from "./invariants-fine-print.js";
import { leaseGate } from "./invariants-gate.js";
import { groupLifecycle } from "./invariants-group.js";
import { groupFinePrint } from "./invariants-group-fine-print.js";
import { cancelFromHooks } from "./invariants-hooks.js";
import { iterationExit } from "./invariants-iteration.js";
import { independentTimers } from "./invariants-many.js";
import { observerEvents } from "./invariants-observers.js";
import {
  freshGridPerRun,
  jitterDistribution,
  oneWakeOrTick,
  setDelayTiming,
} from "./invariants-schedule.js";
import { settingsPerTimer } from "./invariants-settings.js";
import { sharedInputs } from "./invariants-shared-inputs.js";
import { closingTimeout, sourceResults } from "./invariants-sources.js";
import { stateAndToString } from "./invariants-state.js";
import { badArguments, generatorSources } from "./invariants-targets.js";
import { lastTickAt } from "./invariants-values.js";
import { check, describeValue, harnessProperty as onHarness, traceTicks } from "./property-kit.js";
import {
  advanceTo,
  ScriptedError,
  scriptedTarget,
  stop,
  type TickBehaviour,
  TickLog,
  toOptions,
} from "./scenario.js";

export type { Invariant, InvariantName } from "./invariant.js";
export type { HarnessFactory } from "./property-kit.js";

const successes = tickScript(limits, { failures: false });
const anything = tickScript(limits);

// ─── The invariants ──────────────────────────────────────────────────────────────────────────

const noOverlap: Invariant = {
  name: "no-overlap",
  description: "At most one invocation of the target is ever in flight, whatever is called when.",
  doesNotCheck:
    "Timing of the ticks, and what a start() that succeeds leads to (restart-while-settling, fresh-grid-per-run).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        timedCalls({
          ...limits,
          horizon: 15_000,
          calls: fc.constantFrom<TimedCall["call"]>(
            { kind: "start" },
            { kind: "cancel" },
            { kind: "trigger" },
            { kind: "setDelay", ms: 7 },
          ),
        }),
      ],
      async (harness, spec, script, plan) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        for (const { at, call } of plan) {
          await advanceTo(harness, at);
          if (call.kind === "start") {
            const running = timer.isRunning();
            let threw: unknown;
            let started = false;
            try {
              begin(timer, log);
              started = true;
            } catch (error) {
              threw = error;
            }
            if (started) {
              check(!running, () => `start() at ${harness.now()} succeeded on a running timer`);
            } else {
              // Legal only on a running timer: a stopped one (even with its old tick still
              // settling) must start.
              check(
                running && threw instanceof TimerStateError,
                () =>
                  `start() at ${harness.now()} threw ${describeValue(threw)} while isRunning() was ${running}`,
              );
            }
          } else if (call.kind === "cancel") void timer.cancel();
          else if (call.kind === "trigger") timer.trigger().catch(() => {});
          else if (call.kind === "setDelay") timer.setDelay(`${call.ms}ms`);
        }
        await advanceTo(harness, 20_000);
        await stop(harness, timer);
        check(log.maxInFlight <= 1, () => `${log.maxInFlight} ticks were in flight at once`);
      },
    ),
};

const fixedDelaySpacing: Invariant = {
  name: "fixed-delay-spacing",
  description:
    "Under fixed_delay the first tick fires after initialDelay and each sleep, from a tick's end to the next start, lasts delay × a factor in [1 − jitter, 1 + jitter].",
  doesNotCheck:
    "How jitter is distributed inside its bounds (jitter-distribution); timing after a restart, a setDelay or a trigger (fresh-grid-per-run, set-delay-timing, trigger-freshness).",
  property: (make) =>
    onHarness(
      make,
      [timerSpec(limits).map((s) => ({ ...s, mode: "fixed_delay" as const })), anything],
      async (harness, spec, script) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        await advanceTo(harness, span(spec, 12));
        await stop(harness, timer);
        const ticks = log.ticks;
        const r = harness.resolution;
        check(
          near(ticks[0]?.start, spec.initialDelay, r),
          () => `first tick at ${ticks[0]?.start}, not ${spec.initialDelay}`,
        );
        for (let k = 0; k + 1 < ticks.length; k++) {
          const end = ticks[k]?.end as number;
          const gap = (ticks[k + 1]?.start as number) - end;
          const low = spec.delay * (1 - spec.jitter) - r;
          const high = spec.delay * (1 + spec.jitter) + r;
          check(
            gap >= low - 1e-6 && gap <= high + 1e-6,
            () => `sleep after tick ${k + 1} lasted ${gap} ms, outside [${low}, ${high}]`,
          );
        }
      },
    ),
};

const fixedRateSlots: Invariant = {
  name: "fixed-rate-slots",
  description:
    "Under fixed_rate every tick starts on a slot anchor + k·delay; after a tick the next one takes the first slot at or after its end, and the slots passed over are logged as skipped, a repeated condition: the first with its count, one opening line per episode, summary lines at most every 10 s with their counts and times, all of them accounted for by the ending lines.",
  doesNotCheck:
    "Jitter (jitter-bounds, jitter-distribution); restarts, setDelay and triggers (fresh-grid-per-run, set-delay-timing, trigger-freshness); runs of skips longer than the case (under a minute).",
  property: (make) =>
    onHarness(
      make,
      [timerSpec(limits).map((s) => ({ ...s, mode: "fixed_rate" as const, jitter: 0 })), anything],
      async (harness, spec, script) => {
        const lines: { at: number; line: string; level: string }[] = [];
        const { log, timer } = scripted(harness, spec, script, {
          logger: {
            warn: (line: string) => lines.push({ at: harness.now(), line, level: "warn" }),
          },
        });
        begin(timer, log);
        await advanceTo(harness, span(spec, 12));
        await stop(harness, timer);
        const warnings = lines.map((l) => l.line);
        const ticks = log.ticks;
        const anchor = spec.initialDelay;
        const r = harness.resolution;
        const expectedSkips: number[] = [];
        let slot = 0;
        check(
          near(ticks[0]?.start, anchor, r),
          () => `first tick at ${ticks[0]?.start}, not ${anchor}`,
        );
        for (let i = 0; i + 1 < ticks.length; i++) {
          const end = ticks[i]?.end as number;
          let next = slot + 1;
          while (anchor + next * spec.delay < end) next++;
          const start = ticks[i + 1]?.start as number;
          check(
            near(start, anchor + next * spec.delay, r),
            () =>
              `tick ${i + 2} started at ${start}; its slot was ${anchor + next * spec.delay} (tick ${i + 1} ended at ${end})`,
          );
          if (next - slot - 1 > 0) expectedSkips.push(next - slot - 1);
          slot = next;
        }
        // The last tick may have run past slots too, before the stop: no tick shows those.
        const lastEnd = ticks.at(-1)?.end;
        let after = slot + 1;
        while (lastEnd !== undefined && anchor + after * spec.delay < lastEnd) after++;
        const lastSkips = after - slot - 1;
        // Skips are a repeated condition: the first line names the first skip's count, and the
        // lines of each episode (at the latest, when the timer stops) account for every slot.
        const first = Number(/skipped (\d+)/.exec(warnings[0] ?? "")?.[1] ?? 0);
        const accounted = accountedFor(warnings, /skipped (\d+) slot/);
        check(
          first === (expectedSkips[0] ?? lastSkips) &&
            (accounted === sum(expectedSkips) || accounted === sum(expectedSkips) + lastSkips),
          () =>
            `skips logged ${JSON.stringify(warnings)}, expected the first to name ${expectedSkips[0] ?? 0} and ${sum(expectedSkips)} in all`,
        );
        // Each episode: one opening line, summaries at most every 10 s, an ending line.
        repeated(lines, {
          opening: /skipped (\d+) slot/,
          noun: "skip",
          level: "skips are logged at warn level",
        });
      },
    ),
};

const jitterBounds: Invariant = {
  name: "jitter-bounds",
  description:
    "Under fixed_rate with jitter, each tick starts within jitter·delay of its own slot — jitter never causes a skip and displacements never add up to drift.",
  doesNotCheck:
    "How jitter is distributed inside its bounds (jitter-distribution); fixed_delay (fixed-delay-spacing); slow ticks.",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits).map((s) => ({
          ...s,
          mode: "fixed_rate" as const,
          delay: Math.max(s.delay, 5),
        })),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
      ],
      async (harness, spec, jitter) => {
        const { log, timer, warnings } = scripted(harness, { ...spec, jitter }, [
          { kind: "returns" },
        ]);
        begin(timer, log);
        await advanceTo(harness, spec.initialDelay + 40 * spec.delay);
        await stop(harness, timer);
        check(warnings.length === 0, () => `jitter alone caused a skip: ${warnings[0]}`);
        log.ticks.forEach((tick, k) => {
          const slot = spec.initialDelay + k * spec.delay;
          check(
            Math.abs(tick.start - slot) <= jitter * spec.delay + harness.resolution + 1e-6,
            () =>
              `tick ${k + 1} started at ${tick.start}, ${tick.start - slot} ms from its slot ${slot} (jitter ${jitter}, delay ${spec.delay})`,
          );
        });
        check(log.ticks.length >= 30, () => `only ${log.ticks.length} ticks in 40 periods`);
      },
    ),
};

const triggerFreshness: Invariant = {
  name: "trigger-freshness",
  description:
    "trigger() resolves with the value (or rejects with the error) of the very next invocation, which starts after the call — at once if the timer sleeps, as soon as the tick in flight ends otherwise; calls waiting for the same tick share it.",
  doesNotCheck:
    "The schedule after a triggered tick beyond its earliest next start; that the event loop gets a turn before a chained tick (event-loop-turn).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc
          .array(fc.integer({ min: 0, max: 8000 }), { minLength: 1, maxLength: 8 })
          .map((a) => a.sort((x, y) => x - y)),
        fc.boolean(),
      ],
      async (harness, spec, script, times, withStart) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        // A trigger in start()'s own turn runs the first tick, and the schedule resumes from it.
        const first = withStart ? timer.trigger().then(noop, noop) : undefined;
        const outcomes: {
          at: number;
          before: number;
          sleeping: boolean;
          settled?: { n: number } | { error: unknown };
        }[] = [];
        for (const at of times) {
          await advanceTo(harness, at);
          const record: (typeof outcomes)[number] = {
            at: harness.now(),
            before: log.ticks.length,
            sleeping: log.inFlight === 0,
          };
          outcomes.push(record);
          timer.trigger().then(
            (n) => {
              record.settled = { n };
            },
            (error: unknown) => {
              record.settled = { error };
            },
          );
        }
        await advanceTo(harness, 8000 + 4 * limits.maxWork);
        await stop(harness, timer);
        await first;
        const [one, two] = log.ticks;
        if (withStart && one?.end !== undefined && two !== undefined) {
          // The earliest the second tick may start by the schedule alone.
          const sleep = spec.delay * (1 - spec.jitter);
          const due = spec.mode === "fixed_delay" ? one.end + sleep : Math.max(one.end, sleep);
          const otherTrigger = times.some((at) => at <= two.start + harness.resolution);
          check(
            otherTrigger || two.start >= due - harness.resolution - 1e-6,
            () =>
              `triggered at start, tick 1 ran ${one.start}–${one.end}, but tick 2 started at ${two.start}, before ${due}`,
          );
        }
        for (const outcome of outcomes) {
          const expected = outcome.before + 1;
          const settled = outcome.settled;
          check(settled !== undefined, () => `trigger() at ${outcome.at} never settled`);
          if (settled === undefined) return;
          if ("n" in settled) {
            check(
              settled.n === expected,
              () =>
                `trigger() at ${outcome.at} got tick ${settled.n}, expected the next one, ${expected}`,
            );
          } else if (settled.error instanceof ScriptedError) {
            check(
              settled.error.tick === expected,
              () =>
                `trigger() at ${outcome.at} got the error of tick ${(settled.error as ScriptedError).tick}, expected ${expected}`,
            );
          } else {
            check(
              settled.error instanceof TimerCancelledError && log.ticks.length < expected,
              () => `trigger() at ${outcome.at} rejected with ${describeValue(settled.error)}`,
            );
          }
          const tick = log.ticks[expected - 1];
          if (tick !== undefined && outcome.sleeping) {
            check(
              near(tick.start, outcome.at, harness.resolution),
              () =>
                `triggered while sleeping at ${outcome.at}, but tick ${expected} started at ${tick.start}`,
            );
          }
          // Triggered while a tick was in flight: exactly one more runs as soon as it ends.
          const running = log.ticks[expected - 2];
          if (tick !== undefined && !outcome.sleeping && running?.end !== undefined) {
            check(
              near(tick.start, running.end, harness.resolution),
              () =>
                `triggered at ${outcome.at} while tick ${running.n} ran (it ended at ${running.end}), but tick ${expected} started at ${tick.start}`,
            );
          }
        }
      },
    ),
};

const subscriptionCompleteness: Invariant = {
  name: "subscription-completeness",
  description:
    "An unbounded subscription receives every successful tick completed after it subscribed, in order, however slow its consumer, and then ends with the run.",
  doesNotCheck:
    "Bounded subscriptions (bounded-drop-oldest), endings with an error (error-delivery-order), late results of a cancelled tick (cancelled-tick-inert), subscriptions across runs.",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 6000 }),
            pace: fc.integer({ min: 0, max: 3000 }),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
      ],
      async (harness, spec, script, subscribers) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        const runs: { at: number; mark: number; received: number[]; done: Promise<unknown> }[] = [];
        for (const { at, pace } of [...subscribers].sort((a, b) => a.at - b.at)) {
          await advanceTo(harness, at);
          const received: number[] = [];
          const behaviour: ConsumerBehaviour =
            pace === 0 ? { kind: "fast" } : { kind: "slow", ms: pace };
          runs.push({
            at: harness.now(),
            // What had ended when it subscribed, by order and not by time: a tick in flight at
            // this instant may still end at this same millisecond, after the subscription.
            mark: log.seq,
            received,
            done: consume(harness, timer.subscribe(), behaviour, received),
          });
        }
        await advanceTo(harness, 9000);
        await stop(harness, timer);
        await runUntil(harness, Promise.all(runs.map((run) => run.done)));
        for (const run of runs) {
          const expected = log
            .endedAfter(run.mark)
            .filter((tick) => tick.outcome === "value")
            .map((tick) => tick.n);
          check(
            run.received.join() === expected.join(),
            () => `subscribed at ${run.at}: received [${run.received}], expected [${expected}]`,
          );
        }
      },
    ),
};

const boundedDropOldest: Invariant = {
  name: "bounded-drop-oldest",
  description:
    "Whatever the consumer (fast, slow, bounded, shedding load), a subscription keeps the newest values: it never holds more than maxsize, received values are in order, received + droppedCount = produced, the newest is delivered, and overflow drops are logged as a repeated condition whose lines account for every one.",
  doesNotCheck:
    'Failing ticks; the wording of the warn lines beyond "is full" and "in all"; the timing of the summary lines.',
  property: (make) =>
    onHarness(
      make,
      [timerSpec(limits), successes, consumerBehaviour(limits)],
      async (harness, spec, script, behaviour) => {
        const { log, timer, warnings } = scripted(harness, spec, script);
        begin(timer, log);
        const maxsize = behaviour.kind === "bounded" ? behaviour.maxsize : 0;
        const feed = timer.subscribe({ maxsize });
        const received: number[] = [];
        const queued = { most: 0 };
        const done = consume(harness, feed, behaviour, received, queued);
        await advanceTo(harness, 8000);
        await stop(harness, timer);
        const shed = await runUntil(harness, done);
        const produced = log.values.length;
        check(
          maxsize === 0 || queued.most <= maxsize,
          () => `held ${queued.most} values with maxsize ${maxsize}`,
        );
        check(
          received.every((n, i) => i === 0 || n > (received[i - 1] as number)),
          () => `out of order: [${received}]`,
        );
        check(
          received.length + feed.droppedCount === produced,
          () => `received ${received.length} + dropped ${feed.droppedCount} ≠ produced ${produced}`,
        );
        // Drops are a repeated condition: a line when they start, and closing lines that account
        // for every overflow drop (the subscription's end closes the account).
        const overflow = feed.droppedCount - shed;
        const lines = warnings.filter((line) => line.includes("subscription"));
        const started = lines.filter((line) => line.includes("is full")).length;
        const accounted = accountedFor(lines, /is full/);
        check(
          (overflow === 0) === (started === 0) && accounted === overflow,
          () => `warn lines ${JSON.stringify(warnings)} for ${overflow} overflow drops`,
        );
        check(
          received.at(-1) === log.values.at(-1)?.n,
          () =>
            `the newest value ${log.values.at(-1)?.n} was not delivered (last received ${received.at(-1)})`,
        );
      },
    ),
};

const dropOldestKeepsSentinel: Invariant = {
  name: "drop-oldest-keeps-sentinel",
  description:
    "dropOldest(n) never removes the end or error marker: however much a consumer sheds, its iteration ends — with the stopping error if a failure stopped the timer.",
  doesNotCheck: "Which values remain after shedding, and droppedCount (bounded-drop-oldest).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.constantFrom<"stop" | "continue">("stop", "continue"),
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 6000 }),
      ],
      async (harness, spec, script, policy, drops, cancelAt) => {
        const { log, timer } = scripted(harness, spec, script, {
          onError: () => policy,
          logger: {},
        });
        begin(timer, log);
        const feed = timer.subscribe();
        let ending: "done" | { error: unknown } | undefined;
        const done = (async () => {
          let i = 0;
          try {
            for (;;) {
              feed.dropOldest(drops[i++ % drops.length] as number);
              const next = await feed.next();
              if (next.done) break;
              await harness.sleep(500);
            }
            ending = "done";
          } catch (error) {
            ending = { error };
          }
        })();
        await advanceTo(harness, cancelAt);
        const cancelMark = log.seq;
        await stop(harness, timer);
        feed.dropOldest(1000);
        await runUntil(harness, done);
        const firstFailure = log.ticks.find((tick) => tick.outcome === "error");
        const stoppedByError =
          policy === "stop" &&
          firstFailure !== undefined &&
          (firstFailure.endSeq as number) <= cancelMark;
        if (stoppedByError) {
          check(
            typeof ending === "object" && ending.error instanceof ScriptedError,
            () => `expected the error after shedding, got ${describeValue(ending)}`,
          );
        } else {
          check(
            ending === "done",
            () => `expected the end after shedding, got ${describeValue(ending)}`,
          );
        }
      },
    ),
};

const latestValueFanout: Invariant = {
  name: "latest-value-fanout",
  description:
    "for await over a timer gives each waiting consumer the latest value: values arrive in order, a consumer that is always waiting misses none, a busy one only skips.",
  doesNotCheck:
    "That a busy consumer gets exactly the latest value when it asks again (only order and origin); iteration ending with an error (error-delivery-order).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        successes,
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
      ],
      async (harness, spec, script, paces) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        const consumers = paces.map((pace) => {
          const received: number[] = [];
          const behaviour: ConsumerBehaviour =
            pace === 0 ? { kind: "fast" } : { kind: "slow", ms: pace };
          return { pace, received, done: consume(harness, timer, behaviour, received) };
        });
        await advanceTo(harness, 8000);
        await stop(harness, timer);
        await runUntil(harness, Promise.all(consumers.map((consumer) => consumer.done)));
        const produced = log.values.map((tick) => tick.n);
        for (const { pace, received } of consumers) {
          check(
            received.every((n, i) => i === 0 || n > (received[i - 1] as number)),
            () => `out of order: [${received}]`,
          );
          check(
            received.every((n) => produced.includes(n)),
            () => `received a value no tick produced: [${received}]`,
          );
          if (pace === 0)
            check(
              received.join() === produced.join(),
              () => `an always-waiting consumer got [${received}] of [${produced}]`,
            );
        }
      },
    ),
};

const waitSemantics: Invariant = {
  name: "wait-semantics",
  description:
    "wait({ hits, timeout }) and wait({ hitCount, timeout }) resolve with the value of the tick that reached the count (undefined at once if already met; hitCount wins when both are given), reject with a failing tick's error, with TimerTimeoutError at the deadline, or with TimerCancelledError when the timer stops first; wait() with no condition never sees a failure (under policy continue) nor rejects on a cancel: it resolves with the last value when the timer stops, or at its timeout if that comes first — and at once on a timer that is not running.",
  doesNotCheck:
    "Failures under policy stop (error-delivery-order, iteration-errors); waits made inside onError.",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 6000 }),
            hits: fc.integer({ min: 0, max: 3 }),
            form: fc.constantFrom("hits", "hitCount", "both", "none"),
            timeout: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
      ],
      async (harness, spec, script, waits) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        const calls: {
          at: number;
          mark: number;
          target: number | undefined;
          timeout: number | undefined;
          outcome?: string;
        }[] = [];
        const settled = (record: { outcome?: string }, promise: Promise<unknown>) =>
          promise.then(
            (value) => {
              record.outcome = value === undefined ? "met" : `value ${value}`;
            },
            (error: unknown) => {
              record.outcome =
                error instanceof ScriptedError
                  ? `error ${error.tick}`
                  : error instanceof TimerTimeoutError
                    ? "timeout"
                    : error instanceof TimerCancelledError
                      ? "cancelled"
                      : describeValue(error);
            },
          );
        for (const call of [...waits].sort((a, b) => a.at - b.at)) {
          await advanceTo(harness, call.at);
          // Counterexamples recorded before `form` existed (regressions.test.ts) mean hits.
          const form = (call as { form?: typeof call.form }).form ?? "hits";
          const target = form === "none" ? undefined : timer.hitCount + call.hits;
          const record: (typeof calls)[number] = {
            at: harness.now(),
            mark: log.seq,
            target,
            timeout: call.timeout,
          };
          calls.push(record);
          const timeout =
            call.timeout === undefined ? {} : { timeout: `${call.timeout}ms` as const };
          const condition =
            form === "hits"
              ? { hits: call.hits }
              : form === "hitCount"
                ? { hitCount: target }
                : form === "both"
                  ? { hitCount: target, hits: call.hits + 2 } // hitCount wins
                  : {};
          void settled(record, timer.wait({ ...condition, ...timeout }));
        }
        const stopAt = 9000;
        await advanceTo(harness, stopAt);
        const stopMark = log.seq;
        await stop(harness, timer);
        await harness.settle();
        /** The value a wait() with no condition may resolve with at `at` (ms): the last one by then. */
        const lastBy = (at: number, mark: number) => {
          const outcomes = new Set<string>();
          const ended = log.values.filter((tick) => (tick.endSeq as number) <= mark);
          const before = ended.filter((tick) => (tick.end as number) < at - harness.resolution);
          const last = before.at(-1);
          outcomes.add(last === undefined ? "met" : `value ${last.n}`);
          for (const tick of ended) {
            const end = tick.end as number;
            if (end >= at - harness.resolution - 1e-6 && end <= at + harness.resolution + 1e-6)
              outcomes.add(`value ${tick.n}`);
          }
          return [...outcomes];
        };
        for (const call of calls) {
          if (call.target === undefined) {
            const at = Math.min(call.at + (call.timeout ?? Number.POSITIVE_INFINITY), stopAt);
            const expected =
              at < stopAt ? lastBy(at, log.seq) : lastBy(Number.POSITIVE_INFINITY, stopMark);
            check(
              expected.includes(call.outcome as string),
              () =>
                `wait(${call.timeout === undefined ? "" : `{ timeout: "${call.timeout}ms" }`}) at ${call.at}, with no condition: got ${call.outcome}, expected ${expected.join(" or ")}`,
              "wait() with no condition resolves with the last value when the timer stops or at its timeout",
            );
            continue;
          }
          if (call.target <= countBefore(log, call.mark)) {
            check(
              call.outcome === "met",
              () =>
                `wait at ${call.at} for hitCount ${call.target}, already reached: got ${call.outcome}`,
            );
            continue;
          }
          const candidates: { at: number; outcome: string }[] = [];
          const reaching = log.values[call.target - 1];
          if (reaching !== undefined)
            candidates.push({ at: reaching.end as number, outcome: `value ${reaching.n}` });
          const failure = log.endedAfter(call.mark).find((tick) => tick.outcome === "error");
          if (failure !== undefined)
            candidates.push({ at: failure.end as number, outcome: `error ${failure.n}` });
          if (call.timeout !== undefined)
            candidates.push({ at: call.at + call.timeout, outcome: "timeout" });
          candidates.push({ at: stopAt, outcome: "cancelled" });
          const first = Math.min(...candidates.map((c) => c.at));
          const expected = candidates
            .filter((c) => c.at <= first + harness.resolution)
            .map((c) => c.outcome);
          check(
            expected.includes(call.outcome as string),
            () =>
              `wait at ${call.at} for hitCount ${call.target}: got ${call.outcome}, expected ${expected.join(" or ")}`,
          );
        }
        // On a timer that is not running: a condition rejects, no condition resolves at once.
        const idle: { outcome?: string } = {};
        const counted: { outcome?: string } = {};
        void settled(idle, timer.wait());
        void settled(counted, timer.wait({ hits: 1 }));
        await harness.settle();
        const last = timer.lastResult;
        check(
          idle.outcome === (last === undefined ? "met" : `value ${last}`) &&
            counted.outcome === "cancelled",
          () =>
            `on a stopped timer wait() gave ${idle.outcome} and wait({ hits: 1 }) ${counted.outcome} (the last value was ${last})`,
          "wait() with no condition resolves with the last value when the timer stops or at its timeout",
        );
      },
    ),
};

/** Successful ticks completed when the log's `seq` was `mark`. */
function countBefore(log: TickLog, mark: number): number {
  return log.endedBy(mark).filter((tick) => tick.outcome === "value").length;
}

const joinSemantics: Invariant = {
  name: "join-semantics",
  description:
    "join() settles with the next tick to complete after the call — its value, or its error — and with TimerCancelledError if the timer stops first or is not running.",
  doesNotCheck:
    "join() across a restart; the error a failed timer hands out afterwards (failed-state).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 6 }),
      ],
      async (harness, spec, script, times) => {
        const { log, timer } = scripted(harness, spec, script);
        const early = await timer.join().then(
          () => "value",
          (error: unknown) =>
            error instanceof TimerCancelledError ? "cancelled" : describeValue(error),
        );
        check(early === "cancelled", () => `join() on a timer never started gave ${early}`);
        begin(timer, log);
        const calls: { at: number; mark: number; outcome?: string }[] = [];
        for (const at of [...times].sort((a, b) => a - b)) {
          await advanceTo(harness, at);
          const record: (typeof calls)[number] = { at: harness.now(), mark: log.seq };
          calls.push(record);
          timer.join().then(
            (n) => {
              record.outcome = `value ${n}`;
            },
            (error: unknown) => {
              record.outcome =
                error instanceof ScriptedError
                  ? `error ${error.tick}`
                  : error instanceof TimerCancelledError
                    ? "cancelled"
                    : describeValue(error);
            },
          );
        }
        await advanceTo(harness, 9000);
        await stop(harness, timer);
        await harness.settle();
        for (const call of calls) {
          const next = log.endedAfter(call.mark).find((tick) => tick.outcome !== "aborted");
          const expected =
            next === undefined || (next.end as number) > 9000
              ? "cancelled"
              : `${next.outcome === "value" ? "value" : "error"} ${next.n}`;
          check(
            call.outcome === expected,
            () => `join() at ${call.at}: got ${call.outcome}, expected ${expected}`,
          );
        }
      },
    ),
};

const cancelQuiescence: Invariant = {
  name: "cancel-quiescence",
  description:
    "cancel() is idempotent; once it resolves the timer is stopped, no tick starts, no target code runs (unless cancel was called from inside the tick), nothing is left armed, and onCancel ran once.",
  doesNotCheck:
    "The clauses about the in-flight tick's signal, pending join()s, subscriptions and cancel({ timeout }) (cancel-clauses); late results of a tick that ignores its signal (cancelled-tick-inert); generators (generator-close-on-cancel).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.array(fc.integer({ min: 0, max: 6000 }), { minLength: 1, maxLength: 3 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 })),
      ],
      async (harness, spec, script, cancelTimes, insideTick, lag) => {
        let onCancel = 0;
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        let insideCall: Promise<void> | undefined;
        const timer: Timer<number> = new Timer(
          `${spec.delay}ms`,
          (context) => {
            // With a lag, the tick heeds its signal only `lag` ms after the abort — the case
            // where cancel() has something to wait for.
            const result = lag === 0 ? inner(context) : slowToAbort(harness, context, lag, inner);
            if (log.ticks.length === insideTick) insideCall = timer.cancel();
            return result;
          },
          toOptions<number>(spec, harness, {
            onError: () => "continue",
            onCancel: () => onCancel++,
          }),
        );
        begin(timer, log);
        // What each cancel() found when it resolved, checked below: a check thrown inside the
        // callback would only reject a promise nobody awaits.
        const resolved: { calledAt: number; at?: number; running?: boolean; inFlight?: number }[] =
          [];
        for (const at of [...cancelTimes].sort((a, b) => a - b)) {
          await advanceTo(harness, at);
          const record: (typeof resolved)[number] = { calledAt: harness.now() };
          resolved.push(record);
          void timer.cancel().then(() => {
            record.at = harness.now();
            record.running = timer.isRunning();
            record.inFlight = log.inFlight;
          });
        }
        const firstCancel = Math.min(resolved[0]?.calledAt ?? Number.POSITIVE_INFINITY);
        await runUntil(harness, timer.cancel());
        await insideCall;
        const startedAfter = log.ticks.filter((tick) => tick.start > firstCancel);
        check(
          startedAfter.length === 0,
          () =>
            `tick ${startedAfter[0]?.n} started at ${startedAfter[0]?.start}, after cancel() at ${firstCancel}`,
        );
        check(
          resolved.every((record) => record.at !== undefined),
          () => "a cancel() never resolved",
        );
        for (const record of resolved) {
          check(!record.running, () => `running after cancel() resolved at ${record.at}`);
          check(
            record.inFlight === 0,
            () => `${record.inFlight} tick(s) still running when cancel() resolved at ${record.at}`,
          );
        }
        check(
          harness.pending() === 0,
          () => `${harness.pending()} timer(s) still armed after cancel()`,
        );
        check(onCancel === 1, () => `onCancel ran ${onCancel} times`);
        await harness.advance(3 * limits.maxDelay);
        check(
          log.ticks.every((tick) => tick.start <= firstCancel),
          () => "a tick started long after cancel()",
        );
      },
    ),
};

const generatorCloseOnCancel: Invariant = {
  name: "generator-close-on-cancel",
  description:
    "Cancelling a timer whose target is a generator closes it: its finally block has run when cancel() resolves.",
  doesNotCheck:
    "Cleanups that throw or reject (failing-cleanup); a generator object given directly rather than a function returning one.",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        fc.boolean(),
        fc.integer({ min: 0, max: 800 }),
        fc.integer({ min: 0, max: 6000 }),
      ],
      async (harness, spec, isAsync, pull, cancelAt) => {
        let finallyRan = 0;
        let pulled = 0;
        const target = isAsync
          ? async function* () {
              try {
                for (;;) {
                  await harness.sleep(pull);
                  yield ++pulled;
                }
              } finally {
                finallyRan++;
              }
            }
          : function* () {
              try {
                for (;;) yield ++pulled;
              } finally {
                finallyRan++;
              }
            };
        const timer = new Timer(`${spec.delay}ms`, target, toOptions<number>(spec, harness));
        timer.start();
        await advanceTo(harness, cancelAt);
        const started = pulled > 0 || harness.now() >= spec.initialDelay;
        await runUntil(harness, timer.cancel());
        if (started)
          check(
            finallyRan === 1,
            () => `finally ran ${finallyRan} times by the time cancel() resolved`,
          );
        else check(finallyRan <= 1, () => `finally ran ${finallyRan} times`);
      },
    ),
};

const restartability: Invariant = {
  name: "restartability",
  description:
    "After cancel(), start() begins a new run that ticks again and hitCount keeps counting — except a timer with cancelOn/signal, whose second start() throws TimerStateError.",
  doesNotCheck:
    "A start() while the old run's tick is still settling (restart-while-settling); the timing of the new run (fresh-grid-per-run).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        successes,
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
      ],
      async (harness, spec, script, gaps, singleRun) => {
        const controller = new AbortController();
        const { log, timer } = scripted(
          harness,
          spec,
          script,
          singleRun ? { signal: controller.signal } : {},
        );
        let lastHitCount = 0;
        for (const [cycle, gap] of gaps.entries()) {
          if (singleRun && cycle > 0) {
            const threw = thrownBy(() => timer.start());
            check(
              threw instanceof TimerStateError,
              () => `a single-run timer restarted (cycle ${cycle})`,
            );
            return;
          }
          begin(timer, log);
          const before = timer.hitCount;
          await runUntil(harness, timer.wait({ hits: 1 }));
          check(timer.hitCount > before, () => `run ${cycle + 1} did not tick`);
          await harness.advance(gap);
          await stop(harness, timer);
          check(timer.hitCount >= lastHitCount, () => "hitCount went backwards");
          lastHitCount = timer.hitCount;
        }
      },
    ),
};

const errorDeliveryOrder: Invariant = {
  name: "error-delivery-order",
  description:
    "When a failing tick stops the timer, onError is consulted first; join, trigger and waits get that error; each subscription gets its buffered values, then the error; onCancel runs once, after onError — also when onError itself calls cancel(), after which isRunning() is false at once.",
  doesNotCheck:
    "Policy continue; iteration over the timer; what a failed timer says afterwards (failed-state).",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.boolean(),
      ],
      async (harness, spec, failAt, pace, cancelsInOnError) => {
        const order: string[] = [];
        const script: TickBehaviour[] = Array.from({ length: failAt }, (_, i) =>
          i + 1 === failAt ? { kind: "rejects", ms: 50 } : { kind: "slow", ms: 50 },
        );
        const { log, timer } = scripted(harness, spec, script, {
          onError: (error: unknown, self: Timer<number>) => {
            order.push(`onError ${(error as ScriptedError).tick}`);
            if (cancelsInOnError) {
              void self.cancel();
              if (self.isRunning()) order.push("still running after cancel()");
            }
            return "stop";
          },
          onCancel: () => order.push("onCancel"),
        });
        begin(timer, log);
        const feed = timer.subscribe();
        const received: number[] = [];
        let feedError: unknown;
        const fed = consume(harness, feed, { kind: "slow", ms: pace }, received).catch(
          (error: unknown) => {
            feedError = error;
          },
        );
        const waiting = timer.wait({ hitCount: failAt + 10 }).then(
          () => undefined,
          (error: unknown) => error,
        );
        await runUntil(harness, fed);
        check(order.join() === `onError ${failAt},onCancel`, () => `callbacks ran as [${order}]`);
        check(
          received.join() === log.values.map((tick) => tick.n).join(),
          () => `the subscription got [${received}] before the error`,
        );
        check(
          feedError instanceof ScriptedError && feedError.tick === failAt,
          () => `the subscription ended with ${describeValue(feedError)}`,
        );
        const waitError = await waiting;
        check(
          waitError instanceof ScriptedError && waitError.tick === failAt,
          () => `wait() ended with ${describeValue(waitError)}`,
        );
        check(!timer.isRunning(), () => "still running after a stopping error");
      },
    ),
};

const noUnhandledRejection: Invariant = {
  name: "no-unhandled-rejection",
  description:
    "Failing targets, under either policy and with any cancel timing, never cause an unhandled promise rejection.",
  doesNotCheck: "Failing generator cleanups (failing-cleanup); cancelOn promises that reject.",
  property: (make) =>
    onHarness(
      make,
      [
        timerSpec(limits),
        anything,
        fc.constantFrom<"stop" | "continue">("stop", "continue"),
        fc.integer({ min: 0, max: 6000 }),
      ],
      async (harness, spec, script, policy, cancelAt) => {
        const unhandled: unknown[] = [];
        const stopListening = listenForUnhandled((reason) => unhandled.push(reason));
        try {
          const { log, timer } = scripted(harness, spec, script, {
            onError: () => policy,
            logger: {},
          });
          begin(timer, log);
          await advanceTo(harness, cancelAt);
          await stop(harness, timer);
          await nextMacrotask();
        } finally {
          stopListening();
        }
        check(unhandled.length === 0, () => `unhandled rejection: ${describeValue(unhandled[0])}`);
      },
    ),
};

/** An event of the machine, as data, for replaying. */
type MachineEvent =
  | { readonly type: "start" | "cancel" | "trigger"; readonly now: number }
  | { readonly type: "setDelay"; readonly now: number; readonly delay: number }
  | { readonly type: "wake"; readonly now: number; readonly run: number }
  | {
      readonly type: "succeeded" | "declined";
      readonly now: number;
      readonly tick: number;
      readonly sample: number;
    }
  | {
      readonly type: "failed" | "exhausted" | "abandon";
      readonly now: number;
      readonly tick: number;
    }
  | {
      readonly type: "decided";
      readonly now: number;
      readonly tick: number;
      readonly policy: Policy;
      readonly sample: number;
    };

/** The machine driven by data: each event applied, its effects and the record written down. */
class Replay extends Machine {
  apply(e: MachineEvent): number {
    switch (e.type) {
      case "start":
        return this.onStart(e.now);
      case "cancel":
        return this.onCancel();
      case "trigger":
        return this.onTrigger(e.now);
      case "setDelay":
        return this.onSetDelay(e.delay);
      case "wake":
        return this.onWake(e.run);
      case "succeeded":
        return this.onSucceeded(e.now, e.tick, e.sample);
      case "declined":
        return this.onDeclined(e.now, e.tick, e.sample, Number.NaN);
      case "failed":
        return this.onFailed(e.now, e.tick);
      case "exhausted":
        return this.onExhausted(e.now, e.tick);
      case "abandon":
        return this.onAbandon(e.now, e.tick);
      case "decided":
        return this.onDecided(e.now, e.tick, e.policy, e.sample);
    }
  }

  record(): string {
    return JSON.stringify([
      this.phase,
      this.run,
      this.ticks,
      this.hits,
      this.delayMs,
      this.wakeAt,
      this.anchor,
      this.slot,
      this.period,
      this.triggered,
      this.rebase,
      this.skipped,
      this.reason,
    ]);
  }
}

const machinePurity: Invariant = {
  name: "machine-purity",
  description:
    "The machine is pure: the same events give the same records and effects, and an illegal command changes nothing.",
  doesNotCheck:
    "What the Timer does with the machine's output (every other invariant checks that through the public API). It reads @async-timer/core/machine, whose shape follows core's internals.",
  property: () => {
    const now = fc.nat(10_000);
    const sample = fc.double({ min: 0, max: 0.999, noNaN: true });
    const tick = fc.nat(6);
    const event = fc.oneof(
      fc.record({ type: fc.constantFrom("start", "cancel", "trigger"), now }),
      fc.record({ type: fc.constant("setDelay"), now, delay: fc.nat(2000) }),
      fc.record({ type: fc.constant("wake"), now, run: fc.nat(4) }),
      fc.record({ type: fc.constantFrom("succeeded", "declined"), now, tick, sample }),
      fc.record({ type: fc.constantFrom("failed", "exhausted", "abandon"), now, tick }),
      fc.record({
        type: fc.constant("decided"),
        now,
        tick,
        policy: fc.constantFrom("stop", "continue"),
        sample,
      }),
    ) as fc.Arbitrary<MachineEvent>;
    const property = fc.property(
      timerSpec(limits),
      fc.option(fc.string(), { nil: undefined }),
      fc.array(event, { maxLength: 40 }),
      (spec, single, events) => {
        const replay = () => {
          const config: MachineConfig = {
            mode: spec.mode,
            initialDelay: spec.initialDelay,
            jitter: spec.jitter,
            single,
          };
          const machine = new Replay(Object.freeze(config), spec.delay);
          const out: unknown[] = [];
          for (const e of [...events].sort((a, b) => a.now - b.now)) {
            const before = machine.record();
            try {
              out.push(machine.apply(e), machine.record());
            } catch (error) {
              check(error instanceof TimerStateError, () => `${e.type} threw ${String(error)}`);
              check(machine.record() === before, () => `a refused ${e.type} changed the record`);
              out.push(`refused ${e.type}`);
            }
          }
          return JSON.stringify(out);
        };
        const first = replay();
        const second = replay();
        check(first === second, () => "the same events gave different results");
      },
    );
    return property as unknown as fc.IProperty<never>;
  },
};

/**
 * What log lines of a repeated condition account for: each episode opens with a line `opening`
 * matches (its count captured, else 1), and may close with an "N in all" line giving its total.
 */
function accountedFor(lines: readonly string[], opening: RegExp): number {
  const episodes: number[] = [];
  for (const line of lines) {
    const opened = opening.exec(line);
    const closed = /(\d+) in all/.exec(line)?.[1];
    if (opened !== null) episodes.push(Number(opened[1] ?? 1));
    else if (closed !== undefined && episodes.length > 0)
      episodes[episodes.length - 1] = Number(closed);
  }
  return sum(episodes);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * Every invariant, in the order the contract states them.
 *
 * @example
 * ```ts
 * console.log(invariants.map((invariant) => invariant.name));
 * ```
 */
export const invariants: readonly Invariant[] = [
  noOverlap,
  fixedDelaySpacing,
  fixedRateSlots,
  jitterBounds,
  jitterDistribution,
  freshGridPerRun,
  setDelayTiming,
  oneWakeOrTick,
  independentTimers,
  hugeDurations,
  triggerFreshness,
  eventLoopTurn,
  subscriptionCompleteness,
  boundedDropOldest,
  burstyConsumer,
  dropOldestKeepsSentinel,
  latestValueFanout,
  iterationExit,
  iterationErrors,
  waitSemantics,
  joinSemantics,
  lastTickAt,
  observerEvents,
  cancelQuiescence,
  cancelClauses,
  cancelFromHooks,
  externalCancellation,
  sharedInputs,
  groupLifecycle,
  groupFinePrint,
  leaseGate,
  cancelInsideTick,
  cancelledTickInert,
  perTickSignal,
  generatorSources,
  sourceResults,
  everyDecorator,
  generatorCloseOnCancel,
  failingCleanup,
  closingTimeout,
  restartability,
  restartWhileSettling,
  errorDeliveryOrder,
  errorPolicies,
  failedState,
  stateAndToString,
  noUnhandledRejection,
  badArguments,
  durationStrings,
  settingsPerTimer,
  machinePurity,
];
