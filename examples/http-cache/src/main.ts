/**
 * Runs the service: `pnpm --filter async-timer-example-http-cache start`, then
 * `curl localhost:8000` and `curl -X POST localhost:8000/refresh`. Ctrl-C shuts it down cleanly.
 */
import { buildApp } from "./app.js";

const app = buildApp({ logger: true });
await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 8000) });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
