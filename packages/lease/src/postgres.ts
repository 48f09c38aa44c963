/**
 * `@async-timer/lease/postgres`: leases in a PostgreSQL table, through a node-postgres (`pg`)
 * `Pool` or `Client`. Each operation is one statement on the lease's row, decided on the
 * server's clock, with no session state (no advisory locks, no named prepared statements), so it
 * works through pgbouncer in transaction mode.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { Timer } from "@async-timer/core";
 * import { postgresLease } from "@async-timer/lease/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * new Timer(60, async ({ signal, fence }) => {
 *   await sendDigest({ signal, idempotencyKey: `digest:${fence?.slot}` });
 * }, { name: "digest", mode: "fixed_rate", lease: postgresLease(pool, { ttl: 30 }) }).start();
 * ```
 *
 * @module
 */
import { Lease } from "./lease.js";
import { badOption, type LeaseOptions, show } from "./options.js";
import {
  type ClaimInput,
  gridOf,
  type LeaseAnswer,
  type LeaseKey,
  type LeaseStore,
} from "./store.js";

/**
 * What a lease needs of a node-postgres `Pool` or `Client`: `query(text, values)`.
 *
 * @example
 * ```ts
 * const queryable: Queryable = new pg.Pool();
 * ```
 */
export interface Queryable {
  /** Runs one parameterised statement (`$1`, `$2`, …) and resolves with its rows. */
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Options of {@link postgresLease} and {@link postgresStore}.
 *
 * @example
 * ```ts
 * postgresLease(pool, { table: "ops.timer_leases", createTable: false, ttl: 30 });
 * ```
 */
export interface PostgresOptions {
  /** The table, optionally schema-qualified. Default `"async_timer_lease"`. */
  table?: string | undefined;
  /**
   * Create the table on first use (`CREATE TABLE IF NOT EXISTS`). Default true. With `false`,
   * create it with your migrations from {@link leaseTableDdl}; a missing table is reported on the
   * first round trip, naming it.
   */
  createTable?: boolean | undefined;
}

const DEFAULT_TABLE = "async_timer_lease";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteTable(where: string, table: unknown): string {
  const parts = typeof table === "string" ? table.split(".") : [];
  if (parts.length === 0 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw badOption(
      where,
      "table",
      "a table name (letters, digits, _; optionally schema.table)",
      table,
    );
  }
  return parts.map((part) => `"${part}"`).join(".");
}

/**
 * The `CREATE TABLE` statement of the lease table, for migration tools (`createTable: false`).
 *
 * @example
 * ```ts
 * await pool.query(leaseTableDdl("ops.timer_leases"));
 * ```
 */
export function leaseTableDdl(table: string = DEFAULT_TABLE): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable("leaseTableDdl(table)", table)} (
  name text PRIMARY KEY,        -- the lease's name
  holder text NOT NULL,         -- who holds it
  epoch bigint NOT NULL,        -- the fencing token: grows when the lease changes hands
  expires_at bigint NOT NULL,   -- epoch ms (server clock) after which it may be taken over
  last_slot bigint NOT NULL,    -- the last slot started: only moves forward
  next_at bigint NOT NULL,      -- epoch ms before which no new slot may start
  grid text NOT NULL,           -- mode:period:anchor the slots are numbered on
  claim_id text NOT NULL DEFAULT '',
  missed bigint NOT NULL DEFAULT 0,
  decided_at bigint NOT NULL    -- the server's clock at the last operation
)`;
}

const NOW = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
const RETURNING = `RETURNING l.claim_id = $6 AS granted, l.holder = $2 AND l.expires_at > l.decided_at AS holding,
  l.epoch, l.last_slot, l.missed, l.decided_at, l.expires_at, l.next_at, l.holder`;

/**
 * The claim: one INSERT … ON CONFLICT DO UPDATE. A missing row is created as `decide` creates a
 * record (the current slot counts as started) and taken at once; an existing one is updated in
 * place, every SET reading the row as it stands once locked. The engine time `t` is read once,
 * before the lock: a concurrent claim may commit a later time meanwhile, which can only make this
 * one more conservative (a slot it computes is at most the other's, an expiry no later).
 */
function claimStatement(table: string, mode: ClaimInput["mode"]): string {
  const T = "EXCLUDED.decided_at";
  const OWN = "(l.holder = $2 AND l.epoch = $3::bigint)";
  const TAKE = `(${OWN} OR l.expires_at <= ${T})`;
  const SAME = "(l.grid = $5)";
  const KEEP = `(${OWN} AND ${SAME})`;
  if (mode === "fixed_rate") {
    const P = "$7::bigint";
    const A = "$8::bigint";
    const B = "$9::bigint";
    const cur = (t: string) => `floor((${t} - ${A})::numeric / ${P})::bigint`;
    const LAST = `(CASE WHEN ${SAME} THEN l.last_slot ELSE ceil((l.next_at - ${A})::numeric / ${P})::bigint - 1 END)`;
    const S = `(CASE WHEN ${B} > 0 THEN GREATEST(${LAST} + 1, ${cur(T)} - ${B}) ELSE ${cur(T)} END)`;
    const OK = `(${TAKE} AND ${S} > ${LAST} AND ${S} <= ${cur(T)})`;
    return `INSERT INTO ${table} AS l (name, holder, epoch, expires_at, last_slot, next_at, grid, claim_id, missed, decided_at)
