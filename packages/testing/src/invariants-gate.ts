/**
 * Invariants of the `lease` option: a {@link Gate} consulted before each tick.
 *
 * @module
 */
import type { ClaimRequest, Fence, Gate, GateAnswer, TickContext } from "@async-timer/core";
import { Timer } from "@async-timer/core";
import fc from "fast-check";
import { timerSpec } from "./arbitraries.js";
import {
  drive,
  type Invariant,
  limits,
  nextMacrotask,
  thrownBy,
  withoutUnhandled,
} from "./invariant.js";
import { check, describeValue, harnessProperty } from "./property-kit.js";
import { advanceTo, toOptions } from "./scenario.js";
import { watch } from "./watch.js";

/** How the gate answers one claim. */
interface Answer {
  readonly kind: "grant" | "refuse" | "throw" | "reject" | "no-fence";
  /** Answered after this many ms (a promise), or at once. */
  readonly after: number | undefined;
  /** `next`, as ms after the claim was asked; none when undefined. */
  readonly next: number | undefined;
  /** While its granted tick runs, the gate aborts it after this many ms. */
  readonly abortAfter: number | undefined;
}

const answer: fc.Arbitrary<Answer> = fc.record({
  kind: fc.constantFrom("grant", "grant", "refuse", "throw", "reject", "no-fence"),
  after: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  // At least 1 ms: a gate that always says "now" to an instant tick would spin on one instant.
  next: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
  abortAfter: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
});

/** One claim, as the gate saw it. */
interface Claim {
  readonly n: number;
  readonly at: number;
  readonly answer: Answer;
  readonly request: ClaimRequest;
  settledAt?: number;
  fence?: Fence;
  next?: number | undefined;
}

/** One call of the target. */
interface Call {
  readonly at: number;
  readonly fence: Fence | undefined;
  readonly signal: AbortSignal;
  end?: number;
}

