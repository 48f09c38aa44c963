/**
 * Invariants of consumers under strain: iterations and subscriptions when ticks fail under
 * either error policy while the consumer is busy, and a subscription read in bursts after long
 * pauses — its queue growing far past its first size, overflowing, and the drops logged as a
 * repeated condition.
 *
 * @module
 */
import { TimerCancelledError } from "@async-timer/core";
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { runUntil, type TimeHarness } from "./harness.js";
import { begin, type Invariant, limits, scripted, span } from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, ScriptedError, stop, type TickBehaviour } from "./scenario.js";
import { watch } from "./watch.js";

// ─── iteration-errors ────────────────────────────────────────────────────────────────────────

/** How a call settled. */
type Outcome = { readonly value: unknown } | { readonly error: unknown };

/** How `promise` settles, as a value (never rejecting). */
function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** How a failing tick is decided: by a function answering, or by the string "continue". */
type Policy = "stop" | "continue" | '"continue"';

/** How one loop over the timer or a subscription ended, and what it got. */
interface Loop {
  readonly over: "the timer" | "a subscription";
  /** ms it spends on each value (0: always waiting). */
  readonly pace: number;
  readonly received: number[];
  ending?: "done" | { readonly error: unknown };
}

/** Reads `feed` at `pace`, recording what it got and how it ended. */
async function loop(harness: TimeHarness, feed: AsyncIterable<number>, into: Loop): Promise<void> {
  try {
    for await (const value of feed) {
      into.received.push(value);
      if (into.pace > 0) await harness.sleep(into.pace);
    }
    into.ending = "done";
  } catch (error) {
    into.ending = { error };
  }
}

