/**
 * Invariants of what a timer tells those who watch it: `observe()` observers and the `onCancel`
 * hook, including the ones that fail.
 *
 * @module
 */
import type { TimerObserver } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import {
  begin,
  type Invariant,
  limits,
  nextMacrotask,
  scripted,
  span,
  withoutUnhandled,
} from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, stop } from "./scenario.js";

/** One notification an observer received, with what the timer said at that moment. */
interface Heard {
  readonly event: keyof TimerObserver<number>;
  readonly argument: unknown;
  readonly hitCount: number;
  readonly lastResult: number | undefined;
}

/** A call made on the observed timer at a generated time. */
type Action =
  | { readonly at: number; readonly kind: "cancel" | "start" | "unobserve" }
  | { readonly at: number; readonly kind: "setDelay"; readonly ms: number };

const actions = fc
  .array(
    fc.oneof(
      fc.record({
        at: fc.integer({ min: 0, max: 8000 }),
        kind: fc.constantFrom("cancel", "start", "unobserve"),
      }),
      fc.record({
        at: fc.integer({ min: 0, max: 8000 }),
        kind: fc.constant("setDelay"),
        ms: fc.integer({ min: 1, max: limits.maxDelay }),
      }),
    ) as fc.Arbitrary<Action>,
    { maxLength: 8 },
  )
  .map((list) => [...list].sort((a, b) => a.at - b.at));

const EVENTS = ["started", "ticked", "ended", "delayed"] as const;

