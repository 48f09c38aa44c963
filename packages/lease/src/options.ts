import { type Duration, toMilliseconds } from "@async-timer/core";

/**
 * What a lease does with slots that came due while nobody could run them (no holder alive, the
 * engine out of reach): `"skip"` them (the default), run `"once"` for the most recent of them,
 * or `{ backfill: n }`: run up to the `n` most recent, oldest first, each with its own slot.
 * They are counted and reported (`onMissed`, and the logger once per episode) in every case.
 * Applies to `fixed_rate` timers; under `fixed_delay` there is no grid to miss.
 *
 * @example
 * ```ts
 * postgresLease(pool, { missed: { backfill: 3 } }); // a nightly job catches up to 3 missed nights
 * ```
 */
export type MissedPolicy = "skip" | "once" | { readonly backfill: number };

/**
 * The state of a lease, as `lease.state`: `"holder"` (this process ticks), `"follower"`
 * (another process does, or nobody yet), `"unreachable"` (the last round trip to the engine
 * failed; retrying with backoff).
 *
 * @example
 * ```ts
 * if (lease.state === "holder") metrics.gauge("digest_holder", 1);
 * ```
 */
export type LeaseState = "holder" | "follower" | "unreachable";

/**
 * What `onGained`/`onLost` receive.
 *
 * @example
 * ```ts
 * postgresLease(pool, { onLost: ({ lease, epoch, reason }) => console.warn(lease, epoch, reason) });
 * ```
 */
export interface LeaseChange {
  /** The lease's name. */
  readonly lease: string;
  /** The epoch gained, or the one lost. */
  readonly epoch: number;
  /** For a loss: `"taken"` by another holder, or `"expired"` (engine out of reach). */
  readonly reason?: "taken" | "expired" | undefined;
}

/**
 * What `onMissed` receives: slots that came due and were started by nobody.
 *
 * @example
 * ```ts
 * postgresLease(pool, { onMissed: ({ count, from, to }) => alert(`${count} digests missed (${from}–${to})`) });
 * ```
 */
export interface MissedSlots {
  /** The lease's name. */
  readonly lease: string;
  /** How many slots. */
  readonly count: number;
  /** The first missed slot. */
  readonly from: number;
  /** The last missed slot. */
  readonly to: number;
}

/**
 * Options of every lease (`memoryLease`, `postgresLease`, `redisLease`, `new Lease(store)`).
 *
 * @example
 * ```ts
 * postgresLease(pool, {
 *   ttl: 30,              // another replica may take over 30 s after the holder went silent
 *   renew: 10,            // the holder renews every 10 s between ticks
 *   missed: "once",       // after an outage, run the last missed slot once
 *   anchor: Date.UTC(2024, 0, 1, 8), // fixed_rate slots start at 08:00 UTC
 *   onLost: ({ reason }) => console.warn("lease lost:", reason),
 * });
 * ```
 */
export interface LeaseOptions {
  /** The lease's name: its row or key in the engine. Default: the timer's `name` (one is needed). */
  name?: string | undefined;
  /** How long the lease lasts without renewal (a Duration). Default `"15s"`. */
  ttl?: Duration | undefined;
  /** How often the holder renews between ticks; must be shorter than `ttl`. Default `ttl / 3`. */
  renew?: Duration | undefined;
  /** Longest wait for one round trip to the engine; at most `ttl`. Default `ttl / 2`, at most 5 s. */
  timeout?: Duration | undefined;
  /** See {@link MissedPolicy}. Default `"skip"`. */
  missed?: MissedPolicy | undefined;
  /** Epoch milliseconds (or a Date) at which fixed_rate slot 0 starts. Default 0 (the Unix epoch). */
  anchor?: number | Date | undefined;
  /** This process's id in the engine, shown in the lease's row. Default: pid and a random suffix. */
  holder?: string | undefined;
  /** This process became the holder. */
  onGained?: ((change: LeaseChange) => void) | undefined;
  /** This process stopped holding the lease, other than by `cancel()`. */
  onLost?: ((change: LeaseChange) => void) | undefined;
  /** Slots came due that nobody started (see {@link MissedPolicy}). */
  onMissed?: ((missed: MissedSlots) => void) | undefined;
}

/** {@link LeaseOptions} checked, durations in whole milliseconds. */
export interface ResolvedLeaseOptions {
  readonly name: string | undefined;
  readonly ttl: number;
  readonly renew: number;
  readonly timeout: number;
  readonly backlog: number;
  readonly anchor: number;
  readonly holder: string;
  readonly onGained: LeaseOptions["onGained"];
  readonly onLost: LeaseOptions["onLost"];
  readonly onMissed: LeaseOptions["onMissed"];
}

