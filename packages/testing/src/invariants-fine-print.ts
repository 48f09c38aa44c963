/**
 * Invariants of the SPEC's newest fine print: per-tick signals, a turn of the event loop between
 * two ticks, the failed state, durations within the driver's range.
 *
 * @module
 */
import { type Mode, type TickContext, Timer, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { mode, tickScript, timerSpec } from "./arbitraries.js";
import { begin, type Invariant, limits, scripted } from "./invariant.js";
import { observedDriver } from "./invariants-schedule.js";
import { check, describeValue, harnessProperty, traceTicks } from "./property-kit.js";
import { ScriptedError, scriptedTarget, stop, TickLog, toOptions } from "./scenario.js";
import { watch } from "./watch.js";

const successes = tickScript(limits, { failures: false });

/** SPEC fine print: each tick has its own signal. */
export const perTickSignal: Invariant = {
  name: "per-tick-signal",
  description:
    "Each tick gets its own AbortSignal: no two ticks of a timer (in one run or across runs) see the same signal object, and a tick's signal has not aborted when it completes normally; a tick that first reads its signal late finds it aborted exactly when cancel() was called while it ran.",
  doesNotCheck:
    "That the signal is created only when the target reads it (a cost, not a behaviour); aborting on cancel and on abandon (cancel-clauses).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        successes,
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        // Read only after the tick has worked this long (ms), ignoring the signal until then.
        fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }),
      ],
      async (harness, spec, script, steps, restart, lazy) => {
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        const signals: AbortSignal[] = [];
        const abortedAtEnd: number[] = [];
        // Lazy reads: whether the run had been cancelled before the read, and what it saw.
        let current = 0;
        const cancelled = new Set<number>();
        const reads: { n: number; cancelled: boolean; aborted: boolean }[] = [];
        let started = 0;
        const timer = new Timer(
          `${spec.delay}ms`,
          (context: TickContext) => {
            if (lazy !== undefined) {
              const n = ++started;
              const run = current;
              return harness.sleep(lazy).then(() => {
                const signal = context.signal;
                signals.push(signal);
                reads.push({ n, cancelled: cancelled.has(run), aborted: signal.aborted });
                return n;
              });
            }
            const signal = context.signal;
            signals.push(signal);
            const n = log.ticks.length + 1;
            const result = inner(context);
            Promise.resolve(result).then(
              () => {
                if (signal.aborted) abortedAtEnd.push(n);
              },
              () => {},
            );
            return result;
          },
          toOptions<number>(spec, harness, { onError: () => "continue", logger: {} }),
        );
        for (const run of restart ? [1, 2] : [1]) {
          begin(timer, log);
          current = run;
          for (let i = 0; i < steps; i++) if (!(await harness.next())) break;
          cancelled.add(run);
          await stop(harness, timer);
          if (run === 1 && restart) await harness.advance(spec.delay);
        }
        const shared = signals.findIndex((signal, i) => signals.indexOf(signal) !== i);
        check(
          shared === -1,
          () =>
            `tick #${shared + 1} got the same signal object as tick #${signals.indexOf(signals[shared] as AbortSignal) + 1}`,
          "each tick has its own signal",
        );
        check(
          abortedAtEnd.length === 0,
          () => `tick #${abortedAtEnd[0]} completed normally with its signal already aborted`,
          "a tick's signal is not aborted while it runs",
        );
        const wrong = reads.find((read) => read.aborted !== read.cancelled);
        check(
          wrong === undefined,
          () =>
            `tick #${wrong?.n} first read its signal ${wrong?.cancelled === true ? "after" : "before"} cancel() and found it ${wrong?.aborted === true ? "aborted" : "not aborted"}`,
          "a signal first read after cancel() has aborted already; before, it has not",
        );
      },
    ),
};

