/**
 * `@async-timer/testing/properties`: fast-check arbitraries for timers and the property suite of
 * the timer's named invariants, checkable on any harness (virtual clock, fake timers, a driver
 * of your own), with the helpers to write properties of your own in the same style. Needs
 * `fast-check` (a peer dependency).
 *
 * @example
 * ```ts
 * import { checkInvariant, invariantNames } from "@async-timer/testing/properties";
 * import { virtualClockHarness } from "@async-timer/testing";
 *
 * for (const name of invariantNames) {
 *   it(name, () => checkInvariant(name, (seed) => virtualClockHarness({ seed }), { numRuns: 50 }), 60_000);
 * }
 * ```
 *
 * @module
 */
import { type CheckOptions, runChecked, validateHarness } from "./check-property.js";
import type { InvariantName } from "./invariant.js";
import { invariants } from "./invariants.js";
import type { HarnessFactory } from "./property-kit.js";

export * from "./arbitraries.js";
export {
  type CheckOptions,
  checkProperty,
  InvariantError,
  replayFromEnvironment,
  validateHarness,
} from "./check-property.js";
export type { Invariant, InvariantName } from "./invariant.js";
export { invariants } from "./invariants.js";
export { CANCEL_CLAUSES } from "./invariants-cancel.js";
export { type TimerModelOptions, timerModel } from "./model.js";
export {
  check,
  describeValue,
  formatTimeline,
  type HarnessFactory,
  harnessProperty,
  traceTicks,
  Violation,
} from "./property-kit.js";
export {
  advanceTo,
  ScriptedError,
  scriptedTarget,
  stop,
  type TickBehaviour,
  TickLog,
  type TickRecord,
  type TimerSpec,
  toOptions,
} from "./scenario.js";

/**
 * The invariants' names, in contract order. Iterate this in a downstream suite.
 *
 * @example
 * ```ts
 * invariantNames.includes("no-overlap"); // true
 * ```
 */
export const invariantNames: readonly InvariantName[] = invariants.map(
  (invariant) => invariant.name,
);

/**
 * Checks one named invariant on timers made by `harness` (a function from a seed to a
 * `TimeHarness`, which speaks milliseconds). The harness is validated first, with a clear error
 * per missing or ill-typed member. A failure rejects with an `InvariantError` whose message names
 * the broken clause, shows the ticks of the counterexample (start, end, outcome, run), the
 * counterexample, and the line that replays it with `FC_SEED` and `FC_PATH`; shrinking stops
 * after `shrinkTimeLimit` (default 10 s) with the smallest counterexample found so far.
 *
 * @example
 * ```ts
 * await checkInvariant("trigger-freshness", (seed) => virtualClockHarness({ seed }), { numRuns: 200 });
 * ```
 */
export async function checkInvariant(
  name: InvariantName,
  harness: HarnessFactory,
  options: CheckOptions = {},
): Promise<void> {
  const invariant = invariants.find((candidate) => candidate.name === name);
  if (invariant === undefined) {
    throw new RangeError(
      `checkInvariant(name): name must be one of ${invariantNames.join(", ")}; got ${JSON.stringify(name)}`,
    );
  }
  if (typeof harness !== "function") {
    throw new TypeError(
      `checkInvariant(name, harness): harness must be a function (seed) => TimeHarness; got ${harness === null ? "null" : typeof harness}`,
    );
  }
  await validateHarness(harness, "checkInvariant");
  await runChecked(name, invariant.property(harness), options);
}
