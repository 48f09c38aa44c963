/**
 * Invariants of ending a run: each clause of the SPEC's *Cancellation* paragraph by name, what a
 * cancelled tick that ignores its signal may still change, generators whose cleanup fails, and
 * restarting while the old run's tick is still settling.
 *
 * @module
 */
import { type TickContext, Timer, TimerCancelledError, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { runUntil, type TimeHarness } from "./harness.js";
import {
  begin,
  drive,
  type Invariant,
  limits,
  listenForUnhandled,
  nextMacrotask,
  scripted,
  thrownBy,
} from "./invariant.js";
import { observedDriver } from "./invariants-schedule.js";
import { check, describeValue, harnessProperty, traceTicks } from "./property-kit.js";
import { advanceTo, scriptedTarget, TickLog, type TickRecord, toOptions } from "./scenario.js";
import { watch } from "./watch.js";

/** Scripts whose ticks may ignore their signal, as well as return, take time, fail and hang. */
const stubborn = tickScript(limits, { hangs: true, ignoresAbort: true });
/** The same without hanging ticks, for cancels that wait without a timeout. */
const stubbornButFinite = tickScript(limits, { ignoresAbort: true });

/** The tick in flight right now, if any. */
function inFlight(log: TickLog): TickRecord | undefined {
  return log.ticks.find((tick) => tick.endSeq === undefined);
}

// ─── restart-while-settling ──────────────────────────────────────────────────────────────────

/** SPEC fine print: a start() before the old run's tick has settled is allowed, and waits for it. */
export const restartWhileSettling: Invariant = {
  name: "restart-while-settling",
  description:
    "start() succeeds whenever isRunning() is false — also right after a cancel() nobody awaited, while the old run's tick (one that ignores its signal, say) is still settling — and the new run's first tick starts at max(start() + initialDelay, the end of the old run's tick): never before either, never overlapping; a trigger() made during the old run does not carry over into the new one.",
  doesNotCheck:
    "The timing of the new run after its first tick (fresh-grid-per-run); a start() from inside onError or onCancel; single-run timers (restartability).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        stubbornButFinite,
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 6000 }),
            gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2000 })),
            // A trigger() made while the old tick is in flight belongs to the old run.
            trigger: fc.boolean(),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      ],
      async (harness, spec, script, restarts) => {
        const { log, timer } = scripted(harness, spec, script);
        begin(timer, log);
        const opened: {
          run: number;
          at: number;
          old: TickRecord | undefined;
          until: number;
        }[] = [];
        for (const { at, gap, trigger } of [...restarts].sort((a, b) => a.at - b.at)) {
          await advanceTo(harness, at);
          if (!timer.isRunning()) continue;
          const old = inFlight(log);
          if (trigger && old !== undefined) timer.trigger().catch(() => {});
          const previous = opened.at(-1);
          if (previous !== undefined) previous.until = harness.now();
          void timer.cancel();
          if (gap > 0) await harness.advance(gap);
          const running = timer.isRunning();
          const threw = thrownBy(() => timer.start());
          check(
            running || threw === undefined,
            () =>
              `start() at ${harness.now()} threw ${describeValue(threw)} while isRunning() was false${
                old?.endSeq === undefined && old !== undefined
                  ? ` (tick #${old.n} still settling)`
                  : ""
              }`,
            "start() succeeds whenever isRunning() is false",
          );
          if (threw !== undefined) {
            check(
              threw instanceof TimerStateError,
              () => `start() threw ${describeValue(threw)}, not a TimerStateError`,
              "start() throws only TimerStateError",
            );
            continue;
          }
          log.run++;
          // The old tick may have ended before the restart: then it leaves nothing to wait for,
          // and max() below gives start() + initialDelay.
          opened.push({ run: log.run, at: harness.now(), old, until: Number.POSITIVE_INFINITY });
        }
        await advanceTo(harness, 9000 + limits.maxWork);
        const lastOpened = opened.at(-1);
        if (lastOpened !== undefined) lastOpened.until = harness.now();
        await runUntil(harness, timer.cancel());
        check(
          log.maxInFlight <= 1,
          () => `${log.maxInFlight} ticks were in flight at once`,
          "no overlap across runs",
        );
        for (const { run, at, old, until } of opened) {
          const first = log.ticks.find((tick) => tick.run === run);
          const due = Math.max(at + spec.initialDelay, old?.end ?? Number.NEGATIVE_INFINITY);
          if (first === undefined) {
            check(
              due + harness.resolution >= until,
              () =>
                `run ${run}, started at ${at}, was due to tick at ${due} and had not ticked when it was cancelled at ${until}`,
              "first tick at max(start() + initialDelay, the old tick's end)",
            );
            continue;
          }
          check(
            first.start >= due - 1e-6 && first.start <= due + harness.resolution + 1e-6,
            () =>
              `run ${run} started at ${at}${old === undefined ? "" : ` while tick #${old.n} was settling (it ended at ${old.end})`}; its first tick started at ${first.start}, not at ${due}`,
            "first tick at max(start() + initialDelay, the old tick's end)",
          );
        }
      },
    ),
};

// ─── cancelled-tick-inert ────────────────────────────────────────────────────────────────────

/** What a caller can read of a timer's results. */
function results(timer: Timer<number>): string {
  return `hitCount ${timer.hitCount}, lastResult ${timer.lastResult}, lastTickAt ${timer.lastTickAt}`;
}

/** A tick in flight at cancel() that ignores its signal changes nothing a caller can see. */
export const cancelledTickInert: Invariant = {
  name: "cancelled-tick-inert",
  description:
    "A tick in flight at cancel() — one that ignores its signal and settles later with a value or an error — changes nothing once cancel() has resolved, nor before: hitCount, lastResult and lastTickAt stay as they were, no subscription, iterator or observer receives its value, and onError never hears of its failure. Whether cancel() waited for it, gave up after a timeout, or was called from inside it — and also when a new run has started meanwhile.",
  doesNotCheck:
    "A restart while the abandoned tick still runs (restart-while-settling covers restarts after a settled or settling tick); what cancel() itself promises (cancel-clauses).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        stubborn,
        fc.integer({ min: 0, max: 6000 }),
        fc.oneof(
          fc.constant<{ how: "wait" }>({ how: "wait" }),
          fc.integer({ min: 0, max: 1500 }).map((ms) => ({ how: "timeout" as const, ms })),
          fc.integer({ min: 1, max: 6 }).map((tick) => ({ how: "inside" as const, tick })),
        ),
        fc.boolean(),
      ],
      async (harness, spec, script, cancelAt, how, restart) => {
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        const failures: number[] = [];
        let cancelMark: number | undefined;
        // The tick that called cancel(): in flight for the timer, whatever it had done by then.
        let insideTick: TickRecord | undefined;
        let cancelled: Promise<void> | undefined;
        const timer: Timer<number> = new Timer(
          `${spec.delay}ms`,
          (context: TickContext) => {
            const result = inner(context);
            if (how.how === "inside" && log.ticks.length === how.tick && cancelled === undefined) {
              cancelMark = log.seq;
              insideTick = log.ticks.at(-1);
              cancelled = timer.cancel({ timeout: "1s" });
            }
            return result;
          },
          toOptions<number>(spec, harness, {
            onError: (error) => {
              failures.push((error as { tick?: number }).tick ?? -1);
              return "continue";
            },
            logger: {},
          }),
        );
        const observed: number[] = [];
        const observable = timer as Timer<number> & {
          observe?: (observer: { ticked?(value: number): void }) => () => void;
        };
        observable.observe?.({ ticked: (value) => observed.push(value) });
        const fed: number[] = [];
        const feed = timer.subscribe();
        const feeding = (async () => {
          for await (const value of feed) fed.push(value);
        })();
        begin(timer, log);
        const iterated: number[] = [];
        const iterating = (async () => {
          for await (const value of timer) iterated.push(value);
        })();
        if (how.how === "inside") {
          await advanceTo(harness, 9000);
          if (cancelled === undefined) {
            cancelMark = log.seq;
            cancelled = timer.cancel({ timeout: "1s" });
          }
        } else {
          await advanceTo(harness, cancelAt);
          cancelMark = log.seq;
          cancelled = timer.cancel(how.how === "timeout" ? { timeout: `${how.ms}ms` } : undefined);
        }
        await runUntil(harness, cancelled);
        const mark = cancelMark as number;
        const atResolution = results(timer);
        // A new run while the cancelled tick may still be running: its late result belongs to no
        // run. (Whether the new run may overlap a tick abandoned by a timeout is not checked.)
        const secondRun = log.run + 1;
        const restartMark = log.seq;
        if (restart) begin(timer, log);
        // Every tick still running now settles, whatever its signal said.
        await harness.advance(2 * limits.maxWork + 1000);
        const secondMark = log.seq;
        if (restart) await runUntil(harness, timer.cancel({ timeout: "1s" }));
        await runUntil(harness, Promise.all([feeding, iterating]));
        const next = restart
          ? log
              .endedBy(secondMark)
              .filter(
                (tick) =>
                  tick.outcome === "value" && tick.run === secondRun && tick.startSeq > restartMark,
              )
          : [];
        if (!restart) {
          check(
            results(timer) === atResolution,
            () =>
              `when cancel() resolved: ${atResolution}; after the cancelled tick settled: ${results(timer)}`,
            "nothing changes after cancel() resolves",
          );
        }
        const delivered = log
          .endedBy(mark)
          .filter((tick) => tick.outcome === "value" && tick !== insideTick);
        const late = [
          ...(insideTick === undefined ? [] : [insideTick]),
          ...log.endedAfter(mark).filter((tick) => tick.startSeq <= mark && tick !== insideTick),
        ];
        const lateValues = new Set(late.filter((t) => t.outcome === "value").map((t) => t.n));
        const describeLate = () =>
          late.map((t) => `#${t.n} (${t.outcome} at ${t.end})`).join(", ") || "none";
        check(
          timer.hitCount === delivered.length + next.length,
          () =>
            `hitCount is ${timer.hitCount}; ${delivered.length} tick(s) succeeded before cancel()${restart ? ` and ${next.length} in the next run` : ""} (settling after it: ${describeLate()})`,
          "the cancelled tick's result is not delivered",
        );
        check(
          timer.lastResult === (next.at(-1) ?? delivered.at(-1))?.n,
          () =>
            `lastResult is ${timer.lastResult}; the last tick to succeed ${restart ? "in either run" : "before cancel()"} gave ${(next.at(-1) ?? delivered.at(-1))?.n} (settling after it: ${describeLate()})`,
          "the cancelled tick's result is not delivered",
        );
        for (const [consumer, values] of [
          ["the subscription", fed],
          ["for await over the timer", iterated],
          ["an observer", observed],
        ] as const) {
          const leaked = values.find((value) => lateValues.has(value));
          check(
            leaked === undefined,
            () =>
              `${consumer} received ${leaked}, the value of a tick that settled after cancel() (${describeLate()})`,
            "the cancelled tick's result is not delivered",
          );
        }
        check(
          fed.join() === delivered.map((tick) => tick.n).join(),
          () => `the subscription received [${fed}], expected [${delivered.map((tick) => tick.n)}]`,
          "the cancelled tick's result is not delivered",
        );
        const lateFailure = failures.find((n) => late.some((tick) => tick.n === n));
        check(
          lateFailure === undefined,
          () =>
            `onError heard of tick #${lateFailure}, which failed after cancel() (${describeLate()})`,
          "the cancelled tick's result is not delivered",
        );
      },
    ),
};

