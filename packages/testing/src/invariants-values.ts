/**
 * Invariants of what a timer reports about its ticks without being asked to wait:
 * `lastTickAt` and `lastResult`.
 *
 * @module
 */
import { realDriver } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { begin, type Invariant, limits, scripted } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { stop } from "./scenario.js";

/** `lastTickAt` is when the last successful tick completed, on the wall clock. */
export const lastTickAt: Invariant = {
  name: "last-tick-at",
  description:
    "Whenever the event loop is idle, lastTickAt is the driver's wall-clock time (epoch ms, ±1 for rounding) at which the last successful tick completed — its end, not its start — and lastResult is that tick's value; both are undefined before the first success, a failing tick changes neither, and both survive cancel() and a restart.",
  doesNotCheck:
    "The moment inside a turn of the event loop at which they change; a wall clock that jumps while a tick runs; MockTimer's own clock.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
      ],
      async (harness, spec, script, firstRun, secondRun) => {
        const driver = harness.driver ?? realDriver;
        // The harness's clock and the wall clock move together: one offset maps one to the other.
        const offset = driver.wallNow() - harness.now();
        const { log, timer } = scripted(harness, spec, script);
        const tolerance = 1 + harness.resolution;
        const verify = (where: string) => {
          const last = log.values.at(-1);
          if (last === undefined) {
            check(
              timer.lastTickAt === undefined && timer.lastResult === undefined,
              () =>
                `${where}: no tick has succeeded, yet lastTickAt is ${timer.lastTickAt} and lastResult ${timer.lastResult}`,
              "undefined before the first success",
            );
            return;
          }
          const completed = offset + (last.end as number);
          const started = offset + last.start;
          check(
            timer.lastTickAt !== undefined && Math.abs(timer.lastTickAt - completed) <= tolerance,
            () =>
              `${where}: lastTickAt is ${timer.lastTickAt}; tick #${last.n}, the last to succeed, ran ${started} → ${completed} (epoch ms)${
                timer.lastTickAt !== undefined && Math.abs(timer.lastTickAt - started) <= tolerance
                  ? ": that is when it started"
                  : ""
              }`,
            "lastTickAt = when the last successful tick completed",
          );
          check(
            timer.lastResult === last.n,
            () =>
              `${where}: lastResult is ${timer.lastResult}, the last successful tick gave ${last.n}`,
            "lastResult = the last successful tick's value",
          );
        };
        verify("before start()");
        begin(timer, log);
        for (const [run, steps] of [
          [1, firstRun],
          [2, secondRun],
        ] as const) {
          if (run === 2) begin(timer, log);
          await harness.settle();
          verify(`run ${run}, after start()`);
          for (let i = 0; i < steps; i++) {
            if (!(await harness.next())) break;
            await harness.settle();
            verify(`run ${run}, at ${harness.now()} ms`);
          }
          await stop(harness, timer);
          verify(`after run ${run}'s cancel()`);
        }
      },
    ),
};
