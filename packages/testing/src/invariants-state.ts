/**
 * Invariants of what a timer says about itself: `state` and `toString()`.
 *
 * @module
 */
import type { Timer } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import { type Invariant, limits, scripted } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo, type TickBehaviour, type TimerSpec } from "./scenario.js";
import { watch } from "./watch.js";

/** The SPEC's `toString()`: `Timer(name, delay=5s, fixed_delay, idle, hits=0)`. */
function expected(timer: Timer<number>, spec: TimerSpec, state: string): string {
  const name = timer.name === undefined ? "" : `${timer.name}, `;
  const seconds = Number(timer.delay.toFixed(3));
  return `Timer(${name}delay=${seconds}s, ${spec.mode}, ${state}, hits=${timer.hitCount})`;
}

/** SPEC (`state`, fine print *toString()*): the timer describes itself as it is. */
export const stateAndToString: Invariant = {
  name: "state-and-tostring",
  description:
    'state is "idle" before start(), "running" exactly while isRunning(), "stopping" from cancel() until a tick that ignores its signal has settled, then "idle" again; toString() (and util.inspect) is Timer(<name, >delay=<seconds>s, <mode>, <state>, hits=<hitCount>) at every one of those moments.',
  doesNotCheck:
    '"failed" and toString()\'s "failed: <message>" (failed-state); the delay shown past three decimals.',
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        fc.option(fc.constantFrom("db_refresh", "poll"), { nil: undefined }),
        fc.integer({ min: 1, max: 800 }),
        fc.integer({ min: 0, max: 3000 }),
      ],
      async (harness, spec, name, work, cancelAt) => {
        // Every tick ignores its signal and takes `work`: cancel() has something to wait for.
        const script: TickBehaviour[] = [{ kind: "ignoresAbort", ms: work, fails: false }];
        const { log, timer } = scripted(harness, spec, script, name === undefined ? {} : { name });
        const says = (state: string, when: string) => {
          const inspect = (timer as unknown as Record<symbol, () => string>)[
            Symbol.for("nodejs.util.inspect.custom")
          ]?.call(timer);
          check(
            timer.state === state &&
              String(timer) === expected(timer, spec, state) &&
              inspect === String(timer),
            () =>
              `${when}: state ${timer.state}, toString() ${String(timer)}, expected ${expected(timer, spec, state)}`,
            "state and toString() say what the timer is doing",
          );
        };
        says("idle", "before start()");
        timer.start();
        log.run++;
        says("running", "after start()");
        await advanceTo(harness, cancelAt);
        says("running", `at ${cancelAt} ms`);
        const inFlight = log.inFlight > 0;
        const cancelled = watch(timer.cancel());
        says(
          inFlight ? "stopping" : "idle",
          `right after cancel() (${inFlight ? "a tick in flight" : "sleeping"})`,
        );
        for (let i = 0; i < 100 && !cancelled.done(); i++) {
          await harness.settle();
          if (!cancelled.done() && !(await harness.next())) break;
        }
        check(cancelled.done(), () => "cancel() never resolved", "setup");
        says("idle", "after cancel() resolved");
      },
    ),
};
