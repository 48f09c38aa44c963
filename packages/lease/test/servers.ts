/**
 * The engines the tests run against. The shared ones (ASYNC_TIMER_PG_URL / ASYNC_TIMER_REDIS_URL,
 * default the local PostgreSQL 15 and Redis 7) are only ever connected to; tests that stop, kill
 * or pause an engine start a throwaway one from the local binaries (`initdb` + `postgres` in a
 * temporary directory, `redis-server --save ''`), on a free port, and remove it afterwards, even
 * when the test fails or the process exits. Where no binary exists, the error says what to install.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** A server this process started. */
export interface Throwaway {
  readonly kind: "postgres" | "redis";
  readonly url: string;
  readonly port: number;
  /** The server's process id (the postmaster; redis-server). */
  readonly pid: number | undefined;
  /** Stops it as a crash would (SIGKILL for Redis, SIGQUIT, an immediate shutdown, for PostgreSQL). */
  crash(): Promise<void>;
  /** Starts it again on the same port (PostgreSQL keeps its data; Redis starts empty). */
  start(): Promise<void>;
  /** `pg_ctl restart -m immediate` / a Redis restart: crash() then start(). */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  remove(): Promise<void>;
}

const started = new Set<Throwaway>();
let exitHook = false;

function onExit(): void {
  if (exitHook) return;
  exitHook = true;
  // Last resort when a test process ends without its afterAll: no server outlives the tests.
  process.once("exit", () => {
    for (const server of started) {
      try {
        if (server.pid !== undefined) process.kill(server.pid, "SIGKILL");
      } catch {}
    }
  });
}

/** A TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis server answers PING at `url` within `ms`. */
export function redisAnswers(url: string, ms = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/** Whether PostgreSQL accepts a query at `url` within `ms`. */
export async function postgresAnswers(url: string, ms = 2000): Promise<boolean> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ms });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function which(name: string, extra: readonly string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...extra]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function postgresBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, "bin"));
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error(
      "running as root, PostgreSQL needs a 'postgres' user to run a throwaway server as: create one (useradd postgres) or run the tests as another user",
    );
  }
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts a throwaway PostgreSQL from the local binaries, or fails saying what to install. */
export async function throwawayPostgres(): Promise<Throwaway> {
  const initdb = which("initdb", postgresBinDirs());
  const postgres = which("postgres", postgresBinDirs());
  if (initdb === undefined || postgres === undefined) {
    throw new Error(
      "no initdb/postgres binaries found to start a throwaway PostgreSQL: install PostgreSQL 15 (apt-get install postgresql)",
    );
  }
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), "async-timer-pg-"));
  if (user !== undefined) execFileSync("chown", [`${user.uid}:${user.gid}`, dir]);
  const data = join(dir, "data");
  execFileSync(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], {
    stdio: "ignore",
    ...user,
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  const server: Throwaway = {
    kind: "postgres",
    url,
    port,
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn(
        postgres,
        [
          "-D",
          data,
          "-p",
          String(port),
          "-k",
          dir,
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "fsync=off",
          "-c",
          "full_page_writes=off",
          "-c",
          "max_connections=200",
        ],
        { stdio: "ignore", ...user },
      );
      child.on("error", () => {});
      await until(
        `the throwaway PostgreSQL on port ${port}`,
        () => postgresAnswers(url, 500),
        30_000,
      );
    },
    async crash() {
      const running = child;
      running?.kill("SIGQUIT"); // what pg_ctl stop -m immediate sends
      await exited(running);
    },
    async restart() {
      await server.crash();
      await server.start();
    },
    async remove() {
      const running = child;
      running?.kill("SIGKILL");
      await exited(running);
      started.delete(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.add(server);
  onExit();
  await server.start();
  return server;
}

/** Starts a throwaway Redis from the local binary, or fails saying what to install. */
export async function throwawayRedis(): Promise<Throwaway> {
  const binary = which("redis-server");
  if (binary === undefined) {
    throw new Error(
      "no redis-server binary found to start a throwaway Redis: install Redis 7 (apt-get install redis-server)",
    );
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const server: Throwaway = {
    kind: "redis",
    url,
    port,
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn(
        binary,
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      child.on("error", () => {});
      await until(`the throwaway Redis on port ${port}`, () => redisAnswers(url, 300), 15_000);
    },
    async crash() {
      const running = child;
      running?.kill("SIGKILL");
      await exited(running);
    },
    async restart() {
      await server.crash();
      await server.start();
    },
    async remove() {
      await server.crash();
      started.delete(server);
    },
  };
  started.add(server);
  onExit();
  await server.start();
  return server;
}
