/**
 * What a property of the kit is built from, exported so that a downstream property reads like
 * the kit's own: a fresh harness per case ({@link harnessProperty}), checks that name the clause
 * they hold the timer to ({@link check}, {@link Violation}), and a short per-tick timeline of the
 * failing case ({@link traceTicks}, {@link formatTimeline}).
 *
 * @module
 */
import fc from "fast-check";
import type { TimeHarness } from "./harness.js";
import type { TickLog } from "./scenario.js";

/**
 * Makes a fresh harness for one case of a property, from a generated seed. Harnesses speak
 * milliseconds (see {@link TimeHarness}).
 *
 * @example
 * ```ts
 * const make: HarnessFactory = (seed) => virtualClockHarness({ seed });
 * ```
 */
export type HarnessFactory = (seed: number) => TimeHarness;

/**
 * A broken clause of the contract: what a property throws. `clause` names the promise that
 * broke (for the properties with several, e.g. `cancel-clauses`); `timeline` is the per-tick
 * record of the case, added by {@link harnessProperty}.
 *
 * @example
 * ```ts
 * throw new Violation("signal aborted", "tick 3's signal had not aborted when cancel() resolved");
 * ```
 */
export class Violation extends Error {
  /** Always `"Violation"`. */
  override readonly name = "Violation";
  /** The ticks of the failing case, one line each; set by {@link harnessProperty}. */
  timeline: string | undefined;
  constructor(
    /** The clause that broke, when a property checks several. */
    readonly clause: string | undefined,
    /** What happened, in one line. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(clause === undefined ? detail : `${clause}: ${detail}`, options);
  }
}

/**
 * Throws a {@link Violation} of `clause` with `message()` unless `condition` holds. The message
 * is a function so that a passing check costs nothing.
 *
 * @example
 * ```ts
 * check(log.maxInFlight <= 1, () => `${log.maxInFlight} ticks were in flight at once`, "no overlap");
 * ```
 */
export function check(
  condition: unknown,
  message: () => string,
  clause?: string,
): asserts condition {
  if (!condition) throw new Violation(clause, message());
}

const traced = new WeakMap<TimeHarness, TickLog[]>();

/**
 * Adds `log` to the timeline printed when the current case on `harness` fails.
 *
 * @example
 * ```ts
 * const log = new TickLog();
 * traceTicks(harness, log);
 * new Timer("100ms", scriptedTarget(harness, script, log), { driver: harness.driver });
 * ```
 */
export function traceTicks(harness: TimeHarness, log: TickLog): void {
  const logs = traced.get(harness);
  if (logs === undefined) traced.set(harness, [log]);
  else logs.push(log);
}

/**
 * The ticks of `logs` as a short table (number, run, start → end in harness ms, outcome), the
 * first and last `rows` of it when longer.
 *
 * @example
 * ```ts
 * console.log(formatTimeline([log]));
 * //   tick   run  start → end (ms)      outcome
 * //   #1     1    0 → 300               value 1
 * ```
 */
export function formatTimeline(logs: readonly TickLog[], rows = 24): string {
  const lines: string[] = [];
  for (const [index, log] of logs.entries()) {
    if (logs.length > 1) lines.push(`timer ${index + 1}:`);
    if (log.ticks.length === 0) {
      lines.push("  (no tick ran)");
      continue;
    }
    lines.push(`  ${"tick".padEnd(6)} ${"run".padEnd(4)} ${"start → end (ms)".padEnd(21)} outcome`);
    const all = log.ticks;
    const shown =
      all.length <= rows
        ? all
        : [...all.slice(0, rows / 2), undefined, ...all.slice(all.length - rows / 2)];
    for (const tick of shown) {
      if (tick === undefined) {
        lines.push(`  … ${all.length - rows} more ticks …`);
        continue;
      }
      const span = `${time(tick.start)} → ${tick.end === undefined ? "…" : time(tick.end)}`;
      const outcome =
        tick.outcome === undefined
          ? "in flight"
          : tick.outcome === "value"
            ? `value ${tick.value ?? tick.n}`
            : tick.outcome;
      lines.push(
        `  ${`#${tick.n}`.padEnd(6)} ${String(tick.run).padEnd(4)} ${span.padEnd(21)} ${outcome}`,
      );
    }
  }
  return lines.join("\n");
}

function time(ms: number): string {
  return String(Number(ms.toFixed(3)));
}

/**
 * A short, readable description of any value for a failure message: an error's name and
 * message, anything else as fast-check prints it, cut at `max` characters.
 *
 * @example
 * ```ts
 * describeValue(new TypeError("bad")); // "TypeError: bad"
 * describeValue({ done: true });       // '{"done":true}'
 * ```
 */
export function describeValue(value: unknown, max = 200): string {
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else {
    try {
      text = fc.stringify(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * A fast-check property that runs `body` on a fresh harness for each case — made from a
 * generated seed, always disposed of — and, when the case fails, attaches the timeline of the
 * ticks it traced ({@link traceTicks}) to the {@link Violation} (any other error is wrapped in
 * one). This is how every property of the kit is built.
 *
 * @example
 * ```ts
 * const property = harnessProperty(make, [timerSpec()], async (harness, spec) => {
 *   const log = new TickLog();
 *   traceTicks(harness, log);
 *   // … run a timer, then check(…) what the log shows
 * });
 * await checkProperty("my-property", property, make);
 * ```
 */
export function harnessProperty<A extends unknown[]>(
  make: HarnessFactory,
  arbitraries: { [K in keyof A]: fc.Arbitrary<A[K]> },
  body: (harness: TimeHarness, ...values: A) => Promise<void>,
): fc.IAsyncProperty<never> {
  const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
  const property = fc.asyncProperty(seed, ...arbitraries, async (s: number, ...values: A) => {
    const harness = make(s);
    try {
      await body(harness, ...values);
    } catch (error) {
      const violation =
        error instanceof Violation
          ? error
          : new Violation(undefined, `the case threw ${describeValue(error, 500)}`, {
              cause: error,
            });
      violation.timeline ??= formatTimeline(traced.get(harness) ?? []);
      throw violation;
    } finally {
      harness.dispose();
    }
  });
  // Typed `never` so that properties of any arguments fit one list (fast-check's property types
  // are invariant in their arguments); fc.check and fc.assert take it as it is.
  return property as unknown as fc.IAsyncProperty<never>;
}
