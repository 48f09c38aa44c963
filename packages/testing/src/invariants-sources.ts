/**
 * Invariants of generator sources at their edges: a `cancel({ timeout })` that gives up while a
 * source is closing, and what a source's `next()` may give — values, promises and thenables of
 * values, results that throw, reject or are not results at all, and a `done` result with a value.
 *
 * @module
 */
import { Timer } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import type { TimeHarness } from "./harness.js";
import { drive, type Invariant, limits, withoutUnhandled } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, toOptions } from "./scenario.js";
import { watch } from "./watch.js";

/** Timer settings whose delay leaves room for a few pulls per second (≥ 20 ms). */
const roomy = timerSpec(limits).map((spec) => ({ ...spec, delay: Math.max(spec.delay, 20) }));

// ─── closing-timeout ─────────────────────────────────────────────────────────────────────────

/** What one run's generator did, on the harness's clock. */
interface Closing {
  /** A pull is sleeping (the tick in flight). */
  pulling: boolean;
  /** When its `finally` began and ended. */
  began?: number;
  ended?: number;
}

/** An async generator that sleeps `pull` ms per value and `cleanup` ms (or for ever) in `finally`. */
async function* closingGenerator(
  harness: TimeHarness,
  pull: number,
  cleanup: number | "never",
  record: Closing,
): AsyncGenerator<number> {
  let n = 0;
  try {
    for (;;) {
      record.pulling = true;
      await harness.sleep(pull);
      record.pulling = false;
      yield ++n;
    }
  } finally {
    record.began = harness.now();
    await (cleanup === "never" ? new Promise<void>(() => {}) : harness.sleep(cleanup));
    record.ended = harness.now();
  }
}