/** SPEC (*Cluster*, `Gate`): the gate decides each tick, and the claim is part of it. */
export const leaseGate: Invariant = {
  name: "lease-gate",
  description:
    "With a lease gate, the claim is part of the tick: no claim or tick overlaps another; the target runs once per claim granted with a fence, with that fence on its context, and never for a claim refused, thrown, rejected or granted without a fence (each failure logged once); a claim's next is when the gate is asked again (after the granted tick has ended); request.abort() aborts the granted tick's signal with its reason; started() runs once per start() with the timer's mode and driver, ended() once per run, and cancel() aborts a pending claim's signal and resolves only after the claim has settled and ended()'s promise has — and still resolves, logging it once, when ended() throws or rejects; nothing is unhandled.",
  doesNotCheck:
    "The engines of @async-timer/lease (its own tests and chaos run); the schedule without next (the timer's own, as without a gate); setDelay() and trigger() with a gate.",
  property: (make) =>
    harnessProperty(
      make,
      [
        timerSpec(limits).map((spec) => ({ ...spec, jitter: 0 })),
        fc.array(answer, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 500, max: 8000 }),
        fc.constantFrom("no", "throws", "rejects"),
      ],
      async (harness, spec, answers, work, endedMs, cancelAt, endedFails) => {
        await withoutUnhandled(async () => {
          const claims: Claim[] = [];
          const calls: Call[] = [];
          const started: { mode: unknown; now: unknown }[] = [];
          const ended: { at: number; done?: number }[] = [];
          const errors: string[] = [];
          let busy = 0;
          let mostBusy = 0;
          const enter = () => {
            mostBusy = Math.max(mostBusy, ++busy);
          };
          const gate: Gate = {
            started: (run) => {
              started.push({ mode: run.mode, now: typeof run.driver?.now });
            },
            ended: () => {
              const record: { at: number; done?: number } = { at: harness.now() };
              ended.push(record);
              if (endedFails === "throws") {
                record.done = record.at;
                throw new Error("release failed on purpose");
              }
              return harness.sleep(endedMs).then(() => {
                record.done = harness.now();
                if (endedFails === "rejects") throw new Error("release failed on purpose");
              });
            },
            claim(request) {
              const n = claims.length + 1;
              const a = answers[(n - 1) % answers.length] as Answer;
              const claim: Claim = { n, at: harness.now(), answer: a, request };
              claims.push(claim);
              enter();
              const settle = (): GateAnswer => {
                busy--;
                claim.settledAt = harness.now();
                if (a.kind === "throw" || a.kind === "reject") {
                  throw new Error(`claim ${n} failed on purpose`);
                }
                const next = a.next === undefined ? undefined : claim.at + a.next;
                claim.next = next;
                if (a.kind === "refuse" || request.signal.aborted) return { granted: false, next };
                if (a.kind === "no-fence") return { granted: true, next } as unknown as GateAnswer;
                claim.fence = { epoch: 1, slot: n };
                if (a.abortAfter !== undefined) {
                  const reason = new Error(`lease lost in claim ${n}`);
                  void harness.sleep(a.abortAfter).then(() => request.abort(reason));
                }
                return { granted: true, fence: claim.fence, next };
              };
              if (a.after === undefined) {
                if (a.kind === "reject") {
                  busy--;
                  claim.settledAt = harness.now();
                  return Promise.reject(new Error(`claim ${n} failed on purpose`));
                }
                return settle();
              }
              // A well-behaved gate settles at once when its claim's signal aborts.
              return harness.sleep(a.after, request.signal).then(settle, settle);
            },
          };
          const timer = new Timer(
            `${spec.delay}ms`,
            (context: TickContext) => {
              const call: Call = {
                at: harness.now(),
                fence: context.fence,
                signal: context.signal,
              };
              calls.push(call);
              enter();
              const done = () => {
                busy--;
                call.end = harness.now();
                return calls.length;
              };
              return harness.sleep(work, context.signal).then(done, (error: unknown) => {
                done();
                throw error;
              });
            },
            toOptions<number>(spec, harness, {
              lease: gate,
              onError: () => "continue",
              logger: { error: (line: string) => errors.push(line) },
            }),
          );
          timer.start();
          await advanceTo(harness, cancelAt);
          const claimsAtCancel = claims.length;
          const pending = claims.find((claim) => claim.settledAt === undefined);
          const cancelledAt = harness.now();
          const cancelling = timer.cancel();
          const outcome = watch(cancelling);
          const cancelled = await drive(harness, cancelling);
          const resolvedAt = harness.now();
          await nextMacrotask();
          check(
            cancelled && outcome.done() && thrownBy(() => outcome.result()) === undefined,
            () => (cancelled ? "cancel() rejected" : "cancel() never resolved"),
            "cancel() resolves",
          );
          const endedLines = errors.filter((line) => /ended\(\) failed/.test(line)).length;
          check(
            endedLines === (endedFails === "no" ? 0 : 1),
            () =>
              `ended() ${endedFails === "no" ? "succeeded" : endedFails}; logged ${endedLines} lines of it`,
            "an ended() that throws or rejects is logged once",
          );
          check(
            mostBusy <= 1,
            () => `${mostBusy} claims or ticks were in flight at once`,
            "the claim is part of the tick: nothing overlaps",
          );
          const granted = claims.filter((c) => c.fence !== undefined);
          check(
            calls.length === granted.length &&
              calls.every((call, i) => call.fence === granted[i]?.fence),
            () =>
              `claims granted with a fence: ${granted.map((c) => c.n)}; the target ran ${calls.length} times with fences ${calls.map((c) => describeValue(c.fence))}`,
            "the target runs once per granted claim, with its fence",
          );
          const failed = claims.filter(
            (c) => c.answer.kind === "throw" || c.answer.kind === "reject",
          ).length;
          const noFence = claims.filter(
            (c) => c.answer.kind === "no-fence" && !c.request.signal.aborted,
          ).length;
          const claimLines = errors.filter((line) => /claim failed/.test(line)).length;
          const fenceLines = errors.filter((line) => /without a fence/.test(line)).length;
          check(
            claimLines === failed && fenceLines === noFence,
            () =>
              `${failed} claims failed and ${noFence} were granted without a fence; logged ${claimLines} and ${fenceLines}`,
            "a failed claim or one without a fence is logged once",
          );
          for (const claim of claims.slice(0, claimsAtCancel - 1)) {
            const following = claims[claim.n];
            if (following === undefined || claim.next === undefined) continue;
            const call = calls.find((c) => c.fence === claim.fence);
            // A next already past: asked again at once (after a turn of the event loop).
            const after = Math.max(claim.next, claim.settledAt ?? 0, call?.end ?? 0);
            check(
              Math.abs(following.at - after) <= harness.resolution + 1e-6,
              () =>
                `claim ${claim.n} (asked at ${claim.at}, settled at ${claim.settledAt}${call === undefined ? "" : `, its tick ended at ${call.end}`}) said next = ${claim.next}; claim ${following.n} was asked at ${following.at}`,
              "the gate is asked again at its next",
            );
          }
          for (const claim of granted) {
            const call = calls.find((c) => c.fence === claim.fence);
            const aborts = claim.answer.abortAfter;
            if (call === undefined || aborts === undefined) continue;
            const abortAt = (claim.settledAt ?? 0) + aborts;
            // Only while the tick runs (it would have ended at call.at + work), before cancel().
            if (abortAt >= call.at + work || abortAt >= cancelledAt) continue;
            check(
              call.signal.aborted &&
                String((call.signal.reason as Error)?.message).includes(`claim ${claim.n}`),
              () =>
                `the gate aborted claim ${claim.n}'s tick at ${abortAt}; its signal: ${call.signal.aborted ? describeValue(call.signal.reason) : "not aborted"}`,
              "request.abort() aborts the granted tick's signal with its reason",
            );
          }
          for (const call of calls) {
            const by = /claim (\d+)/.exec(String((call.signal.reason as Error)?.message))?.[1];
            const own = claims.find((claim) => claim.fence === call.fence)?.n;
            check(
              by === undefined || Number(by) === own,
              () => `claim ${by}'s request.abort() aborted the tick of claim ${own}`,
              "request.abort() aborts only the tick its claim granted",
            );
          }
          check(
            started.length === 1 &&
              started[0]?.mode === spec.mode &&
              started[0]?.now === "function" &&
              ended.length === 1,
            () => `started() ran ${started.length} times, ended() ${ended.length}`,
            "started() once per start(), ended() once per run",
          );
          check(
            (ended[0]?.done ?? Number.POSITIVE_INFINITY) <= resolvedAt &&
              (pending?.settledAt ?? 0) <= resolvedAt &&
              (pending === undefined || pending.settledAt !== undefined),
            () =>
              `cancel() resolved at ${resolvedAt}; ended()'s promise at ${ended[0]?.done}, the pending claim settled at ${pending?.settledAt}`,
            "cancel() waits for the pending claim and for ended()",
          );
          check(
            pending === undefined || pending.request.signal.aborted,
            () => `the claim pending at cancel() (claim ${pending?.n}) has no aborted signal`,
            "cancel() aborts a pending claim's signal",
          );
        });
      },
    ),
};
