/**
 * checkInvariant as a downstream suite meets it: a harness checked up front with clear errors,
 * a failure reported (not timed out) with the broken clause, the ticks, the counterexample and a
 * replay line that works anywhere, and shrinking bounded in time.
 */
import type { Driver } from "@async-timer/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sleepOn, type TimeHarness, VirtualClock, virtualClockHarness } from "../src/index.js";
import {
  checkInvariant,
  checkProperty,
  InvariantError,
  validateHarness,
} from "../src/properties.js";

/** A driver whose wakes all land `ms` late: a broken driver, as a downstream user may write. */
function late(driver: Driver, ms: number): Driver {
  return {
    now: () => driver.now(),
    wallNow: () => driver.wallNow(),
    random: () => driver.random(),
    setWake: (at, wake, unref) => driver.setWake(at + ms, wake, unref),
    clearWake: (handle) => driver.clearWake(handle),
  };
}

const lateHarness = (seed: number): TimeHarness => {
  const harness = virtualClockHarness({ seed });
  return { ...harness, driver: late(harness.clock, 5) };
};

async function failure(promise: Promise<void>): Promise<InvariantError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvariantError);
  return error as InvariantError;
}

describe("a failing invariant", () => {
  it("reports the broken clause, the ticks, the counterexample and a replay line for any project", async () => {
    const error = await failure(
      checkInvariant("fixed-delay-spacing", lateHarness, { numRuns: 50, seed: 7 }),
    );
    const message = error.message;
    expect(message).toMatch(/^invariant "fixed-delay-spacing" failed\.\nBroken: /);
    expect(message).toMatch(
      /Ticks of the counterexample \(harness ms\):\n {2}tick +run +start → end/,
    );
    expect(message).toMatch(/\n {2}#1 +1 +\d+ → \d+ +(value 1|error)\n/);
    expect(message).toMatch(/Counterexample \(case \d+ of 50, shrunk \d+ times\): \[\d+,\{"delay"/);
    expect(message).toMatch(/\nReplay exactly: FC_SEED=7 FC_PATH="[\d:]+" <your test command>$/);
    expect(message).not.toContain("[object Object]");
    expect(message).not.toContain("--project testing");
    expect(message.length).toBeLessThan(8000);
    expect(error).toMatchObject({ invariant: "fixed-delay-spacing", seed: 7 });
  });

  it("shows the caller's own command in the replay line, and replays exactly from its seed and path", async () => {
    const first = await failure(
      checkInvariant("fixed-delay-spacing", lateHarness, {
        numRuns: 50,
        seed: 7,
        command: "npm test -- -t spacing",
      }),
    );
    expect(first.message).toMatch(/FC_PATH="[\d:]+" npm test -- -t spacing$/);
    const replayed = await failure(
      checkInvariant("fixed-delay-spacing", lateHarness, {
        seed: first.seed as number,
        path: first.path as string,
        shrinkTimeLimit: 0,
      }),
    );
    expect(replayed.counterexample).toEqual(first.counterexample);
  });

  it("names the clause that broke", async () => {
    const error = await failure(checkInvariant("one-wake-or-tick", doubleWaking, { numRuns: 20 }));
    expect(error.clause).toBe("the driver holds exactly the wakes the timer armed");
    expect(error.message).toContain(
      "Broken: the driver holds exactly the wakes the timer armed — ",
    );
  });

  it("stops shrinking at shrinkTimeLimit and reports the smallest counterexample found so far", async () => {
    // Fails while every value is ≥ 1000: shrinking 60 of them towards 1000, a real macrotask
    // per attempt, would take far longer than this test's timeout.
    const slow = fc.asyncProperty(
      fc.array(fc.noBias(fc.integer({ min: 0, max: 1e9 })), { minLength: 60, maxLength: 60 }),
      async (values) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (values.every((value) => value >= 1000)) {
          throw new Error(`failed with ${values.length} values`);
        }
      },
    );
    const error = await failure(
      checkProperty("slow-to-shrink", slow as never, undefined, {
        numRuns: 1,
        shrinkTimeLimit: 300,
      }),
    );
    expect(error.message).toMatch(/before the 0\.3 s limit; the smallest found so far\): \[\[/);
    expect(error.message).toContain("Broken: Error: failed with");
  }, 30_000);
});

/** A harness whose driver arms every third wake twice. */
function doubleWaking(seed: number): TimeHarness {
  const harness = virtualClockHarness({ seed });
  const clock = harness.clock;
  let wakes = 0;
  const driver: Driver = {
    now: () => clock.now(),
    wallNow: () => clock.wallNow(),
    random: () => clock.random(),
    setWake: (at, wake, unref) => {
      const handle = clock.setWake(at, wake, unref);
      if (++wakes % 3 === 0) clock.setWake(at, () => {}, unref);
      return handle;
    },
    clearWake: (handle) => clock.clearWake(handle),
  };
  return { ...harness, driver };
}

describe("a custom harness", () => {
  it("is checked before any case runs, with one line per missing or ill-typed member", async () => {
    const clock = new VirtualClock({ stallTimeout: 0 });
    // The README's eight members, without name and resolution.
    const incomplete = () =>
      ({
        driver: clock,
        now: () => clock.now(),
        sleep: (ms: number) =>
          new Promise<void>((resolve) => clock.setWake(clock.now() + ms, resolve, false)),
        advance: (ms: number) => clock.advance(`${ms}ms`),
        settle: () => clock.settle(),
        next: () => clock.next(),
        pending: () => clock.pending,
        dispose: () => {},
      }) as unknown as TimeHarness;
    const error = await checkInvariant("no-overlap", incomplete).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain("checkInvariant: the harness is not a TimeHarness:");
    expect((error as Error).message).toContain("name must be a non-empty string");
    expect((error as Error).message).toContain(
      "resolution must be a number of milliseconds ≥ 0: how late a wake may land",
    );
    expect((error as Error).message).toContain("A harness speaks milliseconds throughout");
  });

  it("that passes milliseconds where the VirtualClock takes seconds is told so", async () => {
    const inSeconds = (seed: number): TimeHarness => ({
      ...virtualClockHarness({ seed }),
      advance(ms) {
        return (this.driver as VirtualClock).advance(ms); // seconds!
      },
    });
    await expect(validateHarness(inSeconds)).rejects.toThrow(
      /advance\(10\) moved now\(\) by 10000, not 10: a harness speaks milliseconds/,
    );
  });

  it("whose sleep takes seconds is told so", async () => {
    const sleepsSeconds = (seed: number): TimeHarness => {
      const harness = virtualClockHarness({ seed });
      return { ...harness, sleep: (ms) => sleepOn(harness.clock, ms * 1000) };
    };
    await expect(validateHarness(sleepsSeconds)).rejects.toThrow(
      /sleep\(10\) had not ended after advance\(10\): a harness speaks milliseconds/,
    );
  });

  it("that is not a function at all is refused by name", async () => {
    await expect(checkInvariant("no-overlap", virtualClockHarness() as never)).rejects.toThrow(
      new TypeError(
        "checkInvariant(name, harness): harness must be a function (seed) => TimeHarness; got object",
      ),
    );
    await expect(
      checkInvariant("no-such-invariant" as never, (seed) => virtualClockHarness({ seed })),
    ).rejects.toThrow(
      /checkInvariant\(name\): name must be one of no-overlap, .*; got "no-such-invariant"/,
    );
  });
});
