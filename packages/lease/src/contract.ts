import fc from "fast-check";
import {
  type ClaimInput,
  decide,
  type LeaseAnswer,
  type LeaseKey,
  type LeaseOperation,
  type LeaseRecord,
  type LeaseStore,
} from "./store.js";

/**
 * The properties a {@link LeaseStore} must have, by name:
 *
 * - `"agrees-with-decide"`: random sequences of claims, renewals and releases by three holders,
 *   with pauses between them, run one at a time; every answer is exactly what `decide` gives for
 *   the engine time the answer reports — so the store numbers slots on its own clock, moves
 *   `lastSlot` only forward, raises the epoch on takeover, creates missing records cautiously.
 * - `"one-grant-per-slot"`: four holders claim at once, in a loop, some pausing past the ttl so
 *   the lease changes hands; no slot is granted twice, and each epoch has one holder.
 *
 * @example
 * ```ts
 * for (const name of contractNames) it(name, () => checkContract(name, () => myStore()));
 * ```
 */
export const contractNames = ["agrees-with-decide", "one-grant-per-slot"] as const;

/**
 * One of {@link contractNames}.
 *
 * @example
 * ```ts
 * const name: ContractName = "one-grant-per-slot";
 * ```
 */
export type ContractName = (typeof contractNames)[number];

/**
 * How hard to check.
 *
 * @example
 * ```ts
 * await checkContract("agrees-with-decide", makeStore, { numRuns: 50 });
 * ```
 */
export interface ContractOptions {
  /** Generated cases. Default 12 (each runs in real time on the engine: tens of milliseconds). */
  numRuns?: number | undefined;
  /** Replays a failure: the seed from its message. */
  seed?: number | undefined;
  /**
   * How the suite waits between operations. Default: real time (`setTimeout`). A store on a
   * fake clock (a memory store given `clock`) passes a function that advances that clock.
   */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Prefix of the lease names the suite uses (each case uses fresh ones). Default `"contract:"`. */
  keyPrefix?: string | undefined;
}

/**
 * A store broke its contract: which property, the counterexample, and the seed that replays it.
 *
 * @example
 * ```ts
 * try { await checkContract("agrees-with-decide", makeStore); }
 * catch (error) { if (error instanceof ContractError) console.log(error.seed); }
 * ```
 */
export class ContractError extends Error {
  /** Always `"ContractError"`. */
  override readonly name = "ContractError";
  constructor(
    /** The property that failed. */
    readonly property: ContractName,
    /** fast-check's seed of the failing run. */
    readonly seed: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let cases = 0;

/**
 * Checks one property of the contract on stores made by `makeStore` (called once per case, may
 * return the same store). Resolves, or rejects with a {@link ContractError}. Needs `fast-check`.
 *
 * @example
 * ```ts
 * import { checkContract, contractNames } from "@async-timer/lease/testing";
 * import { postgresStore } from "@async-timer/lease/postgres";
 *
 * for (const name of contractNames) {
 *   it(name, () => checkContract(name, () => postgresStore(pool, { table: "lease_contract" })));
 * }
 * ```
 */
export async function checkContract(
  name: ContractName,
  makeStore: () => LeaseStore | Promise<LeaseStore>,
  options: ContractOptions = {},
): Promise<void> {
  if (!contractNames.includes(name)) {
    throw new RangeError(
      `name must be one of ${contractNames.join(", ")}; got ${JSON.stringify(name)}`,
    );
  }
  const sleep = options.sleep ?? realSleep;
  const prefix = options.keyPrefix ?? "contract:";
  const run = () => `${prefix}${name}:${Date.now().toString(36)}:${++cases}`;
  const parameters = {
    numRuns: options.numRuns ?? (name === "one-grant-per-slot" ? 4 : 12),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    endOnFailure: true,
  };
  const details =
    name === "agrees-with-decide"
      ? await fc.check(agreesWithDecide(makeStore, sleep, run), parameters)
      : await fc.check(oneGrantPerSlot(makeStore, sleep, run), parameters);
  if (!details.failed) return;
  const cause = details.errorInstance;
  throw new ContractError(
    name,
    details.seed,
    `the lease store breaks "${name}" (seed ${details.seed}): ${(cause as Error | undefined)?.message ?? String(cause)}\ncounterexample: ${fc.stringify(details.counterexample)}`,
  );
}

interface Step {
  readonly op: "claim" | "renew" | "release";
  readonly who: number;
  /** Which epoch the holder sends: the one it believes in, none, or a stale one. */
  readonly epoch: "believed" | "none" | "stale";
  readonly wait: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom("claim", "claim", "claim", "renew", "release"),
  who: fc.integer({ min: 0, max: 2 }),
  epoch: fc.constantFrom("believed", "believed", "believed", "none", "stale"),
  wait: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70 })),
});

