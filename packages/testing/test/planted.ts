/**
 * Which planted fault shows each invariant able to fail, and where. The faults themselves live
 * in the two test files that mock core; this list lets one test check that every invariant has
 * at least one.
 */
import type { InvariantName } from "../src/properties.js";

/** Faults planted by `invariants-catch-faults.test.ts` (some through the machine). */
export const legacyFaults = {
  "no-overlap": "overlap",
  "fixed-delay-spacing": "late-wakes",
  "fixed-rate-slots": "late-wakes",
  "jitter-bounds": "wide-jitter",
  "trigger-freshness": "stale-trigger",
  "subscription-completeness": "skipping-subscription",
  "bounded-drop-oldest": "unbounded-subscription",
  "drop-oldest-keeps-sentinel": "drop-takes-sentinel",
  "latest-value-fanout": "skipping-iteration",
  "wait-semantics": "early-wait",
  "join-semantics": "stale-join",
  "cancel-quiescence": "hasty-cancel",
  "generator-close-on-cancel": "generator-left-open",
  restartability: "no-restart",
  "error-delivery-order": "error-before-buffer",
  "no-unhandled-rejection": "leaked-rejection",
  "machine-purity": "impure-step",
} as const satisfies Partial<Record<InvariantName, string>>;

/**
 * Faults planted by `planted-faults.test.ts`, through core's public API only (a wrapped Timer,
 * target, options or driver), each with the clause its failure must name, if the invariant names
 * clauses.
 */