/** SPEC (`observe()`, `onCancel`): every observer hears every event of the timer's life, in order. */
export const observerEvents: Invariant = {
  name: "observer-events",
  description:
    'Each observer hears, in order: started() once per successful start(); ticked(value) once per successful tick of that run, in order, with hitCount and lastResult already counting it; delayed(seconds) at each setDelay(); ended(reason) once when the run ends — "cancel" for cancel(), "error" when a failing tick stops it — after the run\'s last ticked() and before the next started(). An observer removed by the function observe() returned hears nothing more; an observer or onCancel that throws or returns a rejected promise is logged at error level once per failure and disturbs neither the timer nor the other observers; nothing is unhandled.',
  doesNotCheck:
    'ended("exhausted") of generator sources (generator-sources checks the run ending); the wording of the logged lines beyond naming the callback; observers added while an event is being delivered.',
  property: (make) =>
    harnessProperty(
      make,
      [timerSpec(limits), tickScript(limits), actions, fc.boolean(), fc.boolean()],
      async (harness, spec, script, plan, stopsOnError, rejects) => {
        await withoutUnhandled(async () => {
          const errors: string[] = [];
          let onCancelFailures = 0;
          const { log, timer } = scripted(harness, spec, script, {
            onError: stopsOnError ? undefined : () => "continue",
            onCancel: () => {
              onCancelFailures++;
              return fail(rejects, "onCancel");
            },
            logger: { error: (line: string) => errors.push(line) },
          });
          const heardBy = (list: Heard[]): TimerObserver<number> =>
            Object.fromEntries(
              EVENTS.map((event) => [
                event,
                (argument: unknown) => {
                  list.push({
                    event,
                    argument,
                    hitCount: timer.hitCount,
                    lastResult: timer.lastResult,
                  });
                },
              ]),
            );
          const all: Heard[] = [];
          const removed: Heard[] = [];
          let failing = 0;
          timer.observe(heardBy(all));
          // Between the two that hear everything, so its failures cannot hide behind them.
          timer.observe(
            Object.fromEntries(
              EVENTS.map((event) => [
                event,
                () => {
                  failing++;
                  return fail(rejects, event);
                },
              ]),
            ),
          );
          const unobserve = timer.observe(heardBy(removed));
          let removedAt: number | undefined;
          const delays: number[] = [];
          begin(timer, log);
          for (const action of plan) {
            await advanceTo(harness, action.at);
            if (action.kind === "cancel") void timer.cancel().catch(() => {});
            else if (action.kind === "start") {
              if (!timer.isRunning()) begin(timer, log);
            } else if (action.kind === "unobserve") {
              removedAt ??= all.length;
              unobserve();
            } else if (action.kind === "setDelay") {
              timer.setDelay(`${action.ms}ms`);
              delays.push(action.ms / 1000);
            }
          }
          await advanceTo(harness, harness.now() + span(spec, 3));
          await stop(harness, timer);
          await nextMacrotask(); // an unhandled rejection is reported after a macrotask
          const runs = log.run;
          const say = () => all.map((heard) => `${heard.event}(${String(heard.argument)})`);
          // Runs, as the observer heard them: started … ended, in turn.
          let run = 0;
          let open = false;
          let hits = 0;
          for (const heard of all) {
            if (heard.event === "started") {
              check(!open, () => `started() before the run ended: ${say()}`, "one run at a time");
              open = true;
              run++;
            } else if (heard.event === "ended") {
              check(open, () => `ended() outside a run: ${say()}`, "one run at a time");
              open = false;
              const values = log.ticks.filter((t) => t.run === run && t.outcome === "value");
              const failed = log.ticks.some((t) => t.run === run && t.outcome === "error");
              const reason = stopsOnError && failed ? "error" : "cancel";
              check(
                heard.argument === reason,
                () => `run ${run} ended with ${describeValue(heard.argument)}, not "${reason}"`,
                "ended(reason) says why the run ended",
              );
              const ticked = all
                .filter((h, i) => h.event === "ticked" && i < all.indexOf(heard))
                .slice(hits);
              check(
                ticked.length === values.length &&
                  ticked.every((h, i) => h.argument === values[i]?.value),
                () =>
                  `run ${run} had ticks with values ${values.map((t) => t.value)}; the observer heard ticked(${ticked.map((h) => h.argument)})`,
                "ticked(value) once per successful tick, in order",
              );
              hits += ticked.length;
            } else if (heard.event === "ticked") {
              check(open, () => `ticked() outside a run: ${say()}`, "one run at a time");
              const before = all.slice(0, all.indexOf(heard)).filter((h) => h.event === "ticked");
              check(
                heard.hitCount === before.length + 1 && heard.lastResult === heard.argument,
                () =>
                  `ticked(${heard.argument}) was heard with hitCount ${heard.hitCount} and lastResult ${heard.lastResult}, after ${before.length} ticks`,
                "hitCount and lastResult count the tick when ticked() is heard",
              );
            }
          }
          check(
            run === runs && !open,
            () => `${runs} runs, the observer heard ${run} start(s): ${say()}`,
            "started() once per run, ended() once per run",
          );
          const heardDelays = all.filter((h) => h.event === "delayed").map((h) => h.argument);
          check(
            heardDelays.length === delays.length && heardDelays.every((s, i) => s === delays[i]),
            () => `setDelay() to ${delays} s; the observer heard delayed(${heardDelays})`,
            "delayed(seconds) at each setDelay()",
          );
          const expected = all.slice(0, removedAt ?? all.length);
          check(
            removed.length === expected.length &&
              removed.every((h, i) => h.event === expected[i]?.event),
            () =>
              `an observer removed after ${expected.length} events heard ${removed.length}: ${removed.map((h) => h.event)}`,
            "every observer hears every event until it is removed",
          );
          const logged = errors.filter((line) => /observer|onCancel/.test(line)).length;
          check(
            failing === all.length && logged === failing + onCancelFailures,
            () =>
              `the failing observer was called ${failing} times (the others ${all.length}) and onCancel ${onCancelFailures}; ${logged} failures were logged`,
            "a failing observer or onCancel is logged once and disturbs nothing",
          );
        });
      },
    ),
};

/** A callback's failure: thrown, or a rejected promise returned. */
function fail(rejects: boolean, what: string): Promise<never> {
  const error = new Error(`${what} failed on purpose`);
  if (rejects) return Promise.reject(error);
  throw error;
}
