import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, expect, it } from "vitest";

const table = `cluster_digest_${process.pid}`;

afterAll(async () => {
  const client = new pg.Client({
    connectionString: process.env.ASYNC_TIMER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
});

it("three replicas: every slot's digest is sent once, and the kill -9 of the holder hands over", () => {
  const main = fileURLToPath(new URL("../src/main.mjs", import.meta.url));
  const { stdout, status } = spawnSync(process.execPath, [main], {
    env: { ...process.env, DIGEST_SECONDS: "9", DIGEST_TABLE: table },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(status).toBe(0);
  const sent = [...stdout.matchAll(/^(replica-\w) sent digest for slot (\d+)/gm)];
  const slots = sent.map((match) => match[2]);
  expect(new Set(slots).size).toBe(slots.length);
  expect(new Set(sent.map((match) => match[1])).size).toBe(2); // the holder, then its successor
  expect(stdout).toContain("-- kill -9 of the holder");
}, 40_000);
