/**
 * `@async-timer/lease`: many processes run the same timer, and each slot is ticked by at most one
 * of them — a lease with fencing, claimed in one atomic round trip per slot, on PostgreSQL
 * (`@async-timer/lease/postgres`), Redis (`@async-timer/lease/redis`) or in memory (here).
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 * import { memoryLease } from "@async-timer/lease";
 *
 * const timer = new Timer(60, ({ fence }) => console.log("slot", fence?.slot), {
 *   name: "digest",
 *   mode: "fixed_rate",
 *   lease: memoryLease({ ttl: 30 }),
 * }).start();
 * ```
 *
 * @packageDocumentation
 */
export { LeaseLostError } from "./errors.js";
export { Lease } from "./lease.js";
export { type MemoryStore, type MemoryStoreOptions, memoryLease, memoryStore } from "./memory.js";
export type {
  LeaseChange,
  LeaseOptions,
  LeaseState,
  MissedPolicy,
  MissedSlots,
} from "./options.js";
export {
  type ClaimInput,
  decide,
  gridOf,
  type LeaseAnswer,
  type LeaseKey,
  type LeaseOperation,
  type LeaseRecord,
  type LeaseStore,
} from "./store.js";
