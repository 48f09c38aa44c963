/**
 * Invariants of `TimerGroup`: a shared lifecycle over member timers.
 *
 * @module
 */
import { type Timer, TimerGroup, TimerStateError } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { runUntil, type TimeHarness } from "./harness.js";
import { type Invariant, limits, noop, scripted, thrownBy } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, type TickLog } from "./scenario.js";

/** One call on the group, at a time in ms. */
type GroupCall =
  | { readonly at: number; readonly call: "start" | "cancel" | "trigger" | "add" | "spent" }
  | { readonly at: number; readonly call: "wait"; readonly hits: number };

const groupCall: fc.Arbitrary<GroupCall> = fc.oneof(
  fc.record({
    at: fc.integer({ min: 0, max: 5000 }),
    call: fc.constantFrom("start" as const, "cancel" as const, "trigger" as const, "add" as const),
  }),
  fc.record({
    at: fc.integer({ min: 0, max: 5000 }),
    call: fc.constant("wait" as const),
    hits: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ at: fc.integer({ min: 0, max: 5000 }), call: fc.constant("spent" as const) }),
);

/** SPEC: `new TimerGroup(timers?, { name? })`, its lifecycle and its fan-out calls. */
export const groupLifecycle: Invariant = {
  name: "group-lifecycle",
  description:
    "A TimerGroup starts every member that is not running (idempotently) and cancels them all; add() returns the timer and starts it while the group is active; isRunning() is true exactly while the group is active and every member runs; trigger() and wait() resolve with [timer, value] pairs in member order, each value a tick of that member completed after the call (trigger: a fresh one); a member that cannot start makes start() throw and the members it started are cancelled again; after cancel() resolves no member runs and nothing is left armed.",
  doesNotCheck:
    "Timeouts of wait()/trigger() over the group, members failing in wait()/trigger() (AggregateError), cancel() of a member that throws, toString(); members on different drivers.",
  property: (make) =>
    harnessProperty(
      make,
      [
        fc.array(fc.tuple(timerSpec(limits), tickScript(limits, { failures: false })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.array(groupCall, { minLength: 1, maxLength: 6 }),
      ],
      async (harness, members, calls) => {
        const logs = new Map<Timer<unknown>, TickLog>();
        const make = (index: number): Timer<number> => {
          const [spec, script] = members[index % members.length] as (typeof members)[number];
          const { log, timer } = scripted(harness, spec, script);
          logs.set(timer, log);
          return timer;
        };
        const group = new TimerGroup(members.map((_, index) => make(index)));
        let active = false;
        // What each trigger()/wait() answered; one that rejected (an idle group) is not checked.
        const answers: {
          what: "trigger" | "wait";
          mark: Map<Timer<unknown>, number>;
          pairs?: unknown;
        }[] = [];
        const marks = () => new Map([...logs].map(([timer, log]) => [timer, log.seq]));
        for (const call of [...calls].sort((a, b) => a.at - b.at)) {
          await advanceTo(harness, call.at);
          switch (call.call) {
            case "start": {
              const started = [...group].filter((timer) => !timer.isRunning());
              group.start();
              if (!active) for (const timer of started) logs.get(timer)!.run++;
              active = true;
              check(
                [...group].every((timer) => timer.isRunning()),
                () => "a member is not running after start()",
                "start() starts every member that is not running",
              );
              break;
            }
            case "cancel":
              await runUntil(harness, group.cancel({ timeout: "1s" }));
              active = false;
              check(
                [...group].every((timer) => !timer.isRunning()),
                () => "a member still runs after the group's cancel() resolved",
                "after cancel() resolves no member runs",
              );
              break;
            case "add": {
              const timer = make(group.size);
              const returned = group.add(timer);
              if (active) logs.get(timer)!.run++;
              check(
                returned === timer,
                () => "add() did not return the timer",
                "add() returns the timer",
              );
              check(
                timer.isRunning() === active,
                () =>
                  `a member added to ${active ? "an active" : "an idle"} group is ${timer.isRunning() ? "" : "not "}running`,
                "add() starts the timer while the group is active",
              );
              break;
            }
            case "spent": {
              // A member that cannot start: built with a signal, it ran once already.
              const controller = new AbortController();
              const { log, timer } = scripted(harness, members[0]![0], members[0]![1], {
                signal: controller.signal,
              });
              logs.set(timer, log);
              timer.start();
              await runUntil(harness, timer.cancel());
              if (active) {
                // add() starts it at once, and that is what throws.
                const threw = thrownBy(() => group.add(timer));
                check(
                  threw instanceof TimerStateError,
                  () =>
                    `add() of a member that cannot start, to an active group, gave ${describeValue(threw)}`,
                  "add() starts the timer while the group is active",
                );
              } else {
                group.add(timer);
                const before = [...group].filter(
                  (member) => member !== timer && !member.isRunning(),
                );
                const threw = thrownBy(() => group.start());
                check(
                  threw instanceof AggregateError &&
                    threw.errors.length === 1 &&
                    threw.errors[0] instanceof TimerStateError,
                  () => `start() with a member that cannot start gave ${describeValue(threw)}`,
                  "a member that cannot start makes start() throw",
                );
                await harness.settle();
                check(
                  before.every((member) => !member.isRunning()),
                  () => "a member started by the failed start() still runs",
                  "the members a failed start() started are cancelled again",
                );
              }
              // The group cannot start again with this member in it: the calls after it are not run.
              return finish(harness, group);
            }
            case "trigger":
            case "wait": {
              const answer: (typeof answers)[number] = { what: call.call, mark: marks() };
              answers.push(answer);
              const promise =
                call.call === "wait" ? group.wait({ hits: call.hits }) : group.trigger();
              promise.then((pairs) => {
                answer.pairs = pairs;
              }, noop);
              break;
            }
          }
          check(
            group.isRunning() === (active && [...group].every((timer) => timer.isRunning())),
            () =>
              `isRunning() is ${group.isRunning()} with the group ${active ? "active" : "idle"}`,
            "isRunning() is true exactly while the group is active and every member runs",
          );
        }
        await harness.advance(3 * limits.maxDelay + limits.maxWork);
        for (const answer of answers) {
          if (answer.pairs === undefined) continue; // cancelled or still waiting: not this invariant's
          const pairs = answer.pairs as [Timer<unknown>, unknown][];
          const order = [...group].slice(0, pairs.length);
          check(
            pairs.every(([timer], i) => timer === order[i]),
            () => `${answer.what}() answered in another order than the members'`,
            "[timer, value] pairs in member order",
          );
          for (const [timer, value] of pairs) {
            const mark = answer.mark.get(timer) ?? 0;
            // trigger(): a fresh tick, started after the call; wait(): one completed after it.
            const tick = (logs.get(timer) as TickLog).ticks.find((t) => t.value === value);
            const fresh =
              answer.what === "trigger" ? tick !== undefined && tick.startSeq > mark : true;
            check(
              tick !== undefined && (tick.endSeq ?? 0) > mark && fresh,
              () =>
                `${answer.what}() gave ${describeValue(value)} for a member: not a tick ${answer.what === "trigger" ? "started" : "completed"} after the call`,
              "each value a tick of that member completed after the call",
            );
          }
        }
        await finish(harness, group);
      },
    ),
};

/** Cancels the group and checks that it and its members are quiet. */
async function finish(harness: TimeHarness, group: TimerGroup): Promise<void> {
  await runUntil(harness, group.cancel({ timeout: "1s" }));
  check(
    [...group].every((timer) => !timer.isRunning()) && !group.isRunning(),
    () => "a member still runs after the group's cancel() resolved",
    "after cancel() resolves no member runs",
  );
  await harness.settle();
  check(
    harness.pending() === 0,
    () => `${harness.pending()} timer(s) still armed after the group's cancel()`,
    "nothing is left armed",
  );
}
