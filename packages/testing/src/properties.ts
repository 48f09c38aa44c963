/**
 * `@async-timer/testing/properties`: fast-check arbitraries for timers and the property suite of
 * the timer's named invariants, checkable on any harness (virtual clock, fake timers, a driver
 * of your own). Needs `fast-check` (a peer dependency).
 *
 * @example
 * ```ts
 * import { checkInvariant, invariantNames } from "@async-timer/testing/properties";
 * import { virtualClockHarness } from "@async-timer/testing";
 *
 * for (const name of invariantNames) {
 *   it(name, () => checkInvariant(name, (seed) => virtualClockHarness({ seed }), { numRuns: 50 }));
 * }
 * ```
 *
 * @module
 */
import fc from "fast-check";
import { type HarnessFactory, type InvariantName, invariants } from "./invariants.js";

export * from "./arbitraries.js";
export {
  type HarnessFactory,
  type Invariant,
  type InvariantName,
  invariants,
} from "./invariants.js";
export { type TimerModelOptions, timerModel } from "./model.js";
export {
  ScriptedError,
  scriptedTarget,
  type TickBehaviour,
  TickLog,
  type TickRecord,
  type TimerSpec,
  toOptions,
} from "./scenario.js";

/**
 * The invariant names, in contract order.
 *
 * @example
 * ```ts
 * invariantNames.includes("no-overlap"); // true
 * ```
 */
export const invariantNames: readonly InvariantName[] = invariants.map(
  (invariant) => invariant.name,
);

/** How hard, and how reproducibly, to check. */
export interface CheckOptions {
  /** Generated cases. Default 100. */
  numRuns?: number;
  /** Replays a failure: the seed from its message. */
  seed?: number;
  /** Replays a failure: the path from its message. */
  path?: string;
  /** Shown in the replay hint of a failure; default `pnpm vitest run --project testing -t "<name>"`. */
  command?: string;
}

/**
 * A failed invariant: what broke, the counterexample, and the one line that replays it.
 *
 * @example
 * ```ts
 * try { await checkInvariant("no-overlap", harness); }
 * catch (error) { if (error instanceof InvariantError) console.log(error.seed, error.path); }
 * ```
 */
export class InvariantError extends Error {
  /** Always `"InvariantError"`. */
  override readonly name = "InvariantError";
  constructor(
    /** The invariant that failed. */
    readonly invariant: InvariantName,
    /** fast-check's seed of the failing run. */
    readonly seed: number | undefined,
    /** fast-check's path to the shrunk counterexample. */
    readonly path: string | undefined,
    report: string,
    replay: string,
  ) {
    super(`invariant "${invariant}" failed.\n${report}\nReplay exactly: ${replay}`);
  }
}

/**
 * Checks one named invariant on timers made by `harness`. Rejects with an
 * {@link InvariantError} whose message has the counterexample, the seed and the path, and the
 * command that replays it (with `FC_SEED` and `FC_PATH`).
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
      `unknown invariant ${JSON.stringify(name)}; known: ${invariantNames.join(", ")}`,
    );
  }
  const details = await fc.check(invariant.property(harness), {
    numRuns: options.numRuns ?? 100,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!details.failed) return;
  const command = options.command ?? `pnpm vitest run --project testing -t "${name}"`;
  const replay = `FC_SEED=${details.seed} FC_PATH="${details.counterexamplePath ?? ""}" ${command}`;
  const reason =
    details.errorInstance instanceof Error
      ? details.errorInstance.message
      : String(details.errorInstance);
  throw new InvariantError(
    name,
    details.seed,
    details.counterexamplePath ?? undefined,
    `${fc.defaultReportMessage(details) ?? ""}\nBroken: ${reason}`,
    replay,
  );
}

/**
 * Replay options from the environment (`FC_SEED`, `FC_PATH`, `FC_RUNS`), so a failure's printed
 * command replays it: spread into {@link checkInvariant}'s options.
 *
 * @example
 * ```ts
 * await checkInvariant(name, harness, { numRuns: 50, ...replayFromEnvironment() });
 * ```
 */
export function replayFromEnvironment(): CheckOptions {
  const env =
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const options: CheckOptions = {};
  if (env.FC_SEED !== undefined && env.FC_SEED !== "") options.seed = Number(env.FC_SEED);
  if (env.FC_PATH !== undefined && env.FC_PATH !== "") options.path = env.FC_PATH;
  if (env.FC_RUNS !== undefined && env.FC_RUNS !== "") options.numRuns = Number(env.FC_RUNS);
  return options;
}
