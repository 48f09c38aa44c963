#!/usr/bin/env node
// Cross-thread control of a timer (@async-timer/node-threads) against the raw floor, measured
// side by side in one run:
//
//   1. triggerSync() round trip on an idle owner vs. a raw MessagePort + Atomics.wait ping-pong
//      (the worker posts a message, blocks on a SharedArrayBuffer word; the owner's listener
//      stores and notifies). Target: within 2x.
//   2. a remote hitCount read vs. a raw Atomics.load of an Int32Array word. Target: within 2x.
//   3. (for information) the owner's cost per tick of being shared: `await timer.trigger()` in a
//      loop, with and without a shared handle open.
//
// Each round measures both sides of a pair back to back (round trips in alternating chunks of
// 100); the ratios are reported as the median and the min-max over the rounds. Runs the built packages: build first
// (`pnpm build`, or `npx tsc -p tsconfig.build.json` in packages/core and packages/node-threads).
//
//   node bench/worker-control/worker-control.mjs [--rounds 7] [--json]
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from "node:worker_threads";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const distOf = {
  core: here("../../packages/core/dist/index.js"),
  threads: here("../../packages/node-threads/dist/index.js"),
};
for (const [name, path] of Object.entries(distOf)) {
  if (!existsSync(path)) {
    console.error(`${path} is missing: build ${name} first (pnpm build).`);
    process.exit(1);
  }
}
const { Timer } = await import(distOf.core);
const { openTimer, shareTimer } = await import(distOf.threads);

const ROUND_TRIPS = 2000;
const READS = 5_000_000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(values, digits = 2) {
  const fmt = (x) => x.toFixed(digits);
  return {
    median: Number(fmt(median(values))),
    min: Number(fmt(Math.min(...values))),
    max: Number(fmt(Math.max(...values))),
  };
}

// ─── The worker: does the calling and the reading ──────────────────────────────────────────