const KNOWN = new Set([
  "name",
  "ttl",
  "renew",
  "timeout",
  "missed",
  "anchor",
  "holder",
  "onGained",
  "onLost",
  "onMissed",
]);

/** The error for a bad option: `<where>: <option> must be <expectation>; got <value>`. */
export function badOption(
  where: string,
  option: string,
  expectation: string,
  value: unknown,
  range?: boolean,
): Error {
  const message = `${where}: ${option} must be ${expectation}; got ${show(value)}`;
  return range ? new RangeError(message) : new TypeError(message);
}

/** A short, safe description of a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  const kind = (value as object).constructor?.name;
  return kind && kind !== "Object" ? `an object (${kind})` : "an object";
}

/** Checks a lease's options (`where` names the call), throwing a TypeError/RangeError naming the option. */
export function resolveLeaseOptions(
  where: string,
  options: LeaseOptions | undefined,
  extra: readonly string[] = [],
): ResolvedLeaseOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw badOption(where, "options", "an object", options);
  }
  const given = options ?? {};
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key) && !extra.includes(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}`);
    }
  }
  const { name, holder, onGained, onLost, onMissed } = given;
  if (name !== undefined && (typeof name !== "string" || name === "")) {
    throw badOption(where, "name", "a non-empty string", name);
  }
  if (holder !== undefined && (typeof holder !== "string" || holder === "")) {
    throw badOption(where, "holder", "a non-empty string", holder);
  }
  for (const [key, fn] of [
    ["onGained", onGained],
    ["onLost", onLost],
    ["onMissed", onMissed],
  ] as const) {
    if (fn !== undefined && typeof fn !== "function") throw badOption(where, key, "a function", fn);
  }
  const ttl = whole(where, "ttl", given.ttl ?? "15s");
  if (ttl < 10) throw badOption(where, "ttl", "at least 10 ms", given.ttl, true);
  const renew = whole(where, "renew", given.renew ?? Math.max(1, Math.floor(ttl / 3)) / 1000);
  if (renew < 1 || renew >= ttl) {
    throw new RangeError(
      `${where}: renew must be at least 1 ms and shorter than ttl (${ttl} ms); got ${show(given.renew)} (${renew} ms)`,
    );
  }
  const timeout = whole(
    where,
    "timeout",
    given.timeout ?? Math.min(5000, Math.floor(ttl / 2)) / 1000,
  );
  if (timeout < 1 || timeout > ttl) {
    throw new RangeError(
      `${where}: timeout must be at least 1 ms and at most ttl (${ttl} ms); got ${show(given.timeout)} (${timeout} ms)`,
    );
  }
  return {
    name,
    ttl,
    renew,
    timeout,
    backlog: readMissed(where, given.missed),
    anchor: readAnchor(where, given.anchor),
    holder: holder ?? defaultHolder(),
    onGained,
    onLost,
    onMissed,
  };
}

function whole(where: string, option: string, value: unknown): number {
  let ms: number;
  try {
    ms = toMilliseconds(value as Duration, option);
  } catch (error) {
    throw Object.assign(error as Error, { message: `${where}: ${(error as Error).message}` });
  }
  return Math.round(ms);
}

function readMissed(where: string, missed: unknown): number {
  if (missed === undefined || missed === "skip") return 0;
  if (missed === "once") return 1;
  const backfill = (missed as { backfill?: unknown } | null)?.backfill;
  if (typeof missed === "object" && missed !== null && typeof backfill === "number") {
    if (Number.isInteger(backfill) && backfill >= 0) return backfill;
    throw badOption(where, "missed.backfill", "a non-negative integer", backfill, true);
  }
  throw badOption(where, "missed", '"skip", "once" or { backfill: n }', missed);
}

function readAnchor(where: string, anchor: unknown): number {
  if (anchor === undefined) return 0;
  const ms = anchor instanceof Date ? anchor.getTime() : anchor;
  if (typeof ms !== "number" || !Number.isSafeInteger(ms)) {
    throw badOption(where, "anchor", "epoch milliseconds (an integer) or a valid Date", anchor);
  }
  return ms;
}

function defaultHolder(): string {
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const random =
    globalThis.crypto?.randomUUID?.().slice(0, 8) ?? Math.random().toString(36).slice(2, 10);
  return `${pid}/${random}`;
}