/** SPEC (*Cancellation*, *Target shapes*): `cancel({ timeout })` bounds a source's cleanup too. */
export const closingTimeout: Invariant = {
  name: "closing-timeout",
  description:
    "cancel({ timeout }) of a timer whose generator's finally takes a while or never ends resolves within its timeout; before it, only with the finally block run to its end; when it gives up (on the cleanup, or on a pull still in flight) it logs that at warn level with the timer's name; and giving up is final: another cancel() resolves at once, also later, and after a restart the new run's cancel() waits for its own generator's cleanup and not for the one given up on. Restarted at once after a cancel() nobody awaited, so that two runs' cleanups overlap, each cancel() resolves only once the finally blocks of its run and of the runs before it have run.",
  doesNotCheck:
    "Whether the source given up on is closed at all once its pull settles (core closes it then, waited for by no cancel()); cleanups that throw (failing-cleanup); generator objects given directly (they cannot restart).",
  property: (make) =>
    harnessProperty(
      make,
      [
        roomy,
        fc.integer({ min: 0, max: 800 }),
        fc.oneof(fc.integer({ min: 0, max: 2500 }), fc.constant<"never">("never")),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.option(
          fc.record({
            at: fc.integer({ min: 0, max: 2000 }),
            cleanup: fc.integer({ min: 0, max: 500 }),
          }),
          { nil: undefined },
        ),
        // Instead: cancel() without awaiting it and start() again at once, so that two runs'
        // cleanups overlap; cancel() again `at` later and `later` after that.
        fc.option(
          fc.record({
            at: fc.integer({ min: 0, max: 2000 }),
            cleanup: fc.integer({ min: 0, max: 1500 }),
            later: fc.integer({ min: 0, max: 1500 }),
          }),
          { nil: undefined },
        ),
      ],
      async (harness, spec, pull, cleanup, cancelAt, timeout, restart, overlap) => {
        const name = "closing";
        const warnings: { at: number; line: string }[] = [];
        // Each run's generator (if its first tick came), and how long its cleanup takes.
        const runs: (Closing | undefined)[] = [];
        let run = 0;
        const cleanups =
          overlap === undefined
            ? [cleanup, restart?.cleanup ?? 0]
            : [cleanup === "never" ? 2500 : cleanup, overlap.cleanup];
        const timer = new Timer(
          `${spec.delay}ms`,
          () => {
            const record: Closing = { pulling: false };
            runs[run] = record;
            return closingGenerator(harness, pull, cleanups[run] ?? 0, record);
          },
          toOptions<number>(spec, harness, {
            name,
            logger: { warn: (line: string) => warnings.push({ at: harness.now(), line }) },
          }),
        );
        timer.start();
        await advanceTo(harness, cancelAt);
        if (overlap !== undefined) {
          // Each cancel() waits for the cleanups of its run and of the runs before it.
          const cancels: { calledAt: number; run: number; at?: number; open?: string }[] = [];
          const done: Promise<void>[] = [];
          const cancel = () => {
            const record: (typeof cancels)[number] = { calledAt: harness.now(), run };
            cancels.push(record);
            done.push(
              timer.cancel().then(() => {
                record.at = harness.now();
                const open = runs
                  .slice(0, record.run + 1)
                  .map((r, i) =>
                    r === undefined
                      ? ""
                      : r.pulling
                        ? `run ${i + 1}'s pull`
                        : r.ended === undefined
                          ? `run ${i + 1}'s finally`
                          : "",
                  )
                  .filter((what) => what !== "");
                record.open = open.join(", ");
              }),
            );
          };
          cancel();
          run = 1;
          timer.start();
          await advanceTo(harness, harness.now() + overlap.at);
          cancel();
          await harness.advance(overlap.later);
          cancel();
          const resolved = await drive(harness, Promise.all(done));
          for (const { calledAt, run: of, at, open } of cancels) {
            check(
              resolved && at !== undefined && open === "",
              () =>
                at === undefined
                  ? `a cancel() called at ${calledAt} never resolved`
                  : `a cancel() called at ${calledAt} (run ${of + 1}) resolved at ${at} with ${open} still running`,
              "cancel() resolves only once the finally blocks of its run and the runs before it have run",
            );
          }
          return;
        }
        const calledAt = harness.now();
        const deadline = calledAt + timeout;
        let seen: { at: number; pulling: boolean; ended: boolean } | undefined;
        const cancelled = timer.cancel({ timeout: `${timeout}ms` }).then(() => {
          const first = runs[0];
          seen = {
            at: harness.now(),
            pulling: first?.pulling === true,
            ended: first === undefined || first.ended !== undefined,
          };
        });
        const resolved = await drive(harness, cancelled);
        check(
          resolved && seen !== undefined && seen.at <= deadline + harness.resolution + 1e-6,
          () =>
            `cancel({ timeout: "${timeout}ms" }) called at ${calledAt} ${seen === undefined ? "never resolved" : `resolved at ${seen.at}`} (the generator's finally ${cleanup === "never" ? "never ends" : `takes ${cleanup} ms`})`,
          "cancel({ timeout }) resolves within its timeout",
        );
        const at = seen.at;
        const first = runs[0];
        if (first !== undefined && at < deadline - 1e-6) {
          check(
            seen.ended && !seen.pulling,
            () =>
              `cancel() resolved at ${at}, before its timeout (${deadline}), and the generator's finally ${first.began === undefined ? "had not begun" : `began at ${first.began} and had not ended`}`,
            "before its timeout, cancel() resolves only once the finally block has run",
          );
        }
        const gaveUp = seen.pulling || !seen.ended;
        if (gaveUp) {
          check(
            warnings.some(
              (w) =>
                w.at >= calledAt &&
                w.at <= at &&
                w.line.includes(name) &&
                !/fixed_rate/.test(w.line),
            ),
            () =>
              `cancel() gave up at ${at} on ${seen?.pulling === true ? "a pull in flight" : "the generator's cleanup"} and logged no warn line naming "${name}": ${JSON.stringify(warnings.map((w) => w.line))}`,
            "giving up is logged at warn level with the timer's name",
          );
        }
        const again = watch(timer.cancel());
        await harness.settle();
        check(
          again.done(),
          () => `a cancel() made right after the first resolved (at ${at}) is still pending`,
          "giving up is final: a later cancel() resolves at once",
        );
        await harness.advance(300);
        const later = watch(timer.cancel());
        await harness.settle();
        check(
          later.done(),
          () =>
            `a cancel() made at ${harness.now()}, after the first gave up at ${at} on ${seen?.pulling === true ? "a pull in flight" : "a cleanup"} (its cleanup ${first?.began === undefined ? "not begun" : first.ended === undefined ? "still running" : `ended at ${first.ended}`}), is still pending`,
          "giving up is final: a later cancel() resolves at once",
        );
        if (restart === undefined) return;
        run = 1;
        timer.start();
        await advanceTo(harness, harness.now() + restart.at);
        const calledAgainAt = harness.now();
        let secondAt: number | undefined;
        const second = timer.cancel().then(() => {
          secondAt = harness.now();
        });
        const secondResolved = await drive(harness, second);
        const own = runs[1];
        const due = Math.max(calledAgainAt, own?.ended ?? calledAgainAt);
        check(
          secondResolved &&
            secondAt !== undefined &&
            (own === undefined || own.ended !== undefined) &&
            secondAt <= due + harness.resolution + 1e-6,
          () =>
            `after a restart, cancel() called at ${calledAgainAt} ${secondAt === undefined ? "never resolved" : `resolved at ${secondAt}`}; the new run's generator ${own === undefined ? "was never made" : own.ended === undefined ? "had not finished its cleanup" : `finished its cleanup at ${own.ended}`}, the one given up on ${first?.ended === undefined ? "never did" : `at ${first.ended}`}`,
          "after a restart, cancel() waits for the new run's cleanup only",
        );
      },
    ),
};

