/**
 * Running a property the way a downstream test suite needs it run: the harness checked first
 * with a clear error, shrinking bounded in time so a failure is reported before the test
 * runner's timeout, and a short report — the clause that broke, the ticks of the
 * counterexample, the counterexample itself, and the line that replays it.
 *
 * @module
 */
import fc from "fast-check";
import type { TimeHarness } from "./harness.js";
import { describeValue, type HarnessFactory, Violation } from "./property-kit.js";

/** How hard, how long and how reproducibly to check. */
export interface CheckOptions {
  /** Generated cases. Default 100. */
  numRuns?: number;
  /** Replays a failure: the seed from its message. */
  seed?: number;
  /** Replays a failure: the path from its message. */
  path?: string;
  /**
   * Your test command, shown at the end of the replay line of a failure (after `FC_SEED=…
   * FC_PATH=…`). Default `<your test command>`.
   */
  command?: string;
  /**
   * Real milliseconds that shrinking a failure may take. When they run out, the smallest
   * counterexample found so far is reported. `0` reports the first failing case as found.
   * Default 10,000: with the default 100 cases, a failing property reports well inside a 60 s
   * test timeout.
   */
  shrinkTimeLimit?: number;
}

/**
 * A failed property: what broke, the counterexample, and the one line that replays it.
 *
 * @example
 * ```ts
 * try { await checkInvariant("no-overlap", harness); }
 * catch (error) { if (error instanceof InvariantError) console.log(error.clause, error.seed, error.path); }
 * ```
 */
export class InvariantError extends Error {
  /** Always `"InvariantError"`. */
  override readonly name = "InvariantError";
  constructor(
    /** The property that failed. */
    readonly invariant: string,
    /** fast-check's seed of the failing run. */
    readonly seed: number | undefined,
    /** fast-check's path to the reported counterexample. */
    readonly path: string | undefined,
    /** The clause that broke, when the property names one. */
    readonly clause: string | undefined,
    report: string,
    /** The counterexample (the values the property was called with). */
    readonly counterexample: unknown,
  ) {
    super(report);
  }
}

/**
 * Checks `property` (built with `harnessProperty`, or any fast-check property) on harnesses from
 * `make`: validates the harness first, bounds shrinking by `shrinkTimeLimit`, and rejects with an
 * {@link InvariantError} whose message shows the broken clause, the ticks of the counterexample,
 * the counterexample, and the replay line.
 *
 * @example
 * ```ts
 * await checkProperty("my-property", myProperty((seed) => virtualClockHarness({ seed })), (seed) => virtualClockHarness({ seed }), {
 *   numRuns: 50,
 *   ...replayFromEnvironment(),
 * });
 * ```
 */
export async function checkProperty(
  name: string,
  property: fc.IAsyncProperty<never> | fc.IProperty<never>,
  make: HarnessFactory | undefined,
  options: CheckOptions = {},
): Promise<void> {
  if (make !== undefined) await validateHarness(make, "checkProperty");
  await runChecked(name, property, options);
}

/**
 * {@link checkProperty} without the harness check, for callers that made it already.
 * @internal
 */