export const classFaults = {
  "jitter-distribution": [
    { fault: "narrow-jitter", clause: "sleep = base × (1 − j + 2j·u)" },
    { fault: "one-sided-jitter", clause: "sleep = base × (1 − j + 2j·u)" },
    { fault: "biased-jitter", clause: "sleep = base × (1 − j + 2j·u)" },
    // The statistical fallback: the timer's random source cannot be seen.
    { fault: "opaque-narrow-jitter", clause: "uniform over the range" },
    { fault: "opaque-one-sided-jitter", clause: "uniform over the range" },
    { fault: "opaque-biased-jitter", clause: "uniform over the range" },
  ],
  "restart-while-settling": [
    { fault: "refused-restart", clause: "start() succeeds whenever isRunning() is false" },
    {
      fault: "restart-skips-initial-delay",
      clause: "first tick at max(start() + initialDelay, the old tick's end)",
    },
  ],
  "fresh-grid-per-run": [
    { fault: "stale-grid", clause: undefined },
    { fault: "bogus-skip-warning", clause: "skips logged exactly when slots were skipped" },
  ],
  "set-delay-timing": [
    { fault: "set-delay-cuts-sleep", clause: undefined },
    { fault: "set-delay-next-tick", clause: undefined },
  ],
  "last-tick-at": [
    { fault: "last-tick-at-start", clause: "lastTickAt = when the last successful tick completed" },
  ],
  "cancelled-tick-inert": [
    { fault: "late-result", clause: undefined },
    { fault: "late-observer", clause: "the cancelled tick's result is not delivered" },
    { fault: "late-on-error", clause: "the cancelled tick's result is not delivered" },
  ],
  "cancel-clauses": [
    { fault: "late-abort", clause: "the in-flight tick's signal has aborted" },
    {
      fault: "join-survives-cancel",
      clause: "pending join()s have rejected with TimerCancelledError",
    },
    { fault: "on-cancel-twice", clause: "onCancel has run once" },
    { fault: "hasty-cancel", clause: "the in-flight tick has settled" },
    { fault: "cancel-ignores-timeout", clause: "cancel({ timeout }) resolves within its timeout" },
    {
      fault: "silent-abandon",
      clause: "an abandoned tick is logged at warn level with the timer's name",
    },
    { fault: "tick-after-cancel", clause: "no new tick starts" },
  ],
  "external-cancellation": [
    {
      fault: "ignores-late-cancel-on",
      clause: "an input settled before start() ends the run at once",
    },
    {
      fault: "silent-cancel-on-rejection",
      clause: "a rejected cancelOn promise is logged at warn level with the timer's name",
    },
  ],
  "group-lifecycle": [
    { fault: "group-add-left-idle", clause: "add() starts the timer while the group is active" },
    { fault: "group-pairs-reversed", clause: "[timer, value] pairs in member order" },
  ],
  "failing-cleanup": [
    { fault: "cleanup-leak", clause: "no unhandled rejection" },
    { fault: "cleanup-hang", clause: "cancel() resolves" },
  ],
  "one-wake-or-tick": [
    {
      fault: "lost-wake",
      clause: "a running timer has exactly one wake armed or one tick in flight",
    },
    {
      fault: "double-wake",
      clause: "a running timer has exactly one wake armed or one tick in flight",
    },
  ],
  "cancel-inside-tick": [
    { fault: "inside-deadlock", clause: "cancel() from inside the tick resolves" },
  ],
  "generator-sources": [{ fault: "restart-exhausted-source", clause: "running out ends the run" }],
  "source-results": [
    {
      fault: "done-value-delivered",
      clause: "a result's value, or what its promise or thenable resolves to, is the tick's value",
    },
    {
      fault: "pull-error-ends-run",
      clause: "a pull that throws, rejects or gives no result fails its tick with that error",
    },
  ],
  "closing-timeout": [
    {
      // Caught as not waited for before the timeout, or with two runs' cleanups overlapping:
      // whichever case comes first.
      fault: "closing-not-awaited",
      clause: undefined,
    },
    {
      fault: "given-up-closing-awaited",
      clause: "giving up is final: a later cancel() resolves at once",
    },
  ],
  "bad-arguments": [
    { fault: "lenient-set-delay", clause: "bad arguments throw at the call" },
    { fault: "wait-rejects", clause: "bad arguments throw at the call" },
    { fault: "vague-messages", clause: "the message names the argument and the value" },
    {
      fault: "range-as-type",
      clause: "a TypeError for a value of the wrong kind, a RangeError for one out of range",
    },
    { fault: "unknown-keys-ignored", clause: "bad arguments throw at the call" },
    { fault: "no-suggestion", clause: "an unknown key names the known key it is closest to" },
  ],
  // Awaiting core: today's core fails these already; the faults show them failing once it passes.
  "independent-timers": [
    { fault: "one-queue-slot", clause: "no running timer is overdue" },
    { fault: "late-long-sleeps", clause: undefined },
  ],
  "error-policies": [
    {
      fault: "continue-logs-every-error",
      clause: "one line when the errors start, at most one summary line per 10 s",
    },
    {
      fault: "on-error-twice",
      clause: "onError is called once per failure, in order, with the error and the timer",
    },
    {
      fault: "error-line-without-error",
      clause: "a failing tick's error line carries the error",
    },
    {
      fault: "promise-answer-continues",
      clause: "a policy that stops ends the run at the first failure",
    },
  ],
  "cancel-from-hooks": [
    { fault: "hook-deadlock", clause: "cancel() from onError or onCancel resolves" },
  ],
  "state-and-tostring": [
    { fault: "no-stopping", clause: "state and toString() say what the timer is doing" },
    { fault: "nameless-to-string", clause: "state and toString() say what the timer is doing" },
  ],
  "iteration-errors": [
    {
      fault: "iterator-sees-continue-error",
      clause: "policy continue: no loop sees the error; each goes on and ends with the timer",
    },
    {
      fault: "busy-iterator-misses-error",
      clause: "policy stop: a loop over the timer throws the error, a busy one on its next next()",
    },
  ],
  "bursty-consumer": [
    {
      fault: "ring-grows-unwrapped",
      clause: "each burst gives exactly the oldest values still held, in order",
    },
    {
      fault: "close-keeps-buffer",
      clause: "close() discards the buffer and ends the subscription at once",
    },
    {
      fault: "summary-twice",
      clause: "one line when the drops start, at most one summary line per 10 s",
    },
  ],
  "iteration-exit": [
    {
      fault: "iterator-ignores-return",
      clause: "a next() pending at return() resolves done",
    },
    {
      fault: "subscription-ignores-return",
      clause: "an iterator left by break is closed: next() gives done, nothing more is buffered",
    },
  ],
  "shared-inputs": [
    { fault: "listener-per-timer", clause: "one listener per input, however many timers watch it" },
  ],
  "duration-strings": [
    { fault: "lenient-durations", clause: "any other string is a RangeError naming it" },
    { fault: "seconds-as-ms", clause: "a number is seconds" },
  ],
  "settings-per-timer": [{ fault: "stale-settings", clause: undefined }],
  "group-fine-print": [
    {
      fault: "group-timeout-early",
      clause: "trigger({ timeout }) rejects after the timeout for exactly the members late",
    },
    { fault: "group-cancel-in-turn", clause: undefined },
  ],
  "lease-gate": [
    {
      fault: "gate-runs-refused",
      clause: "the target runs once per granted claim, with its fence",
    },
    { fault: "gate-ignores-next", clause: "the gate is asked again at its next" },
    // Caught as not waited for, or (an ended() that fails) as not logged: whichever case comes first.
    { fault: "gate-end-not-awaited", clause: undefined },
    { fault: "gate-end-unlogged", clause: "an ended() that throws or rejects is logged once" },
  ],
  "every-decorator": [
    { fault: "every-started", clause: "every()(fn) is a timer, not started, with fn on func" },
    { fault: "every-reads-cancel-on-once", clause: "every()'s cancelOn ends each timer's run" },
  ],
  "observer-events": [
    { fault: "sticky-observer", clause: "every observer hears every event until it is removed" },
    { fault: "late-ticked", clause: undefined },
    { fault: "unguarded-observer", clause: undefined },
  ],
  "per-tick-signal": [
    { fault: "shared-signal", clause: "each tick has its own signal" },
    {
      fault: "late-read-fresh-signal",
      clause: "a signal first read after cancel() has aborted already; before, it has not",
    },
  ],
  "event-loop-turn": [
    { fault: "chained-tick", clause: "the event loop gets a turn between two ticks" },
  ],
  "failed-state": [{ fault: "forgets-failure", clause: 'state is "failed"' }],
  "wait-semantics": [
    {
      fault: "unconditional-wait-rejects",
      clause:
        "wait() with no condition resolves with the last value when the timer stops or at its timeout",
    },
  ],
  "huge-durations": [
    {
      fault: "dropped-far-wake",
      clause: "a running timer has exactly one wake armed or one tick in flight",
    },
  ],
} as const satisfies Partial<
  Record<InvariantName, readonly { fault: string; clause: string | undefined }[]>
>;