/** SPEC fine print (*Errors and policy*): who sees a tick's error, by policy, busy or not. */
export const iterationErrors: Invariant = {
  name: "iteration-errors",
  description:
    'When a tick fails under policy stop, every loop over the timer (or over the iterator it gives) throws that error — one waiting at once, one busy with a value on its next next() — after the values it got, each subscription gets its buffer then the error, and wait() with or without a condition, and a trigger() made while that tick ran, reject with it; under policy continue (an onError answering "continue", or the string), no loop over the timer or a subscription sees the error: each goes on with the next values and ends when the timer stops, a wait() with no condition resolves with the last value, a conditional wait() rejects with the error, a trigger() made while the failing tick ran, or a join() made inside onError, gets the tick after it, and once cancelled the timer is "idle", not "failed". In either, a loop always waiting gets every value before the end.',
  doesNotCheck:
    "onError's own calls and the log lines (error-policies); a join() made before the failure (error-delivery-order); a join() made inside onError under policy stop; what a new iteration of a failed timer gives (failed-state).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits, { failures: false }),
        fc.constantFrom<TickBehaviour>({ kind: "throws" }, { kind: "rejects", ms: 300 }),
        tickScript(limits),
        fc.constantFrom<Policy>("stop", "continue", '"continue"'),
        // How fast each loop over the timer reads, and whether it loops over the timer or over
        // the iterator the timer gives (itself iterable).
        fc.array(
          fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2500 })), fc.boolean()),
          { minLength: 1, maxLength: 3 },
        ),
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2500 })), {
          minLength: 0,
          maxLength: 2,
        }),
      ],
      async (harness, spec, before, failure, after, policy, timerLoops, feedPaces) => {
        // Some ticks, then one that fails, then anything: the failure comes early in every case.
        const script = [...before.slice(0, 4), failure, ...after];
        const failing = Math.min(before.length, 4) + 1;
        // A join() made inside onError, at the first failure: it asks for the next tick.
        let joinedInside: Promise<Outcome> | undefined;
        const { log, timer } = scripted(harness, spec, script, {
          onError:
            policy === '"continue"'
              ? "continue"
              : () => {
                  joinedInside ??= outcome(timer.join());
                  return policy;
                },
        });
        const loops: Loop[] = [];
        const feeds = feedPaces.map((pace) => {
          const into: Loop = { over: "a subscription", pace, received: [] };
          loops.push(into);
          return { into, feed: timer.subscribe() };
        });
        begin(timer, log);
        const running: Promise<void>[] = feeds.map(({ into, feed }) => loop(harness, feed, into));
        for (const [pace, viaIterator] of timerLoops) {
          const into: Loop = { over: "the timer", pace, received: [] };
          loops.push(into);
          running.push(loop(harness, viaIterator ? timer[Symbol.asyncIterator]() : timer, into));
        }
        const unconditional = outcome(timer.wait());
        const conditional = outcome(timer.wait({ hits: 1000 }));
        // A trigger() made while the failing tick is in flight asks for the tick after it.
        let triggered: Promise<Outcome> | undefined;
        if (failure.kind === "rejects") {
          for (let i = 0; i < 10_000 && log.ticks.length < failing; i++) {
            if (!(await harness.next())) break;
          }
          const inFlight = log.ticks[failing - 1];
          if (inFlight !== undefined && inFlight.endSeq === undefined && timer.isRunning()) {
            triggered = outcome(timer.trigger());
          }
        }
        await advanceTo(harness, span(spec, script.length + 2));
        const mark = log.seq;
        await stop(harness, timer);
        await runUntil(harness, Promise.all(running));
        const first = log.ticks.find((tick) => tick.outcome === "error");
        check(
          first !== undefined && (first.endSeq as number) <= mark,
          () => "no tick failed",
          "setup",
        );
        const isError = (error: unknown) =>
          error instanceof ScriptedError && error.tick === first.n;
        const stops = policy === "stop";
        // What succeeded: before the failure (stop), or before the cancel (continue).
        const values = log
          .endedBy(stops ? (first.endSeq as number) : mark)
          .filter((tick) => tick.outcome === "value")
          .map((tick) => tick.n);
        for (const each of loops) {
          const { over, pace, received, ending } = each;
          const who = `a loop over ${over}${pace === 0 ? ", always waiting," : ` busy ${pace} ms per value`}`;
          check(
            received.every(
              (n, i) => values.includes(n) && (i === 0 || n > (received[i - 1] as number)),
            ),
            () => `${who} got [${received}]; the values were [${values}]`,
            "values in order, each from a tick that succeeded",
          );
          if (stops) {
            check(
              typeof ending === "object" && isError(ending.error),
              () =>
                `${who} ended ${ending === "done" ? "without an error" : `with ${describeValue((ending as { error: unknown } | undefined)?.error ?? "nothing")}`} after tick #${first.n} failed`,
              over === "the timer"
                ? "policy stop: a loop over the timer throws the error, a busy one on its next next()"
                : "policy stop: a subscription gets its buffer, then the error",
            );
          } else {
            check(
              ending === "done",
              () =>
                `${who} ended with ${describeValue((ending as { error: unknown } | undefined)?.error ?? "nothing")} (tick #${first.n} failed)`,
              "policy continue: no loop sees the error; each goes on and ends with the timer",
            );
          }
          if (pace === 0 || over === "a subscription") {
            check(
              received.join() === values.join(),
              () => `${who} got [${received}]; every value was [${values}]`,
              over === "a subscription"
                ? "a subscription gets every value before the end"
                : "a loop always waiting gets every value before the end",
            );
          }
        }
        const [plain, counted] = await Promise.all([unconditional, conditional]);
        if (stops) {
          check(
            "error" in plain &&
              isError(plain.error) &&
              "error" in counted &&
              isError(counted.error),
            () =>
              `wait() settled with ${describeValue(plain)}, wait({ hits }) with ${describeValue(counted)}, after tick #${first.n} failed`,
            "policy stop: wait() with or without a condition rejects with the error",
          );
        }
        // What a call asking for the tick after the failing one gets: that tick's outcome (under
        // stop, the run ends with the failure).
        const nextTick = log.ticks.find((tick) => tick.n === first.n + 1);
        const asNextTick = (got: Outcome) =>
          stops
            ? "error" in got && isError(got.error)
            : nextTick?.outcome === "value"
              ? "value" in got && got.value === nextTick.n
              : nextTick?.outcome === "error"
                ? "error" in got &&
                  got.error instanceof ScriptedError &&
                  got.error.tick === nextTick.n
                : "error" in got && got.error instanceof TimerCancelledError;
        if (triggered !== undefined) {
          const got = await triggered;
          check(
            asNextTick(got),
            () =>
              `a trigger() made while tick #${first.n} was failing settled with ${describeValue(got)}; the tick after it ${nextTick === undefined ? "never ran" : `ended with ${nextTick.outcome}`}`,
            stops
              ? "policy stop: a trigger() made during the failing tick rejects with the error"
              : "policy continue: a trigger() made during the failing tick gets the next tick",
          );
        }
        if (!stops && joinedInside !== undefined) {
          const got = await joinedInside;
          check(
            asNextTick(got),
            () =>
              `a join() made inside onError for tick #${first.n} settled with ${describeValue(got)}; the tick after it ${nextTick === undefined ? "never ran" : `ended with ${nextTick.outcome}`}`,
            "policy continue: a join() made inside onError gets the next tick",
          );
        }
        if (!stops) {
          check(
            timer.state === "idle",
            () => `after failures under policy continue and a cancel(), state is ${timer.state}`,
            'policy continue: a timer cancelled after failures is "idle", not "failed"',
          );
          check(
            "value" in plain && plain.value === timer.lastResult,
            () =>
              `wait() with no condition settled with ${describeValue(plain)}; the last value was ${timer.lastResult}`,
            "policy continue: a wait() with no condition resolves with the last value",
          );
          check(
            "error" in counted && isError(counted.error),
            () =>
              `wait({ hits }) settled with ${describeValue(counted)} after tick #${first.n} failed`,
            "policy continue: a conditional wait() rejects with the error",
          );
        }
      },
    ),
};