SELECT $1, $2, k.t + 1, k.t + $4::bigint, ${cur("k.t")}, ${A} + (${cur("k.t")} + 1) * ${P}, $5, '', 0, k.t
FROM (SELECT ${NOW} AS t) AS k
ON CONFLICT (name) DO UPDATE SET
  holder = CASE WHEN ${TAKE} THEN $2 ELSE l.holder END,
  epoch = CASE WHEN ${TAKE} AND NOT ${KEEP} THEN l.epoch + 1 ELSE l.epoch END,
  expires_at = CASE WHEN ${TAKE} THEN ${T} + $4::bigint ELSE l.expires_at END,
  last_slot = CASE WHEN ${OK} THEN ${S} WHEN ${TAKE} THEN ${LAST} ELSE l.last_slot END,
  next_at = CASE WHEN ${OK} THEN ${A} + (${S} + 1) * ${P}
    WHEN ${TAKE} AND NOT ${SAME} THEN ${A} + (${LAST} + 1) * ${P} ELSE l.next_at END,
  grid = CASE WHEN ${TAKE} THEN $5 ELSE l.grid END,
  claim_id = CASE WHEN ${OK} THEN $6 ELSE l.claim_id END,
  missed = CASE WHEN ${OK} THEN ${S} - ${LAST} - 1 ELSE 0 END,
  decided_at = ${T}
${RETURNING}`;
  }
  const OK = `(${TAKE} AND ${T} >= l.next_at)`;
  return `INSERT INTO ${table} AS l (name, holder, epoch, expires_at, last_slot, next_at, grid, claim_id, missed, decided_at)
SELECT $1, $2, k.t + 1, k.t + $4::bigint, 0, k.t + $7::bigint, $5, '', 0, k.t
FROM (SELECT ${NOW} AS t) AS k
ON CONFLICT (name) DO UPDATE SET
  holder = CASE WHEN ${TAKE} THEN $2 ELSE l.holder END,
  epoch = CASE WHEN ${TAKE} AND NOT ${KEEP} THEN l.epoch + 1 ELSE l.epoch END,
  expires_at = CASE WHEN ${TAKE} THEN ${T} + $4::bigint ELSE l.expires_at END,
  last_slot = CASE WHEN ${OK} THEN l.last_slot + 1 ELSE l.last_slot END,
  next_at = CASE WHEN ${OK} THEN ${T} + $7::bigint ELSE l.next_at END,
  grid = CASE WHEN ${TAKE} THEN $5 ELSE l.grid END,
  claim_id = CASE WHEN ${OK} THEN $6 ELSE l.claim_id END,
  missed = 0,
  decided_at = ${T}
${RETURNING}`;
}

/** Renew (extend) or release (expire now) the caller's own lease; answers for a missing row too. */
function keepStatement(table: string, op: "renew" | "release"): string {
  const expires = op === "renew" ? "k.t + $4::bigint" : "LEAST(l.expires_at, k.t)";
  // $4 is typed even for a release, which does not use it: every parameter must be.
  return `WITH k AS (SELECT ${NOW} AS t, $4::bigint AS ttl),
