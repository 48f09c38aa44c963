/**
 * What a lease needs from an engine: three atomic operations on one record, each a single round
 * trip, decided on the engine's own clock. {@link decide} is their reference semantics — the
 * memory store runs it, the PostgreSQL statement and the Redis script are written after it, and
 * the contract suite (`@async-timer/lease/testing`) checks any store against it.
 *
 * The record of a lease:
 *
 * | field | meaning |
 * |---|---|
 * | `holder` | the id of the process holding the lease (`""` for nobody yet) |
 * | `epoch` | the fencing token: grows by one whenever the lease changes hands (or its grid) |
 * | `expiresAt` | engine ms; after it anyone may take the lease over |
 * | `lastSlot` | the last slot started; only moves forward within a grid |
 * | `nextAt` | engine ms before which no new slot may start |
 * | `grid` | `"<mode>:<period>:<anchor>"` the slots are numbered on |
 *
 * @module
 */
import type { Mode } from "@async-timer/core";

/**
 * A lease's record in the engine (see the module comment).
 *
 * @example
 * ```ts
 * const record: LeaseRecord = {
 *   holder: "web-1/4242/9f1c", epoch: 3, expiresAt: 1_700_000_030_000,
 *   lastSlot: 28_333_333, nextAt: 1_700_000_040_000, grid: "fixed_rate:60000:0",
 * };
 * ```
 */
export interface LeaseRecord {
  /** The id of the process holding the lease (`""` for nobody yet). */
  readonly holder: string;
  /** The fencing token: grows by one whenever the lease changes hands (or its grid). */
  readonly epoch: number;
  /** Engine milliseconds; after it anyone may take the lease over. */
  readonly expiresAt: number;
  /** The last slot started; only moves forward within a grid. */
  readonly lastSlot: number;
  /** Engine milliseconds before which no new slot may start. */
  readonly nextAt: number;
  /** `"<mode>:<period>:<anchor>"`: the grid the slots are numbered on. */
  readonly grid: string;
}

/**
 * Who asks, for which lease: common to the three operations.
 *
 * @example
 * ```ts
 * const who: LeaseKey = { key: "digest", holder: "web-1/4242/9f1c", epoch: 3, ttl: 30_000 };
 * ```
 */
export interface LeaseKey {
  /** The lease's name: its row or key in the engine. */
  readonly key: string;
  /** This process's id (unique per lease instance). */
  readonly holder: string;
  /** The epoch this process believes it holds; 0 when it holds nothing. */
  readonly epoch: number;
  /** Milliseconds a claim or renewal extends the lease by, from the engine's now. */
  readonly ttl: number;
}

/**
 * A claim: take or renew the lease, and start the next slot if one is due.
 *
 * @example
 * ```ts
 * const claim: ClaimInput = {
 *   key: "digest", holder: "web-1/4242/9f1c", epoch: 0, ttl: 30_000,
 *   mode: "fixed_rate", period: 60_000, anchor: 0, backlog: 0,
 * };
 * ```
 */
export interface ClaimInput extends LeaseKey {
  /** `fixed_rate`: slot = ⌊(now − anchor) / period⌋. `fixed_delay`: slots ≥ `period` apart, counted. */
  readonly mode: Mode;
  /** The timer's delay, in whole milliseconds (≥ 1). */
  readonly period: number;
  /** Engine epoch ms at which fixed_rate slot 0 starts. */
  readonly anchor: number;
  /** fixed_rate: how many missed slots may still be started, oldest first (0: skip them). */
  readonly backlog: number;
}

/**
 * What every operation answers, read on the engine at the moment it was decided.
 *
 * @example
 * ```ts
 * const answer: LeaseAnswer = await store.claim(input);
 * if (answer.granted) console.log("run slot", answer.slot, "with epoch", answer.epoch);
 * ```
 */
export interface LeaseAnswer {
  /** A slot was started for the caller: `slot` is it. Only claims grant. */
  readonly granted: boolean;
  /** The caller holds the lease after this operation. */
  readonly holding: boolean;
  /** The record's epoch after the operation (the caller's, when `holding`). */
  readonly epoch: number;
  /** The granted slot, or else the record's last slot. */
  readonly slot: number;
  /** Slots passed over by this grant: due, but never started by anyone. */
  readonly missed: number;
  /** The engine's clock, in epoch ms, when it decided. */
  readonly now: number;
  /** Engine ms when the lease expires. */
  readonly expiresAt: number;
  /** Engine ms before which no new slot may start. */
  readonly nextAt: number;
  /** Who holds the lease (`""`: nobody has yet). */
  readonly holder: string;
}

/**
 * An engine that can hold leases: PostgreSQL, Redis, memory — or yours (etcd, DynamoDB,
 * MySQL…). Each operation is **one atomic round trip** that reads the engine's own clock and
 * does exactly what {@link decide} does with it. Check an implementation with the contract suite
 * of `@async-timer/lease/testing`, then use it with `new Lease(store, options)`.
 *
 * @example
 * ```ts
 * const store: LeaseStore = {
 *   claim: (input) => rpc("claim", input),
 *   renew: (input) => rpc("renew", input),
 *   release: (input) => rpc("release", input),
 * };
 * ```
 */
export interface LeaseStore {
  /** Takes or renews the lease, and starts the next slot if one is due (see {@link decide}). */
  claim(input: ClaimInput): Promise<LeaseAnswer>;
  /** Extends the caller's lease; never starts a slot. */
  renew(input: LeaseKey): Promise<LeaseAnswer>;
  /** Lets the caller's lease expire now, so another process may take it at once. */
  release(input: LeaseKey): Promise<LeaseAnswer>;
}