// ─── bursty-consumer ─────────────────────────────────────────────────────────────────────────

/** One burst of the reader: it sleeps `pause` ms, sheds `shed` values, then drains the queue. */
interface Burst {
  readonly pause: number;
  readonly shed: number;
}

/** What one burst found. */
interface Drained {
  readonly at: number;
  /** qsize when it woke, before shedding. */
  readonly held: number;
  /** How many it asked dropOldest() to remove, and how many it did. */
  readonly asked: number;
  readonly shed: number;
  /** droppedCount when it drained (after shedding). */
  readonly dropped: number;
  readonly values: readonly unknown[];
}

/** The name the drop lines must carry. */
const FEED = "burst";

/** SPEC (*Delivery*, *Logging*): a queue that grows, overflows and is read in bursts. */
export const burstyConsumer: Invariant = {
  name: "bursty-consumer",
  description:
    "A subscription read in bursts after pauses of up to 15 s — its queue holding dozens of values, far past its first size — gives at each burst exactly the oldest values it still holds, in order, none lost or repeated: unbounded, it drops nothing; bounded, it holds at most maxsize and drops only when full, the oldest first; dropOldest(n) removes min(n, qsize) of the oldest; when the timer stops it gives what it still holds, then ends; close() discards what it holds and ends it at once. Overflow drops are logged at warn level naming the subscription, as a repeated condition: one line when they start, at most one summary line per 10 s (how many more since the last line and over how long, how many since the episode began and since when), and an ending line with the total and how long it lasted, every drop accounted for.",
  doesNotCheck:
    "Failing ticks and the error marker (drop-oldest-keeps-sentinel); the wording of the lines beyond their counts and times; skipped fixed_rate slots (fixed-rate-slots).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec({ maxDelay: 1000 }).map((spec) => ({
          ...spec,
          delay: Math.max(spec.delay, 150),
        })),
        tickScript({ maxDelay: 1000, maxWork: 600 }, { failures: false }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
        fc.array(
          fc.record({
            pause: fc.integer({ min: 0, max: 15_000 }),
            shed: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom<"drain" | "close">("drain", "close"),
      ],
      async (harness, spec, script, maxsize, bursts, tail, ending) => {
        const lines: { at: number; line: string; level: string }[] = [];
        const { log, timer } = scripted(harness, spec, script, {
          logger: {
            warn: (line: string) => lines.push({ at: harness.now(), line, level: "warn" }),
            error: (line: string) => lines.push({ at: harness.now(), line, level: "error" }),
          },
        });
        begin(timer, log);
        const feed = timer.subscribe({ maxsize, name: FEED });
        const drains: Drained[] = [];
        const reading = watch(
          (async () => {
            for (const burst of bursts as Burst[]) {
              await harness.sleep(burst.pause);
              const held = feed.qsize;
              const shed = burst.shed > 0 ? feed.dropOldest(burst.shed) : 0;
              // Every buffered value, taken at this instant: each next() takes one synchronously.
              const taking = Array.from({ length: feed.qsize }, () => feed.next());
              const dropped = feed.droppedCount;
              const values = (await Promise.all(taking)).map((result) =>
                result.done ? "the end" : result.value,
              );
              drains.push({ at: harness.now(), held, asked: burst.shed, shed, dropped, values });
            }
          })(),
        );
        const pauses = bursts.reduce((total, burst) => total + burst.pause, 0);
        await advanceTo(harness, pauses + tail);
        check(reading.done(), () => "the reader's bursts never finished", "setup");
        // The reader is idle now: the queue only grew since its last burst.
        const last = { at: harness.now(), held: feed.qsize, dropped: feed.droppedCount };
        const rest: number[] = [];
        if (ending === "close") {
          feed.close();
          const next = watch(feed.next());
          await harness.settle();
          const closedAt = { qsize: feed.qsize, done: next.done() && next.result().done };
          await harness.advance(2 * spec.delay + 600);
          const later = watch(feed.next());
          await harness.settle();
          check(
            closedAt.qsize === 0 &&
              closedAt.done === true &&
              feed.qsize === 0 &&
              later.done() &&
              later.result().done === true,
            () =>
              `close() with ${last.held} values held: qsize then ${closedAt.qsize}, next() ${closedAt.done === true ? "done" : "not done"}; after more ticks qsize ${feed.qsize}`,
            "close() discards the buffer and ends the subscription at once",
          );
          await stop(harness, timer);
        } else {
          await stop(harness, timer);
          await runUntil(
            harness,
            (async () => {
              for await (const value of feed) rest.push(value);
            })(),
          );
        }
        const produced = log.values.map((tick) => tick.n);
        // Values leave the queue oldest first, by a drop or a read: at each burst, what it drains
        // is the slice of the produced values right after all that left before.
        let gone = 0;
        let lastDropped = 0;
        let overflow = 0;
        const windows = [
          ...drains,
          { at: last.at, held: last.held, asked: 0, shed: 0, dropped: last.dropped, values: rest },
        ];
        for (const [i, { at, held, asked, shed, dropped, values }] of windows.entries()) {
          const final = i === drains.length;
          check(
            maxsize === 0 || held <= maxsize,
            () => `at ${at} the subscription held ${held} values with maxsize ${maxsize}`,
            "never more than maxsize held",
          );
          check(
            shed === Math.min(held, asked),
            () => `at ${at}, dropOldest(${asked}) on ${held} values removed ${shed}`,
            "dropOldest(n) removes min(n, qsize) of the oldest",
          );
          const overflowed = dropped - lastDropped - shed;
          overflow += overflowed;
          check(
            maxsize === 0 ? overflowed === 0 : overflowed === 0 || held === maxsize,
            () =>
              `at ${at}, ${overflowed} values were dropped since the last burst and ${held} are held (maxsize ${maxsize})`,
            maxsize === 0
              ? "an unbounded queue drops nothing"
              : "a bounded queue drops only when full",
          );
          gone += overflowed + shed;
          if (final && ending === "close") break;
          const want = produced.slice(gone, final ? undefined : gone + values.length);
          check(
            values.length === want.length && values.every((value, i) => value === want[i]),
            () =>
              final
                ? `when the timer stopped the subscription gave [${values}], expected what it held: [${want}]`
                : `at ${at} the subscription gave [${values}]; after ${gone} values gone, the next held were [${produced.slice(gone, gone + values.length + 2)}]`,
            "each burst gives exactly the oldest values still held, in order",
          );
          gone += values.length;
          lastDropped = dropped;
        }
        const own = lines.filter((l) => !/fixed_rate/.test(l.line));
        check(
          own.every((l) => l.line.includes(FEED)),
          () => `lines that do not name the subscription: ${JSON.stringify(own)}`,
          "drops are logged at warn level naming the subscription",
        );
        repeated(own, {
          opening: /is full/,
          noun: "drop",
          total: overflow,
          level: "drops are logged at warn level naming the subscription",
        });
      },
    ),
};

/** Seconds as a line shows them (one decimal), against `ms`: within rounding. */
const seconds = (shown: string, ms: number) => Math.abs(Number(shown) - ms / 1000) <= 0.05 + 1e-6;

/**
 * The lines of a repeated condition (SPEC *Logging*) — an opening line, summaries giving
 * how many more since the last line (and over how long), how many since the episode began (and
 * since when), an ending line with the episode's total — each drop accounted for.
 */
export function repeated(
  lines: readonly { at: number; line: string; level: string }[],
  how: {
    /** Matches an episode's opening line; its first group, if any, is the count it opens with. */
    readonly opening: RegExp;
    /** "drop" or "skip": what the clauses name. */
    readonly noun: string;
    /** What the lines must account for in all, if known. */
    readonly total?: number;
    /** The clause of the level check. */
    readonly level: string;
  },
): void {
  const { opening, noun, level } = how;
  check(
    lines.every((l) => l.level === "warn"),
    () => `${noun} lines at other levels: ${JSON.stringify(lines)}`,
    level,
  );
  let total = 0;
  let episode = 0;
  let began = 0;
  let lastLine = Number.NEGATIVE_INFINITY;
  let closed = true;
  for (const { line, at } of lines) {
    const opened = opening.exec(line);
    if (opened !== null) {
      check(
        closed || at - lastLine >= 10_000 - 1e-6,
        () =>
          `an opening line ${at - lastLine} ms after the last line, with no ending line: ${line}`,
        `one line when the ${noun}s start, at most one summary line per 10 s`,
      );
      total += episode;
      episode = Number(opened[1] ?? 1);
      began = lastLine = at;
      closed = false;
      continue;
    }
    // Counts are whole numbers, never negative: "-3 more" is not a summary.
    const summary = /(?<![-\d.])(\d+) more\D*?([\d.]+) s\D*?(\d+) since\D*?([\d.]+) s ago/.exec(
      line,
    );
    const ending = /(?<![-\d.])(\d+) in all\D*?([\d.]+) s/.exec(line);
    check(
      summary !== null || ending !== null,
      () => `a line that neither opens, summarises nor ends the drops: ${line}`,
      `${noun} lines: an opening, summaries with count and since when, an ending`,
    );
    if (summary !== null) {
      const [, more, over, since, ago] = summary as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      check(
        !closed && at - lastLine >= 10_000 - 1e-6,
        () => `a summary line ${at - lastLine} ms after the last line: ${line}`,
        `one line when the ${noun}s start, at most one summary line per 10 s`,
      );
      episode += Number(more);
      check(
        Number(more) > 0 &&
          seconds(over, at - lastLine) &&
          Number(since) === episode &&
          seconds(ago, at - began),
        () =>
          `a summary line at ${at} (the last line at ${lastLine}) of an episode that began at ${began} with ${episode} drops so far says: ${line}`,
        "a summary line gives the count since the last line and since the episode began, and since when",
      );
      lastLine = at;
    } else if (ending !== null) {
      const [, all, over] = ending as unknown as [string, string, string];
      check(
        !closed && Number(all) >= episode,
        () => `an ending line says ${all} in all; the lines before it counted ${episode}`,
        `every ${noun} accounted for by the lines`,
      );
      check(
        Number(over) <= (at - began) / 1000 + 0.05 + 1e-6,
        () => `an ending line at ${at} of an episode that began at ${began} says: ${line}`,
        "an ending line gives the episode's total and how long it lasted",
      );
      episode = Number(all);
      closed = true;
    }
  }
  total += episode;
  check(
    how.total === undefined || total === how.total,
    () => `${how.total} ${noun}s; the lines account for ${total}: ${JSON.stringify(lines)}`,
    `every ${noun} accounted for by the lines`,
  );
}
