// Leased timers on the real engines, in this process; and the promises that need a process
// paused mid-tick or a Redis restart, in child processes against throwaway servers.
import { Timer } from "@async-timer/core";
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type Lease, LeaseLostError } from "../src/index.js";
import { leaseTableDdl, postgresLease } from "../src/postgres.js";
import { redisLease } from "../src/redis.js";
import { runChaos } from "./chaos/harness.js";
import { capture } from "./helpers.js";

const run = `${process.pid}_${Date.now().toString(36)}`;

/** Three leased timers in this process; each slot must start once. */
async function threeReplicas(make: (replica: number) => Lease) {
  const starts: { replica: number; slot: number; epoch: number }[] = [];
  const logger = capture();
  const leases = [0, 1, 2].map(make);
  const timers = leases.map(
    (lease, replica) =>
      new Timer(
        0.05,
        ({ fence }) => {
          starts.push({ replica, slot: fence?.slot as number, epoch: fence?.epoch as number });
        },
        { name: "engines", mode: "fixed_rate", lease, logger },
      ),
  );
  for (const timer of timers) timer.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const holder = leases.findIndex((lease) => lease.state === "holder");
  await Promise.all(timers.map((timer) => timer.cancel()));
  const slots = starts.map((s) => s.slot);
  expect(new Set(slots).size).toBe(slots.length);
  expect(slots.length).toBeGreaterThanOrEqual(10);
  expect(holder).toBeGreaterThanOrEqual(0);
  expect(leases.map((lease) => lease.state)).not.toContain("holder");
  // (A machine under load may miss a slot, which is reported at warn level: not an error.)
  expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);
  return { starts, leases };
}