const scenario = fc.record({
  mode: fc.constantFrom("fixed_rate" as const, "fixed_delay" as const),
  period: fc.constantFrom(20, 35),
  ttl: fc.constantFrom(40, 90),
  backlog: fc.integer({ min: 0, max: 2 }),
  anchor: fc.constantFrom(0, 7, 1_000_003),
  /** A claim midway with another grid (a replica deployed with a new delay). */
  regrid: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  steps: fc.array(step, { minLength: 1, maxLength: 10 }),
});

function agreesWithDecide(
  makeStore: () => LeaseStore | Promise<LeaseStore>,
  sleep: (ms: number) => Promise<void>,
  key: () => string,
) {
  return fc.asyncProperty(scenario, async (s) => {
    const store = await makeStore();
    const lease = key();
    const believed = [0, 0, 0];
    let record: LeaseRecord | undefined;
    for (const [index, st] of s.steps.entries()) {
      if (st.wait > 0) await sleep(st.wait);
      const holder = `h${st.who}`;
      const mine = believed[st.who] as number;
      const epoch =
        st.epoch === "believed" ? mine : st.epoch === "none" ? 0 : Math.max(0, mine - 1);
      const who: LeaseKey = { key: lease, holder, epoch, ttl: s.ttl };
      const period = s.regrid === index ? s.period + 5 : s.period;
      const operation: LeaseOperation =
        st.op === "claim"
          ? {
              op: "claim",
              input: {
                ...who,
                mode: s.mode,
                period,
                anchor: s.anchor,
                backlog: s.backlog,
              } satisfies ClaimInput,
            }
          : { op: st.op, input: who };
      const answer: LeaseAnswer =
        operation.op === "claim"
          ? await store.claim(operation.input)
          : operation.op === "renew"
            ? await store.renew(operation.input)
            : await store.release(operation.input);
      const [next, expected] = decide(record, operation, answer.now);
      const fields = Object.keys(expected) as (keyof LeaseAnswer)[];
      if (fields.some((field) => answer[field] !== expected[field])) {
        throw new Error(
          `step ${index} (${st.op} by ${holder}, epoch ${epoch}) at engine time ${answer.now}: the store answered ${JSON.stringify(answer)}; decide() says ${JSON.stringify(expected)} (record before: ${JSON.stringify(record)})`,
        );
      }
      record = next;
      if (answer.holding) believed[st.who] = answer.epoch;
    }
  });
}

function oneGrantPerSlot(
  makeStore: () => LeaseStore | Promise<LeaseStore>,
  sleep: (ms: number) => Promise<void>,
  key: () => string,
) {
  const pauses = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 });
  return fc.asyncProperty(
    pauses,
    fc.constantFrom("fixed_rate" as const, "fixed_delay" as const),
    async (pause, mode) => {
      const store = await makeStore();
      const lease = key();
      const grants: { slot: number; epoch: number; holder: string }[] = [];
      const ttl = 40;
      const period = 8;
      await Promise.all(
        pause.map(async (every, who) => {
          let epoch = 0;
          for (let round = 0; round < 25; round++) {
            // Some holders go silent past the ttl now and then: the lease changes hands.
            if (every > 0 && round % (every * 4) === every) await sleep(ttl + 10);
            const input: ClaimInput = {
              key: lease,
              holder: `h${who}`,
              epoch,
              ttl,
              mode,
              period,
              anchor: 0,
              backlog: 1,
            };
            const answer = await store.claim(input);
            if (answer.holding) epoch = answer.epoch;
            if (answer.granted)
              grants.push({ slot: answer.slot, epoch: answer.epoch, holder: input.holder });
            await sleep(3);
          }
        }),
      );
      const slots = new Set<number>();
      const holders = new Map<number, string>();
      for (const grant of grants) {
        if (slots.has(grant.slot))
          throw new Error(`slot ${grant.slot} was granted twice: ${JSON.stringify(grants)}`);
        slots.add(grant.slot);
        const seen = holders.get(grant.epoch);
        if (seen !== undefined && seen !== grant.holder) {
          throw new Error(`epoch ${grant.epoch} was granted to ${seen} and ${grant.holder}`);
        }
        holders.set(grant.epoch, grant.holder);
      }
      const bySlot = [...grants].sort((a, b) => a.slot - b.slot);
      for (let i = 1; i < bySlot.length; i++) {
        if ((bySlot[i] as { epoch: number }).epoch < (bySlot[i - 1] as { epoch: number }).epoch) {
          throw new Error(
            `a later slot was granted under an older epoch: ${JSON.stringify(bySlot)}`,
          );
        }
      }
      if (grants.length === 0) throw new Error("no slot was granted at all");
    },
  );
}
