/**
 * Invariants of what happens when a tick fails, by `onError` policy: who decides, whether the
 * run goes on, and what is logged.
 *
 * @module
 */
import type { TimerOptions } from "@async-timer/core";
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
import { advanceTo, ScriptedError, stop } from "./scenario.js";

/** The `onError` policies of the SPEC, and the ways a function can answer. */
const POLICIES = [
  "default",
  '"continue"',
  'returns "continue"',
  'returns "stop"',
  "returns nothing",
  "throws",
  "returns a promise",
  "returns a rejected promise",
] as const;
type PolicyKind = (typeof POLICIES)[number];

/** Whether the run goes on past a failing tick under `policy`. */
const goesOn = (policy: PolicyKind) => policy === '"continue"' || policy === 'returns "continue"';

/** The SPEC's opening line of a burst of errors under `onError: "continue"`. */
const CONTINUE_LINE = /tick failed; the timer goes on/;

/** SPEC (*Errors*, *Logging*): each onError policy decides, logs and goes on as it says. */
export const errorPolicies: Invariant = {
  name: "error-policies",
  description:
    'When a tick fails: without onError the run stops and the error is logged once, the line carrying the error itself; onError: "continue" (the string) keeps the schedule and logs the errors as a repeated condition — one line when they start, at most one summary line per 10 s, every failure accounted for by the lines; an onError function is called once per failure, in order, with the error and the timer, and owns it: "continue" keeps the schedule, "stop" or nothing ends the run, and nothing is logged — unless it throws (the run stops, one error line) or returns a promise (it must decide synchronously: the run stops, one warning, and a rejection of that promise is logged, never unhandled).',
  doesNotCheck:
    "What joins, waits and subscriptions receive (error-delivery-order, failed-state); the wording of the lines beyond what names the policy; errors of lease engines (@async-timer/lease).",
  property: (make) =>
    harnessProperty(
      make,
      [timerSpec(limits), tickScript(limits), fc.constantFrom(...POLICIES)],
      async (harness, spec, script, policy) => {
        await withoutUnhandled(async () => {
          const heard: { error: unknown; same: boolean }[] = [];
          const lines: { level: "warn" | "error"; line: string; at: number; error: unknown }[] = [];
          const logger = {
            warn: (line: string, ...rest: unknown[]) =>
              lines.push({ level: "warn", line, at: harness.now(), error: rest[0] }),
            error: (line: string, ...rest: unknown[]) =>
              lines.push({ level: "error", line, at: harness.now(), error: rest[0] }),
          };
          const decide = (answer: () => unknown): TimerOptions<number>["onError"] =>
            ((error: unknown, timer: unknown) => {
              heard.push({ error, same: timer === made });
              return answer();
            }) as TimerOptions<number>["onError"];
          const onError: TimerOptions<number>["onError"] = {
            default: undefined,
            '"continue"': "continue" as const,
            'returns "continue"': decide(() => "continue"),
            'returns "stop"': decide(() => "stop"),
            "returns nothing": decide(() => undefined),
            throws: decide(() => {
              throw new Error("onError failed on purpose");
            }),
            "returns a promise": decide(() => Promise.resolve("continue")),
            "returns a rejected promise": decide(() =>
              Promise.reject(new Error("onError rejected on purpose")),
            ),
          }[policy];
          // A failure first, so that every case shows the policy at work.
          const { log, timer } = scripted(harness, spec, [{ kind: "throws" }, ...script], {
            onError,
            logger,
          });
          const made = timer;
          begin(timer, log);
          await advanceTo(harness, span(spec, 10));
          const runningAtEnd = timer.isRunning();
          await stop(harness, timer);
          await nextMacrotask(); // an unhandled rejection is reported after a macrotask
          const failures = log.ticks.filter((tick) => tick.outcome === "error");
          const first = failures[0];
          check(first !== undefined, () => "no tick failed", "setup");
          if (goesOn(policy)) {
            check(
              runningAtEnd && log.ticks.length > 1,
              () => `after ${failures.length} failures the run ${runningAtEnd ? "ran" : "stopped"}`,
              "a policy that continues keeps the schedule",
            );
          } else {
            check(
              log.ticks.length === 1 && !runningAtEnd,
              () => `the first tick failed and ${log.ticks.length - 1} more ran`,
              "a policy that stops ends the run at the first failure",
            );
          }
          if (policy !== "default" && policy !== '"continue"') {
            check(
              heard.length === failures.length &&
                heard.every(
                  (h, i) =>
                    h.same && h.error instanceof ScriptedError && h.error.tick === failures[i]?.n,
                ),
              () =>
                `onError heard ${heard.map((h) => describeValue(h.error))}; the failures were ticks ${failures.map((t) => t.n)}`,
              "onError is called once per failure, in order, with the error and the timer",
            );
          }
          const own = lines.filter((l) => !/fixed_rate/.test(l.line));
          const expected: Record<PolicyKind, RegExp[]> = {
            default: [/tick failed; the timer stops/],
            '"continue"': [],
            'returns "continue"': [],
            'returns "stop"': [],
            "returns nothing": [],
            throws: [/onError threw/],
            "returns a promise": [/onError returned a promise/],
            "returns a rejected promise": [/onError returned a promise/, /onError rejected/],
          };
          if (policy === '"continue"') {
            continued(own, failures.length);
          } else {
            const want = expected[policy];
            check(
              own.length === want.length && want.every((re) => own.some((l) => re.test(l.line))),
              () => `logged ${JSON.stringify(own.map((l) => l.line))}`,
              "an onError function owns the error: nothing logged but its own failure",
            );
          }
          const carried = own.filter(
            (l) => /tick failed/.test(l.line) && !(l.error instanceof ScriptedError),
          );
          check(
            carried.length === 0,
            () =>
              `an error line came without the tick's error: ${JSON.stringify(carried.map((l) => [l.line, describeValue(l.error)]))} (the first failure was tick #${failures[0]?.n})`,
            "a failing tick's error line carries the error",
          );
        });
      },
    ),
};