export async function runChecked(
  name: string,
  property: fc.IAsyncProperty<never> | fc.IProperty<never>,
  options: CheckOptions,
): Promise<void> {
  const { numRuns = 100, shrinkTimeLimit = 10_000 } = options;
  if (!Number.isInteger(numRuns) || numRuns < 1) {
    throw new RangeError(
      `checkProperty(name, property, harness, options): options.numRuns must be a positive integer; got ${describeValue(numRuns)}`,
    );
  }
  if (typeof shrinkTimeLimit !== "number" || !(shrinkTimeLimit >= 0)) {
    throw new RangeError(
      `checkProperty(name, property, harness, options): options.shrinkTimeLimit must be a non-negative number of milliseconds; got ${describeValue(shrinkTimeLimit)}`,
    );
  }
  const prop = property as fc.IAsyncProperty<never>;
  const found = await fc.check(prop, {
    numRuns,
    endOnFailure: true,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!found.failed) return;
  let details = found;
  let shrinking = "not shrunk";
  if (shrinkTimeLimit > 0 && found.counterexamplePath !== null) {
    // Replays the failure from its path and shrinks it, for at most shrinkTimeLimit: a property
    // that shrinks for minutes would otherwise reach the test runner's timeout first and report
    // nothing at all.
    const shrunk = await fc.check(prop, {
      seed: found.seed,
      path: found.counterexamplePath,
      interruptAfterTimeLimit: shrinkTimeLimit,
    });
    if (shrunk.failed) {
      details = shrunk;
      shrinking = shrunk.interrupted
        ? `shrunk ${shrunk.numShrinks} times before the ${shrinkTimeLimit / 1000} s limit; the smallest found so far`
        : `shrunk ${shrunk.numShrinks} times`;
    } else {
      shrinking =
        "not shrunk: it did not fail again on replay, so it depends on something outside the seed";
    }
  }
  const error = details.errorInstance;
  const violation = error instanceof Violation ? error : undefined;
  const broken =
    violation === undefined
      ? describeValue(error, 2000)
      : violation.clause === undefined
        ? violation.detail
        : `${violation.clause} — ${violation.detail}`;
  const path = details.counterexamplePath ?? undefined;
  const replay = `FC_SEED=${details.seed} FC_PATH="${path ?? ""}" ${options.command ?? "<your test command>"}`;
  const lines = [`invariant "${name}" failed.`, `Broken: ${broken}`];
  if (violation?.timeline)
    lines.push("Ticks of the counterexample (harness ms):", violation.timeline);
  lines.push(
    `Counterexample (case ${found.numRuns} of ${numRuns}, ${shrinking}): ${describeValue(details.counterexample, 1500)}`,
    `Seed ${details.seed}; the suite replays it when replayFromEnvironment() is spread into its options:`,
    `Replay exactly: ${replay}`,
  );
  throw new InvariantError(
    name,
    details.seed,
    path,
    violation?.clause,
    lines.join("\n"),
    details.counterexample,
  );
}

/**
 * Replay options from the environment (`FC_SEED`, `FC_PATH`, `FC_RUNS`), so a failure's printed
 * line replays it: spread into `checkInvariant`'s options.
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

const MEMBERS: readonly [keyof TimeHarness, string][] = [
  ["now", "a function returning the harness's time in milliseconds"],
  [
    "sleep",
    "a function (ms, signal?) returning a promise that resolves after ms milliseconds of harness time",
  ],
  [
    "advance",
    "a function (ms) that moves time forward by ms milliseconds and resolves when what fell due has run",
  ],
  ["settle", "a function letting promise continuations run without moving time"],
  ["next", "a function running the next armed timer and resolving to false when none is armed"],
  ["pending", "a function returning how many timers are armed"],
  ["dispose", "a function undoing any global change"],
];

const DRIVER_MEMBERS = ["now", "wallNow", "random", "setWake", "clearWake"] as const;

/**
 * Checks a harness factory before a property uses it: every member of {@link TimeHarness}
 * present with the right type, and milliseconds throughout (a `sleep(10)` ends after
 * `advance(10)`; `now()` — and the driver's clock — move by 10). Throws a `TypeError` listing
 * every problem, or a `RangeError` for a harness that speaks another unit.
 *
 * @example
 * ```ts
 * await validateHarness((seed) => myHarness(seed)); // throws, saying what is wrong, or returns
 * ```
 */
export async function validateHarness(
  make: HarnessFactory,
  caller = "checkInvariant",
): Promise<void> {
  const where = `${caller}: the harness`;
  if (typeof make !== "function") {
    throw new TypeError(
      `${where} must be a function (seed) => TimeHarness; got ${describeValue(make)}`,
    );
  }
  const harness = make(1) as Partial<TimeHarness> | null | undefined;
  if (typeof harness !== "object" || harness === null) {
    throw new TypeError(
      `${where} factory must return a TimeHarness object; got ${describeValue(harness)}`,
    );
  }
  try {
    const problems: string[] = [];
    if (typeof harness.name !== "string" || harness.name === "") {
      problems.push(
        `name must be a non-empty string (shown in messages); got ${describeValue(harness.name)}`,
      );
    }
    if (!("driver" in harness)) {
      problems.push("driver is missing: a Driver, or undefined for core's real driver");
    } else if (harness.driver !== undefined) {
      const driver = harness.driver as unknown as Record<string, unknown> | null;
      const missing = DRIVER_MEMBERS.filter((member) => typeof driver?.[member] !== "function");
      if (missing.length > 0) {
        problems.push(
          `driver must be a Driver (or undefined for core's real driver); it lacks ${missing.join(", ")}`,
        );
      }
    }
    for (const [member, expected] of MEMBERS) {
      if (typeof harness[member] !== "function") {
        problems.push(`${member} must be ${expected}; got ${describeValue(harness[member])}`);
      }
    }
    const resolution = harness.resolution;
    if (typeof resolution !== "number" || !Number.isFinite(resolution) || resolution < 0) {
      problems.push(
        `resolution must be a number of milliseconds ≥ 0: how late a wake may land (0 on the virtual clock, 1 on core's real driver); got ${describeValue(resolution)}`,
      );
    }
    if (problems.length > 0) {
      throw new TypeError(
        `${where} is not a TimeHarness:\n  - ${problems.join("\n  - ")}\nA harness speaks milliseconds throughout (now, sleep, advance, resolution); a Timer and a VirtualClock speak seconds.`,
      );
    }
    await checkUnits(harness as TimeHarness, where);
  } finally {
    harness.dispose?.();
  }
}

async function checkUnits(harness: TimeHarness, where: string): Promise<void> {
  const before = harness.now();
  const driverBefore = harness.driver?.now();
  let ended = false;
  harness.sleep(10).then(
    () => {
      ended = true;
    },
    () => {},
  );
  await harness.advance(10);
  await harness.settle();
  const moved = harness.now() - before;
  const unit =
    'a harness speaks milliseconds throughout (now, sleep, advance, resolution), while a Timer and a VirtualClock speak seconds: pass VirtualClock#advance a string such as "250ms"';
  if (typeof moved !== "number" || Math.abs(moved - 10) > Math.max(1, harness.resolution)) {
    throw new RangeError(
      `${where}: advance(10) moved now() by ${describeValue(moved)}, not 10: ${unit}`,
    );
  }
  if (driverBefore !== undefined && harness.driver !== undefined) {
    const driverMoved = harness.driver.now() - driverBefore;
    if (Math.abs(driverMoved - 10) > Math.max(1, harness.resolution)) {
      throw new RangeError(
        `${where}: advance(10) moved the driver's clock by ${describeValue(driverMoved)} ms, not 10: ${unit}`,
      );
    }
  }
  if (!ended) {
    throw new RangeError(`${where}: sleep(10) had not ended after advance(10): ${unit}`);
  }
}
