/**
 * Invariants of the timer's own callbacks calling back into it: `cancel()` from `onError` and
 * `onCancel`, without deadlock.
 *
 * @module
 */
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import {
  begin,
  drive,
  type Invariant,
  limits,
  scripted,
  span,
  withoutUnhandled,
} from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo } from "./scenario.js";

/** SPEC (*Cancellation*): cancel() can be called from onError and onCancel without deadlock. */
export const cancelFromHooks: Invariant = {
  name: "cancel-from-hooks",
  description:
    "cancel() called from onError (whatever it then answers) or from onCancel — awaited or not, once or twice — resolves; the run ends at that failure, onCancel runs once per run, no tick starts afterwards and nothing is left armed; start() then begins a new run, and nothing is unhandled.",
  doesNotCheck:
    "cancel() from inside the target (cancel-inside-tick) or from an observer; start() from inside onError or onCancel.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits),
        fc.constantFrom("onError", "onCancel", "both"),
        fc.constantFrom("continue", "stop", undefined),
        fc.integer({ min: 1, max: 2 }),
      ],
      async (harness, spec, script, from, answer, times) => {
        await withoutUnhandled(async () => {
          const cancels: Promise<void>[] = [];
          let onCancel = 0;
          const cancelTwice = () => {
            for (let i = 0; i < times; i++) cancels.push(timer.cancel());
          };
          const { log, timer } = scripted(harness, spec, [{ kind: "throws" }, ...script], {
            onError: () => {
              if (from !== "onCancel") cancelTwice();
              return from === "onCancel" ? "stop" : answer; // else nothing would end the run
            },
            onCancel: () => {
              onCancel++;
              if (from !== "onError") cancelTwice();
            },
          });
          begin(timer, log);
          await advanceTo(harness, span(spec, 2));
          const ticks = log.ticks.length;
          const all = cancels.length;
          const settled = await drive(harness, Promise.all(cancels));
          check(
            all > 0 && settled,
            () => `${all} cancel()s made from the hooks; settled: ${settled}`,
            "cancel() from onError or onCancel resolves",
          );
          check(
            !timer.isRunning() && ticks === 1 && onCancel === 1,
            () =>
              `running ${timer.isRunning()}, ${ticks} ticks (the first failed), onCancel ran ${onCancel} times`,
            "the run ends at the failure, onCancel once",
          );
          await advanceTo(harness, harness.now() + span(spec, 2));
          check(
            log.ticks.length === ticks && harness.pending() === 0,
            () =>
              `${log.ticks.length - ticks} ticks after the run ended; ${harness.pending()} wakes armed`,
            "no tick starts afterwards, nothing left armed",
          );
          begin(timer, log);
          await advanceTo(harness, harness.now() + spec.initialDelay);
          check(
            log.ticks.length > ticks,
            () => "start() after the cancel from a hook began no run",
            "start() then begins a new run",
          );
          await drive(harness, timer.cancel());
        });
      },
    ),
};