u AS (
  UPDATE ${table} AS l SET
    expires_at = CASE WHEN l.holder = $2 AND l.epoch = $3::bigint THEN ${expires} ELSE l.expires_at END,
    decided_at = k.t
  FROM k WHERE l.name = $1
  RETURNING false AS granted, l.holder = $2 AND l.expires_at > l.decided_at AS holding,
    l.epoch, l.last_slot, 0::bigint AS missed, l.decided_at, l.expires_at, l.next_at, l.holder
)
SELECT u.*, k.t AS now FROM k LEFT JOIN u ON true`;
}

function toAnswer(row: Record<string, unknown> | undefined, now?: unknown): LeaseAnswer {
  if (row === undefined) throw new Error("the lease statement returned no row");
  if (row.epoch === null || row.epoch === undefined) {
    // A renew/release of a lease that has no row: nobody holds it.
    return {
      granted: false,
      holding: false,
      epoch: 0,
      slot: 0,
      missed: 0,
      now: Number(now ?? row.now),
      expiresAt: 0,
      nextAt: 0,
      holder: "",
    };
  }
  return {
    granted: row.granted === true,
    holding: row.holding === true,
    epoch: Number(row.epoch),
    slot: Number(row.last_slot),
    missed: Number(row.missed),
    now: Number(row.decided_at),
    expiresAt: Number(row.expires_at),
    nextAt: Number(row.next_at),
    holder: String(row.holder),
  };
}

/** PostgreSQL's codes for the races of two `CREATE TABLE IF NOT EXISTS` at once. */
const CREATE_RACES = new Set(["23505", "42P07"]);

/**
 * A {@link LeaseStore} on PostgreSQL: one statement per operation on the lease's row.
 *
 * @example
 * ```ts
 * const store = postgresStore(pool, { table: "timer_leases" });
 * const lease = new Lease(store, { ttl: 30 });
 * ```
 */
export function postgresStore(
  pool: Queryable,
  options: PostgresOptions = {},
  where = "postgresStore(pool, options)",
): LeaseStore {
  checkPool(where, pool);
  if (typeof options !== "object" || options === null)
    throw badOption(where, "options", "an object", options);
  const table = quoteTable(where, options.table ?? DEFAULT_TABLE);
  const createTable = options.createTable ?? true;
  if (typeof createTable !== "boolean")
    throw badOption(where, "createTable", "a boolean", createTable);
  const rate = claimStatement(table, "fixed_rate");
  const delay = claimStatement(table, "fixed_delay");
  const renew = keepStatement(table, "renew");
  const release = keepStatement(table, "release");
  let ready: Promise<void> | undefined;
  const prepare = (): Promise<void> => {
    ready ??= (async () => {
      if (createTable) {
        try {
          await pool.query(leaseTableDdl(options.table ?? DEFAULT_TABLE));
        } catch (error) {
          if (!CREATE_RACES.has((error as { code?: string }).code ?? "")) throw error;
        }
        return;
      }
      const { rows } = await pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [table]);
      if (rows[0]?.present !== true) {
        throw new Error(
          `the lease table ${table} does not exist (createTable: false): create it with leaseTableDdl(${JSON.stringify(options.table ?? DEFAULT_TABLE)})`,
        );
      }
    })();
    // A failure is retried on the next operation (the table may be created meanwhile).
    ready.catch(() => {
      ready = undefined;
    });
    return ready;
  };
  let claims = 0;
  const keep = async (statement: string, input: LeaseKey): Promise<LeaseAnswer> => {
    await prepare();
    const { rows } = await pool.query(statement, [input.key, input.holder, input.epoch, input.ttl]);
    const row = rows[0];
    return toAnswer(row, row?.now);
  };
  return {
    async claim(input) {
      await prepare();
      const id = `${input.holder}#${++claims}`;
      const common = [
        input.key,
        input.holder,
        input.epoch,
        input.ttl,
        gridOf(input),
        id,
        input.period,
      ];
      const { rows } =
        input.mode === "fixed_rate"
          ? await pool.query(rate, [...common, input.anchor, input.backlog])
          : await pool.query(delay, common);
      return toAnswer(rows[0]);
    },
    renew: (input) => keep(renew, input),
    release: (input) => keep(release, input),
  };
}

function checkPool(where: string, pool: unknown): void {
  const candidate = pool as { query?: unknown; evalsha?: unknown; sendCommand?: unknown } | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.query !== "function" ||
    typeof candidate.evalsha === "function" ||
    typeof candidate.sendCommand === "function"
  ) {
    throw new TypeError(
      `${where}: pool must be a node-postgres (pg) Pool or Client; got ${show(pool)}`,
    );
  }
}

/**
 * A lease on PostgreSQL (see {@link Lease}): pass a node-postgres `Pool` (or `Client`), and the
 * lease options plus `table` and `createTable` ({@link PostgresOptions}).
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { Timer } from "@async-timer/core";
 * import { postgresLease } from "@async-timer/lease/postgres";
 *
 * const pool = new pg.Pool();
 * const timer = new Timer(60, ({ fence }) => refreshRates(fence), {
 *   name: "rates",
 *   mode: "fixed_rate",
 *   lease: postgresLease(pool, { ttl: 30 }),
 * }).start();
 * // on shutdown: the lease is released before the pool closes
 * await timer.cancel();
 * await pool.end();
 * ```
 */
export function postgresLease(pool: Queryable, options?: LeaseOptions & PostgresOptions): Lease {
  const where = "postgresLease(pool, options)";
  const { table, createTable, ...rest } = options ?? {};
  const store = postgresStore(pool, { table, createTable }, where);
  return new Lease(store, rest, where);
}