// ─── cancel-clauses ──────────────────────────────────────────────────────────────────────────

/** The clauses of the SPEC's Cancellation paragraph, each checked under its own name. */
export const CANCEL_CLAUSES = [
  "isRunning() is false as soon as cancel() is called",
  "cancel() resolves",
  "no new tick starts",
  "the in-flight tick's signal has aborted",
  "pending join()s have rejected with TimerCancelledError",
  "subscriptions end after their buffer",
  "onCancel has run once",
  "the in-flight tick has settled",
  "cancel({ timeout }) resolves within its timeout",
  "an abandoned tick is logged at warn level with the timer's name",
  "cancel() is idempotent",
] as const;

/** Each clause of the SPEC's *Cancellation* paragraph, named in the failure. */
export const cancelClauses: Invariant = {
  name: "cancel-clauses",
  description: `When cancel() resolves, each clause of the Cancellation paragraph holds, and a failure names the one that broke: ${CANCEL_CLAUSES.join("; ")}. Ticks return, take time, fail, hang until aborted or ignore their signal; cancel() is called with or without a timeout, or from inside the tick, and called again at once.`,
  doesNotCheck:
    "Generator sources being closed (generator-close-on-cancel, failing-cleanup); what a tick settling after cancel() may change (cancelled-tick-inert); cancelOn and signal; cancel() from onError or onCancel.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        stubborn,
        fc.integer({ min: 0, max: 6000 }),
        fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.integer({ min: 0, max: 800 }),
      ],
      async (harness, spec, script, cancelAt, timeout, insideTick, pace) => {
        const name = "kit-timer";
        const warnings: { at: number; line: string }[] = [];
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        const signals: AbortSignal[] = [];
        let onCancel = 0;
        const options = timeout === undefined ? undefined : { timeout: `${timeout}ms` as const };
        let inside:
          | { mark: number; at: number; pending: TickRecord | undefined; promise: Promise<void> }
          | undefined;
        const timer: Timer<number> = new Timer(
          `${spec.delay}ms`,
          (context: TickContext) => {
            signals[log.ticks.length] = context.signal;
            try {
              return inner(context);
            } finally {
              if (insideTick === log.ticks.length && inside === undefined && timer.isRunning()) {
                const mark = log.seq;
                // In flight for the timer until it returns, whatever its script did by now.
                const pending = log.ticks.at(-1);
                // Hanging ticks settle only when aborted: a cancel() awaited without a timeout
                // from inside its own tick would wait for ever; it must not wait at all.
                inside = { mark, at: harness.now(), pending, promise: timer.cancel(options) };
              }
            }
          },
          toOptions<number>(spec, harness, {
            name,
            onError: () => "continue",
            onCancel: () => onCancel++,
            logger: { warn: (line: string) => warnings.push({ at: harness.now(), line }) },
          }),
        );
        const feed = timer.subscribe();
        const fed: number[] = [];
        const feeding = (async () => {
          for await (const value of feed) {
            fed.push(value);
            if (pace > 0) await harness.sleep(pace);
          }
        })();
        begin(timer, log);
        await advanceTo(harness, cancelAt);
        const joined = inside === undefined && timer.isRunning() ? watch(timer.join()) : undefined;
        const mark = inside?.mark ?? log.seq;
        const calledAt = inside?.at ?? harness.now();
        const pending = inside === undefined ? inFlight(log) : inside.pending;
        const fromInside = inside !== undefined;
        const cancelled = inside?.promise ?? timer.cancel(options);
        check(
          !timer.isRunning(),
          () => "isRunning() is still true right after cancel()",
          CANCEL_CLAUSES[0],
        );
        const again = watch(timer.cancel(options));
        const seen: {
          at?: number;
          onCancel?: number;
          settled?: boolean;
          aborted?: boolean;
          joined?: boolean;
          joinError?: unknown;
          warned?: boolean;
        } = {};
        void cancelled.then(() => {
          seen.at = harness.now();
          seen.onCancel = onCancel;
          seen.settled = pending === undefined || pending.endSeq !== undefined;
          const signal = pending === undefined ? undefined : signals[pending.n - 1];
          seen.aborted = signal === undefined || signal.aborted;
          if (joined?.done()) {
            seen.joined = true;
            try {
              joined.result();
            } catch (error) {
              seen.joinError = error;
            }
          }
          seen.warned = warnings.some((w) => w.at >= calledAt && w.line.includes(name));
        });
        check(
          await drive(harness, cancelled),
          () => `cancel() called at ${calledAt} never resolved`,
          CANCEL_CLAUSES[1],
        );
        const ended = await drive(harness, feeding);
        const late = log.ticks.find((tick) => tick.startSeq > mark);
        check(
          late === undefined,
          () => `tick #${late?.n} started at ${late?.start}, after cancel() at ${calledAt}`,
          CANCEL_CLAUSES[2],
        );
        check(
          seen.aborted === true,
          () => `tick #${pending?.n}'s signal had not aborted when cancel() resolved at ${seen.at}`,
          CANCEL_CLAUSES[3],
        );
        if (joined !== undefined) {
          check(
            seen.joined === true && seen.joinError instanceof TimerCancelledError,
            () =>
              seen.joined === true
                ? `a join() pending at cancel() settled with ${seen.joinError === undefined ? "a value" : describeValue(seen.joinError)}`
                : "a join() pending at cancel() was still pending when cancel() resolved",
            CANCEL_CLAUSES[4],
          );
        }
        const expected = log
          .endedBy(mark)
          .filter((tick) => tick.outcome === "value" && !(fromInside && tick === pending))
          .map((tick) => tick.n);
        check(
          ended && fed.join() === expected.join(),
          () =>
            ended
              ? `the subscription gave [${fed}], expected its buffer [${expected}] and then the end`
              : `the subscription never ended (it gave [${fed}])`,
          CANCEL_CLAUSES[5],
        );
        check(
          seen.onCancel === 1 && onCancel === 1,
          () =>
            `onCancel had run ${seen.onCancel} time(s) when cancel() resolved, ${onCancel} in all`,
          CANCEL_CLAUSES[6],
        );
        const abandoned = pending !== undefined && seen.settled === false;
        if (!fromInside) {
          check(
            !abandoned ||
              (timeout !== undefined && (seen.at as number) >= calledAt + timeout - 1e-6),
            () =>
              `tick #${pending?.n} was still running when cancel() resolved at ${seen.at}${timeout === undefined ? "" : `, before its ${timeout} ms timeout`}`,
            CANCEL_CLAUSES[7],
          );
          if (timeout !== undefined) {
            check(
              (seen.at as number) <= calledAt + timeout + harness.resolution + 1e-6,
              () =>
                `cancel({ timeout: "${timeout}ms" }) called at ${calledAt} resolved at ${seen.at}`,
              CANCEL_CLAUSES[8],
            );
          }
          if (abandoned) {
            check(
              seen.warned === true,
              () =>
                `cancel() gave up on tick #${pending?.n} at ${seen.at} and logged no warn line naming "${name}"`,
              CANCEL_CLAUSES[9],
            );
          }
        }
        const afterwards = await drive(harness, timer.cancel());
        check(
          again.done() && afterwards && onCancel === 1,
          () =>
            !again.done()
              ? "a second cancel(), made right after the first, never resolved"
              : !afterwards
                ? "a cancel() made after the first resolved never resolved"
                : `onCancel ran ${onCancel} times for one run cancelled three times`,
          CANCEL_CLAUSES[10],
        );
      },
    ),
};