if (!isMainThread) {
  const { handle, raw, port, rounds } = workerData;
  const remote = openTimer(handle);
  const word = new Int32Array(raw);
  let id = 0;
  const rawRoundTrip = () => {
    id++;
    port.postMessage(id);
    while (Atomics.load(word, 0) !== id) Atomics.wait(word, 0, id - 1, 1000);
  };
  // Round trips are timed in small alternating chunks, so a change in the machine's load hits
  // both sides of the pair alike.
  const CHUNK = 100;
  const timeRoundTrips = () => {
    let raw = 0;
    let trigger = 0;
    for (let done = 0; done < ROUND_TRIPS; done += CHUNK) {
      let start = performance.now();
      for (let i = 0; i < CHUNK; i++) rawRoundTrip();
      raw += performance.now() - start;
      start = performance.now();
      for (let i = 0; i < CHUNK; i++) remote.triggerSync({ timeout: 10 });
      trigger += performance.now() - start;
    }
    return { raw: (raw * 1000) / ROUND_TRIPS, trigger: (trigger * 1000) / ROUND_TRIPS };
  };
  const words = new Int32Array(new SharedArrayBuffer(64));
  Atomics.store(words, 1, 12345);
  let sink = 0;
  // Each loop sums into a local and hands the sum out once, so what is timed is the read.
  const timeLoad = () => {
    let sum = 0;
    const start = performance.now();
    for (let i = 0; i < READS; i++) sum += Atomics.load(words, 1);
    const ns = ((performance.now() - start) * 1e6) / READS;
    sink ^= sum;
    return ns;
  };
  const timeHitCount = () => {
    let sum = 0;
    const start = performance.now();
    for (let i = 0; i < READS; i++) sum += remote.hitCount;
    const ns = ((performance.now() - start) * 1e6) / READS;
    sink ^= sum;
    return ns;
  };
  const timeSnapshot = () => {
    let sum = 0;
    const start = performance.now();
    for (let i = 0; i < READS / 10; i++) sum += remote.snapshot().hitCount;
    const ns = ((performance.now() - start) * 1e6) / (READS / 10);
    sink ^= sum;
    return ns;
  };
  // Warm-up: JIT both sides before measuring.
  for (let i = 0; i < 300; i++) rawRoundTrip();
  for (let i = 0; i < 300; i++) remote.triggerSync();
  timeLoad();
  timeHitCount();
  timeSnapshot();
  const result = { raw: [], trigger: [], load: [], hitCount: [], snapshot: [] };
  for (let round = 0; round < rounds; round++) {
    const trips = timeRoundTrips();
    result.raw.push(trips.raw);
    result.trigger.push(trips.trigger);
    if (round % 2 === 0) {
      result.load.push(timeLoad());
      result.hitCount.push(timeHitCount());
    } else {
      result.hitCount.push(timeHitCount());
      result.load.push(timeLoad());
    }
    result.snapshot.push(timeSnapshot());
  }
  port.close();
  remote.disconnect();
  parentPort.postMessage({ ...result, sink });
} else {
  // ─── The owner: an idle timer, and the raw ping-pong's listener ─────────────────────────
  const args = process.argv.slice(2);
  const rounds = Number(args[args.indexOf("--rounds") + 1]) || 7;
  const json = args.includes("--json");
  if (rounds < 5) {
    console.error("--rounds must be at least 5");
    process.exit(1);
  }

  const timer = new Timer(3600, () => 42, { name: "bench" }).start();
  await timer.wait({ hitCount: 1 });
  const raw = new SharedArrayBuffer(8);
  const word = new Int32Array(raw);
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (id) => {
    Atomics.store(word, 0, id);
    Atomics.notify(word, 0);
  });
  const handle = shareTimer(timer);
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { handle, raw, port: port2, rounds },
    transferList: [...handle.transfer, port2],
  });
  const measured = await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  port1.close();

  // Owner side: the cost per tick of being shared (a handle open, so every tick is published).
  const TICKS = 20_000;
  const tickCost = async (target) => {
    const start = performance.now();
    for (let i = 0; i < TICKS; i++) await target.trigger();
    return ((performance.now() - start) * 1e6) / TICKS;
  };
  let n = 0;
  const plain = new Timer(3600, () => ({ n: ++n }), { name: "plain" }).start();
  const shared = new Timer(3600, () => ({ n: ++n }), { name: "shared" }).start();
  const sharedQuiet = new Timer(3600, () => ({ n: ++n }), { name: "shared-no-result" }).start();
  const keep = [
    openTimer(shareTimer(shared)),
    openTimer(shareTimer(sharedQuiet, { lastResult: false })),
  ];
  await tickCost(plain);
  await tickCost(shared);
  await tickCost(sharedQuiet);
  const owner = { plain: [], shared: [], sharedQuiet: [] };
  for (let round = 0; round < rounds; round++) {
    owner.plain.push(await tickCost(plain));
    owner.shared.push(await tickCost(shared));
    owner.sharedQuiet.push(await tickCost(sharedQuiet));
  }
  for (const remote of keep) remote.disconnect();
  await Promise.all([timer.cancel(), plain.cancel(), shared.cancel(), sharedQuiet.cancel()]);

  const ratio = (a, b) => a.map((x, i) => x / b[i]);
  const report = {
    node: process.version,
    rounds,
    triggerSync: {
      rawRoundTripUs: summary(measured.raw),
      triggerSyncUs: summary(measured.trigger),
      ratio: summary(ratio(measured.trigger, measured.raw)),
      target: 2,
    },
    hitCountRead: {
      atomicsLoadNs: summary(measured.load),
      hitCountNs: summary(measured.hitCount),
      ratio: summary(ratio(measured.hitCount, measured.load)),
      target: 2,
      snapshotNs: summary(measured.snapshot),
    },
    ownerTick: {
      plainNs: summary(owner.plain, 0),
      sharedNs: summary(owner.shared, 0),
      sharedWithoutResultNs: summary(owner.sharedQuiet, 0),
      ratio: summary(ratio(owner.shared, owner.plain)),
      ratioWithoutResult: summary(ratio(owner.sharedQuiet, owner.plain)),
    },
  };
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const line = (label, s, unit = "") =>
      `${label.padEnd(44)} ${String(s.median).padStart(9)}${unit}  (${s.min}–${s.max})`;
    const verdict = (s, target) => (s.median <= target ? `within ${target}x` : `OVER ${target}x`);
    console.log(`worker-control, node ${process.version}, ${rounds} rounds: median (min–max)\n`);
    console.log(
      line("raw MessagePort + Atomics.wait round trip", report.triggerSync.rawRoundTripUs, " µs"),
    );
    console.log(
      line("remote.triggerSync() on an idle owner", report.triggerSync.triggerSyncUs, " µs"),
    );
    console.log(
      `${line("  ratio", report.triggerSync.ratio, "x")}  ${verdict(report.triggerSync.ratio, 2)}\n`,
    );
    console.log(line("raw Atomics.load", report.hitCountRead.atomicsLoadNs, " ns"));
    console.log(line("remote.hitCount", report.hitCountRead.hitCountNs, " ns"));
    console.log(
      `${line("  ratio", report.hitCountRead.ratio, "x")}  ${verdict(report.hitCountRead.ratio, 2)}`,
    );
    console.log(
      `${line("remote.snapshot() (all fields, consistent)", report.hitCountRead.snapshotNs, " ns")}\n`,
    );
    console.log(line("owner: await timer.trigger(), not shared", report.ownerTick.plainNs, " ns"));
    console.log(
      line("owner: the same, shared (value published)", report.ownerTick.sharedNs, " ns"),
    );
    console.log(
      line(
        "owner: the same, shared with lastResult: false",
        report.ownerTick.sharedWithoutResultNs,
        " ns",
      ),
    );
    console.log(line("  ratio, shared / not shared", report.ownerTick.ratio, "x"));
    console.log(
      line("  ratio, lastResult: false / not shared", report.ownerTick.ratioWithoutResult, "x"),
    );
  }
}
