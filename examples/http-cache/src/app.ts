/**
 * The seed's FastAPI lifespan example, in Fastify: a Timer refreshes the cache every few seconds,
 * started in the `onReady` hook (which `listen()` awaits, so the first request already sees a
 * warm cache) and cancelled in the `preClose` hook (which waits for a refresh in flight).
 */
import { type Duration, Timer, TimerCancelledError } from "@async-timer/core";
import Fastify, { type FastifyInstance } from "fastify";
import { fakeDatabase, type Snapshot } from "./database.js";

export interface AppOptions {
  /** How often the cache refreshes. Default 5 s, as in the seed. */
  refreshEvery?: Duration;
  /** Where the data comes from. Default: a fake database. */
  load?: (signal: AbortSignal) => Promise<Snapshot>;
  logger?: boolean;
  /** How long shutdown waits for a refresh in flight before abandoning it. Default 5 s. */
  shutdownTimeout?: Duration;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The timer that keeps the cache fresh. */
    readonly cacheTimer: Timer<Snapshot>;
  }
}

export function buildApp(options: AppOptions = {}): FastifyInstance {
  const database = fakeDatabase();
  const load = options.load ?? ((signal) => database.query(signal));
  const app = Fastify({ logger: options.logger ?? false });

  const cacheTimer = new Timer(options.refreshEvery ?? 5, ({ signal }) => load(signal), {
    name: "db_refresh",
    // Log through Fastify's logger (pino), with the timer's name on every line.
    logger: {
      warn: (message, error) => app.log.warn({ err: error }, message),
      error: (message, error) => app.log.error({ err: error }, message),
    },
    // A failed refresh keeps serving the last good snapshot and tries again next time. Returning
    // "continue" takes the error over from the timer's own logging: say what happened.
    onError: (error) => {
      app.log.error({ err: error }, "db_refresh failed; serving the last good snapshot");
      return "continue";
    },
  });
  app.decorate("cacheTimer", cacheTimer);

  app.addHook("onReady", async () => {
    cacheTimer.start();
    await cacheTimer.wait({ hitCount: cacheTimer.hitCount + 1, timeout: 10 });
  });

  // preClose, not onClose: Fastify waits for in-flight requests between the two, and a
  // `POST /refresh` in flight waits for the timer — only cancelling it lets that request end.
  app.addHook("preClose", async () => {
    await cacheTimer.cancel({ timeout: options.shutdownTimeout ?? 5 });
  });

  app.get("/", async () => ({ db_cache: cacheTimer.lastResult ?? null }));

  app.post("/refresh", async (_request, reply) => {
    try {
      const snapshot = await cacheTimer.trigger(); // a query that started after this request
      return { db_cache: snapshot };
    } catch (error) {
      if (!(error instanceof TimerCancelledError)) throw error;
      return reply.code(503).send({ error: "shutting down" });
    }
  });

  app.get("/health", async () => ({
    timer: String(cacheTimer),
    lastRefreshAt: cacheTimer.lastTickAt ?? null,
  }));

  return app;
}