/** SPEC fine print: the event loop always gets a turn between two ticks of one timer. */
export const eventLoopTurn: Invariant = {
  name: "event-loop-turn",
  description:
    "Between two ticks of one timer the event loop gets a turn: something the harness schedules for 'now' when a tick ends (a zero sleep) runs before the next tick starts — also when that tick was triggered while another was in flight (from inside the target, say) or follows a zero delay.",
  doesNotCheck:
    "How long the turn is (real-time lag is measured in core's real-driver tests); the first tick of a run; a tick triggered while the timer sleeps.",
  property: (make) =>
    harnessProperty(
      make,
      [
        fc.record({
          delay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: limits.maxDelay })),
          mode: mode(),
          initialDelay: fc.constant(0),
          jitter: fc.constant(0),
        }),
        tickScript({ maxDelay: 100, maxWork: 100 }, { failures: false }),
        fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }),
        fc.integer({ min: 4, max: 40 }),
      ],
      async (harness, spec, script, selfTriggers, steps) => {
        const log = new TickLog();
        traceTicks(harness, log);
        const inner = scriptedTarget(harness, script, log);
        const turned: { ran: boolean }[] = [];
        const chained: number[] = [];
        let timer: Timer<number> | undefined;
        const target = (context: TickContext) => {
          const n = log.ticks.length + 1;
          const previous = turned[n - 2];
          if (previous !== undefined && !previous.ran && log.ticks[n - 2]?.run === log.run) {
            chained.push(n);
          }
          const flag = { ran: false };
          turned[n - 1] = flag;
          if (selfTriggers.includes(n)) timer?.trigger().catch(() => {});
          const markTurn = () => {
            void harness.sleep(0).then(() => {
              flag.ran = true;
            });
          };
          const result = inner(context);
          if (result instanceof Promise) return result.finally(markTurn);
          markTurn();
          return result;
        };
        timer = new Timer(
          `${spec.delay}ms`,
          target,
          toOptions<number>(spec, harness, { onError: () => "continue", logger: {} }),
        );
        begin(timer, log);
        for (let i = 0; i < steps; i++) if (!(await harness.next())) break;
        await stop(harness, timer);
        check(
          chained.length === 0,
          () =>
            `tick #${chained[0]} started before the event loop had a turn after tick #${(chained[0] as number) - 1} ended`,
          "the event loop gets a turn between two ticks",
        );
      },
    ),
};

/** Reads a member the type of Timer does not have yet (`state`, `lastError`). */
function read(timer: Timer<number>, member: string): unknown {
  return Reflect.get(timer, member);
}

/** SPEC fine print: a timer that stopped because of an error says so, until the next start(). */
export const failedState: Invariant = {
  name: "failed-state",
  description:
    'After a failing tick stops the timer (no onError, or onError answering "stop"): state is "failed", lastError is the tick\'s error, toString() shows "failed: <message>", and join(), wait({ hits }), wait() with no condition and trigger() reject with that error (or a TimerStateError whose cause it is), and iteration throws it — until the next start(), after which state is no longer "failed".',
  doesNotCheck:
    'The other values of state; onError: "continue" given as a string; what lastError holds after a restart.',
  property: (make) =>
    harnessProperty(
      make,
      [timerSpec(limits), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.boolean()],
      async (harness, spec, failAt, withOnError, rejects) => {
        const script = Array.from({ length: failAt }, (_, i) =>
          i + 1 < failAt
            ? ({ kind: "slow", ms: 10 } as const)
            : rejects
              ? ({ kind: "rejects", ms: 10 } as const)
              : ({ kind: "throws" } as const),
        );
        const errors: unknown[] = [];
        const { log, timer } = scripted(harness, spec, script, {
          onError: withOnError ? () => "stop" : undefined,
          logger: { error: (...line: unknown[]) => errors.push(line) },
        });
        begin(timer, log);
        await harness.settle(); // the first tick starts on a microtask: its sleep is armed then
        for (let i = 0; i < 200 && timer.isRunning(); i++) if (!(await harness.next())) break;
        await harness.settle();
        const failure = log.ticks.find((tick) => tick.outcome === "error");
        check(
          failure !== undefined && !timer.isRunning(),
          () => "the failing tick did not stop the timer",
          "setup",
        );
        const isIt = (error: unknown) =>
          (error instanceof ScriptedError && error.tick === failure.n) ||
          (error instanceof TimerStateError &&
            error.cause instanceof ScriptedError &&
            error.cause.tick === failure.n);
        check(
          read(timer, "state") === "failed",
          () => `state is ${describeValue(read(timer, "state"))}`,
          'state is "failed"',
        );
        const lastError = read(timer, "lastError");
        check(
          lastError instanceof ScriptedError && lastError.tick === failure.n,
          () => `lastError is ${describeValue(lastError)}`,
          "lastError holds the error",
        );
        check(
          String(timer).includes(`failed: ${new ScriptedError(failure.n).message}`),
          () => `toString() is ${String(timer)}`,
          'toString() shows "failed: <message>"',
        );
        const calls: [string, () => Promise<unknown>][] = [
          ["join()", () => timer.join()],
          ["wait({ hits: 1 })", () => timer.wait({ hits: 1 })],
          ["wait()", () => timer.wait()],
          ["trigger()", () => timer.trigger()],
          [
            "iteration",
            async () => {
              for await (const _ of timer) return "a value";
              return "the end";
            },
          ],
        ];
        for (const [call, make] of calls) {
          const outcome = watch(make());
          await harness.settle();
          let error: unknown;
          let value: unknown = "nothing yet";
          if (outcome.done()) {
            try {
              value = outcome.result();
            } catch (thrown) {
              error = thrown;
            }
          }
          check(
            isIt(error),
            () =>
              error === undefined
                ? `${call} on the failed timer gave ${describeValue(value)}`
                : `${call} on the failed timer rejected with ${describeValue(error)}`,
            "calls on a failed timer reject with its error",
          );
        }
        timer.start();
        log.run++;
        check(
          read(timer, "state") !== "failed",
          () => 'state is still "failed" after start()',
          "start() clears the failure",
        );
        await stop(harness, timer);
      },
    ),
};

