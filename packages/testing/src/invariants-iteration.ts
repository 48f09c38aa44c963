/**
 * Invariants of leaving an iteration: `break` out of `for await` over a timer or a subscription.
 *
 * @module
 */
import fc from "fast-check";
import { tickScript, timerSpec } from "./arbitraries.js";
import { begin, drive, type Invariant, limits, scripted, span } from "./invariant.js";
import { check, harnessProperty } from "./property-kit.js";
import { advanceTo, stop } from "./scenario.js";
import { watch } from "./watch.js";

/** SPEC (*Delivery*, *Subscriptions and runs*): leaving a loop closes what it iterated. */
export const iterationExit: Invariant = {
  name: "iteration-exit",
  description:
    "Leaving a for await loop (break) over a timer or a subscription closes that iterator: its next() then gives done, a subscription buffers nothing more (qsize stays 0) while the timer goes on ticking for the others, and a next() left pending by a concurrent return() resolves done; iterating a timer that is not running ends at once, without a value.",
  doesNotCheck:
    "What the loop received before leaving (latest-value-fanout, subscription-completeness); leaving by an exception thrown in the loop body (the same return() is called).",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits),
        tickScript(limits, { failures: false }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
      ],
      async (harness, spec, script, k, m) => {
        const { log, timer } = scripted(harness, spec, script);
        const idle: number[] = [];
        for await (const value of timer) idle.push(value);
        check(
          idle.length === 0,
          () => `iterating the timer before start() gave ${idle}`,
          "iterating a timer that is not running ends at once",
        );
        begin(timer, log);
        const feed = timer.subscribe();
        const iterator = timer[Symbol.asyncIterator]();
        const loops = Promise.all([
          (async () => {
            let n = 0;
            for await (const _ of timer) if (++n === k) break;
            return n;
          })(),
          (async () => {
            let n = 0;
            for await (const _ of feed) if (++n === m) break;
            return n;
          })(),
        ]);
        check(await drive(harness, loops), () => "the loops never left", "setup");
        // A next() pending when return() is called resolves done.
        const pending = watch(iterator.next());
        const returned = watch(iterator.return?.() ?? Promise.resolve(undefined));
        await harness.settle();
        check(
          pending.done() && returned.done() && pending.result().done === true,
          () => "a next() pending at return() did not resolve done",
          "a next() pending at return() resolves done",
        );
        const hitsBefore = timer.hitCount;
        await advanceTo(harness, harness.now() + span(spec, 3));
        const after = watch(feed.next());
        const again = watch(iterator.next());
        await harness.settle();
        check(
          timer.hitCount > hitsBefore || !timer.isRunning(),
          () => `the timer stopped ticking when its consumers left (hitCount ${timer.hitCount})`,
          "the timer goes on for the others",
        );
        check(
          feed.qsize === 0 &&
            after.done() &&
            after.result().done === true &&
            again.done() &&
            again.result().done === true,
          () =>
            `after break: the subscription holds ${feed.qsize} values; next() gives ${after.done() ? JSON.stringify(after.result()) : "nothing yet"}`,
          "an iterator left by break is closed: next() gives done, nothing more is buffered",
        );
        await stop(harness, timer);
      },
    ),
};
