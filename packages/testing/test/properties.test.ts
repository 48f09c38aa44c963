/**
 * The property suite, on every harness. A failure prints the counterexample and the one line
 * that replays it (FC_SEED / FC_PATH); FC_RUNS raises the number of cases.
 */

import fc from "fast-check";
import { describe, it, vi } from "vitest";
import { fakeTimersHarness, virtualClockHarness, vitestFakeTimersHarness } from "../src/index.js";
import {
  checkInvariant,
  type HarnessFactory,
  invariantNames,
  replayFromEnvironment,
  timerModel,
} from "../src/properties.js";
import { installSinon } from "./sinon-clock.js";

const harnesses: { name: string; make: HarnessFactory; runs: number }[] = [
  { name: "virtual clock", make: (seed) => virtualClockHarness({ seed }), runs: 60 },
  { name: "sinon fake timers", make: () => fakeTimersHarness(installSinon()), runs: 12 },
  { name: "vitest fake timers", make: () => vitestFakeTimersHarness(vi), runs: 12 },
];

describe.each(harnesses)("invariants on the $name", ({ make, runs }) => {
  it.each(invariantNames)(
    "%s",
    async (name) => {
      await checkInvariant(name, make, { numRuns: runs, ...replayFromEnvironment() });
    },
    60_000,
  ); // room for the 10 s shrink limit on a loaded machine: a failure prints, not times out
});

describe("the API against its reference model", () => {
  it("holds for random call sequences on the virtual clock", async () => {
    await fc.assert(
      timerModel((seed) => virtualClockHarness({ seed })),
      {
        numRuns: 150,
        ...replayFromEnvironment(),
      },
    );
  }, 60_000);

  it("holds for random call sequences under sinon fake timers", async () => {
    await fc.assert(
      timerModel(() => fakeTimersHarness(installSinon())),
      {
        numRuns: 25,
        ...replayFromEnvironment(),
      },
    );
  }, 60_000);
});