/** Durations (seconds) from ordinary to past what a double of milliseconds holds with jitter. */
const huge = fc.constantFrom(1e9, 1e12, 1e15, 1e200, 1e300, 1e305, 1.7e305);

/** SPEC fine print: durations too long for the driver are refused; the schedule never holds ∞. */
export const hugeDurations: Invariant = {
  name: "huge-durations",
  description:
    "A delay or initialDelay too long for the driver is a RangeError at the call; any other keeps a running timer with exactly one wake armed (at a finite time) or one tick in flight, with jitter up to 1 and under either mode — never a timer left running with nothing armed, and nothing logged as an internal error.",
  doesNotCheck:
    "Where exactly the limit lies; setDelay() with a huge delay; the real driver's chaining of long sleeps (core's tests).",
  property: (make) =>
    harnessProperty(
      make,
      [huge, fc.oneof(fc.constant(0), huge), mode(), fc.constantFrom(0, 0.5, 1)],
      async (harness, delay, initialDelay, mode: Mode, jitter) => {
        const log = new TickLog();
        traceTicks(harness, log);
        const { driver, record } = observedDriver(harness.driver, log);
        const errors: string[] = [];
        let timer: Timer<number>;
        try {
          timer = new Timer(delay, scriptedTarget(harness, [{ kind: "returns" }], log), {
            mode,
            jitter,
            initialDelay,
            driver,
            logger: { error: (line: string) => errors.push(line), warn: () => {} },
          });
        } catch (error) {
          check(
            error instanceof RangeError,
            () =>
              `new Timer(${delay}, …, { initialDelay: ${initialDelay}, jitter: ${jitter} }) threw ${describeValue(error)}`,
            "a duration too long is a RangeError at the call",
          );
          return;
        }
        begin(timer, log);
        for (let i = 0; i < 4; i++) {
          await harness.settle();
          const running = timer.isRunning();
          check(
            !running || (record.live === 1) !== (log.inFlight === 1),
            () =>
              `delay ${delay} s, jitter ${jitter}: running with ${record.live} wake(s) armed and ${log.inFlight} tick(s) in flight after ${log.ticks.length} tick(s)`,
            "a running timer has exactly one wake armed or one tick in flight",
          );
          check(
            errors.length === 0,
            () => `logged: ${errors[0]}`,
            "nothing logged as an internal error",
          );
          if (!(await harness.next())) break;
        }
        await stop(harness, timer);
      },
    ),
};
