// The owner: this thread runs a cache-refresh timer and shares it with a worker that serves
// requests from the cache. The README shows this file (in TypeScript): `node main.mjs`.
import { Worker } from "node:worker_threads";
import { Timer } from "@async-timer/core";
import { shareTimer } from "@async-timer/node-threads";

let version = 0;
async function refreshDb() {
  // Stands for a database query.
  version++;
  return [
    { id: 1, name: `alice (v${version})` },
    { id: 2, name: `bob (v${version})` },
  ];
}

const cache = new Timer(0.5, refreshDb, { name: "db_refresh" }).start();
await cache.wait({ hitCount: 1 }); // warm before anyone reads it

const handle = shareTimer(cache); // one handle per thread
const reader = new Worker(new URL("./reader.mjs", import.meta.url), {
  workerData: { cache: handle },
  transferList: [...handle.transfer],
});
reader.on("message", (line) => console.log(`reader: ${line}`));
reader.on("exit", () => console.log(`owner: reader gone; timer running: ${cache.isRunning()}`));
setTimeout(() => reader.postMessage("shutdown"), 1600);
// Once the reader has cancelled the timer, nothing keeps this thread alive: it exits.
