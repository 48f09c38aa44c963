/**
 * Runs the service: `pnpm --filter async-timer-example-http-cache start`, then
 * `curl localhost:8000` and `curl -X POST localhost:8000/refresh`. Ctrl-C shuts it down cleanly
 * and says what it closed.
 */
import { buildApp } from "./app.js";

const app = buildApp({ logger: true });
await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 8000) });

/** Handles that would keep the process alive: timers, servers, sockets. */
function openHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => /^(Timeout|Immediate|TCPServerWrap|TCPSocketWrap)$/.test(kind));
}

let closing = false;
// Ctrl-C in a terminal signals every process of the foreground group: this one, and the `tsx`
// (and `pnpm`) that started it, which relay it once more. Handle every copy — `once` would leave
// the second to kill the process by signal, which pnpm reports as a failed command — and close
// only once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.close().then(
      async () => {
        // The server's handle is released in the loop's close phase, after this callback: look
        // once the loop has come round to the timers again.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const left = openHandles();
        console.log(
          `${signal}: server closed, timer cancelled (${String(app.cacheTimer)}), ${left.length} handle${left.length === 1 ? "" : "s"} left${left.length > 0 ? ` (${left.join(", ")})` : ""}`,
        );
        process.exitCode = left.length === 0 ? 0 : 1;
        process.exit();
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