// ─── cancel-inside-tick ──────────────────────────────────────────────────────────────────────

/** SPEC fine print: `await cancel()` anywhere inside the tick resolves without waiting for it. */
export const cancelInsideTick: Invariant = {
  name: "cancel-inside-tick",
  description:
    "await cancel() from inside a tick — in its synchronous part or after an await — resolves without waiting for that tick (which would wait for ever), the tick then completes, its value is not delivered, onCancel runs once and the timer is stopped.",
  doesNotCheck:
    "Runtimes without async context tracking (browsers), where only the synchronous part is recognised; cancel() from inside onError or onCancel.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits, { failures: false }),
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })),
        fc.integer({ min: 0, max: 500 }),
      ],
      async (harness, spec, script, which, before, after) => {
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        let onCancel = 0;
        const inside: {
          resolved?: boolean;
          finished?: boolean;
          n?: number;
          tick?: Promise<number>;
        } = {};
        const timer: Timer<number> = new Timer(
          `${spec.delay}ms`,
          (context: TickContext) => {
            if (log.ticks.length + 1 !== which) return inner(context);
            const n = log.ticks.length + 1;
            inside.n = n;
            inside.tick = (async () => {
              if (before > 0) await harness.sleep(before);
              await timer.cancel();
              inside.resolved = true;
              if (after > 0) await harness.sleep(after);
              inside.finished = true;
              return -n;
            })();
            return inside.tick;
          },
          toOptions<number>(spec, harness, { onCancel: () => onCancel++, logger: {} }),
        );
        const feed = timer.subscribe();
        const fed: number[] = [];
        const feeding = (async () => {
          for await (const value of feed) fed.push(value);
        })();
        begin(timer, log);
        const stopped = await drive(harness, timer.wait());
        if (inside.n === undefined) {
          // The script never reached that tick: nothing to check.
          await drive(harness, timer.cancel());
          return;
        }
        check(
          inside.resolved === true,
          () =>
            `await cancel() inside tick #${inside.n}${before > 0 ? ` after ${before} ms` : ""} never resolved`,
          "cancel() from inside the tick resolves",
        );
        await drive(harness, Promise.all([feeding, inside.tick]));
        check(
          inside.finished === true,
          () => `tick #${inside.n} never finished`,
          "the tick then completes",
        );
        check(
          stopped && !timer.isRunning() && onCancel === 1,
          () =>
            `after the cancel() inside tick #${inside.n}: running ${timer.isRunning()}, onCancel ran ${onCancel} times`,
          "the timer stops, onCancel once",
        );
        check(
          !fed.includes(-(inside.n as number)) && timer.lastResult !== -(inside.n as number),
          () => `the value of tick #${inside.n}, which cancelled its timer, was delivered`,
          "its value is not delivered",
        );
      },
    ),
};

