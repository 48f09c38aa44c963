// One replica of the chaos run: a leased timer in its own process. It appends what happens to
// an append-only record (one JSON line per event, O_APPEND: lines from several processes never
// interleave) — the parent reads it afterwards and checks the promises. Runs the built package.
import { appendFileSync } from "node:fs";
import { realDriver, Timer } from "@async-timer/core";

const config = JSON.parse(process.argv[2]);
const {
  replica,
  engine,
  url,
  record,
  delay,
  ttl,
  renew,
  skew = 0,
  work = 0,
  table,
  prefix,
} = config;

const write = (event) =>
  appendFileSync(record, `${JSON.stringify({ ...event, replica, wall: Date.now() })}\n`);

// Clock skew, as a replica whose clocks are off by `skew` ms would read them.
const driver =
  skew === 0
    ? realDriver
    : {
        now: () => realDriver.now() + skew,
        wallNow: () => realDriver.wallNow() + skew,
        random: () => realDriver.random(),
        setWake: (at, wake, unref) => realDriver.setWake(at - skew, wake, unref),
        clearWake: (handle) => realDriver.clearWake(handle),
      };

const callbacks = {
  ttl: ttl / 1000,
  renew: renew / 1000,
  timeout: Math.min(ttl, 300) / 1000,
  onGained: ({ epoch }) => write({ t: "gained", epoch }),
  onLost: ({ epoch, reason }) => write({ t: "lost", epoch, reason }),
  onMissed: ({ count, from, to }) => write({ t: "missed", count, from, to }),
};

let lease;
let close = async () => {};
if (engine === "postgres") {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 1000 });
  pool.on("error", () => {}); // a dropped connection: the lease retries
  const { postgresLease } = await import("@async-timer/lease/postgres");
  lease = postgresLease(pool, { ...callbacks, table });
  close = () => pool.end();
} else if (engine === "ioredis") {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  redis.on("error", () => {});
  const { redisLease } = await import("@async-timer/lease/redis");
  lease = redisLease(redis, { ...callbacks, prefix });
  close = async () => redis.disconnect();
} else {
  const { createClient } = await import("redis");
  const client = createClient({
    url,
    socket: { reconnectStrategy: () => 50, connectTimeout: 1000 },
  });
  client.on("error", () => {});
  await client.connect();
  const { redisLease } = await import("@async-timer/lease/redis");
  lease = redisLease(client, { ...callbacks, prefix });
  close = async () => client.destroy();
}

const logger = {
  warn: (message) => write({ t: "log", level: "warn", message }),
  error: (message, error) => write({ t: "log", level: "error", message, error: String(error) }),
};

const timer = new Timer(
  delay / 1000,
  async ({ fence, signal }) => {
    write({ t: "start", slot: fence.slot, epoch: fence.epoch });
    if (work > 0) {
      await new Promise((resolve) => {
        const handle = setTimeout(resolve, work);
        signal.addEventListener("abort", () => {
          clearTimeout(handle);
          write({ t: "abort", slot: fence.slot, epoch: fence.epoch, reason: signal.reason?.name });
          resolve();
        });
      });
    }
  },
  { name: "chaos", mode: "fixed_rate", lease, driver, logger, onError: () => "continue" },
);

process.on("SIGTERM", async () => {
  await timer.cancel({ timeout: 2 });
  write({ t: "exit" });
  await close();
  process.exit(0);
});

timer.start();
write({ t: "ready", pid: process.pid });
