// A worker that serves requests from the shared cache, and stops the refresh on shutdown.
import { parentPort, workerData } from "node:worker_threads";
import { openTimer } from "@async-timer/node-threads";

const cache = openTimer(workerData.cache);

// A synchronous request handler: the reads never block and never wait for the owner.
function respond(id) {
  const rows = cache.lastResult() ?? [];
  const { hitCount, lastTickAt } = cache.snapshot(); // one consistent pair
  const row = rows.find((r) => r.id === id);
  return `${row?.name ?? "nobody"} (refresh #${hitCount}, ${Date.now() - (lastTickAt ?? 0)} ms old)`;
}

const requests = setInterval(() => parentPort?.postMessage(respond(1)), 400);

parentPort?.on("message", (message) => {
  if (message !== "shutdown") return;
  clearInterval(requests);
  cache.cancelSync({ timeout: 5 }); // blocks until the owner's `await timer.cancel()` is done
  parentPort?.postMessage(`cancelled the refresh; running: ${cache.isRunning()}`);
  parentPort?.close(); // nothing left to do: let this thread end
});