/** `onError: "continue"`: the errors logged as a repeated condition, each accounted for. */
function continued(lines: { level: string; line: string; at: number }[], failures: number): void {
  check(
    lines.every((l) => l.level === "error"),
    () => `lines at other levels: ${JSON.stringify(lines)}`,
    'onError: "continue" logs the errors at error level',
  );
  // Episodes: an opening line (one failure), then summaries ("N more"), closed by "N in all".
  let total = 0;
  let episode = 0;
  let lastLine = Number.NEGATIVE_INFINITY;
  let closed = true;
  for (const { line, at } of lines) {
    if (CONTINUE_LINE.test(line)) {
      // A new episode: the last was closed, or it was one failure followed by 10 s of quiet.
      check(
        closed || at - lastLine >= 10_000 - 1e-6,
        () => `an opening line ${at - lastLine} ms after the last line, with no closing line`,
        "one line when the errors start, at most one summary line per 10 s",
      );
      total += episode;
      episode = 1;
      lastLine = at;
      closed = false;
      continue;
    }
    const more = /(\d+) more in the last/.exec(line)?.[1];
    const all = /(\d+) in all/.exec(line)?.[1];
    if (more !== undefined) {
      check(
        at - lastLine >= 10_000 - 1e-6,
        () => `a summary line ${at - lastLine} ms after the last line: ${line}`,
        "one line when the errors start, at most one summary line per 10 s",
      );
      lastLine = at;
      episode += Number(more);
    } else if (all !== undefined) {
      check(
        Number(all) >= episode,
        () => `a closing line says ${all} in all; the lines before it counted ${episode}`,
        "every failure accounted for by the lines",
      );
      episode = Number(all); // failures since the last summary are counted only here
      closed = true;
    }
  }
  total += episode;
  check(
    total === failures,
    () => `${failures} ticks failed; the lines account for ${total}: ${JSON.stringify(lines)}`,
    "every failure accounted for by the lines",
  );
}
