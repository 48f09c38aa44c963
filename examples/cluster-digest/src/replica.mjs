// One replica: the timer every replica of the service runs, unchanged. It prints who ticked
// which slot, with the fence a real digest would use as its idempotency key.
import { Timer } from "@async-timer/core";
import { postgresLease } from "@async-timer/lease/postgres";
import pg from "pg";

const name = process.argv[2] ?? "replica";
const url = process.env.ASYNC_TIMER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const pool = new pg.Pool({ connectionString: url, max: 2 });
pool.on("error", () => {});

const digest = new Timer(
  1,
  ({ fence }) => {
    console.log(
      `${name} sent digest for slot ${fence.slot} (epoch ${fence.epoch}, key digest:${fence.slot})`,
    );
  },
  {
    name: "digest",
    mode: "fixed_rate",
    lease: postgresLease(pool, {
      table: process.env.DIGEST_TABLE ?? "cluster_digest_lease",
      ttl: 3,
      onGained: ({ epoch }) => console.log(`${name} now holds the lease (epoch ${epoch})`),
    }),
  },
).start();

process.on("SIGTERM", async () => {
  await digest.cancel(); // releases the lease: another replica takes over at once
  await pool.end();
  process.exit(0);
});
