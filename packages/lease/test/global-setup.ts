/**
 * Finds PostgreSQL and Redis once for the whole run: ASYNC_TIMER_PG_URL / ASYNC_TIMER_REDIS_URL,
 * by default the shared local servers. Where nothing answers, a throwaway server is started from
 * the local binaries for the run; where there is none, the run fails with one line saying what to
 * install. Never a silent skip.
 */
import type { TestProject } from "vitest/node";
import {
  DEFAULT_PG_URL,
  DEFAULT_REDIS_URL,
  postgresAnswers,
  redisAnswers,
  type Throwaway,
  throwawayPostgres,
  throwawayRedis,
} from "./servers.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const own: Throwaway[] = [];
  const pgUrl = process.env.ASYNC_TIMER_PG_URL ?? DEFAULT_PG_URL;
  const redisUrl = process.env.ASYNC_TIMER_REDIS_URL ?? DEFAULT_REDIS_URL;
  try {
    if (await postgresAnswers(pgUrl)) project.provide("pgUrl", pgUrl);
    else {
      const server = await throwawayPostgres().catch((error: Error) => {
        throw new Error(`nothing answers at ${pgUrl} (ASYNC_TIMER_PG_URL) and ${error.message}`);
      });
      own.push(server);
      project.provide("pgUrl", server.url);
    }
    if (await redisAnswers(redisUrl)) project.provide("redisUrl", redisUrl);
    else {
      const server = await throwawayRedis().catch((error: Error) => {
        throw new Error(
          `nothing answers at ${redisUrl} (ASYNC_TIMER_REDIS_URL) and ${error.message}`,
        );
      });
      own.push(server);
      project.provide("redisUrl", server.url);
    }
  } catch (error) {
    await Promise.all(own.map((server) => server.remove()));
    throw error;
  }
  return async () => {
    await Promise.all(own.map((server) => server.remove()));
  };
}