/**
 * Which operation {@link decide} applies.
 *
 * @example
 * ```ts
 * const op: LeaseOperation = { op: "renew", input: { key: "digest", holder: "a", epoch: 3, ttl: 30_000 } };
 * ```
 */
export type LeaseOperation =
  | { readonly op: "claim"; readonly input: ClaimInput }
  | { readonly op: "renew"; readonly input: LeaseKey }
  | { readonly op: "release"; readonly input: LeaseKey };

/**
 * The grid a claim numbers slots on, as stored in the record.
 *
 * @example
 * ```ts
 * gridOf({ mode: "fixed_rate", period: 60_000, anchor: 0 }); // "fixed_rate:60000:0"
 * ```
 */
export function gridOf(input: Pick<ClaimInput, "mode" | "period" | "anchor">): string {
  return `${input.mode}:${input.period}:${input.anchor}`;
}

/**
 * The reference semantics of a {@link LeaseStore}: the record after an operation at engine time
 * `now`, and the answer. Pure.
 *
 * - **Claim.** The caller may act if the lease is its own (same holder and epoch) or has expired.
 *   Taking it over (or changing the grid) increments the epoch. Then a slot is granted if one is
 *   due: fixed_rate, slot `s = ⌊(now − anchor) / period⌋` (or an older missed one, up to
 *   `backlog`), granted only if `s > lastSlot`; fixed_delay, the next count once `now ≥ nextAt`.
 * - **A missing record** is created as though the current slot had already started: losing a
 *   record (a Redis restart without persistence, a deleted row) can never repeat a slot. Its
 *   epoch starts at the engine's clock in ms, so epochs grow across such losses too.
 * - **Renew** extends the caller's own lease. **Release** lets it expire now.
 *
 * @example
 * ```ts
 * const [record, answer] = decide(undefined, { op: "claim", input }, 1_700_000_000_000);
 * answer.granted; // false: a new lease starts at the next slot
 * ```
 */
export function decide(
  record: LeaseRecord | undefined,
  operation: LeaseOperation,
  now: number,
): [LeaseRecord | undefined, LeaseAnswer] {
  const { input } = operation;
  if (operation.op !== "claim") {
    if (record === undefined) return [undefined, answerOf(EMPTY, input.holder, now, false, 0)];
    const own = record.holder === input.holder && record.epoch === input.epoch;
    if (!own) return [record, answerOf(record, input.holder, now, false, 0)];
    const expiresAt = operation.op === "renew" ? now + input.ttl : Math.min(record.expiresAt, now);
    const next = { ...record, expiresAt };
    return [next, answerOf(next, input.holder, now, false, 0)];
  }
  const claim = operation.input;
  const grid = gridOf(claim);
  const current = record ?? created(claim, grid, now);
  const own = current.holder === claim.holder && current.epoch === claim.epoch;
  if (!own && current.expiresAt > now)
    return [current, answerOf(current, claim.holder, now, false, 0)];
  const sameGrid = current.grid === grid;
  const epoch = own && sameGrid ? current.epoch : current.epoch + 1;
  let last = current.lastSlot;
  let nextAt = current.nextAt;
  let slot: number;
  let granted: boolean;
  let missed = 0;
  if (claim.mode === "fixed_rate") {
    if (!sameGrid) {
      // A new grid: every slot starting before the old grid's nextAt counts as started.
      last = Math.ceil((current.nextAt - claim.anchor) / claim.period) - 1;
      nextAt = claim.anchor + (last + 1) * claim.period;
    }
    const cur = Math.floor((now - claim.anchor) / claim.period);
    slot = claim.backlog > 0 ? Math.max(last + 1, cur - claim.backlog) : cur;
    granted = slot > last && slot <= cur;
    if (granted) {
      missed = slot - last - 1;
      nextAt = claim.anchor + (slot + 1) * claim.period;
    }
  } else {
    slot = last + 1;
    granted = now >= current.nextAt;
    if (granted) nextAt = now + claim.period;
  }
  const next: LeaseRecord = {
    holder: claim.holder,
    epoch,
    expiresAt: now + claim.ttl,
    lastSlot: granted ? slot : last,
    nextAt,
    grid,
  };
  return [next, answerOf(next, claim.holder, now, granted, missed)];
}

const EMPTY: LeaseRecord = { holder: "", epoch: 0, expiresAt: 0, lastSlot: 0, nextAt: 0, grid: "" };

function created(claim: ClaimInput, grid: string, now: number): LeaseRecord {
  if (claim.mode === "fixed_rate") {
    const cur = Math.floor((now - claim.anchor) / claim.period);
    return {
      holder: "",
      epoch: now,
      expiresAt: now,
      lastSlot: cur,
      nextAt: claim.anchor + (cur + 1) * claim.period,
      grid,
    };
  }
  return { holder: "", epoch: now, expiresAt: now, lastSlot: 0, nextAt: now + claim.period, grid };
}

function answerOf(
  record: LeaseRecord,
  holder: string,
  now: number,
  granted: boolean,
  missed: number,
): LeaseAnswer {
  return {
    granted,
    holding: record.holder === holder && record.expiresAt > now,
    epoch: record.epoch,
    slot: record.lastSlot,
    missed,
    now,
    expiresAt: record.expiresAt,
    nextAt: record.nextAt,
    holder: record.holder,
  };
}
