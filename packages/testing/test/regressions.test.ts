/**
 * Counterexamples the property suite once got wrong, kept as fixed cases. Each runs the
 * invariant on exactly the values that exposed the mistake.
 */
import { Timer } from "@async-timer/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fakeTimersHarness, runUntil, VirtualClock, virtualClockHarness } from "../src/index.js";
import { Join, runModel, Start } from "../src/model.js";
import { type InvariantName, invariants } from "../src/properties.js";
import { scriptedTarget, TickLog } from "../src/scenario.js";
import { installSinon } from "./sinon-clock.js";

async function holdsFor(name: InvariantName, example: unknown[]): Promise<unknown> {
  const invariant = invariants.find((candidate) => candidate.name === name);
  if (invariant === undefined) throw new RangeError(`no invariant ${name}`);
  const details = await fc.check(
    invariant.property((seed) => virtualClockHarness({ seed })),
    {
      examples: [example as never],
      numRuns: 1,
      endOnFailure: true,
    },
  );
  return details.errorInstance;
}

describe("issue #19: subscription-completeness cried wolf", () => {
  // The case shrinking reached: the first tick starts at 0 and sleeps 0 ms, and a subscriber
  // subscribes at 0, while that tick is still in flight; it ends at 0 too, after the
  // subscription. The SPEC: a subscription receives every tick completed from the moment it
  // subscribed — so tick 1 belongs to it. The library delivered it; the oracle, comparing
  // times ("ended after 0 ms"), expected it not to. The oracle now orders events, not times.
  const counterexample = [
    1,
    { delay: 1, mode: "fixed_delay", initialDelay: 0, jitter: 0 },
    [{ kind: "slow", ms: 0 }],
    [{ at: 0, pace: 0 }],
  ];

  it("holds on the counterexample that shrinking reached", async () => {
    expect(await holdsFor("subscription-completeness", counterexample)).toBeNull();
  });

  it("is right that the library delivers a tick in flight when the subscription was made", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    let release: () => void = () => {};
    const timer = new Timer(
      "1ms",
      () => new Promise<number>((resolve) => (release = () => resolve(1))),
      { driver: clock, logger: {} },
    ).start();
    await clock.settle(); // tick 1 is in flight at 0 ms
    const feed = timer.subscribe();
    release(); // and completes at 0 ms, after the subscription
    await clock.settle();
    expect(feed.qsize).toBe(1);
    await timer.cancel();
    const received: number[] = [];
    for await (const value of feed) received.push(value);
    expect(received).toEqual([1]);
  });

  // The same mistake, by the same comparison of times, in three other oracles.
  it("join-semantics: a join() made while a tick is in flight gets that tick, even at the same instant", async () => {
    expect(
      await holdsFor("join-semantics", [
        1,
        { delay: 1, mode: "fixed_delay", initialDelay: 0, jitter: 0 },
        [{ kind: "slow", ms: 0 }],
        [0],
      ]),
    ).toBeNull();
  });

  it("wait-semantics: a wait() made while a tick is in flight counts that tick, even at the same instant", async () => {
    expect(
      await holdsFor("wait-semantics", [
        1,
        { delay: 1, mode: "fixed_delay", initialDelay: 0, jitter: 0 },
        [{ kind: "slow", ms: 0 }],
        [{ at: 0, hits: 1, timeout: undefined }],
      ]),
    ).toBeNull();
  });
});

describe("issue #19: the model's join() check raced a tick due at the same instant", () => {
  // CI's counterexample (sinon fake timers): fixed_rate every 1 ms; tick 1 returns, tick 2 sleeps
  // 0 ms — which sinon fires 1 ms later, at 2 ms, when tick 3 is due too. join() rightly gave
  // tick 2's value, but the model compared it with `lastResult`, read after the harness had
  // also run tick 3. The model now compares with the first tick to settle after the call.
  const spec = { delay: 1, mode: "fixed_rate", initialDelay: 0, jitter: 0 } as const;
  const script = [{ kind: "returns" }, { kind: "slow", ms: 0 }] as const;

  it("holds on the counterexample", async () => {
    await runModel(fakeTimersHarness(installSinon()), spec, [...script], false, [
      new Start(),
      new Join(),
    ]);
  });

  it("is right that join() owes the earlier tick even once a later one has completed", async () => {
    const harness = fakeTimersHarness(installSinon());
    const log = new TickLog();
    const timer = new Timer("1ms", scriptedTarget(harness, [...script], log), {
      mode: "fixed_rate",
    }).start();
    log.run++;
    await Promise.resolve(); // tick 1 runs first: the join below is owed tick 2
    const value = await runUntil(harness, timer.join());
    expect(value).toBe(2);
    expect(timer.lastResult).toBe(3); // tick 3 ran in the same settle, before the join was seen
    await runUntil(harness, timer.cancel());
    harness.dispose();
  });
});

describe("issue #19: jitter-distribution inverted its range on a slot the tick ended on", () => {
  // CI's counterexample (virtual clock): fixed_rate every 20 ms, jitter 0.65; a jittered start
  // makes a slow tick end 6e-7 ms past the slot at 3301 ms. The timer rightly starts the next
  // tick at once; the checker, whose slot search allows 1e-6 ms, took that slot as still ahead:
  // a negative sleep, and a range whose low end lay above its high end.
  it("holds on the counterexample", async () => {
    expect(
      await holdsFor("jitter-distribution", [
        995245046,
        "fixed_rate",
        20,
        0.6455069989172445,
        1,
        [0, 39],
      ]),
    ).toBeNull();
  });
});
