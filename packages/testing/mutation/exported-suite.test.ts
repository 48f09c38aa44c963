/**
 * The kit-only mutation check (`pnpm mutation:kit`): the exported property suite, run as the
 * testing README tells a downstream user to run it, is the whole test command Stryker runs
 * against each mutant of core. Not part of `pnpm test` (the testing project includes only
 * `test/`): this file exists to measure how much of core the suite alone pins down.
 *
 * The seed is fixed so that two runs of the check kill the same mutants, and shrinking is off
 * (a failure is all Stryker needs). Fewer cases than the README's 100: every surviving mutant
 * costs a whole run of the suite, and there are about 2,700 mutants.
 */
import FakeTimers from "@sinonjs/fake-timers";
import fc from "fast-check";
import { describe, it } from "vitest";
import { fakeTimersHarness, virtualClockHarness } from "../src/index.js";
import {
  checkInvariant,
  type HarnessFactory,
  invariantNames,
  timerModel,
} from "../src/properties.js";

const SEED = 19;

const harnesses: { name: string; make: HarnessFactory; runs: number; model: number }[] = [
  { name: "virtual clock", make: (seed) => virtualClockHarness({ seed }), runs: 40, model: 100 },
  // Core's real driver, on fake time: the only way the suite reaches real-driver.ts.
  {
    name: "sinon fake timers",
    make: () => fakeTimersHarness(FakeTimers.install()),
    runs: 8,
    model: 15,
  },
];

describe.each(harnesses)("the exported suite on the $name", ({ make, runs, model }) => {
  it.each(invariantNames)(
    "%s",
    async (name) => {
      await checkInvariant(name, make, { numRuns: runs, seed: SEED, shrinkTimeLimit: 0 });
    },
    60_000,
  );

  it("timerModel", async () => {
    await fc.assert(timerModel(make), { numRuns: model, seed: SEED, endOnFailure: true });
  }, 60_000);
});
