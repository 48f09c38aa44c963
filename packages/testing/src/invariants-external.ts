/**
 * Invariants of cancellation from outside: `cancelOn` promises and `signal`.
 *
 * @module
 */
import { TimerCancelledError, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { runUntil } from "./harness.js";
import {
  begin,
  type Invariant,
  limits,
  listenForUnhandled,
  scripted,
  thrownBy,
} from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo } from "./scenario.js";

/** How the outside ends the run: a promise resolving or rejecting, a signal aborting (or aborted already). */
type Input = "resolve" | "reject" | "abort" | "aborted before start";

const inputs: fc.Arbitrary<Input> = fc.constantFrom(
  "resolve",
  "reject",
  "abort",
  "aborted before start",
);

/** SPEC *Cancellation*: `cancelOn` and `signal` cancel the run as `cancel()` would, once. */
export const externalCancellation: Invariant = {
  name: "external-cancellation",
  description:
    "A timer built with cancelOn promises or a signal ends its run when one settles (resolving or rejecting) or aborts, as cancel() would: it stops, no tick starts after, the in-flight tick's signal aborts, pending join()s reject with TimerCancelledError, nothing is left armed, a rejected input is logged at warn level with the timer's name and is not an unhandled rejection, and start() then throws TimerStateError (such a timer runs once). One that settled or aborted before start() ends the run at once, with no tick.",
  doesNotCheck:
    "Several inputs firing together, or an input firing after the run ended for another reason; what is retained after the timer is dropped (a heap matter, in core's own tests).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits, { failures: false }),
        inputs,
        fc.integer({ min: 0, max: 6000 }),
        fc.boolean(),
      ],
      async (harness, spec, script, input, at, viaCancelOn) => {
        const unhandled: unknown[] = [];
        const stopListening = listenForUnhandled((reason) => unhandled.push(reason));
        try {
          const controller = new AbortController();
          let settle: (how: "resolve" | "reject") => void = () => {};
          const promise = new Promise<void>((resolve, reject) => {
            settle = (how) => (how === "resolve" ? resolve() : reject(new Error("shutdown")));
          });
          const never = new Promise<void>(() => {});
          const usesSignal = input === "abort" || input === "aborted before start";
          // A signal goes in `signal` or as an entry of `cancelOn`, beside a promise that never settles.
          const extra = usesSignal
            ? viaCancelOn
              ? { cancelOn: [never, controller.signal] }
              : { signal: controller.signal }
            : { cancelOn: viaCancelOn ? [never, promise] : [promise] };
          const { log, timer, warnings } = scripted(harness, spec, script, {
            ...extra,
            name: "external",
          });
          if (input === "aborted before start") {
            controller.abort();
            begin(timer, log);
            await harness.settle();
            check(
              !timer.isRunning(),
              () => "a timer whose signal had aborted before start() is running",
              "an input settled before start() ends the run at once",
            );
            await harness.advance(spec.initialDelay + 3 * limits.maxDelay);
            check(
              log.ticks.length === 0,
              () =>
                `${log.ticks.length} tick(s) ran although the signal had aborted before start()`,
              "an input settled before start() ends the run at once",
            );
          } else {
            begin(timer, log);
            await advanceTo(harness, at);
            const mark = log.seq;
            const inFlight = log.ticks.filter((tick) => tick.endSeq === undefined);
            const joined: { outcome?: unknown } = {};
            timer.join().then(
              (value) => {
                joined.outcome = { value };
              },
              (error: unknown) => {
                joined.outcome = error;
              },
            );
            if (input === "abort") controller.abort();
            else settle(input);
            await harness.settle();
            check(
              !timer.isRunning(),
              () =>
                `still running after the ${input === "abort" ? "signal aborted" : `cancelOn promise ${input}d`} at ${at} ms`,
              "the run ends when an input settles or aborts",
            );
            await harness.advance(3 * limits.maxDelay + limits.maxWork);
            const late = log.ticks.filter((tick) => tick.startSeq > mark);
            check(
              late.length === 0,
              () =>
                `tick ${late[0]?.n} started at ${late[0]?.start} ms, after the run ended at ${at} ms`,
              "no tick starts after the run ended",
            );
            const notAborted = inFlight.filter((tick) => tick.outcome !== "aborted");
            check(
              notAborted.length === 0,
              () =>
                `tick ${notAborted[0]?.n}, in flight when the run ended, ended with ${notAborted[0]?.outcome}: its signal did not abort`,
              "the in-flight tick's signal has aborted",
            );
            check(
              joined.outcome instanceof TimerCancelledError,
              () => `a join() pending when the run ended gave ${describeValue(joined.outcome)}`,
              "pending join()s have rejected with TimerCancelledError",
            );
            check(
              input !== "reject" ||
                warnings.some((line) => line.includes("external") && !/fixed_rate/.test(line)),
              () =>
                `a cancelOn promise rejected and no warn line names the timer: ${JSON.stringify(warnings)}`,
              "a rejected cancelOn promise is logged at warn level with the timer's name",
            );
          }
          await runUntil(harness, timer.cancel({ timeout: "1s" }));
          check(
            harness.pending() === 0,
            () => `${harness.pending()} timer(s) still armed after the run ended`,
            "nothing is left armed",
          );
          const threw = thrownBy(() => timer.start());
          check(
            threw instanceof TimerStateError,
            () => `start() after the run ended gave ${describeValue(threw)}, not TimerStateError`,
            "a timer built with cancelOn or signal runs once",
          );
          await harness.settle();
          check(
            unhandled.length === 0,
            () => `unhandled rejection: ${describeValue(unhandled[0])}`,
            "a rejected cancelOn promise is not an unhandled rejection",
          );
        } finally {
          stopListening();
        }
      },
    ),
};