// ─── failing-cleanup ─────────────────────────────────────────────────────────────────────────

/** The error a generator's cleanup fails with. */
class CleanupError extends Error {
  override readonly name = "CleanupError";
}

/** Generators whose `finally` throws or rejects: the run still ends, and nothing is unhandled. */
export const failingCleanup: Invariant = {
  name: "failing-cleanup",
  description:
    "A generator target whose finally block throws (sync generator) or rejects after an await (async generator) still lets cancel() resolve — with or without a timeout — and the run end: not running, onCancel once, nothing left armed, no unhandled rejection; and start() runs it again afterwards.",
  doesNotCheck:
    "Where the cleanup's error goes (the logger, in core today); a cleanup that never settles (cancel-clauses' timeout covers a stuck tick, not a stuck cleanup); generator objects given directly (they cannot restart).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        fc.boolean(),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      ],
      async (harness, spec, isAsync, pull, cleanup, cancelAt, timeout) => {
        const unhandled: unknown[] = [];
        const stopListening = listenForUnhandled((reason) => unhandled.push(reason));
        let onCancel = 0;
        // The timer's own wakes and deadlines, apart from the sleeps of the generator it pulls.
        const { driver, record } = observedDriver(harness.driver, new TickLog());
        try {
          const timer = new Timer(
            `${spec.delay}ms`,
            isAsync ? asyncFailingCleanup(harness, pull, cleanup) : syncFailingCleanup(),
            toOptions<number>(spec, harness, { onCancel: () => onCancel++, logger: {}, driver }),
          );
          for (const run of [1, 2]) {
            const threw = thrownBy(() => timer.start());
            check(
              threw === undefined,
              () => `start() of run ${run} threw ${describeValue(threw)}`,
              "start() runs it again",
            );
            await advanceTo(harness, harness.now() + cancelAt);
            const cancelled = watch(
              timer.cancel(timeout === undefined ? undefined : { timeout: `${timeout}ms` }),
            );
            for (let i = 0; i < 1000 && !cancelled.done(); i++) {
              if (!(await harness.next())) await harness.settle();
            }
            check(
              cancelled.done(),
              () => `run ${run}'s cancel() never resolved`,
              "cancel() resolves",
            );
            try {
              cancelled.result();
            } catch (error) {
              check(
                false,
                () => `run ${run}'s cancel() rejected with ${describeValue(error)}`,
                "cancel() resolves",
              );
            }
            check(
              !timer.isRunning(),
              () => `run ${run} still running after cancel()`,
              "the run ends",
            );
            check(
              onCancel === run,
              () => `onCancel ran ${onCancel} times in ${run} run(s)`,
              "the run ends",
            );
            check(
              record.live === 0,
              () => `${record.live} wake(s) left armed by the timer after run ${run}'s cancel()`,
              "the run ends",
            );
            // A pull or cleanup that a timed-out cancel() left behind finishes on its own.
            await harness.advance(pull + cleanup + 1);
          }
          await nextMacrotask();
        } finally {
          stopListening();
        }
        check(
          unhandled.length === 0,
          () => `unhandled rejection: ${describeValue(unhandled[0])}`,
          "no unhandled rejection",
        );
      },
    ),
};

function syncFailingCleanup(): () => Generator<number> {
  return function* () {
    let n = 0;
    try {
      for (;;) yield ++n;
    } finally {
      // biome-ignore lint/correctness/noUnsafeFinally: the failing cleanup is what is tested
      throw new CleanupError("the generator's finally threw");
    }
  };
}

function asyncFailingCleanup(
  harness: TimeHarness,
  pull: number,
  cleanup: number,
): () => AsyncGenerator<number> {
  return async function* () {
    let n = 0;
    try {
      for (;;) {
        await harness.sleep(pull);
        yield ++n;
      }
    } finally {
      await harness.sleep(cleanup);
      // biome-ignore lint/correctness/noUnsafeFinally: the failing cleanup is what is tested
      throw new CleanupError("the generator's finally rejected");
    }
  };
}
