// The exported contract suite, against every store we ship: memory (on a fake clock, so exact),
// PostgreSQL and Redis through both clients (real servers, real time).
import { Redis } from "ioredis";
import pg from "pg";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decide, type LeaseStore, memoryStore } from "../src/index.js";
import { postgresStore } from "../src/postgres.js";
import { redisStore } from "../src/redis.js";
import { ContractError, checkContract, contractNames } from "../src/testing.js";

const run = `${process.pid}:${Date.now().toString(36)}`;

describe("contract: memory store", () => {
  let now = Date.UTC(2024, 0, 1);
  const store = memoryStore({ clock: () => now });
  const sleep = async (ms: number) => {
    now += ms;
  };
  for (const name of contractNames) {
    it(name, () => checkContract(name, () => store, { numRuns: 60, sleep }));
  }

  it("fails, naming the property and the seed, for a store that breaks it", async () => {
    // A store that forgets to move lastSlot forward: it would grant a slot twice.
    const broken: LeaseStore = {
      ...store,
      claim: async (input) => {
        const answer = await store.claim(input);
        return { ...answer, slot: answer.slot - 1 };
      },
    };
    const failure = await checkContract("agrees-with-decide", () => broken, { sleep }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ContractError);
    expect((failure as ContractError).message).toMatch(
      /breaks "agrees-with-decide" \(seed -?\d+\)/,
    );
    void decide;
  });
});

describe("contract: PostgreSQL", () => {
  const pool = new pg.Pool({ connectionString: inject("pgUrl"), max: 8 });
  const table = `lease_contract_${process.pid}`;
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });
  for (const name of contractNames) {
    it(name, () => checkContract(name, () => postgresStore(pool, { table }), { keyPrefix: run }));
  }
});

describe("contract: Redis through ioredis", () => {
  const redis = new Redis(inject("redisUrl"), { lazyConnect: false });
  const prefix = `async-timer-test:${run}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  for (const name of contractNames) {
    it(name, () => checkContract(name, () => redisStore(redis, { prefix })));
  }
});

describe("contract: Redis through node-redis v5", () => {
  const client = createClient({ url: inject("redisUrl") });
  const prefix = `async-timer-test:${run}:node:`;
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    client.destroy();
  });
  for (const name of contractNames) {
    it(name, () => checkContract(name, () => redisStore(client, { prefix })));
  }
});