// ─── source-results ──────────────────────────────────────────────────────────────────────────

/** What one pull of a hand-made iterator gives. */
type Step =
  /** `{ done: false, value: n }`, or (`async`) a promise of it after `ms`. */
  | { readonly kind: "value"; readonly async: boolean; readonly ms: number }
  /** `{ done: false, value }` with `value` a promise of n after `ms` (a sync generator's yield). */
  | { readonly kind: "promised"; readonly ms: number }
  /** `{ done: false, value }` with `value` a thenable of n, calling back after `ms` (0: at once). */
  | { readonly kind: "thenable"; readonly ms: number }
  /** A thenable (not a promise) of `{ done: false, value: n }`, after `ms`. */
  | { readonly kind: "thenable-result"; readonly ms: number }
  /** `next()` throws. */
  | { readonly kind: "throws" }
  /** `next()` gives a promise that rejects after `ms`. */
  | { readonly kind: "rejects"; readonly ms: number }
  /** `{ done: false, value }` with `value` a promise rejecting after `ms`. */
  | { readonly kind: "value-rejects"; readonly ms: number }
  /** `next()` gives something that is not an iterator result (or a promise of it). */
  | { readonly kind: "not-a-result"; readonly async: boolean }
  /** `{ done: false, value }` with `value` an object whose `then` getter throws. */
  | { readonly kind: "then-throws" }
  /** A result whose `done` getter throws (or a promise of it). */
  | { readonly kind: "done-throws"; readonly async: boolean };

/** Whether a step fails its tick. */
const fails = (step: Step) =>
  step.kind === "throws" ||
  step.kind === "rejects" ||
  step.kind === "value-rejects" ||
  step.kind === "not-a-result" ||
  step.kind === "then-throws" ||
  step.kind === "done-throws";

const ms = fc.integer({ min: 0, max: 300 });

const handMadeStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("value" as const), async: fc.boolean(), ms }),
  fc.record({ kind: fc.constant("promised" as const), ms }),
  fc.record({ kind: fc.constant("thenable" as const), ms: fc.oneof(fc.constant(0), ms) }),
  fc.record({ kind: fc.constant("thenable-result" as const), ms }),
  fc.constant({ kind: "throws" as const }),
  fc.record({ kind: fc.constant("rejects" as const), ms }),
  fc.record({ kind: fc.constant("value-rejects" as const), ms }),
  fc.record({ kind: fc.constant("not-a-result" as const), async: fc.boolean() }),
  fc.constant({ kind: "then-throws" as const }),
  fc.record({ kind: fc.constant("done-throws" as const), async: fc.boolean() }),
);

/** The steps a real generator can take: sync generators yield values, promises or throw; async ones await. */
const generatorStep = (isAsync: boolean): fc.Arbitrary<Step> =>
  isAsync
    ? fc.oneof(
        fc.record({ kind: fc.constant("value" as const), async: fc.constant(true), ms }),
        fc.record({ kind: fc.constant("rejects" as const), ms }),
      )
    : fc.oneof(
        fc.record({ kind: fc.constant("value" as const), async: fc.constant(false), ms }),
        fc.record({ kind: fc.constant("promised" as const), ms }),
        fc.record({ kind: fc.constant("value-rejects" as const), ms }),
        fc.constant({ kind: "throws" as const }),
      );

/** A source's script: how it is made, its steps, and how it ends. */
interface SourceScript {
  readonly shape: "hand-made" | "sync generator" | "async generator";
  readonly steps: readonly Step[];
  /** The final `done` result: with a value or without, given at once or (`async`) as a promise. */
  readonly end: { readonly value: boolean; readonly async: boolean };
  /** Given to the timer directly, rather than returned by a function. */
  readonly direct: boolean;
}

const sourceScript: fc.Arbitrary<SourceScript> = fc
  .constantFrom("hand-made", "hand-made", "sync generator", "async generator")
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape as SourceScript["shape"]),
      steps: fc.array(
        shape === "hand-made" ? handMadeStep : generatorStep(shape === "async generator"),
        { minLength: 0, maxLength: 8 },
      ),
      end: fc.record({
        value: fc.boolean(),
        async: shape === "async generator" ? fc.constant(true) : fc.boolean(),
      }),
      direct: fc.boolean(),
    }),
  );

/** The error a pull fails with; `pull` is its 1-based number. */
class PullError extends Error {
  override readonly name = "PullError";
  constructor(readonly pull: number) {
    super(`pull ${pull} failed on purpose`);
  }
}

/** What the timer's value would be if a `done` result's value were taken for a tick's. */
const DONE_VALUE = 999;

/** What the source did, pull by pull. */
interface Pulls {
  count: number;
  /** A pull whose answer has not settled yet. */
  pending: boolean;
  /** A pull was asked for while another was pending. */
  overlapped: boolean;
  /** The error each failing pull was made to fail with, by pull number. */
  readonly errors: Map<number, unknown>;
}

