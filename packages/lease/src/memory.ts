import { Lease } from "./lease.js";
import type { LeaseOptions } from "./options.js";
import { badOption } from "./options.js";
import { decide, type LeaseOperation, type LeaseRecord, type LeaseStore } from "./store.js";

/**
 * A {@link LeaseStore} in this process's memory: the reference semantics ({@link decide}) over a
 * `Map`, on the clock you give it. For a single process (several timers, or tests that play
 * replicas) — it coordinates nothing across processes.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "@async-timer/testing";
 *
 * const clock = new VirtualClock({ epoch: Date.UTC(2024, 0, 1) });
 * const store = memoryStore({ clock: () => clock.wallNow() }); // engine time on the virtual clock
 * const replicas = [1, 2, 3].map(() => memoryLease({ store, ttl: 10 }));
 * ```
 */
export interface MemoryStore extends LeaseStore {
  /** The record of a lease, as an engine would hold it (`undefined`: none). */
  read(key: string): LeaseRecord | undefined;
  /** Forgets a lease's record, as an engine restarted without persistence would. */
  forget(key: string): void;
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The engine's clock: epoch milliseconds. Default `Date.now`. */
  clock?: (() => number) | undefined;
}

/**
 * Makes a {@link MemoryStore}.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * const a = memoryLease({ store }), b = memoryLease({ store }); // two "replicas" in one process
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function")
    throw badOption("memoryStore(options)", "clock", "a function", clock);
  const records = new Map<string, LeaseRecord>();
  const apply = (operation: LeaseOperation) => {
    const key = operation.input.key;
    const [record, answer] = decide(records.get(key), operation, Math.floor(clock()));
    if (record === undefined) records.delete(key);
    else records.set(key, record);
    return Promise.resolve(answer);
  };
  return {
    claim: (input) => apply({ op: "claim", input }),
    renew: (input) => apply({ op: "renew", input }),
    release: (input) => apply({ op: "release", input }),
    read: (key) => records.get(key),
    forget: (key) => void records.delete(key),
  };
}

/** One store per process, shared by every `memoryLease()` not given one. */
let shared: MemoryStore | undefined;

/**
 * A lease held in this process's memory: the timers of one process that share a name tick at most
 * once per slot between them. For tests, and for one process running several copies of a timer.
 * Takes every {@link LeaseOptions} option, and `store` (default: one store shared by the whole
 * process).
 *
 * @example
 * ```ts
 * import { Timer } from "@async-timer/core";
 * import { memoryLease } from "@async-timer/lease";
 *
 * // Two copies of one timer in one process: each slot runs once.
 * for (const copy of ["a", "b"]) {
 *   new Timer(1, ({ fence }) => console.log(copy, fence?.slot), {
 *     name: "job", mode: "fixed_rate", lease: memoryLease({ ttl: 5 }),
 *   }).start();
 * }
 * ```
 */
export function memoryLease(options?: LeaseOptions & { store?: MemoryStore | undefined }): Lease {
  const where = "memoryLease(options)";
  const { store, ...rest } = options ?? {};
  if (store !== undefined && typeof store?.claim !== "function") {
    throw badOption(where, "store", "a memoryStore()", store);
  }
  shared ??= memoryStore();
  return new Lease(store ?? shared, rest, where);
}