describe("postgresLease", () => {
  const pool = new pg.Pool({ connectionString: inject("pgUrl"), max: 6 });
  const table = `lease_engines_${run}`;
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it("three replicas on one table: one start per slot, and cancel() releases the row", async () => {
    const { leases } = await threeReplicas(() => postgresLease(pool, { table, ttl: 1 }));
    const { rows } = await pool.query(
      `SELECT holder, expires_at <= decided_at AS expired FROM ${table}`,
    );
    expect(rows).toEqual([{ holder: expect.any(String), expired: true }]);
    expect(leases.map((lease) => lease.holder)).toContain(rows[0].holder);
  });

  it("with createTable: false, a missing table is reported once, naming it and the DDL", async () => {
    const logger = capture();
    const lease = postgresLease(pool, { table: `missing_${run}`, createTable: false, ttl: 1 });
    const timer = new Timer(0.05, () => 1, { name: "missing", lease, logger }).start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await timer.cancel();
    expect(timer.hitCount).toBe(0);
    expect(lease.state).toBe("unreachable");
    expect(logger.lines).toHaveLength(1);
    expect(String((logger.lines[0]!.error as Error).message)).toBe(
      `the lease table "missing_${run}" does not exist (createTable: false): create it with leaseTableDdl("missing_${run}")`,
    );
  });

  it("ready() fails at boot on a missing table (createTable: false), and passes once it exists", async () => {
    const name = `ready_${run}`;
    const lease = postgresLease(pool, { table: name, createTable: false, ttl: 1 });
    await expect(lease.ready()).rejects.toThrow(
      `the lease table "${name}" does not exist (createTable: false): create it with leaseTableDdl("${name}")`,
    );
    await pool.query(leaseTableDdl(name));
    try {
      await lease.ready();
      // It changed nothing: no row for the probe, none for any lease.
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${name}`)).rows).toEqual([{ n: 0 }]);
    } finally {
      await pool.query(`DROP TABLE ${name}`);
    }
  });

  it("leaseTableDdl() is the statement a migration runs; it refuses a name that is not one", async () => {
    await pool.query(leaseTableDdl(`ddl_${run}`));
    await pool.query(`DROP TABLE ddl_${run}`);
    expect(() => leaseTableDdl("leases; DROP TABLE users")).toThrow(
      'leaseTableDdl(table): table must be a table name (letters, digits, _; optionally schema.table); got "leases; DROP TABLE users"',
    );
  });

  it("refuses a client of the wrong kind at construction", () => {
    const redis = { evalsha() {}, eval() {}, query() {} };
    expect(() => postgresLease(redis as never)).toThrow(
      "postgresLease(pool, options): pool must be a node-postgres (pg) Pool or Client; got an object",
    );
    expect(() => postgresLease(pool, { table: 5 } as never)).toThrow("table must be a table name");
  });
});

describe("redisLease", () => {
  it("ioredis: three replicas, one start per slot", async () => {
    const redis = new Redis(inject("redisUrl"));
    const prefix = `async-timer-test:${run}:io:`;
    try {
      await threeReplicas(() => redisLease(redis, { prefix, ttl: 1 }));
      expect(await redis.hget(`${prefix}engines`, "holder")).toEqual(expect.any(String));
    } finally {
      await redis.del(`${prefix}engines`);
      redis.disconnect();
    }
  });

  it("node-redis v5: three replicas, one start per slot", async () => {
    const client = await createClient({ url: inject("redisUrl") }).connect();
    const prefix = `async-timer-test:${run}:node:`;
    try {
      await threeReplicas(() => redisLease(client, { prefix, ttl: 1 }));
    } finally {
      await client.del(`${prefix}engines`);
      client.destroy();
    }
  });

  it("ready() answers on ioredis and node-redis without writing anything, and rejects when Redis does not answer", async () => {
    const prefix = `async-timer-test:${run}:ready:`;
    const io = new Redis(inject("redisUrl"));
    const node = await createClient({ url: inject("redisUrl") }).connect();
    try {
      await redisLease(io, { prefix }).ready();
      await redisLease(node, { prefix }).ready();
      expect(await io.keys(`${prefix}*`)).toEqual([]);
    } finally {
      io.disconnect();
      node.destroy();
    }
    // Nothing listens on port 1: ioredis fails the command once it gives up retrying.
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on("error", () => {});
    await expect(redisLease(dead).ready()).rejects.toThrow();
    dead.disconnect();
  });

  it("refuses a client of the wrong kind at construction", () => {
    expect(() => redisLease(new pg.Pool() as never)).toThrow(
      "redisLease(client, options): client must be an ioredis client or a node-redis v5 client; got an object (BoundPool)",
    );
  });
});

describe("child processes", () => {
  // Retried: real processes and real time. Once in about six full runs on 2026-12-07 the paused
  // holder recorded no abort line (it was told of the loss, and no slot ran twice); why is not
  // known yet — see the closing note of that day. A retry that passes still checks every claim.
  it("a holder paused (SIGSTOP) mid-tick for 2 × ttl: its tick's signal aborts with LeaseLostError, its claims are refused, no slot runs twice", {
    retry: 2,
  }, async () => {
    const report = await runChaos({
      engine: "ioredis",
      replicas: 2,
      delay: 100,
      ttl: 500,
      renew: 150,
      skews: [0],
      work: 1500, // every tick of the holder is long: the pause catches one in flight
      duration: 3500,
      events: [{ at: 700, kind: "stop" }],
    });
    const [stop] = report.stops;
    expect(stop).toEqual({ victim: stop?.victim, lost: true, startedStale: false });
    const aborts = report.lines.filter(
      (line) => line.t === "abort" && line.replica === stop?.victim,
    );
    expect(aborts.map((line) => line.reason)).toEqual([new LeaseLostError("x", 1, "taken").name]);
    expect(report.duplicates).toEqual([]);
    expect(report.starts.some((start) => start.replica !== stop?.victim)).toBe(true);
  });

  it("Redis restarts (empty, no persistence) and connections drop: no duplicate, ticks resume by themselves", async () => {
    const report = await runChaos({
      engine: "node-redis",
      replicas: 3,
      delay: 20,
      ttl: 500,
      renew: 150,
      skews: [0],
      work: 0,
      duration: 4000,
      events: [
        { at: 1000, kind: "restart" },
        { at: 2500, kind: "drop" },
      ],
    });
    expect(report.duplicates).toEqual([]);
    expect(report.epochInversions).toBe(0);
    const [restart] = report.restarts;
    expect(restart?.recoveredMs).toBeLessThan(3000);
    // Ticks went on after the drop at 2.5 s. (A Redis without persistence forgets the lease: the
    // slots due while it was down cannot be counted by anyone, so they are not reported.)
    const walls = report.starts.map((start) => start.wall);
    expect(Math.max(...walls) - Math.min(...walls)).toBeGreaterThan(3000);
  });
});