/** The iterator `script` describes, recording its pulls in `pulls`. */
function makeSource(
  harness: TimeHarness,
  script: SourceScript,
  pulls: Pulls,
): Iterator<unknown> | AsyncIterator<unknown> {
  const later = <R>(wait: number, fn: () => R): Promise<R> => harness.sleep(wait).then(fn);
  const fail = (n: number) => {
    const error = new PullError(n);
    pulls.errors.set(n, error);
    return error;
  };
  if (script.shape === "sync generator") {
    return (function* () {
      for (const [i, step] of script.steps.entries()) {
        const n = i + 1;
        pulls.count++;
        if (step.kind === "throws") throw fail(n);
        if (step.kind === "promised") yield later(step.ms, () => n);
        else if (step.kind === "value-rejects") {
          const error = fail(n);
          yield later((step as { ms: number }).ms, () => {
            throw error;
          });
        } else yield n;
      }
      pulls.count++;
      return script.end.value ? DONE_VALUE : undefined;
    })();
  }
  if (script.shape === "async generator") {
    return (async function* () {
      for (const [i, step] of script.steps.entries()) {
        const n = i + 1;
        pulls.count++;
        await harness.sleep((step as { ms: number }).ms);
        if (step.kind === "rejects") throw fail(n);
        yield n;
      }
      pulls.count++;
      return script.end.value ? DONE_VALUE : undefined;
    })();
  }
  let index = 0;
  const track = <R>(answer: Promise<R>): Promise<R> => {
    pulls.pending = true;
    const done = () => {
      pulls.pending = false;
    };
    answer.then(done, done);
    return answer;
  };
  const next = (): unknown => {
    if (pulls.pending) pulls.overlapped = true;
    const n = ++index;
    pulls.count++;
    const step = script.steps[n - 1];
    if (step === undefined) {
      const result = { done: true, value: script.end.value ? DONE_VALUE : undefined };
      return script.end.async ? track(later(0, () => result)) : result;
    }
    switch (step.kind) {
      case "value":
        return step.async
          ? track(later(step.ms, () => ({ done: false, value: n })))
          : { done: false, value: n };
      case "promised":
        return { done: false, value: later(step.ms, () => n) };
      case "thenable":
        return {
          done: false,
          value: {
            // biome-ignore lint/suspicious/noThenProperty: a thenable is what is tested
            then(resolve: (value: number) => void) {
              if (step.ms === 0) resolve(n);
              else void later(step.ms, () => resolve(n));
            },
          },
        };
      case "thenable-result": {
        const result = later(step.ms, () => ({ done: false, value: n }));
        track(result);
        return {
          // biome-ignore lint/suspicious/noThenProperty: a thenable is what is tested
          then(resolve: (value: unknown) => void) {
            void result.then(resolve);
          },
        };
      }
      case "throws":
        throw fail(n);
      case "rejects": {
        const error = fail(n);
        return track(
          later(step.ms, () => {
            throw error;
          }),
        );
      }
      case "value-rejects": {
        const error = fail(n);
        return {
          done: false,
          value: later(step.ms, () => {
            throw error;
          }),
        };
      }
      case "not-a-result":
        // What a confused iterator gives: a bare value, or null through a promise.
        pulls.errors.set(n, TypeError);
        return step.async ? track(later(0, () => null)) : n;
      case "then-throws": {
        const error = fail(n);
        return {
          done: false,
          value: {
            // biome-ignore lint/suspicious/noThenProperty: a thenable is what is tested
            get then(): never {
              throw error;
            },
          },
        };
      }
      case "done-throws": {
        const error = fail(n);
        const result = {
          get done(): never {
            throw error;
          },
          value: n,
        };
        return step.async ? track(later(0, () => result)) : result;
      }
    }
  };
  return {
    next,
    [Symbol.iterator]() {
      return this;
    },
  } as Iterator<unknown>;
}

/** What the timer should make of `script`: the values delivered, the pulls that fail, in order. */
function expected(script: SourceScript): { values: number[]; failures: number[]; pulls: number } {
  const values: number[] = [];
  const failures: number[] = [];
  for (const [i, step] of script.steps.entries()) {
    const n = i + 1;
    if (!fails(step)) {
      values.push(n);
      continue;
    }
    failures.push(n);
    // A generator that throws is finished: its next pull is done (without entering its body,
    // so uncounted), and ends the run.
    if (script.shape !== "hand-made" && step.kind !== "value-rejects") {
      return { values, failures, pulls: n };
    }
  }
  return { values, failures, pulls: script.steps.length + 1 };
}

