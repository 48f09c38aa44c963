/**
 * Invariants of `TimerGroup`'s fine print: membership, timeouts that bound the whole group, and
 * members that fail to cancel.
 *
 * @module
 */
import { type Timer, TimerGroup, TimerTimeoutError } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import { drive, type Invariant, limits, scripted } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, type TickBehaviour } from "./scenario.js";
import { watch } from "./watch.js";

const member = fc.record({
  spec: timerSpec(limits).map((spec) => ({ ...spec, jitter: 0 })),
  hangs: fc.boolean(),
});

/** SPEC (`TimerGroup`): membership, the group's timeouts, members that fail to cancel. */
export const groupFinePrint: Invariant = {
  name: "group-fine-print",
  description:
    "A TimerGroup holds each timer once, in the order added (add() of a member again changes nothing; has() and size agree); toString() is TimerGroup(<name, >N timer(s), running|idle); trigger({ timeout }) resolves with every member's fresh value in member order when all answer in time, and otherwise rejects — once the timeout has passed, not before — with an AggregateError holding a TimerTimeoutError for exactly the members that did not; cancel() of a group with a member whose cancel() rejects still resolves, stops every other member and logs that member's failure once.",
  doesNotCheck:
    "Starting, waiting and cancelling members that behave (group-lifecycle); wait()'s timeout; members on different clocks.",
  property: (make) =>
    harnessProperty(
      make,
      [
        fc.array(member, { minLength: 1, maxLength: 4 }),
        fc.option(fc.constantFrom("upkeep", "metrics"), { nil: undefined }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
      ],
      async (harness, members, name, timeout, triggerAt) => {
        const errors: string[] = [];
        const logger = { error: (line: string) => errors.push(line) };
        const timers = members.map(({ spec, hangs }) => {
          // A hanging member's first tick never settles: it cannot answer a trigger.
          const script: TickBehaviour[] = hangs ? [{ kind: "hangs" }] : [{ kind: "returns" }];
          return scripted(harness, spec, script).timer;
        });
        const first = timers[0] as Timer<number>;
        const group = new TimerGroup(
          [...timers, first],
          name === undefined ? { logger } : { name, logger },
        );
        const shows = (state: string) =>
          `TimerGroup(${name === undefined ? "" : `${name}, `}${group.size} timer${group.size === 1 ? "" : "s"}, ${state})`;
        check(
          group.size === timers.length &&
            group.add(first) === first &&
            group.size === timers.length &&
            timers.every((timer) => group.has(timer)) &&
            [...group].every((timer, i) => timer === timers[i]),
          () =>
            `${timers.length} distinct members (the first given twice, then added again): size ${group.size}`,
          "each timer is a member once, in the order added",
        );
        check(String(group) === shows("idle"), () => `toString() ${String(group)}`, "toString()");
        group.start();
        check(
          String(group) === shows("running"),
          () => `toString() ${String(group)}`,
          "toString()",
        );
        await advanceTo(harness, triggerAt);
        const askedAt = harness.now();
        const trigger = group.trigger({ timeout: `${timeout}ms` });
        const triggered = watch(trigger);
        check(
          await drive(
            harness,
            trigger.catch(() => {}),
          ),
          () => "trigger() never settled",
          "setup",
        );
        const settledAt = harness.now();
        const late = members.map((m) => m.hangs);
        if (late.some(Boolean)) {
          let error: unknown;
          try {
            triggered.result();
          } catch (thrown) {
            error = thrown;
          }
          const timedOut =
            error instanceof AggregateError &&
            error.errors.length === late.filter(Boolean).length &&
            error.errors.every((e) => e instanceof TimerTimeoutError);
          check(
            timedOut && Math.abs(settledAt - askedAt - timeout) <= harness.resolution + 1e-6,
            () =>
              `trigger({ timeout: ${timeout} ms }) asked at ${askedAt} settled at ${settledAt} with ${describeValue(error)}`,
            "trigger({ timeout }) rejects after the timeout for exactly the members late",
          );
        } else {
          const values = triggered.result();
          check(
            values.length === timers.length &&
              values.every(
                ([timer, value], i) => timer === timers[i] && typeof value === "number",
              ) &&
              settledAt - askedAt <= harness.resolution,
            () => `trigger() gave ${describeValue(values)} at ${settledAt} (asked at ${askedAt})`,
            "trigger({ timeout }) resolves with every member's value, in member order",
          );
        }
        // A member whose cancel() rejects: the group still cancels the others, and says so.
        const broken = {
          start: () => broken,
          isRunning: () => true,
          cancel: () => Promise.reject(new Error("this member cannot cancel")),
        } as unknown as Timer<unknown>;
        group.add(broken);
        const cancelled = await drive(harness, group.cancel());
        const failures = errors.filter((line) => /cancelling .* failed/.test(line));
        check(
          cancelled && timers.every((timer) => !timer.isRunning()) && failures.length === 1,
          () =>
            `cancel() ${cancelled ? "resolved" : "never resolved"}; running: ${timers.map((t) => t.isRunning())}; logged ${JSON.stringify(failures)}`,
          "cancel() resolves, stops every other member, logs the one that failed",
        );
        check(String(group) === shows("idle"), () => `toString() ${String(group)}`, "toString()");
      },
    ),
};