/** SPEC (*Target shapes*, *Adopting a target's result*): each pull of a source is one tick. */
export const sourceResults: Invariant = {
  name: "source-results",
  description:
    "Whatever a source's next() gives, each pull is one tick, never two at once: a result's value — a plain value, or a promise or thenable of one, also when next() itself gives a promise or a thenable — is the tick's value (subscribers get it in order, hitCount counts it, lastResult is the last); a next() that throws or rejects, a value that rejects, a then getter or a done getter that throws, a result that is not an object: each fails its tick, and onError hears that very error (a TypeError for a non-result) and the run goes on; a generator that threw is finished, so its next pull ends the run; and a done result ends the run like a cancel — not running, onCancel once, subscriptions end, not failed — its value not taken for a tick's. Sync and async generators and hand-made iterators, given directly or returned by a function; nothing is unhandled.",
  doesNotCheck:
    "The timing of pulls (the schedules' invariants, with function targets); promises as the values of an async iterator's results (an async generator never yields one); a \"done\" that is truthy but not true; closing on cancel (generator-close-on-cancel, closing-timeout).",
  property: (make) =>
    harnessProperty(make, [roomy, sourceScript], async (harness, spec, script) => {
      await withoutUnhandled(async () => {
        const pulls: Pulls = { count: 0, pending: false, overlapped: false, errors: new Map() };
        const heard: unknown[] = [];
        let onCancel = 0;
        const options = toOptions<unknown>(spec, harness, {
          onError: (error) => {
            heard.push(error);
            return "continue";
          },
          onCancel: () => onCancel++,
        });
        const timer: Timer<unknown> = script.direct
          ? new Timer(`${spec.delay}ms`, makeSource(harness, script, pulls), options)
          : new Timer(`${spec.delay}ms`, () => makeSource(harness, script, pulls), options);
        const feed = timer.subscribe();
        const received: unknown[] = [];
        let feedError: unknown;
        const feeding = (async () => {
          try {
            for await (const value of feed) received.push(value);
          } catch (error) {
            feedError = error;
          }
        })();
        timer.start();
        const ended = await drive(harness, timer.wait());
        const fed = await drive(harness, feeding);
        const want = expected(script);
        const what = () =>
          `a ${script.shape}${script.direct ? " given directly" : ""} with pulls [${script.steps.map((s) => s.kind)}] then done${script.end.value ? ` with value ${DONE_VALUE}` : ""}`;
        check(
          !pulls.overlapped && pulls.count === want.pulls,
          () =>
            pulls.overlapped
              ? `${what()}: next() was called while the previous pull was pending`
              : `${what()}: next() was called ${pulls.count} times, expected ${want.pulls}`,
          "each pull is one tick, never two at once",
        );
        check(
          received.join() === want.values.join() &&
            timer.hitCount === want.values.length &&
            timer.lastResult === want.values.at(-1),
          () =>
            `${what()}: the subscription got [${received}], hitCount is ${timer.hitCount} and lastResult ${describeValue(timer.lastResult)}; expected [${want.values}]`,
          "a result's value, or what its promise or thenable resolves to, is the tick's value",
        );
        const heardRight =
          heard.length === want.failures.length &&
          heard.every((error, i) => {
            const made = pulls.errors.get(want.failures[i] as number);
            return made === TypeError ? error instanceof TypeError : error === made;
          });
        check(
          heardRight,
          () =>
            `${what()}: onError heard [${heard.map((e) => describeValue(e))}]; pulls ${want.failures} failed`,
          "a pull that throws, rejects or gives no result fails its tick with that error",
        );
        check(
          ended &&
            fed &&
            feedError === undefined &&
            !timer.isRunning() &&
            onCancel === 1 &&
            timer.state !== "failed",
          () =>
            `${what()}: after the done result the timer ${timer.isRunning() ? "still runs" : `is ${timer.state}`}, onCancel ran ${onCancel} times, the subscription ${fed ? (feedError === undefined ? "ended" : `threw ${describeValue(feedError)}`) : "never ended"}`,
          "a done result ends the run like a cancel",
        );
      });
    }),
};
